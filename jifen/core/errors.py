"""Errors every layer understands: a stable code, a Chinese and an English message, detail.

Services raise these; pages show the message in the reader's language, the API returns
{"code", "message", "detail"}, commands print both languages.
"""

from __future__ import annotations

from typing import Any


class JifenError(Exception):
    status = 400
    default_code = "error"

    def __init__(self, zh: str, en: str, *, code: str | None = None, detail: Any = None) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en
        self.code = code or self.default_code
        self.detail = detail

    def message(self, language: str | None = None) -> str:
        if language and language.lower().startswith("en"):
            return self.en
        return self.zh

    def as_dict(self, language: str | None = None) -> dict[str, Any]:
        return {"code": self.code, "message": self.message(language), "detail": self.detail}


class InvalidInput(JifenError):
    status = 422
    default_code = "invalid"


class PermissionDenied(JifenError):
    status = 403
    default_code = "forbidden"


class NotFound(JifenError):
    status = 404
    default_code = "not_found"


class Conflict(JifenError):
    """Two people acted on the same thing at once, or the thing moved on in the meantime."""

    status = 409
    default_code = "conflict"


class IllegalTransition(JifenError):
    status = 409
    default_code = "illegal_transition"


class IdempotencyMismatch(JifenError):
    """The same idempotency key came back with different content."""

    status = 422
    default_code = "idempotency_mismatch"


class RateLimited(JifenError):
    """Too many requests of a kind from one client in a window (public, unauthenticated writes)."""

    status = 429
    default_code = "rate_limited"


def field_error(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, en, code="invalid_field", detail={"field": field})


def zh(text: Any) -> str:
    """A lazy label read in Chinese, whatever language the current request activated.

    Stored text (ledger reasons, claim history) and the Chinese half of an error must not
    change with the reader's language cookie.
    """
    from django.utils import translation

    with translation.override("zh-hans"):
        return str(text)
