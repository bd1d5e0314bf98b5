"""The one place that says what time it is, so `jifen tick --now` and tests can move time."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from contextvars import ContextVar

from django.utils import timezone

_override: ContextVar[dt.datetime | None] = ContextVar("jifen_now", default=None)


def now() -> dt.datetime:
    value = _override.get()
    if value is not None:
        return value
    fake = os.environ.get("JIFEN_FAKE_NOW")
    if fake:
        return parse_aware(fake)
    return timezone.now()


def parse_aware(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    return value


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[dt.datetime]:
    if at.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    token = _override.set(at)
    try:
        yield at
    finally:
        _override.reset(token)
