"""In-app notifications and the outbox later SMS / WeChat adapters drain.

Call `notify` inside the transaction of the change it announces, so a rolled-back change
never leaves a message behind and a committed one never misses its message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from jifen.core import clock
from jifen.core.errors import NotFound, PermissionDenied
from jifen.core.models import Notification


def _clean(kind: str, title: str, body: str, link: str) -> dict[str, str]:
    return {"kind": kind[:64], "title": title[:200], "body": body, "link": link[:500]}


def notify(*, user: Any, kind: str, title: str, body: str = "", link: str = "") -> Notification | None:
    """Queue one message for `user` (None or an inactive account: nothing is written)."""
    if user is None or not getattr(user, "is_active", True):
        return None
    return Notification.objects.create(recipient_id=user.pk, created_at=clock.now(), **_clean(kind, title, body, link))


def notify_many(*, users: Iterable[Any], kind: str, title: str, body: str = "", link: str = "") -> int:
    """The same message to several users, each once, in one insert."""
    seen: dict[int, Any] = {}
    for user in users:
        if user is not None and getattr(user, "is_active", True):
            seen.setdefault(user.pk, user)
    now = clock.now()
    rows = [Notification(recipient_id=pk, created_at=now, **_clean(kind, title, body, link)) for pk in seen]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notify_each(messages: Iterable[tuple[int, str, str, str, str]]) -> int:
    """Different messages to different users in one insert: (user id, kind, title, body, link)."""
    now = clock.now()
    rows = [
        Notification(recipient_id=user_id, created_at=now, **_clean(kind, title, body, link))
        for user_id, kind, title, body, link in messages
    ]
    Notification.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def notifications_for(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's inbox, newest first."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


@transaction.atomic
def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    row = Notification.objects.select_for_update().filter(pk=notification.pk).first()
    if row is None:
        raise NotFound("找不到这条消息", "no such notification", code="notification_not_found")
    if row.recipient_id != getattr(user, "pk", None):
        raise PermissionDenied("只能标记自己的消息", "you can only mark your own messages", code="not_your_notification")
    if row.read_at is None:
        row.read_at = clock.now()
        row.save(update_fields=["read_at"])
    return row


def outbox_pending(*, limit: int = 500) -> QuerySet[Notification]:
    """Messages no external channel has delivered yet, oldest first (for SMS / WeChat adapters)."""
    return Notification.objects.filter(sent_at__isnull=True).select_related("recipient").order_by("id")[:limit]


@transaction.atomic
def outbox_mark_sent(*, notification_ids: Iterable[int], channel: str, at: dt.datetime | None = None) -> int:
    """Record delivery; rows already marked keep their first delivery."""
    return Notification.objects.filter(pk__in=list(notification_ids), sent_at__isnull=True).update(
        sent_at=at or clock.now(), channel=channel[:16]
    )
