"""Writing audit rows. Call inside the same transaction as the change being recorded."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction

from jifen.core import clock, context
from jifen.core.db import maintenance
from jifen.core.errors import field_error
from jifen.core.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | bool | float):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return str(value)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    org_path: str = "",
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEvent.objects.create(
        at=clock.now(),
        actor_id=getattr(actor, "pk", None),
        actor_name=(getattr(actor, "get_username", lambda: "")() if actor is not None else "system")[:150],
        ip=ctx.ip,
        channel=ctx.channel,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        org_path=org_path,
        summary=summary[:500],
        before=_jsonable(before),
        after=_jsonable(after),
    )


# MLPS 2.0 (等保2.0) asks for at least six months of logs; 180 days is the floor, not a default
# anyone may lower.
MIN_RETENTION_DAYS = 180


def audit_prune(*, actor: Any, older_than_days: int = MIN_RETENTION_DAYS, now: dt.datetime | None = None) -> int:
    """Delete audit rows older than `older_than_days` (never fewer than 180) and record that."""
    if older_than_days < MIN_RETENTION_DAYS:
        raise field_error(
            "older_than_days",
            f"审计日志至少保留 {MIN_RETENTION_DAYS} 天（等保2.0）",
            f"audit rows are kept at least {MIN_RETENTION_DAYS} days (MLPS 2.0)",
        )
    cutoff = (now or clock.now()) - dt.timedelta(days=older_than_days)
    with transaction.atomic(), maintenance():
        deleted, _ = AuditEvent.objects.filter(at__lt=cutoff).delete()
        audit_record(
            actor=actor, action="core.audit_prune", summary=f"删除 {deleted} 条 / deleted {deleted}",
            after={"older_than_days": older_than_days, "cutoff": cutoff, "deleted": deleted},
        )
    return deleted
