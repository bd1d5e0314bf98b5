from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jifen.core.context import RequestContext, acting


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with acting(RequestContext(ip=client_ip(request), channel=channel)):
            return self.get_response(request)


# One strict policy for every response. Scripts and styles come from our own origin, or inline
# only with this request's nonce (templates use {{ request.csp_nonce }}); no eval, no remote
# hosts, no plugins, no framing. Images may be data: URIs (QR codes, ECharts exports) or
# blob: (photo previews before an evidence upload).
CSP_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'nonce-{nonce}'"),
    ("style-src", "'self' 'nonce-{nonce}'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("media-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"


def content_security_policy(nonce: str) -> str:
    return "; ".join(f"{name} {value.format(nonce=nonce)}" for name, value in CSP_DIRECTIVES)


class SecurityHeadersMiddleware:
    """Content-Security-Policy with a per-request nonce, and Permissions-Policy.

    Django's SecurityMiddleware already sends nosniff, Referrer-Policy, COOP and HSTS, and the
    clickjacking middleware X-Frame-Options: DENY; Django 5.2 has no CSP of its own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
