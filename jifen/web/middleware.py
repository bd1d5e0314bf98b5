from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from jifen.core.errors import JifenError


class JifenErrorMiddleware:
    """A service's refusal that no view caught becomes a page in the reader's language, never a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, JifenError) or request.path.startswith("/api/"):
            return None
        context = {"message": exception.message(get_language()), "code": exception.code}
        return render(request, "web/error.html", context, status=exception.status)
