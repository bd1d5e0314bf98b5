from __future__ import annotations

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
