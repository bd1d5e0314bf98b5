"""Who may open an admin console page: org admins of the unit's subtree and platform admins."""

from __future__ import annotations

from django.http import HttpRequest

from jifen.core.errors import PermissionDenied
from jifen.orgs.models import OrgUnit, Role
from jifen.orgs.selectors import org_by_path, user_has_role


def require_org_admin(request: HttpRequest, org: OrgUnit) -> OrgUnit:
    if not user_has_role(user=request.user, org=org, roles=[Role.ORG_ADMIN]):
        raise PermissionDenied(
            f"您不是「{org.name}」的管理员", f"you are not an administrator of {org.name}", code="not_org_admin"
        )
    return org


def admin_org(request: HttpRequest, path: str) -> OrgUnit:
    """The unit at `path`, if the viewer administers it (404 and 403 otherwise)."""
    return require_org_admin(request, org_by_path(path))
