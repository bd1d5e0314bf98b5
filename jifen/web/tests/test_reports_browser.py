"""Reports and dashboards in a real browser: charts under our CSP, a 360-px phone, no JavaScript."""

from __future__ import annotations

import pytest

from jifen.orgs.testing import World
from jifen.reports.models import MonthlyReportSubmission
from jifen.reports.testing import build_march

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DASHBOARD = "/dashboard/demo/zhangji/?month=2026-03"


@pytest.fixture
def march(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_march(world)


def test_the_dashboard_draws_its_charts_from_our_own_files(desktop, march):
    desktop.sign_in("admin", World.PASSWORD)
    response = desktop.goto(DASHBOARD)
    assert response.status == 200
    desktop.wait_for_count(".chart.chart-on canvas", 2)
    assert desktop.page.locator("#villages-table tbody tr").count() == 2
    assert any(url.endswith("/static/vendor/echarts/echarts.min.js") for url, _ in desktop.transfers)
    desktop.check("dashboard-desktop")


def test_the_dashboard_fits_a_phone(phone, march):
    phone.sign_in("admin", World.PASSWORD)
    phone.goto(DASHBOARD)
    phone.wait_for_count(".chart.chart-on canvas", 2)
    phone.check("dashboard-phone")
    phone.goto("/reports/rollup/demo/zhangji/?month=2026-03")
    phone.check("rollup-phone")


def test_without_javascript_the_tables_are_the_dashboard(phone_without_js, march):
    phone_without_js.sign_in("admin", World.PASSWORD)
    phone_without_js.goto(DASHBOARD)
    assert phone_without_js.page.locator(".chart").first.is_hidden()
    assert phone_without_js.page.locator("#villages-table tbody tr").count() == 2
    phone_without_js.check("dashboard-no-js")


def test_a_village_reviews_and_submits_on_a_phone_without_javascript(phone_without_js, march):
    browsing = phone_without_js
    browsing.sign_in("reviewer", World.PASSWORD)
    browsing.goto("/reports/village/demo/zhangji/shahe/?month=2026-03")
    assert browsing.page.inner_text("h1") == "沙河村 2026年3月月报"
    browsing.check("1-review")
    browsing.page.fill("textarea[name=note]", "三月份情况正常")
    with browsing.page.expect_navigation():
        browsing.page.click("#submit-form button[type=submit]")
    assert "已上报（第 1 次" in browsing.page.inner_text("#report-status")
    browsing.check("2-submitted")
    submission = MonthlyReportSubmission.objects.get()
    assert (submission.note, submission.figures["households"]) == ("三月份情况正常", {"total": 2, "active": 1})
    browsing.goto("/reports/village/demo/zhangji/shahe/-/print/?month=2026-03")
    browsing.check("3-print")
