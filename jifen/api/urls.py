"""/api/v1/…: the NinjaAPI's routes, with JSON bodies for wrong methods and unknown paths too."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path

from jifen.api.errors import no_such_endpoint, not_allowed
from jifen.api.main import api

app_name = api.urls_namespace


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = sorted(m.strip() for m in response.get("Allow", "").split(",") if m.strip())
            return not_allowed(request, allowed)
        return response

    return wrapped


def _patterns() -> list[URLPattern | URLResolver]:
    patterns = []
    for pattern in api.urls[0]:
        if isinstance(pattern, URLPattern):
            pattern.callback = _json_405(pattern.callback)
        patterns.append(pattern)
    return patterns


urlpatterns: list[URLPattern | URLResolver] = [*_patterns(), re_path(r"^.*$", no_such_endpoint)]
