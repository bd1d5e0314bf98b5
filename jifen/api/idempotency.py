"""Idempotency-Key on every write (POST, PUT, PATCH, DELETE), implemented once for the whole API.

- The first request with a key claims it: a unique (scope, key) insert, committed at once, so
  whichever concurrent request inserts first does the work and the others see it.
- The work and the stored answer commit in one transaction; an answer that is not 2xx rolls
  the work back and frees the key, so a corrected retry may use it again.
- The same key with the same method, path and body replays the stored answer without running
  anything (header `Idempotent-Replayed: true`); with anything different → 422
  `idempotency_mismatch`; while the first is still running → 409 `idempotency_in_progress`.
- Keys are scoped per user (a token acts as its user), so two users never collide.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from jifen.api.errors import error_response, language
from jifen.api.models import IdempotencyRecord
from jifen.core import clock

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[A-Za-z0-9_.:-]{8,100}$"
_KEY_RE = re.compile(KEY_PATTERN)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A claim still "running" after this long belongs to a request that died; it may be taken over.
STALE_AFTER = dt.timedelta(minutes=10)
KEEP_FOR = dt.timedelta(days=7)

HEADER_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": True,
    "description": (
        "每次写操作必填；同一键与同一请求体重发时返回首次的结果而不重复写入 / required on every write: "
        "a retry with the same key and body gets the first answer and writes nothing again"
    ),
    "schema": {"type": "string", "pattern": KEY_PATTERN, "minLength": 8, "maxLength": 100},
}


class _Discard(Exception):
    def __init__(self, response: HttpResponseBase) -> None:
        self.response = response


def redacts(*fields: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Store the answer with these top-level fields set to null (secrets shown once, never kept)."""

    def mark(func: Callable[..., Any]) -> Callable[..., Any]:
        func._jifen_idempotency_redacts = tuple(fields)  # type: ignore[attr-defined]
        return func

    return mark


def _scope(request: HttpRequest) -> str:
    user = getattr(request, "auth", None)
    return f"user:{user.pk}" if getattr(user, "pk", None) else "anon"


def _body_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b"\n" + request.get_full_path().encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        record.response_body, status=record.response_status, content_type=record.response_content_type or None
    )
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(request: HttpRequest, key: str) -> IdempotencyRecord | HttpResponse:
    scope, body_hash, now = _scope(request), _body_hash(request), clock.now()
    path = request.path[:500]
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    scope=scope, key=key, method=request.method, path=path, body_hash=body_hash, created_at=now
                )
        except IntegrityError:
            pass
        record = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if record is None:
            continue  # freed between our insert and our read: try to claim it again
        if (record.method, record.path, record.body_hash) != (request.method, path, body_hash):
            return error_response(
                request, 422, "idempotency_mismatch",
                "同一个 Idempotency-Key 已用于不同的请求；新请求请换一个键",
                "this Idempotency-Key was already used for a different request: use a new key",
                [{"field": HEADER, "message": "已用于不同的请求" if language(request) == "zh" else "used for a different request"}],
            )
        if record.state == IdempotencyRecord.State.DONE:
            return _replay(record)
        if now - record.created_at < STALE_AFTER:
            return error_response(
                request, 409, "idempotency_in_progress",
                "同一请求正在处理中，请稍后重试", "the same request is still being processed: retry shortly",
            )
        IdempotencyRecord.objects.filter(pk=record.pk, state=IdempotencyRecord.State.RUNNING).delete()
    return error_response(
        request, 409, "idempotency_in_progress", "同一请求正在处理中，请稍后重试",
        "the same request is still being processed: retry shortly",
    )


def _stored_body(response: HttpResponseBase, redacted: tuple[str, ...]) -> str:
    body = response.content.decode("utf-8")  # type: ignore[attr-defined]
    if redacted:
        data = json.loads(body)
        if isinstance(data, dict):
            data.update({name: None for name in redacted if name in data})
        body = json.dumps(data, ensure_ascii=False)
    return body


def _missing_key(request: HttpRequest, key: str | None) -> HttpResponse:
    en = language(request) == "en"
    if key is None:
        message = "required on every write" if en else "每次写操作必填"
    else:
        message = "8–100 characters: letters, digits, _ . : -" if en else "8–100 位字母、数字或 _ . : -"
    return error_response(
        request, 422, "validation_error", f"输入有误：{HEADER}", f"invalid input: {HEADER}",
        [{"field": HEADER, "message": message}],
    )


def guard(run: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Ninja 'view' decorator (wraps Operation.run): makes every write operation idempotent."""
    operation = getattr(run, "__self__", None)
    if operation is None or not WRITE_METHODS.intersection(operation.methods):
        return run
    redacted = getattr(operation.view_func, "_jifen_idempotency_redacts", ())

    @functools.wraps(run)
    def idempotent_run(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        # Authenticate first so the key is scoped to the caller (auth answers are cached on
        # the request, so run() does not look the token up twice).
        error = operation._run_checks(request)
        if error:
            return error
        key = request.headers.get(HEADER)
        if key is None or not _KEY_RE.match(key):
            return _missing_key(request, key)
        claimed = _claim(request, key)
        if isinstance(claimed, HttpResponse):
            return claimed
        record = claimed
        try:
            with transaction.atomic():
                response = run(request, **kwargs)
                if not 200 <= response.status_code < 300:
                    raise _Discard(response)
                IdempotencyRecord.objects.filter(pk=record.pk).update(
                    state=IdempotencyRecord.State.DONE, response_status=response.status_code,
                    response_body=_stored_body(response, redacted),
                    response_content_type=response.get("Content-Type", ""), completed_at=clock.now(),
                )
        except _Discard as discard:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            return discard.response
        except BaseException:
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
            raise
        return response

    return idempotent_run


def prune_idempotency_records(*, now: dt.datetime) -> str:
    """Tick task: forget answers older than a week (a retry that late is a new request)."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=now - KEEP_FOR).delete()
    return f"删除 {deleted} 条过期幂等记录 / pruned {deleted} idempotency record(s)"
