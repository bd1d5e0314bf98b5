"""Hooks for `st run` (SCHEMATHESIS_HOOKS=jifen.api.tests.schemathesis_hooks).

Hypothesis draws the same few Idempotency-Key values again and again; a valid request that
reused one would be answered 422 idempotency_mismatch, which is right but tests nothing else.
A valid (positive) case therefore gets a fresh key; invalid cases keep the key they were given.
"""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis


def fresh_key(case: Any) -> None:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not case.headers:
        return
    if "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    fresh_key(case)
