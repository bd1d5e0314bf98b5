import datetime as dt

import pytest

from jifen.core.errors import IllegalTransition, InvalidInput, NotFound
from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.rankings.models import RewardLine, RewardList
from jifen.rankings.rewards import reward_list_evaluate
from jifen.rankings.tests.rewards_helpers import adopt, employee, frozen, give, local, person, unit


def awarded(reward_list):
    return [(line.name, line.rank, line.amount_fen) for line in reward_list.lines.filter(outcome="awarded").order_by("order")]


@pytest.fixture
def laundry(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    team = unit(company, "wash", "洗涤组", "team")
    scheme = adopt("p6-laundry-company", company)
    staff = {name: employee(team, name) for name in ("殷书秀", "杨文娟", "林艷榮", "朱延芳", "張翠霞", "曹偉校", "張亞洲", "閆玉希")}
    leaders = {name: employee(team, name, position="组长", is_leader=True) for name in ("回瑞芳", "王集祥")}
    return scheme, staff, leaders


def test_monthly_rank_tables_for_staff_and_leaders(laundry):
    """篇6 月奖励: 员工组 100/80/60/40/20, 组长组第一名 100; ties share a place's amount."""
    scheme, staff, leaders = laundry
    october = local(2026, 10, 20)
    for name, points in (("殷书秀", 300), ("杨文娟", 250), ("林艷榮", 250), ("朱延芳", 200), ("張翠霞", 150),
                         ("曹偉校", 150), ("張亞洲", 90)):
        give(scheme, staff[name], points, october)
    give(scheme, staff["閆玉希"], 500, local(2026, 9, 30, 23, 59))  # September: not in October's table
    give(scheme, leaders["回瑞芳"], 400, october)
    give(scheme, leaders["王集祥"], 350, october)
    with frozen(2026, 11, 1, 8, 0):
        staff_list = reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
        leader_list = reward_list_evaluate(scheme=scheme, rule_index=0, period="2026-10")
    assert awarded(staff_list) == [
        ("殷书秀", 1, 10000), ("杨文娟", 2, 8000), ("林艷榮", 2, 8000), ("朱延芳", 4, 4000), ("張翠霞", 5, 2000), ("曹偉校", 5, 2000),
    ]
    assert awarded(leader_list) == [("回瑞芳", 1, 10000)]
    assert staff_list.rule == {"type": "rank_table", "period": "month", "group": "staff", "amounts_yuan": [100, 80, 60, 40, 20], "note": None}
    assert (staff_list.period_start, staff_list.period_end) == (dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    audit = AuditEvent.objects.get(action="rankings.reward_list_evaluate", object_id=str(staff_list.pk))
    assert audit.after["amount_fen"] == 34000


def test_quarterly_and_yearly_tables_use_their_own_amounts(laundry):
    scheme, staff, leaders = laundry
    for i, name in enumerate(("殷书秀", "杨文娟", "林艷榮", "朱延芳", "張翠霞", "曹偉校")):
        give(scheme, staff[name], 600 - i * 100, local(2025, 8, 1))
    give(scheme, leaders["王集祥"], 50, local(2025, 12, 1))
    with frozen(2026, 1, 1, 8, 0):
        quarter = reward_list_evaluate(scheme=scheme, rule_index=3, period="2025-Q3")
        year = reward_list_evaluate(scheme=scheme, rule_index=5, period="2025")
        year_leaders = reward_list_evaluate(scheme=scheme, rule_index=4, period="2025")
    assert [a for _, _, a in awarded(quarter)] == [20000, 18000, 16000, 14000, 12000]
    assert [a for _, _, a in awarded(year)] == [50000, 40000, 30000, 20000, 10000]
    assert awarded(year_leaders) == [("王集祥", 1, 50000)]


def test_an_empty_group_gives_an_empty_list(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company)
    employee(company, "殷书秀")
    with frozen(2026, 11, 1, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=0, period="2026-10")
    assert reward_list.lines.count() == 0
    assert reward_list.summary == {"group": "leaders", "members": 0}


def test_evaluating_again_returns_the_frozen_list(laundry):
    scheme, staff, _ = laundry
    give(scheme, staff["殷书秀"], 100, local(2026, 10, 5))
    with frozen(2026, 11, 1, 8, 0):
        first = reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
    give(scheme, staff["杨文娟"], 900, local(2026, 10, 6))  # a late approval changes nothing published
    with frozen(2026, 11, 2, 8, 0):
        again = reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
    assert again.pk == first.pk
    assert awarded(again) == [("殷书秀", 1, 10000)]
    assert RewardList.objects.count() == 1


def test_frozen_lines_cannot_be_edited(laundry):
    from django.db import DatabaseError, transaction

    scheme, staff, _ = laundry
    give(scheme, staff["殷书秀"], 100, local(2026, 10, 5))
    with frozen(2026, 11, 1, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
    with pytest.raises(DatabaseError), transaction.atomic():
        RewardLine.objects.filter(reward_list=reward_list).update(amount_fen=99999)
    assert awarded(reward_list) == [("殷书秀", 1, 10000)]


def test_a_period_not_yet_over_an_unknown_rule_and_a_wrong_period_are_refused(laundry):
    scheme, *_ = laundry
    with frozen(2026, 10, 31, 23, 0):
        with pytest.raises(IllegalTransition) as not_over:
            reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
        with pytest.raises(NotFound) as unknown:
            reward_list_evaluate(scheme=scheme, rule_index=9, period="2026-09")
        with pytest.raises(InvalidInput) as wrong:
            reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-Q3")
    assert not_over.value.code == "period_not_ended"
    assert unknown.value.code == "rule_not_found" and "1: 月度员工组前5名奖励 100/80/60/40/20 元" in unknown.value.zh
    assert wrong.value.code == "bad_period" and "2026-11" in wrong.value.zh
    assert RewardList.objects.count() == 0


def test_a_rule_with_a_missing_amount_asks_for_it(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company)
    from jifen.rules import services as rules

    settings = dict(scheme.settings, reward_rules=[{"type": "rank_table", "period": "month", "group": "staff", "amounts_yuan": [100, None]}])
    scheme = rules.scheme_update(actor=None, scheme=scheme, settings=settings)
    with frozen(2026, 11, 1, 8, 0), pytest.raises(InvalidInput) as exc:
        reward_list_evaluate(scheme=scheme, rule_index=0, period="2026-10")
    assert exc.value.code == "settings_incomplete"
    assert exc.value.zh == "请先填写奖励规则「月度员工组前2名奖励 100/待填 元」的第2名奖金"


# --------------------------------------------------------------------------- 篇3 school reading


@pytest.fixture
def school(world):
    org = unit(world.county, "yizhong", "第一中学", "school")
    scheme = adopt("p3-school-reading", org, period_policy="lifetime")
    return org, scheme


def test_term_thresholds_50_100_300_yuan_of_books(school):
    org, scheme = school
    group = unit(org, "yuwen", "语文组", "teaching_group")
    scores = {"甲": 1499, "乙": 1500, "丙": 2999, "丁": 3000, "戊": 4999, "己": 5000, "庚": 6200}
    for name, points in scores.items():
        give(scheme, person(group, name), points, local(2025, 11, 3))
    with frozen(2026, 2, 1, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=1, period="2025-2026-1")
    lines = list(reward_list.lines.order_by("order").values_list("name", "amount_fen", "reward"))
    assert lines == [
        ("庚", 30000, "300元图书"), ("己", 30000, "300元图书"), ("戊", 10000, "价值100元图书"), ("丁", 10000, "价值100元图书"),
        ("丙", 5000, "价值50元的图书"), ("乙", 5000, "价值50元的图书"),
    ]


def test_group_per_capita_award_for_subject_and_grade_groups(school, world):
    org, scheme = school
    yuwen = unit(org, "yuwen", "语文组", "teaching_group")
    shuxue = unit(org, "shuxue", "数学组", "teaching_group")
    yingyu = unit(org, "yingyu", "英语组", "teaching_group")
    unit(org, "wuli", "物理组", "teaching_group")  # no teachers yet
    grade = unit(org, "gaoyi", "高一年级组", "grade_group")
    at = local(2025, 10, 10)
    teachers = {}
    for group, name, points in ((yuwen, "语一", 1200), (yuwen, "语二", 1000), (yuwen, "语三", 1150),
                                (shuxue, "数一", 900), (shuxue, "数二", 1000), (yingyu, "英一", 1500), (yingyu, "英二", 1500)):
        teachers[name] = person(group, name)
        give(scheme, teachers[name], points, at)
    for name in ("语一", "数一", "英一"):
        orgs.membership_add(actor=None, person=teachers[name], org=grade)
    with frozen(2026, 2, 1, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=0, period="2025-2026-1")
    # 英语组 average 1500 → 20 + 5; 语文组 3350/3 = 1116.67 → 20 + 1; 高一 (1200+900+1500)/3 = 1200 → 20 + 2;
    # 数学组 950 → nothing; 物理组 has nobody.
    lines = list(reward_list.lines.order_by("order").values_list("name", "points", "group"))
    assert lines == [("英语组", 25, "teaching_group"), ("高一年级组", 22, "grade_group"), ("语文组", 21, "teaching_group")]
    summary = {g["name"]: (g["members"], g["average"]) for g in reward_list.summary["groups"]}
    assert summary == {"高一年级组": (3, "1200.00"), "数学组": (2, "950.00"), "物理组": (0, None), "英语组": (2, "1500.00"), "语文组": (3, "1116.67")}


def test_ten_readers_of_the_school_year_with_at_least_5000(school):
    org, scheme = school
    group = unit(org, "yuwen", "语文组", "teaching_group")
    scores = [9000, 8000, 7000, 7000, 6500, 6000, 5600, 5500, 5200, 5000, 5000, 4999]
    for i, points in enumerate(scores, 1):
        p = person(group, f"教师{i:02d}")
        give(scheme, p, points // 2, local(2025, 10, 1))
        give(scheme, p, points - points // 2, local(2026, 6, 1))
    with frozen(2026, 9, 1, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=2, period="2025-2026")
    lines = list(reward_list.lines.order_by("order").values_list("name", "rank", "score", "title"))
    assert [(n, r) for n, r, _, _ in lines] == [
        ("教师01", 1), ("教师02", 2), ("教师03", 3), ("教师04", 3), ("教师05", 5), ("教师06", 6), ("教师07", 7),
        ("教师08", 8), ("教师09", 9), ("教师10", 10), ("教师11", 10),
    ]
    assert {t for *_, t in lines} == {"十大读书人物"}


# --------------------------------------------------------------------------- 篇2 quota, 篇7 above average


def test_at_least_ten_percent_of_participants_honoured_each_year(world):
    scheme = adopt("p2-district-villages", world.shahe, objection_days=7)
    people = [person(world.shahe_grid2, f"村民{i:02d}") for i in range(1, 13)]
    for p, points in zip(people, [50, 40, 40, 30, 20, 10, 10, 10, 5, 5, 1, 1], strict=True):
        give(scheme, p, points, local(2025, 4, 1))
    give(scheme, world.household.subject, 30, local(2025, 4, 1))
    give(scheme, world.neighbour_household.subject, 20, local(2025, 4, 1))
    with frozen(2026, 1, 5, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=0, period="2025")
    lines = list(reward_list.lines.order_by("order").values_list("name", "rank", "group", "title"))
    # Households: 10% of 2 → 1. Persons: 10% of 12 → 2, and 村民03 ties 村民02 at the cut.
    assert lines == [("张三户", 1, "household", "表彰"), ("村民01", 1, "person", "表彰"), ("村民02", 2, "person", "表彰"), ("村民03", 2, "person", "表彰")]
    assert reward_list.summary["person"] == {"participants": 12, "quota": 2, "honoured": 3}


def test_only_subjects_above_their_kinds_average_are_eligible_for_honours(world):
    scheme = adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}})
    branch = unit(world.shahe, "dzb", "沙河村党支部", "party_branch")
    orgs.party_membership_set(actor=None, person=world.reviewer_person, branch=branch)
    at = local(2025, 7, 1)
    for p, points in ((world.zhangsan, 150), (world.limei, 100), (world.wangwu, 100), (world.reviewer_person, 130), (world.recorder_person, 90)):
        give(scheme, p, points, at)
    give(scheme, world.household.subject, 40, at)
    give(scheme, world.neighbour_household.subject, 20, at)
    with frozen(2026, 1, 2, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=0, period="2025")
    lines = list(reward_list.lines.order_by("order").values_list("name", "outcome", "title"))
    assert lines == [
        ("张三户", "eligible", "最美家庭、十星级文明户、卫生清洁户"),
        ("张三", "eligible", "最美村官（网格员、保洁员）、最美儿媳（公婆、女儿）"),
        ("陈审核", "eligible", "最美党员、最美村官（网格员、保洁员）、最美儿媳（公婆、女儿）、五星党员"),
    ]
    assert reward_list.summary["averages"] == {"household": {"participants": 2, "total": 60}, "person": {"participants": 5, "total": 570}}
