"""Dashboard pages: scoped to the admin's subtree, tables without JavaScript, chart data as JSON."""

import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jifen.claims.testing import local
from jifen.core import clock
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.reports.models import PilotVillage, ReportTargets
from jifen.reports.testing import build_march
from jifen.reports.tests.test_dashboard import add_villages

APRIL_5 = local(2026, 4, 5, 10)
TOWNSHIP = reverse("dashboard", args=["demo/zhangji"])


@pytest.fixture
def march(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_march(world)


def chart_data(page: str) -> dict:
    return json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', page, re.S).group(1))


@pytest.mark.django_db
def test_the_township_admin_sees_villages_against_targets(client, march):
    client.force_login(march.world.admin)
    with clock.frozen(APRIL_5):
        assert client.get(reverse("dashboard_home"))["Location"] == TOWNSHIP
        page = client.get(TOWNSHIP).content.decode()
    assert "张集镇看板 · 2026年3月" in page
    kpi = page[page.index('id="kpi-households"'):page.index('id="kpi-party"')]
    assert "67%" in kpi and "2 / 3 户" in kpi and "2 / 2 个村达标" in kpi
    table = page[page.index('id="villages-table"'):page.index("</table>", page.index('id="villages-table"'))]
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in r.split("</td>")[:6]] for r in table.split("<tr>")[2:]]
    assert rows == [
        ["泉水河村", "1/1", "100%", "50%", "达标", "—"],
        ["沙河村", "1/2", "50%", "50%", "达标", "50%"],
    ]
    data = chart_data(page)
    assert data["villages"] == ["泉水河村", "沙河村"]
    assert data["household_rate"] == [100.0, 50.0] and data["household_target"] == [50.0, 50.0]
    assert data["months"][-1] == "2026-03"
    assert {s["name"]: s["data"][-1] for s in data["categories"]} == {"公益美德类": 17.0, "奖励惩罚类": -3.0}
    redemption = page[page.index('id="kpi-redemption"'):page.index("</div>", page.index('id="kpi-redemption"'))]
    assert "17%" in redemption and "目标 30%" in redemption  # 1 of 6 people redeemed
    assert '/static/vendor/echarts/echarts.min.js' in page and "/static/web/dashboard.js" in page


@pytest.mark.django_db
def test_a_township_admin_sees_only_their_township(client, march):
    w = march.world
    other = orgs.org_unit_create(actor=None, parent=w.county, code="other", name="别的镇", kind="township")
    client.force_login(w.admin)
    assert client.get(reverse("dashboard", args=["demo"])).status_code == 403
    assert client.get(reverse("dashboard", args=[other.path])).status_code == 403
    assert client.get(reverse("dashboard", args=["demo/nowhere"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["reviewer", "recorder", "member"])
def test_village_people_have_no_dashboard(client, march, who):
    client.force_login(getattr(march.world, who))
    assert client.get(reverse("dashboard_home")).status_code == 403
    assert client.get(TOWNSHIP).status_code == 403


@pytest.mark.django_db
def test_the_county_admin_sets_targets_for_the_county(client, march):
    w = march.world
    orgs.role_binding_grant(actor=None, user=w.admin, org=w.county, role=Role.ORG_ADMIN)
    client.force_login(w.admin)
    with clock.frozen(APRIL_5):
        response = client.post(reverse("dashboard_targets", args=["demo"]), {
            "party_and_cadres": "100", "pilot_households": "75", "other_households": "60", "redemption": "30"})
        assert response.status_code == 302
        page = client.get(TOWNSHIP).content.decode()
    row = ReportTargets.objects.get(org=w.county)
    assert (row.pilot_households, row.other_households, row.updated_by) == (Decimal("0.75"), Decimal("0.60"), w.admin)
    assert "1 / 2 个村达标" in page  # 泉水河村 100% ≥ 60%, 沙河村 50% < 60%


@pytest.mark.django_db
def test_bad_targets_are_shown_on_the_form(client, march):
    client.force_login(march.world.admin)
    response = client.post(reverse("dashboard_targets", args=["demo/zhangji"]), {
        "party_and_cadres": "120", "pilot_households": "70", "other_households": "50", "redemption": "30"})
    assert response.status_code == 422
    assert ReportTargets.objects.count() == 0


@pytest.mark.django_db
def test_marking_a_pilot_village_raises_its_target(client, march):
    w = march.world
    client.force_login(w.admin)
    with clock.frozen(APRIL_5):
        response = client.post(reverse("dashboard_pilot", args=["demo/zhangji/shahe"]), {"pilot": "1", "back": "demo/zhangji"})
        assert response["Location"] == TOWNSHIP
        page = client.get(TOWNSHIP).content.decode()
    assert PilotVillage.objects.filter(org=w.shahe).exists()
    assert chart_data(page)["household_target"] == [50.0, 70.0]


@pytest.mark.django_db
def test_the_dashboard_costs_the_same_queries_for_many_villages(client, world):
    small = orgs.org_unit_create(actor=None, parent=world.county, code="small", name="小镇", kind="township")
    big = orgs.org_unit_create(actor=None, parent=world.county, code="big", name="大镇", kind="township")
    add_villages(small, 2)
    add_villages(big, 30, start=100)
    orgs.role_binding_grant(actor=None, user=world.admin, org=world.county, role=Role.ORG_ADMIN)
    client.force_login(world.admin)
    with clock.frozen(APRIL_5):
        client.get(reverse("dashboard", args=[small.path]))  # warm the session and caches
        with CaptureQueriesContext(connection) as few:
            assert client.get(reverse("dashboard", args=[small.path]) + "?month=2026-03").status_code == 200
        with CaptureQueriesContext(connection) as many:
            page = client.get(reverse("dashboard", args=[big.path]) + "?month=2026-03").content.decode()
    assert len(many) == len(few)
    assert "15 / 60 户" in page
