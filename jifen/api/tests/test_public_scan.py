"""Nothing a signed-out visitor can fetch shows an unmasked ID or mobile number.

Every URL pattern of the site (pages and API, arguments filled with real objects) is fetched
without credentials and every answer scanned for 18-digit ID numbers and 11-digit mobiles.
"""

from __future__ import annotations

import re

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from jifen.api.tests.test_leaks import seed_neighbour_household, seed_village_b

UNMASKED_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
UNMASKED_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def fill(route, values):
    route = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: str(values.get(m.group(2), values["*"])), route)
    route = route.replace("^", "").replace("$", "").replace("\\Z", "")
    if any(c in route for c in "()[]*+?\\"):
        return None  # a regex route (the API's catch-all, the admin's): covered by its neighbours
    return "/" + route


def test_signed_out_visitors_never_see_an_unmasked_id_or_mobile(world):
    b = seed_village_b(world)
    seed_neighbour_household(world)
    values = {"path": world.quanshui.path, "pk": b.objects["person"], "*": b.objects["person"],
              "household_id": b.objects["household"], "org_id": b.objects["org"], "notice_id": b.objects["notice"],
              "claim_id": b.objects["noticed_claim"]}
    client = Client()
    fetched, hits = 0, []
    for route in sorted(set(patterns())):
        url = fill(route, values)
        if url is None:
            continue
        response = client.get(url)
        fetched += 1
        if response.status_code >= 500:
            hits.append(f"{url}: {response.status_code}")
        body = response.content.decode("utf-8", "replace")
        hits += [f"{url}: {m}" for m in UNMASKED_ID.findall(body) + UNMASKED_MOBILE.findall(body)]
    assert hits == []
    assert fetched >= 40


def test_the_scan_would_see_an_unmasked_number(world):
    body = f"<td>{world.zhangsan.id_number}</td><td>13800000001</td><td>138****0001</td>"
    assert UNMASKED_ID.findall(body) == [world.zhangsan.id_number]
    assert UNMASKED_MOBILE.findall(body) == ["13800000001"]


def test_the_public_notice_board_shows_objectors_masked(world):
    """The scan above reaches a notice with an objection: its phone and name appear, masked."""
    b = seed_village_b(world)
    body = Client().get(f"/api/v1/public/notices/{b.objects['notice']}").json()
    assert [(o["name"], o["phone"]) for o in body["objections"]] == [("金******", "133****7773")]
    assert [e["subject_name"] for e in body["entries"]] == ["金**"]
