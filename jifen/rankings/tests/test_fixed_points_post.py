import datetime as dt

import pytest

from jifen.core.errors import IllegalTransition, InvalidInput
from jifen.ledger.models import Transaction
from jifen.ledger.selectors import score_of
from jifen.ledger.services import account_for, transaction_reverse
from jifen.ledger.testing import ledger_snapshot
from jifen.rankings.fixed_points import attendance_record, fixed_points_post, full_years, prorate
from jifen.rankings.models import PointsRun, PointsRunLine
from jifen.rankings.tests.rewards_helpers import adopt, assert_ledger_clean, employee, frozen, unit

P6_FILLED = {
    "fixed_points": {
        "frequency": "monthly",
        "prorate_by_attendance": False,
        "factors": [
            {"attribute": "position", "name": "职务", "values": {"总经理": 50, "组长": 30, "员工": 20}},
            {"attribute": "seniority_years", "name": "工龄", "per_year": 2},
        ],
    }
}


@pytest.fixture
def laundry(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    team = unit(company, "wash", "洗涤组", "team")
    scheme = adopt("p6-laundry-company", company, settings=P6_FILLED)
    gm = employee(company, "曹经理", position="总经理", hire_date=dt.date(2015, 3, 15))
    leader = employee(team, "回组长", position="组长", is_leader=True, hire_date=dt.date(2024, 11, 1))
    new = employee(team, "殷新人", position="员工", hire_date=dt.date(2026, 10, 31))
    later = employee(team, "杨未到", position="员工", hire_date=dt.date(2026, 11, 2))
    return scheme, gm, leader, new, later


def october_score(scheme, p):
    return score_of(account=account_for(scheme=scheme, subject=p.subject), grain="month", on=dt.date(2026, 10, 15))


def test_month_end_posts_position_seniority_and_the_leaders_fixed_item(laundry):
    scheme, gm, leader, new, later = laundry
    with frozen(2026, 11, 1, 9, 0):
        result = fixed_points_post(scheme=scheme, month="2026-10")
    # 总经理 50 + 11 full years × 2; 组长 30 + 1 year × 2 + 组长每月固定加50分; 员工 20 hired on the last day.
    assert [october_score(scheme, p) for p in (gm, leader, new)] == [72, 82, 20]
    assert result.posted == 3 and result.total == 174 and result.already == 0
    assert [(x["name"], x["reason"].split(" /")[0]) for x in result.left_out] == [("杨未到", "本月尚未入职")]
    line = PointsRunLine.objects.get(subject=leader.subject)
    assert line.detail["position"] == {"label": "组长", "points": 30}
    assert line.detail["seniority_years"] == {"years": 1, "points": 2}
    assert [i["units"] for i in line.detail["items"]] == [50]
    tx = result.run.transaction
    assert (tx.key, tx.scope, tx.source_type) == ("fixed:2026-10:1", "fixed:2026-10", "fixed")
    assert_ledger_clean()


def test_running_the_month_twice_posts_once(laundry):
    scheme, gm, *_ = laundry
    with frozen(2026, 11, 1, 9, 0):
        fixed_points_post(scheme=scheme, month="2026-10")
    before = ledger_snapshot()
    with frozen(2026, 11, 1, 9, 1):
        again = fixed_points_post(scheme=scheme, month="2026-10")
    assert (again.run, again.posted, again.already) == (None, 0, 3)
    assert ledger_snapshot() == before
    assert PointsRun.objects.count() == 1
    assert october_score(scheme, gm) == 72
    assert_ledger_clean()


def test_a_reversed_month_can_be_posted_again(laundry):
    scheme, gm, *_ = laundry
    with frozen(2026, 11, 1, 9, 0):
        first = fixed_points_post(scheme=scheme, month="2026-10")
        transaction_reverse(transaction=first.run.transaction, key="undo-oct", actor=None, reason="职务表填错")
        assert october_score(scheme, gm) == 0
        second = fixed_points_post(scheme=scheme, month="2026-10")
    assert (second.posted, second.run.number) == (3, 2)
    assert october_score(scheme, gm) == 72
    assert_ledger_clean()


def test_a_month_not_yet_over_is_refused(laundry):
    scheme, *_ = laundry
    with frozen(2026, 10, 31, 23, 0), pytest.raises(IllegalTransition) as exc:
        fixed_points_post(scheme=scheme, month="2026-10")
    assert exc.value.code == "period_not_ended"
    assert Transaction.objects.count() == 0


def test_the_seed_template_refuses_until_its_tables_are_filled(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company)
    employee(company, "曹经理", position="总经理")
    with frozen(2026, 11, 1, 9, 0), pytest.raises(InvalidInput) as exc:
        fixed_points_post(scheme=scheme, month="2026-10")
    assert exc.value.code == "settings_incomplete"
    assert exc.value.zh == "请先填写固定积分设置：「职务」分值表；「工龄」每满一年的月分值"
    assert Transaction.objects.count() == 0 and PointsRun.objects.count() == 0


def test_a_position_missing_from_the_table_refuses_the_whole_month(laundry):
    scheme, gm, *_ = laundry
    employee(scheme.org, "郝保安", position="保安")
    before = ledger_snapshot()
    with frozen(2026, 11, 1, 9, 0), pytest.raises(InvalidInput) as exc:
        fixed_points_post(scheme=scheme, month="2026-10")
    assert exc.value.code == "fixed_points_incomplete"
    assert "「职务」分值表里没有「保安」（郝保安1人）" in exc.value.zh
    assert ledger_snapshot() == before


P8_FILLED = {
    "fixed_points": {
        "frequency": "monthly",
        "prorate_by_attendance": True,
        "factors": [
            {"attribute": "education", "name": "学历", "values": {"本科": 30, "大专": 20}},
            {"attribute": "title", "name": "职称", "values": {"工程师": 20}},
            {"attribute": "position", "name": "职务", "values": {"区队长": 40, "工人": 10}},
            {"attribute": "skill_level", "name": "技能", "values": {"高级工": 10}},
            {"attribute": "seniority_years", "name": "工龄", "per_year": 1},
            {"attribute": "speciality", "name": "特长", "values": {"爆破": 5}},
        ],
    }
}


@pytest.fixture
def mine(world):
    org = unit(world.county, "meikuang", "煤矿", "mine")
    scheme = adopt("p8-coal-mine", org, settings=P8_FILLED)
    chief = employee(org, "冯队长", position="区队长", education="本科", title="工程师", skill_level="高级工",
                     hire_date=dt.date(2010, 5, 26))
    worker = employee(org, "韩工人", position="工人", education="大专", speciality="爆破", hire_date=dt.date(2021, 10, 31))
    late = employee(org, "崔迟报", position="工人", hire_date=dt.date(2022, 1, 1))
    return scheme, chief, worker, late


def test_attendance_prorates_and_late_attendance_posts_in_a_second_run(mine):
    scheme, chief, worker, late = mine
    with frozen(2026, 11, 2, 8, 0):
        attendance_record(actor=None, scheme=scheme, subject=chief.subject, month="2026-10", days_worked=20, days_due=22)
        attendance_record(actor=None, scheme=scheme, subject=worker.subject, month="2026-10", days_worked="21.5", days_due=22)
        first = fixed_points_post(scheme=scheme, month="2026-10")
    # 冯: 本科30 + 工程师20 + 区队长40 + 高级工10 + 16 years × 1 = 116 a month; 116 × 20/22 = 105.45 → 105.
    # 韩: 大专20 + 工人10 + 爆破5 + 5 years = 40; 40 × 21.5/22 = 39.09 → 39.
    assert [october_score(scheme, p) for p in (chief, worker, late)] == [105, 39, 0]
    assert [x["name"] for x in first.left_out] == ["崔迟报"]
    with frozen(2026, 11, 3, 8, 0):
        attendance_record(actor=None, scheme=scheme, subject=late.subject, month="2026-10", days_worked=11, days_due=22)
        second = fixed_points_post(scheme=scheme, month="2026-10")
    # 崔: 工人10 + 4 years = 14; 14 × 11/22 = 7.
    assert (second.posted, second.already, second.run.number) == (1, 2, 2)
    assert [october_score(scheme, p) for p in (chief, worker, late)] == [105, 39, 7]
    assert_ledger_clean()


def test_attendance_cannot_change_once_the_month_is_posted(mine):
    scheme, chief, *_ = mine
    with frozen(2026, 11, 2, 8, 0):
        attendance_record(actor=None, scheme=scheme, subject=chief.subject, month="2026-10", days_worked=20, days_due=22)
        fixed_points_post(scheme=scheme, month="2026-10")
        with pytest.raises(IllegalTransition) as exc:
            attendance_record(actor=None, scheme=scheme, subject=chief.subject, month="2026-10", days_worked=22, days_due=22)
    assert exc.value.code == "already_posted"
    assert chief.subject.attendance.get().days_worked == 20


@pytest.mark.parametrize(
    ("worked", "due", "code"),
    [(23, 22, "invalid_field"), ("20.25", 22, "invalid_field"), (20, 0, "invalid_field"), ("x", 22, "invalid_field"), (2.5, 22, "invalid_field")],
)
def test_bad_attendance_is_refused(mine, worked, due, code):
    scheme, chief, *_ = mine
    with pytest.raises(InvalidInput) as exc:
        attendance_record(actor=None, scheme=scheme, subject=chief.subject, month="2026-10", days_worked=worked, days_due=due)
    assert exc.value.code == code
    assert not chief.subject.attendance.exists()


def test_attendance_for_someone_outside_the_mine_is_refused(mine, world):
    scheme, *_ = mine
    with pytest.raises(InvalidInput) as exc:
        attendance_record(actor=None, scheme=scheme, subject=world.zhangsan.subject, month="2026-10", days_worked=1, days_due=22)
    assert exc.value.code == "not_staff"


def test_helpers():
    assert full_years(dt.date(2016, 2, 29), dt.date(2026, 2, 28)) == 9
    assert full_years(dt.date(2016, 2, 29), dt.date(2026, 3, 1)) == 10
    assert full_years(dt.date(2027, 1, 1), dt.date(2026, 3, 1)) == 0
    assert prorate(116, 20, 22) == 105
    assert prorate(11, 1, 2) == 6  # 5.5 rounds half up
    assert prorate(50, 22, 22) == 50
