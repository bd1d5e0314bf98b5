from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.web import nav


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: a welcome with sign-in for visitors, the person's sections once signed in."""
    return render(request, "web/home.html", {"sections": nav.sections_for(request)})
