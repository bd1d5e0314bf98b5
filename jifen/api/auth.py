"""Who is calling: a personal API token (Authorization: Bearer …) or the pages' session.

A token acts with its user's role bindings; nothing is granted to the token itself. Session
callers must send the CSRF token on writes, as the pages' fetches do.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from jifen.api.selectors import api_token_authenticate
from jifen.core.errors import PermissionDenied


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Idempotent writes authenticate before the operation runs, so remember the answer.
        cached = getattr(request, "_jifen_token_auth", None)
        if cached is not None and cached[0] == token:
            return cached[1]
        api_token = api_token_authenticate(token)
        user = api_token.user if api_token is not None else None
        request._jifen_token_auth = (token, user)  # type: ignore[attr-defined]
        if api_token is not None:
            request.api_token = api_token  # type: ignore[attr-defined]
        return user


class SessionAuth(APIKeyCookie):
    """The pages' signed-in session; writes need Django's CSRF token (X-CSRFToken header)."""

    def __init__(self) -> None:
        from django.conf import settings

        self.param_name = settings.SESSION_COOKIE_NAME
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        # Checked only for a signed-in session, so a bad token answers 401, not a CSRF 403.
        if check_csrf(request) is not None:
            raise PermissionDenied(
                "CSRF 校验失败，请刷新页面后重试", "CSRF check failed: reload the page and retry", code="csrf_failed"
            )
        return user


def caller(request: HttpRequest) -> Any:
    """The authenticated user of this request."""
    return request.auth  # type: ignore[attr-defined]


def via_token(request: HttpRequest) -> bool:
    return getattr(request, "api_token", None) is not None


AUTH = [TokenAuth(), SessionAuth()]
