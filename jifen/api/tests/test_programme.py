import datetime as dt

import pytest

from jifen.core import clock
from jifen.programme.models import Application, Programme
from jifen.programme.testing import AFTER, apply, programme_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def prog(world):
    return programme_setup(world)


def test_city_creates_a_programme_in_fen_with_the_six_conditions(prog, as_user):
    now = clock.now()
    body = {
        "org_id": prog.city.pk, "code": "sfc-api", "name": "接口项目", "budget_fen": 50_000_000, "awards": 10,
        "opens_at": now.isoformat(), "closes_at": (now + dt.timedelta(days=14)).isoformat(),
        "period_start": (now - dt.timedelta(days=365)).isoformat(), "period_end": now.isoformat(),
    }
    created = as_user(prog.city_admin).post("/programmes", body)
    assert created.status_code == 201, created.content
    assert (created.json()["award_fen"], created.json()["shortlist_limit"]) == (5_000_000, 3)
    detail = as_user(prog.village_cadre).get(f"/programmes/{created.json()['id']}").json()
    assert [c["name"] for c in detail["criteria"]] == ["基础条件完善", "管理体制健全", "积分设置合理", "群众发动充分", "实施效果明显", "积极探索创新"]
    assert as_user(prog.county_admin).post("/programmes", {**body, "code": "x", "org_id": prog.w.county.pk, "shortlist_limit": 4}).status_code == 422
    assert Programme.objects.count() == 2


def test_village_applies_and_county_cannot_shortlist_a_fourth(prog, as_user):
    programme = Programme.objects.get()
    now = clock.now()
    Programme.objects.filter(pk=programme.pk).update(opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=1))
    cadre = as_user(prog.village_cadre)
    ids = []
    for village in prog.villages[:4]:
        response = cadre.post(f"/programmes/{programme.pk}/applications", {
            "village_id": village.pk, "contact_name": "李书记", "contact_phone": "13900001111", "summary": "推行两年",
            "statements": {"4": "兑换人数超过三成"},
        })
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    assert response.json()["facts"]["redemption_percent"] is None
    county = as_user(prog.county_admin)
    for pk in ids[:3]:
        assert county.post(f"/programme-applications/{pk}/shortlist", {"note": "推荐"}).status_code == 200
    refused = county.post(f"/programme-applications/{ids[3]}/shortlist", {})
    assert refused.status_code == 409 and refused.json()["code"] == "shortlist_full"
    assert Application.objects.get(pk=ids[3]).state == Application.State.SUBMITTED


def test_city_scores_publishes_and_an_objection_is_resolved(prog, as_user):
    apps = [apply(prog, v) for v in prog.villages[:2]]
    city = as_user(prog.city_admin)
    with clock.frozen(AFTER):
        for app in apps:
            assert as_user(prog.county_admin).post(f"/programme-applications/{app.pk}/shortlist", {}).status_code == 200
    for app, points in zip(apps, (10, 12), strict=True):
        response = city.post(f"/programme-applications/{app.pk}/scores", {"scores": {str(n): points for n in range(1, 7)}})
        assert response.status_code == 200 and response.json()["score_total"] == points * 6
    published = city.post(f"/programmes/{apps[0].programme_id}/publish", {"objection_days": 5})
    assert published.status_code == 200 and published.json()["state"] == "published"
    result = as_user(prog.village_cadre).get(f"/programmes/{apps[0].programme_id}").json()["result"]
    assert [(r["village_name"], r["rank"], r["state"]) for r in result] == [("泉水河村", 1, "selected"), ("沙河村", 2, "selected")]
    objection = as_user(prog.w.member).post(f"/programmes/{apps[0].programme_id}/objections", {"text": "打分不公"})
    assert objection.status_code == 201
    award = city.post(f"/programmes/{apps[0].programme_id}/award", {})
    assert award.status_code == 409 and award.json()["code"] == "objection_window_open"
    resolved = city.post(f"/programme-objections/{objection.json()['id']}/resolve", {"upheld": False, "resolution": "评分无误"})
    assert resolved.status_code == 200 and resolved.json()["upheld"] is False
