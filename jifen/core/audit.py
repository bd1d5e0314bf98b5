"""Writing audit rows. Call inside the same transaction as the change being recorded."""

from __future__ import annotations

from typing import Any

from django.db import models

from jifen.core import clock, context
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
