"""Monthly report pages: a village reviews and submits; the township rolls up; xlsx and print."""

import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jifen.claims.testing import local
from jifen.core import clock
from jifen.reports.models import MonthlyReportSubmission
from jifen.reports.testing import _post, build_march

APRIL_5 = local(2026, 4, 5, 10)
VILLAGE = reverse("reports_village", args=["demo/zhangji/shahe"])


@pytest.fixture
def march(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_march(world)


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


@pytest.mark.django_db
def test_the_village_reviewer_sees_last_months_figures(client, march):
    client.force_login(march.world.reviewer)
    with clock.frozen(APRIL_5):
        page = client.get(VILLAGE).content.decode()
    assert "沙河村 2026年3月月报" in page
    row = page[page.index('id="row-households"'):]
    assert [c.split(">")[-1] for c in row.split("</td>")[1:4]] == ["1", "2", "50.0%"]
    assert "共 5 条" in page and "尚未上报" in page
    facts = page[page.index('id="redemptions"'):page.index("</dl>", page.index('id="redemptions"'))]
    assert re.findall(r"<dd>([^<]*)</dd>", facts) == ["1", "1", "1", "5"]
    grid = page[page.index('id="grid-work"'):page.index("</dl>", page.index('id="grid-work"'))]
    assert re.findall(r"<dd>([^<]*)</dd>", grid) == ["2", "1", "2", "2", "1"]


@pytest.mark.django_db
def test_reviewing_and_submitting_is_idempotent(client, march):
    client.force_login(march.world.reviewer)
    with clock.frozen(APRIL_5):
        page = client.get(VILLAGE + "?month=2026-03").content.decode()
        form = {"month": "2026-03", "key": hidden(page, "key"), "reviewed_hash": hidden(page, "reviewed_hash"), "note": "三月情况"}
        first = client.post(VILLAGE, form)
        again = client.post(VILLAGE, form)  # a double click resends the same form
        assert first.status_code == again.status_code == 302
        page = client.get(VILLAGE + "?month=2026-03").content.decode()
    submission = MonthlyReportSubmission.objects.get()
    assert (submission.revision, submission.note, submission.submitted_by) == (1, "三月情况", march.world.reviewer)
    assert "已上报（第 1 次" in page and "无需重新上报" in page


@pytest.mark.django_db
def test_figures_changed_after_review_are_shown_again_not_submitted(client, march):
    w, s = march.world, march.setup
    client.force_login(w.reviewer)
    with clock.frozen(APRIL_5):
        page = client.get(VILLAGE + "?month=2026-03").content.decode()
        _post(s.scheme, "late-award", w.wangwu.subject, 5, "award", local(2026, 3, 30, 9), s.help)
        response = client.post(VILLAGE, {"month": "2026-03", "key": hidden(page, "key"), "reviewed_hash": hidden(page, "reviewed_hash")})
    assert response.status_code == 409
    text = response.content.decode()
    assert "您审阅后数据有了变化，请重新审阅再上报" in text
    assert hidden(text, "reviewed_hash") != hidden(page, "reviewed_hash")
    assert MonthlyReportSubmission.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "recorder", "outsider"])
def test_others_cannot_open_or_submit_the_report(client, march, who):
    client.force_login(getattr(march.world, who))
    with clock.frozen(APRIL_5):
        assert client.get(VILLAGE).status_code == 403
        assert client.post(VILLAGE, {"month": "2026-03", "key": "k" * 10, "reviewed_hash": "x"}).status_code == 403
    assert MonthlyReportSubmission.objects.count() == 0


@pytest.mark.django_db
def test_the_current_month_offers_no_submit_button(client, march):
    client.force_login(march.world.reviewer)
    with clock.frozen(APRIL_5):
        page = client.get(VILLAGE + "?month=2026-04").content.decode()
    assert "本月尚未结束，月底后才能上报。" in page and 'id="submit-form"' not in page


@pytest.mark.django_db
def test_village_xlsx_and_print_layout(client, march):
    client.force_login(march.world.reviewer)
    with clock.frozen(APRIL_5):
        response = client.get(reverse("reports_village_xlsx", args=["demo/zhangji/shahe"]) + "?month=2026-03")
        printed = client.get(reverse("reports_village_print", args=["demo/zhangji/shahe"]) + "?month=2026-03").content.decode()
    book = load_workbook(io.BytesIO(response.content))
    rows = [tuple(r) for r in book["月报"].iter_rows(values_only=True)]
    assert rows[0] == ("项目", "数值", "说明")
    assert ("参与户数 / 总户数", "1 / 2", "50.0%") in rows and ("本月申报", 5, "按当前状态") in rows
    assert [tuple(r) for r in book["分类积分"].iter_rows(values_only=True)] == [
        ("类别", "加分", "扣分", "合计"), ("公益美德类", "10", "0", "10"), ("奖励惩罚类", "0", "-3", "-3")]
    assert "沙河村 2026年3月积分制管理月报" in printed and "未上报（当前数据）" in printed


