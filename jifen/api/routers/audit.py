"""The audit log, read-only, for org admins over their subtrees (platform admins: everything)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from jifen.api.schemas.audit import AuditFilter, AuditOut
from jifen.api.schemas.common import Page, PageIn, page_of
from jifen.api.scoping import require_admin_anywhere, require_admin_over, visible_org
from jifen.core.errors import field_error
from jifen.core.models import AuditEvent
from jifen.orgs.models import subtree_q
from jifen.orgs.selectors import ADMIN_ROLES

router = Router(tags=["audit 审计日志"])


def _aware(value: Any, field: str) -> Any:
    if value is not None and value.tzinfo is None:
        raise field_error(field, "时间须带时区，例如 +08:00", "the time needs a time zone, e.g. +08:00")
    return value


@router.get("/audit", response=Page[AuditOut])
def audit_list(request: HttpRequest, page: Query[PageIn], filters: Query[AuditFilter]) -> Any:
    """审计日志：谁、何时、何处、做了什么、前后变化 / who did what, when, from where, before/after."""
    scope = require_admin_anywhere(request)
    qs = AuditEvent.objects.filter(scope.org_q(ADMIN_ROLES, "org_path"))
    if filters.org_id is not None:
        org = visible_org(request, filters.org_id)
        require_admin_over(request, org)
        qs = qs.filter(subtree_q(org.path, "org_path"))
    if filters.actor_id is not None:
        qs = qs.filter(actor_id=filters.actor_id)
    if filters.action:
        if filters.action.endswith("*"):
            qs = qs.filter(action__startswith=filters.action[:-1])
        else:
            qs = qs.filter(action=filters.action)
    if filters.object_type:
        qs = qs.filter(object_type=filters.object_type)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    since, until = _aware(filters.since, "since"), _aware(filters.until, "until")
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    return page_of(qs.order_by("-at", "-id"), page)
