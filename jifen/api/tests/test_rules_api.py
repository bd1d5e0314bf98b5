"""Schemes, catalogs and templates through the API."""

from __future__ import annotations

import pytest

from jifen.claims.testing import claims_setup, local
from jifen.core import clock
from jifen.rules.models import ItemVersion, Scheme


@pytest.fixture
def setup(world):
    with clock.frozen(local(2026, 3, 10, 10)):
        yield claims_setup(world)


def test_schemes_are_those_that_apply_where_the_caller_is(as_user, setup):
    w = setup.world
    assert [s["code"] for s in as_user(w.member).get("/schemes").json()["items"]] == ["shahe-claims"]
    assert as_user(w.outsider).get("/schemes").json()["total"] == 0
    assert as_user(w.outsider).get(f"/schemes/{setup.scheme.pk}").status_code == 404
    admin = as_user(w.admin)
    assert sorted(s["code"] for s in admin.get("/schemes").json()["items"]) == ["laundry-points", "shahe-claims"]
    assert [s["code"] for s in admin.get("/schemes", {"org_id": w.shahe_grid1.pk}).json()["items"]] == ["shahe-claims"]
    detail = as_user(w.member).get(f"/schemes/{setup.scheme.pk}").json()
    assert (detail["objection_days"], str(detail["settings"]["fraud_multiplier"])) == (7, "2")


def test_the_catalog_lists_categories_and_items_with_versions(as_user, setup):
    member = as_user(setup.world.member)
    categories = member.get(f"/schemes/{setup.scheme.pk}/categories").json()
    assert [c["code"] for c in categories["items"]] == ["virtue", "penalties"]
    items = member.get(f"/schemes/{setup.scheme.pk}/items", {"category_id": categories["items"][0]["id"]}).json()
    assert [i["code"] for i in items["items"]] == ["help", "mediate", "yearly"]
    mediate = next(i for i in items["items"] if i["code"] == "mediate")
    assert [(v["number"], v["points_min"], v["points_max"]) for v in mediate["versions"]] == [(1, 10, 80)]


def test_an_admin_adds_and_edits_an_item_from_a_date(as_user, setup):
    w = setup.world
    body = {"category_id": setup.help.category_id, "code": "sweep", "effective_from": "2026-01-01", "name": "打扫公共区域",
            "direction": "award", "points": 2}
    assert as_user(w.reviewer).post(f"/schemes/{setup.scheme.pk}/items", body).status_code == 403
    created = as_user(w.admin).post(f"/schemes/{setup.scheme.pk}/items", body)
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    edited = as_user(w.admin).post(f"/items/{item_id}/versions", {"effective_from": "2026-04-01", "points": 3})
    assert edited.status_code == 201, edited.content
    versions = edited.json()["versions"]
    assert [(v["number"], v["points"], v["effective_from"], v["effective_to"]) for v in versions] == [
        (1, 2, "2026-01-01", "2026-03-31"), (2, 3, "2026-04-01", None)
    ]
    assert as_user(w.member).get(f"/schemes/{setup.scheme.pk}/items", {"on": "2026-02-01", "q": "sweep"}).json()["items"][0]["id"] == item_id


def test_item_fields_the_caller_may_not_set_are_refused(as_user, setup):
    response = as_user(setup.world.admin).post(f"/schemes/{setup.scheme.pk}/items", {
        "category_id": setup.help.category_id, "code": "x1", "effective_from": "2026-01-01", "name": "x", "direction": "award",
        "points": 1, "scheme_id": 999,
    })
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "scheme_id"
    assert not ItemVersion.objects.filter(name="x").exists()


def test_templates_are_listed_and_applied_by_an_admin(as_user, setup):
    w = setup.world
    listed = as_user(w.member).get("/templates").json()
    assert listed["total"] == 8 and listed["items"][1]["name"] == "p2-district-villages"
    body = {"template": "p5-grid-household", "org_id": w.shahe.pk, "effective_from": "2026-01-01", "period_policy": "year_end_clear"}
    assert as_user(w.reviewer).post("/templates/apply", body).status_code == 403
    applied = as_user(w.admin).post("/templates/apply", body)
    assert applied.status_code == 201, applied.content
    assert Scheme.objects.get(pk=applied.json()["id"]).template == "p5-grid-household"
    unknown = as_user(w.admin).post("/templates/apply", {**body, "template": "p9-none"})
    assert unknown.status_code == 404