@pytest.mark.django_db
def test_the_township_rollup_lists_missing_villages_and_sums(client, march):
    w = march.world
    client.force_login(w.reviewer)
    with clock.frozen(APRIL_5):
        page = client.get(VILLAGE + "?month=2026-03").content.decode()
        client.post(VILLAGE, {"month": "2026-03", "key": hidden(page, "key"), "reviewed_hash": hidden(page, "reviewed_hash")})
        client.force_login(w.admin)
        rollup = client.get(reverse("reports_rollup", args=["demo/zhangji"]) + "?month=2026-03").content.decode()
        book = load_workbook(io.BytesIO(client.get(reverse("reports_rollup_xlsx", args=["demo/zhangji"]) + "?month=2026-03").content))
    assert "已上报 1 / 2 个村（社区）" in rollup
    assert "尚未上报：泉水河村" in rollup
    total = rollup[rollup.index('id="rollup-total"'):]
    assert [c.split(">")[-1] for c in total.split("</th>")[2:7]] == ["1/2", "3/5", "1/2", "5", "7"]
    sheet = [tuple(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert sheet[1][:2] == ("泉水河村", "未上报")
    assert sheet[2][0] == "沙河村" and sheet[2][2:] == (1, 2, 3, 5, 1, 2, 5, "7")
    assert sheet[3][:3] == ("合计（已上报）", "1/2 村已上报", 1)


@pytest.mark.django_db
def test_a_village_reviewer_cannot_open_the_rollup(client, march):
    client.force_login(march.world.reviewer)
    assert client.get(reverse("reports_rollup", args=["demo/zhangji"])).status_code == 403
    assert client.get(reverse("reports_rollup_xlsx", args=["demo/zhangji"])).status_code == 403


@pytest.mark.django_db
def test_the_rollup_page_costs_the_same_queries_for_many_villages(client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jifen.orgs import services as orgs
    from jifen.orgs.models import Role
    from jifen.reports.services import monthly_report_submit
    from jifen.reports.tests.test_dashboard import add_villages

    small = orgs.org_unit_create(actor=None, parent=world.county, code="small", name="小镇", kind="township")
    big = orgs.org_unit_create(actor=None, parent=world.county, code="big", name="大镇", kind="township")
    orgs.role_binding_grant(actor=None, user=world.admin, org=world.county, role=Role.ORG_ADMIN)
    with clock.frozen(APRIL_5):
        for township, count, start in ((small, 2, 0), (big, 20, 100)):
            for village in add_villages(township, count, start=start)[1:]:
                monthly_report_submit(actor=world.admin, village=village, month=local(2026, 3, 1).date(), key=f"k-{village.code}-03")
    client.force_login(world.admin)
    with clock.frozen(APRIL_5):
        client.get(reverse("reports_rollup", args=[small.path]))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("reports_rollup", args=[small.path]) + "?month=2026-03")
        with CaptureQueriesContext(connection) as many:
            page = client.get(reverse("reports_rollup", args=[big.path]) + "?month=2026-03").content.decode()
    assert len(many) == len(few)
    assert "已上报 19 / 20 个村（社区）" in page and "尚未上报：村100" in page


@pytest.mark.django_db
def test_the_reports_entry_page_takes_each_person_where_they_work(client, march):
    w = march.world
    client.force_login(w.reviewer)
    assert client.get(reverse("reports_home"))["Location"] == VILLAGE
    client.force_login(w.admin)
    page = client.get(reverse("reports_home") + "?month=2026-03").content.decode()
    assert 'href="/reports/village/demo/zhangji/quanshui/?month=2026-03"' in page
    assert 'href="/reports/rollup/demo/zhangji/?month=2026-03"' in page
    assert client.get(reverse("reports_rollup_home"))["Location"] == reverse("reports_rollup", args=["demo/zhangji"])
    client.force_login(w.member)
    assert client.get(reverse("reports_home")).status_code == 403
    assert client.get(reverse("reports_rollup_home")).status_code == 403
