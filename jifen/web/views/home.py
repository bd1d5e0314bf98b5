from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jifen.web import nav


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: a welcome with sign-in for visitors, the person's sections once signed in."""
    # The cards point onwards: the home page's own link is left out, and so is a section left empty.
    cards = []
    for section in nav.sections_for(request):
        links = [link for link in section.links if not link.active]
        if links:
            cards.append(nav.Section(section.key, section.label, links))
    return render(request, "web/home.html", {"sections": cards})
