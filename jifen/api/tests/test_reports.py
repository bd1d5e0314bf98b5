"""/reports and /dashboard: monthly reports, submissions, rollups, dashboard figures, targets, pilots."""

import pytest

from jifen.claims.testing import local
from jifen.core import clock
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.reports.models import MonthlyReportSubmission, PilotVillage, ReportTargets
from jifen.reports.testing import build_march

APRIL_5 = local(2026, 4, 5, 10)


@pytest.fixture
def march(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_march(world)


@pytest.mark.django_db
def test_the_reviewer_reads_the_villages_report(as_user, march):
    w = march.world
    with clock.frozen(APRIL_5):
        response = as_user(w.reviewer).get(f"/reports/monthly/{w.shahe.pk}")
    assert response.status_code == 200
    data = response.json()
    assert (data["month"], data["org_path"], data["submissions"]) == ("2026-03", "demo/zhangji/shahe", [])
    assert data["figures"]["households"] == {"total": 2, "active": 1}
    assert data["figures"]["points"][0] == {"category": "公益美德类", "awarded": "10", "deducted": "0", "net": "10"}
    assert len(data["figures_hash"]) == 64


@pytest.mark.django_db
def test_submitting_through_the_api_is_idempotent(as_user, march):
    w = march.world
    api = as_user(w.reviewer)
    with clock.frozen(APRIL_5):
        seen = api.get(f"/reports/monthly/{w.shahe.pk}", {"month": "2026-03"}).json()["figures_hash"]
        body = {"month": "2026-03", "reviewed_hash": seen, "note": "三月"}
        first = api.post(f"/reports/monthly/{w.shahe.pk}/submissions", body, key="submit-shahe-03")
        again = api.post(f"/reports/monthly/{w.shahe.pk}/submissions", body, key="submit-shahe-03")
        other = api.post(f"/reports/monthly/{w.shahe.pk}/submissions", body, key="submit-shahe-03-b")
    assert first.status_code == again.status_code == other.status_code == 201
    assert first.json()["id"] == again.json()["id"] == other.json()["id"]
    assert (first.json()["revision"], first.json()["submitted_by_id"], first.json()["note"]) == (1, w.reviewer.pk, "三月")
    assert MonthlyReportSubmission.objects.count() == 1


@pytest.mark.django_db
def test_a_stale_review_is_a_conflict(as_user, march):
    w = march.world
    with clock.frozen(APRIL_5):
        response = as_user(w.reviewer).post(
            f"/reports/monthly/{w.shahe.pk}/submissions", {"month": "2026-03", "reviewed_hash": "0" * 64})
    assert response.status_code == 409 and response.json()["code"] == "figures_changed"
    assert MonthlyReportSubmission.objects.count() == 0


@pytest.mark.django_db
def test_outsiders_get_404_and_villagers_403(as_user, march):
    w = march.world
    with clock.frozen(APRIL_5):
        assert as_user(w.outsider).get(f"/reports/monthly/{w.shahe.pk}").status_code == 404
        assert as_user(w.member).get(f"/reports/monthly/{w.shahe.pk}").status_code == 403
        assert as_user(w.member).post(f"/reports/monthly/{w.shahe.pk}/submissions", {}).status_code == 403
        # The township lies outside the village reviewer's bindings: 404, as if it did not exist.
        assert as_user(w.reviewer).get(f"/reports/rollup/{w.township.pk}").status_code == 404
        assert as_user(w.reviewer).get(f"/dashboard/{w.shahe.pk}").status_code == 403
        assert as_user(w.admin).get(f"/dashboard/{w.county.pk}").status_code == 404
    assert MonthlyReportSubmission.objects.count() == 0


@pytest.mark.django_db
def test_the_rollup_sums_what_was_submitted(as_user, march):
    w = march.world
    with clock.frozen(APRIL_5):
        as_user(w.reviewer).post(f"/reports/monthly/{w.shahe.pk}/submissions", {"month": "2026-03"})
        as_user(w.admin).post(f"/reports/monthly/{w.quanshui.pk}/submissions", {"month": "2026-03"})
        data = as_user(w.admin).get(f"/reports/rollup/{w.township.pk}", {"month": "2026-03"}).json()
    assert data["missing"] == []
    assert [v["name"] for v in data["villages"]] == ["泉水河村", "沙河村"]
    assert data["totals"]["households"] == {"total": 3, "active": 2}
    assert data["totals"]["households"]["active"] == sum(v["figures"]["households"]["active"] for v in data["villages"])


@pytest.mark.django_db
def test_dashboard_figures(as_user, march):
    w = march.world
    with clock.frozen(APRIL_5):
        data = as_user(w.admin).get(f"/dashboard/{w.township.pk}").json()
    assert (data["households_active"], data["households_total"], data["household_rate"]) == (2, 3, "0.6667")
    assert data["targets"] == {"party_and_cadres": "1.00", "pilot_households": "0.70", "other_households": "0.50",
                               "redemption": "0.30", "set_at": ""}
    assert [(v["name"], v["household_rate"], v["meets_household_target"]) for v in data["villages"]] == [
        ("泉水河村", "1.0000", True), ("沙河村", "0.5000", True)]
    assert data["top"] == [w.quanshui.pk, w.shahe.pk]
    assert (data["redemption_available"], data["redemption_rate"]) == (True, "0.1667")
    assert {c["name"]: c["points"][-1] for c in data["categories"]} == {"公益美德类": "17", "奖励惩罚类": "-3"}


@pytest.mark.django_db
def test_targets_and_pilots(as_user, march):
    w = march.world
    orgs.role_binding_grant(actor=None, user=w.admin, org=w.county, role=Role.ORG_ADMIN)
    api = as_user(w.admin)
    with clock.frozen(APRIL_5):
        response = api.write("put", f"/reports/targets/{w.county.pk}", {"other_households": "0.6"})
        assert response.status_code == 200, response.content
        assert response.json()["other_households"] == "0.60" and response.json()["pilot_households"] == "0.70"
        assert api.write("put", f"/reports/targets/{w.county.pk}", {"redemption": "1.5"}).status_code == 422
        assert api.write("put", f"/reports/pilot-villages/{w.shahe.pk}").json() == {"org_id": w.shahe.pk, "pilot": True}
        board = api.get(f"/dashboard/{w.township.pk}").json()
    assert str(ReportTargets.objects.get(org=w.county).other_households) == "0.60"
    assert PilotVillage.objects.filter(org=w.shahe).exists()
    shahe = next(v for v in board["villages"] if v["org_id"] == w.shahe.pk)
    assert (shahe["pilot"], shahe["household_target"], shahe["meets_household_target"]) == (True, "0.70", False)
    with clock.frozen(APRIL_5):
        assert as_user(w.reviewer).write("put", f"/reports/pilot-villages/{w.quanshui.pk}").status_code in (403, 404)
        assert api.write("delete", f"/reports/pilot-villages/{w.shahe.pk}").json()["pilot"] is False
    assert not PilotVillage.objects.exists()
