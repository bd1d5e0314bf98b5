"""Helpers every router uses to scope reads and check writes by the caller's role bindings.

Reads: start from a `*_visible_to(access=...)` selector and fetch objects through `visible()`,
so an object outside the caller's subtrees is 404, exactly as if it did not exist.
Writes: `require_admin_over(request, org)` (or another role set) → 403 when visible but not
allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from jifen.core.errors import NotFound, PermissionDenied
from jifen.orgs.models import OrgUnit
from jifen.orgs.selectors import ADMIN_ROLES, Access, access_for, org_units_visible_to

M = TypeVar("M", bound=Model)


def access(request: HttpRequest) -> Access:
    """The caller's bindings, looked up once per request."""
    cached = getattr(request, "_jifen_access", None)
    if cached is None:
        cached = access_for(getattr(request, "auth", None))
        request._jifen_access = cached  # type: ignore[attr-defined]
    return cached


def visible(queryset: QuerySet[M], pk: int, *, what: str = "对象", what_en: str = "object") -> M:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"找不到该{what}", f"no such {what_en}", code="not_found")
    return obj


def visible_org(request: HttpRequest, pk: int) -> OrgUnit:
    return visible(org_units_visible_to(access=access(request)), pk, what="组织", what_en="org unit")


def require_role_over(request: HttpRequest, org: OrgUnit, roles: Iterable[str], *, zh: str, en: str) -> None:
    if not access(request).covers(org.path, roles):
        raise PermissionDenied(zh, en, code="forbidden")


def require_admin_over(request: HttpRequest, org: OrgUnit) -> None:
    require_role_over(
        request, org, ADMIN_ROLES,
        zh=f"只有「{org.name}」的组织管理员可以这样做", en=f"only an org admin over {org.path} may do this",
    )


def require_admin_anywhere(request: HttpRequest) -> Access:
    scope = access(request)
    if scope.roots(ADMIN_ROLES) == []:
        raise PermissionDenied("只有组织管理员可以查看", "only org admins may see this", code="forbidden")
    return scope


def actor(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]
