"""Rankings admin pages: reward lists, points runs, period close, honours, evaluations, dividends."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jifen.core.models import AuditEvent
from jifen.ledger.models import Transaction
from jifen.ledger.selectors import balance_of, score_of
from jifen.ledger.services import account_for
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.rankings.models import (
    Attendance,
    DividendDistribution,
    Honour,
    PartyEvaluation,
    PeriodClose,
    PointsRun,
    RewardLine,
    RewardList,
)
from jifen.rankings.tests.rewards_helpers import adopt, employee, frozen, give, local, person, unit
from jifen.rankings.tests.test_fixed_points_post import P8_FILLED
from jifen.rankings.tests.test_party_evaluation import FILLED as P4_FILLED


@pytest.fixture
def town(world):
    """篇7 adopted by 沙河村: above-average rule 0 for the year; 张三 120, 王五 60, 赵… outside."""
    scheme = adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}})
    give(scheme, world.household.subject, 120, local(2025, 6, 1))
    give(scheme, world.neighbour_household.subject, 60, local(2025, 6, 1))
    give(scheme, world.zhangsan, 50, local(2025, 6, 1))
    return scheme


@pytest.fixture
def quanshui_admin(world):
    orgs.role_binding_grant(actor=None, user=world.outsider, org=world.quanshui, role=Role.ORG_ADMIN)
    return world.outsider


def evaluate(client, scheme, period="2025", rule_index=0):
    return client.post(reverse("console_reward_evaluate", args=[scheme.pk]), {"rule_index": rule_index, "period": period})


@pytest.mark.django_db
def test_the_rewards_page_lists_the_rules_and_forms(client, world, town):
    client.force_login(world.admin)
    page = client.get(reverse("console_rewards", args=[town.pk])).content.decode()
    assert f'action="/console/scheme/{town.pk}/rewards/evaluate/#evaluate"' in page
    assert f'action="/console/scheme/{town.pk}/rewards/close/#close-form"' in page
    assert f'action="/console/scheme/{town.pk}/rewards/base-points/#base"' in page
    assert "可授称号：" in page and "道德模范" in page


@pytest.mark.django_db
def test_evaluating_a_list_for_an_ended_period_and_viewing_it(client, world, town):
    client.force_login(world.admin)
    with frozen(2026, 1, 10, 9, 0):
        response = evaluate(client, town)
    reward_list = RewardList.objects.get(scheme=town)
    assert response.status_code == 302 and response["Location"] == f"/console/reward-list/{reward_list.pk}/"
    assert (reward_list.period, reward_list.rule_type) == ("2025", "above_average")
    lines = list(reward_list.lines.order_by("order").values_list("name", "outcome"))
    page = client.get(response["Location"]).content.decode()
    assert page.count('<tr class="line ') == len(lines) > 0
    for name, _outcome in lines:
        assert name in page
    assert AuditEvent.objects.filter(action="rankings.reward_list_evaluate", actor_id=world.admin.pk).count() == 1
    # Evaluating again returns the stored list.
    with frozen(2026, 1, 11, 9, 0):
        again = evaluate(client, town)
    assert again["Location"] == response["Location"] and RewardList.objects.count() == 1


@pytest.mark.django_db
def test_a_period_not_yet_over_is_refused_on_the_form(client, world, town):
    client.force_login(world.admin)
    with frozen(2025, 12, 1, 9, 0):
        response = evaluate(client, town)
    assert response.status_code == 422
    errors = response.context["evaluate_form"].errors
    assert errors["__all__"] == ["奖励评定：期间 2025 到 2025-12-31 才结束，结束后才能办理"]
    assert RewardList.objects.count() == 0


@pytest.mark.django_db
def test_the_reward_list_page_costs_the_same_queries_for_many_lines(client, world, town, django_assert_num_queries):
    client.force_login(world.admin)
    with frozen(2026, 1, 10, 9, 0):
        evaluate(client, town)
    reward_list = RewardList.objects.get()
    url = reverse("console_reward_list", args=[reward_list.pk])
    client.get(url)
    with django_assert_num_queries(6):
        client.get(url)
    extra = [person(world.shahe_grid2, f"加人{i}") for i in range(20)]
    RewardLine.objects.bulk_create(
        [RewardLine(reward_list=reward_list, order=100 + i, subject=p.subject, org=p.org, name=p.name, score=i, outcome="eligible")
         for i, p in enumerate(extra)]
    )
    with django_assert_num_queries(6):
        page = client.get(url).content.decode()
    assert page.count('<tr class="line ') == reward_list.lines.count()


@pytest.fixture
def school(world):
    """篇3 group reward: 英语组 holds a points account and wins 25 points for 2025-2026-1."""
    org = unit(world.township, "yizhong", "第一中学", "school")
    scheme = adopt("p3-school-reading", org, period_policy="lifetime")
    yingyu = unit(org, "yingyu", "英语组", "teaching_group")
    yuwen = unit(org, "yuwen", "语文组", "teaching_group")
    dept = orgs.unit_create(actor=None, org=yingyu, name="英语组（集体）", kind="department")
    for group, name, points in ((yingyu, "英一", 1500), (yingyu, "英二", 1500), (yuwen, "语一", 1000)):
        give(scheme, person(group, name), points, local(2025, 10, 10))
    return scheme, dept


@pytest.mark.django_db
def test_posting_a_lists_points_once(client, world, school):
    scheme, dept = school
    client.force_login(world.admin)
    with frozen(2026, 2, 1, 8, 0):
        evaluate(client, scheme, period="2025-2026-1")
    reward_list = RewardList.objects.get()
    url = reverse("console_reward_list_post", args=[reward_list.pk])
    with frozen(2026, 2, 2, 9, 0):
        response = client.post(url)
    assert response.status_code == 302
    assert score_of(account=account_for(scheme=scheme, subject=dept.subject)) == 25
    page = client.get(response["Location"]).content.decode()
    assert "已入账 1 人的积分奖励。" in page and "奖励积分已于 2026年2月2日 09:00 入账" in page
    transactions = Transaction.objects.count()
    with frozen(2026, 2, 3, 9, 0):
        client.post(url)
    assert Transaction.objects.count() == transactions
    assert score_of(account=account_for(scheme=scheme, subject=dept.subject)) == 25


@pytest.mark.django_db
def test_exporting_a_reward_list(client, world, school):
    scheme, _dept = school
    client.force_login(world.admin)
    with frozen(2026, 2, 1, 8, 0):
        evaluate(client, scheme, period="2025-2026-1")
    reward_list = RewardList.objects.get()
    response = client.post(reverse("console_reward_list_export", args=[reward_list.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="rewards-{scheme.code}-2025-2026-1.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["英语组", "语文组"]


@pytest.mark.django_db
def test_closing_a_year(client, world, town):
    client.force_login(world.admin)
    url = reverse("console_period_close", args=[town.pk])
    with frozen(2025, 12, 31, 9, 0):
        refused = client.post(url, {"close-year": "2025"})
    assert refused.status_code == 422 and PeriodClose.objects.count() == 0
    assert any("2025" in e for e in refused.context["close_form"].errors["__all__"])
    with frozen(2026, 1, 1, 1, 0):
        response = client.post(url, {"close-year": "2025"})
    assert response.status_code == 302
    close = PeriodClose.objects.get(scheme=town)
    assert (close.year, close.accounts, close.expired) == (2025, 3, 230)
    assert balance_of(account=account_for(scheme=town, subject=world.zhangsan.subject)) == 100  # 2026's base points
    page = client.get(response["Location"]).content.decode()
    assert "2025 年已结账：清零 3 个账户。" in page and "已结账的年份：2025" in page


@pytest.mark.django_db
def test_base_points_are_granted_once(client, world, town):
    client.force_login(world.admin)
    url = reverse("console_base_points", args=[town.pk])
    with frozen(2026, 1, 1, 8, 0):
        response = client.post(url, {"base-year": "2026"})
        assert response.status_code == 302
        run = PointsRun.objects.get()
        assert (run.kind, run.period, run.total) == ("base", "2026", 100 * run.posted)
        client.post(url, {"base-year": "2026"})
    assert PointsRun.objects.count() == 1
    assert score_of(account=account_for(scheme=town, subject=world.limei.subject)) == 100


@pytest.mark.django_db
def test_awarding_an_honour_by_name(client, world, town):
    client.force_login(world.admin)
    url = reverse("console_honour_award", args=[town.pk])
    with frozen(2026, 1, 10, 9, 0):
        response = client.post(url, {"honour-title": "道德模范", "honour-name": "张三", "honour-period": "2025"})
        assert response.status_code == 302
        honour = Honour.objects.get()
        assert (honour.subject_id, honour.title, honour.period) == (world.zhangsan.subject_id, "道德模范", "2025")
        unknown = client.post(url, {"honour-title": "道德模范", "honour-name": "无名氏", "honour-period": "2025"})
        assert unknown.status_code == 422
        assert unknown.context["honour_form"].errors["name"] == ["方案范围内没有「无名氏」"]
        wrong = client.post(url, {"honour-title": "宇宙第一", "honour-name": "王五", "honour-period": "2025"})
        assert wrong.status_code == 422
    assert Honour.objects.count() == 1


@pytest.mark.django_db
def test_a_dividend_preview_keeps_nothing_and_the_confirmed_split_is_stored_once(client, world, town):
    client.force_login(world.admin)
    url = reverse("console_dividends", args=[town.pk])
    data = {"org_path": "demo/zhangji/shahe", "period": "2025", "pool_yuan": "10000.01", "vetoed_policy": "exclude",
            "zero_policy": "list", "note": "", "key": "shahe-2025"}
    with frozen(2026, 1, 10, 9, 0):
        preview = client.post(url, data)
        assert preview.status_code == 200
        page = preview.content.decode()
        assert "预览：10000.01 元由 2 户分享，尚未记录。" in page
        assert [(line.name, line.points, line.share_fen) for line in preview.context["preview"]["lines"]] == [
            ("张三户", 120, 666667), ("王五户", 60, 333334),
        ]
        assert DividendDistribution.objects.count() == 0
        assert not AuditEvent.objects.filter(action="rankings.dividend_distribute").exists()
        posted = client.post(url, {**data, "confirm": "1"})
        distribution = DividendDistribution.objects.get()
        assert posted.status_code == 302 and posted["Location"] == f"/console/dividend/{distribution.pk}/"
        assert (distribution.pool_fen, distribution.households, distribution.key) == (1_000_001, 2, "shahe-2025")
        again = client.post(url, {**data, "confirm": "1"})
        assert again["Location"] == posted["Location"] and DividendDistribution.objects.count() == 1
        changed = client.post(url, {**data, "pool_yuan": "5", "confirm": "1"})
        assert changed.status_code == 422 and "幂等键「shahe-2025」已用于另一次内容不同的分红" in changed.content.decode()
    page = client.get(posted["Location"]).content.decode()
    assert "10000.01 元由 2 户分享" in page and "6666.67" in page and "3333.34" in page


@pytest.mark.django_db
def test_a_dividend_for_a_unit_outside_the_admins_tree_is_refused(client, world, town, quanshui_admin):
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe_grid1, role=Role.ORG_ADMIN)
    client.force_login(world.reviewer)
    response = client.post(reverse("console_dividends", args=[town.pk]), {"org_path": "demo/zhangji/shahe"})
    assert response.status_code == 403  # the scheme is the village's; a grid admin does not manage it
    client.force_login(quanshui_admin)
    for name in ("console_reward_evaluate", "console_period_close", "console_base_points", "console_honour_award", "console_dividends"):
        assert client.post(reverse(name, args=[town.pk]), {"period": "2025", "close-year": "2025"}).status_code == 403, name
    assert (RewardList.objects.count(), PeriodClose.objects.count(), PointsRun.objects.count(), Honour.objects.count(),
            DividendDistribution.objects.count()) == (0, 0, 0, 0, 0)


@pytest.fixture
def mine(world):
    org = unit(world.township, "meikuang", "煤矿", "mine")
    scheme = adopt("p8-coal-mine", org, settings=P8_FILLED)
    a = employee(org, "冯队长", position="区队长", education="本科")
    b = employee(org, "韩工人", position="工人")
    return scheme, a, b


def attendance_file(rows):
    book = openpyxl.Workbook()
    book.active.append(["工号", "姓名", "出勤天数", "应出勤天数"])
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("出勤.xlsx", buffer.getvalue())


@pytest.mark.django_db
def test_attendance_import_shows_row_errors_then_imports_and_fixed_points_post(client, world, mine):
    scheme, a, b = mine
    client.force_login(world.admin)
    url = reverse("console_attendance", args=[scheme.pk])
    no_a, no_b = a.employment.employee_no, b.employment.employee_no
    bad = client.post(url, {"month": "2026-10", "file": attendance_file([(no_a, "冯队长", 20, 22), ("E99999", "", 3, 22), (no_b, "韩工人", 30, 22)])})
    assert bad.status_code == 422
    assert [(e.row, e.column) for e in bad.context["report"].errors] == [(3, "工号"), (4, "出勤天数")]
    assert Attendance.objects.count() == 0
    good = client.post(url, {"month": "2026-10", "file": attendance_file([(no_a, "冯队长", 20, 22), (no_b, "韩工人", 22, 22)])})
    assert good.status_code == 200 and "共 2 行：新增 2 行，更新 0 行，不变 0 行。" in good.content.decode()
    assert sorted(Attendance.objects.values_list("days_worked", flat=True)) == [Decimal("20.0"), Decimal("22.0")]
    with frozen(2026, 11, 1, 8, 0):
        response = client.post(reverse("console_fixed_points", args=[scheme.pk]), {"fixed-month": "2026-10"})
    assert response.status_code == 302
    run = PointsRun.objects.get()
    assert (run.kind, run.period, run.posted) == ("fixed", "2026-10", 2)


@pytest.fixture
def branch_year(world):
    scheme = adopt("p4-party-members", world.township, objection_days=7, settings=P4_FILLED)
    branch = unit(world.shahe, "dzb", "沙河村党支部", "party_branch")
    for name in ("张党员", "王党员"):
        p = person(branch, name)
        orgs.party_membership_set(actor=None, person=p, branch=branch)
    return scheme, branch


@pytest.mark.django_db
def test_opening_an_evaluation_and_entering_scores(client, world, branch_year):
    scheme, branch = branch_year
    client.force_login(world.admin)
    with frozen(2025, 12, 20, 9, 0):
        response = client.post(reverse("console_evaluation_open", args=[scheme.pk]),
                               {"evaluation-year": "2025", "evaluation-branch_path": branch.path})
    evaluation = PartyEvaluation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/evaluation/{evaluation.pk}/"
    member = evaluation.members.get(name="张党员")
    url = response["Location"]
    areas = {f"area_{c}": "18" for c in ("org_life", "excellence", "serve_people", "discipline", "mass_feedback")}
    assert client.post(url, {"action": "self", "member": member.pk, **areas}).status_code == 302
    assert client.post(url, {"action": "branch", "member": member.pk, **areas, "area_discipline": "10"}).status_code == 302
    member.refresh_from_db()
    assert (member.self_score, member.branch_score) == (Decimal("90.0"), Decimal("82.0"))
    too_high = client.post(url, {"action": "self", "member": member.pk, **areas, "area_org_life": "25"})
    assert too_high.status_code == 422
    member.refresh_from_db()
    assert member.self_score == Decimal("90.0")
    other = evaluation.members.get(name="王党员")
    mass = client.post(url, {"action": "mass", "representative": "代表甲", f"mass_{member.pk}": "95", f"mass_{other.pk}": "80"})
    assert mass.status_code == 302
    assert sorted(evaluation.members.values_list("mass_scores__score", flat=True)) == [Decimal("80"), Decimal("95")]
    page = client.get(url).content.decode()
    assert "90.0" in page and "82.0" in page


@pytest.mark.django_db
def test_a_branch_year_is_checked_and_closed_into_grades(client, world, branch_year):
    scheme, branch = branch_year
    client.force_login(world.admin)
    with frozen(2025, 12, 20, 9, 0):
        client.post(reverse("console_evaluation_open", args=[scheme.pk]),
                    {"evaluation-year": "2025", "evaluation-branch_path": branch.path})
    evaluation = PartyEvaluation.objects.get()
    url = reverse("console_evaluation", args=[evaluation.pk])
    members = list(evaluation.members.order_by("name"))
    refused = client.post(url, {"action": "close"})
    assert refused.status_code == 422 and PartyEvaluation.objects.get().status == "open"
    for m, value in zip(members, ("18", "12"), strict=True):
        areas = {f"area_{c}": value for c in ("org_life", "excellence", "serve_people", "discipline", "mass_feedback")}
        client.post(url, {"action": "self", "member": m.pk, **areas})
        client.post(url, {"action": "branch", "member": m.pk, **areas})
    client.post(url, {"action": "mass", "representative": "代表甲", **{f"mass_{m.pk}": "90" for m in members}})
    for m in members:
        assert client.post(url, {"action": "org_check", "member": m.pk}).status_code == 302
    assert client.post(url, {"action": "close"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == "closed"
    graded = list(evaluation.members.order_by("-final_score").values_list("name", "final_score", "rank"))
    # 0.2 × 90 + 0.5 × 90 + 0.3 × 90 = 90 for 张党员; 0.2 × 60 + 0.5 × 60 + 0.3 × 90 = 69 for 王党员.
    assert graded == [("张党员", Decimal("90.00"), 1), ("王党员", Decimal("69.00"), 2)]
    page = client.get(url).content.decode()
    assert 'name="action" value="org_check"' not in page and 'value="close"' not in page


@pytest.mark.django_db
def test_the_rewards_page_costs_the_same_queries_for_more_honours_and_lists(client, world, town, django_assert_num_queries):
    from jifen.rankings.rewards import honour_award

    client.force_login(world.admin)
    url = reverse("console_rewards", args=[town.pk])
    with frozen(2026, 1, 10, 9, 0):
        honour_award(scheme=town, subject=world.zhangsan.subject, title="道德模范", period="2025", actor=None)
        client.get(url)
        with django_assert_num_queries(10):
            client.get(url)
        for name in ("王五", "李梅", "刘记录"):
            subject = next(p for p in (world.wangwu, world.limei, world.recorder_person) if p.name == name).subject
            honour_award(scheme=town, subject=subject, title="劳动模范", period="2025", actor=None)
        evaluate(client, town)
        with django_assert_num_queries(10):
            page = client.get(url).content.decode()
    assert page.count("<li>2025 · <strong>") == 4
    assert page.count('href="/console/reward-list/') == 1
