"""一票否决 (claims app) in rewards: no base points, no rewards, no honours, no dividend where the scheme says so."""

import datetime as dt

import pytest

from jifen.claims.selectors import veto_active
from jifen.claims.services import veto_lift, veto_record
from jifen.core.errors import IllegalTransition
from jifen.ledger.selectors import score_of
from jifen.ledger.services import account_for
from jifen.orgs.models import Subject
from jifen.rankings.base_points import base_points_post
from jifen.rankings.dividends import dividend_distribute
from jifen.rankings.reward_scores import vetoes_on
from jifen.rankings.rewards import honour_award, reward_list_evaluate
from jifen.rankings.tests.rewards_helpers import (
    adopt,
    assert_ledger_clean,
    employee,
    frozen,
    give,
    local,
    unit,
)


@pytest.fixture
def town(world):
    return adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}})


def veto(world, scheme, subject, starts_on):
    with frozen(starts_on.year, starts_on.month, starts_on.day, 10, 0):
        return veto_record(actor=world.reviewer, scheme=scheme, subject=subject, starts_on=starts_on, reason="违法违纪")


def test_the_set_read_agrees_with_veto_active(town, world):
    veto(world, town, world.zhangsan.subject, dt.date(2025, 3, 1))  # barred 2025-03-01 … 2026-02-28
    lifted = veto(world, town, world.wangwu.subject, dt.date(2025, 3, 1))
    with frozen(2025, 4, 1, 10, 0):
        veto_lift(actor=world.reviewer, veto=lifted, reason="复核撤销")
    for day in (dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2026, 2, 28), dt.date(2026, 3, 1)):
        barred = vetoes_on(scheme=town, on=day, bar="rewards")
        for subject in Subject.objects.filter(kind="person"):
            assert (subject.pk in barred) == (veto_active(scheme=town, subject=subject, on=day) is not None), (day, subject)
    assert vetoes_on(scheme=town, on=dt.date(2026, 1, 1)) == {world.zhangsan.subject_id: dt.date(2026, 2, 28)}


def test_no_base_points_under_a_veto_on_the_first_of_january(town, world):
    veto(world, town, world.zhangsan.subject, dt.date(2025, 3, 1))
    veto(world, town, world.wangwu.subject, dt.date(2024, 1, 1))  # ended 2024-12-30
    with frozen(2026, 1, 1, 0, 5):
        result = base_points_post(scheme=town, year=2026)
    assert result.posted == 4
    assert [(x["name"], x["reason"].split("（")[0]) for x in result.left_out] == [("张三", "1月1日处于一票否决期")]
    assert score_of(account=account_for(scheme=town, subject=world.zhangsan.subject)) == 0
    assert score_of(account=account_for(scheme=town, subject=world.wangwu.subject)) == 100
    assert_ledger_clean()


def test_a_vetoed_subject_above_the_average_is_listed_as_excluded_and_cannot_be_honoured(town, world):
    at = local(2025, 7, 1)
    give(town, world.household.subject, 50, at)
    give(town, world.neighbour_household.subject, 40, at)
    vetoed = world.household.subject
    veto(world, town, vetoed, dt.date(2025, 6, 1))
    with frozen(2026, 1, 2, 8, 0):
        reward_list = reward_list_evaluate(scheme=town, rule_index=0, period="2025")
        lines = list(reward_list.lines.order_by("order").values_list("name", "outcome", "note"))
        with pytest.raises(IllegalTransition) as exc:
            honour_award(scheme=town, subject=vetoed, title="十星级文明户", period="2025", actor=None)
    # The average (45) still counts 张三户's points; 王五户 (40) is below it.
    assert lines == [("张三户", "excluded", "一票否决，至 2026-05-31 不参与奖励 / vetoed until 2026-05-31")]
    assert exc.value.code == "not_eligible" and "一票否决" in exc.value.zh


def test_rank_tables_skip_the_vetoed_and_move_the_others_up(world):
    company = unit(world.township, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company, settings={"veto": {"enabled": True, "period_days": 30, "bars": ["rewards"]}})
    staff = [employee(company, name) for name in ("甲", "乙", "丙")]
    for p, points in zip(staff, (300, 200, 100), strict=True):
        give(scheme, p, points, local(2026, 10, 10))
    with frozen(2026, 10, 20, 9, 0):
        veto_record(actor=world.admin, scheme=scheme, subject=staff[0].subject, starts_on=dt.date(2026, 10, 20), reason="打架")
    with frozen(2026, 11, 1, 9, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
    assert list(reward_list.lines.order_by("order").values_list("name", "rank", "amount_fen", "outcome")) == [
        ("乙", 1, 10000, "awarded"), ("丙", 2, 8000, "awarded"), ("甲", None, None, "excluded"),
    ]


def test_a_veto_barring_only_honours_keeps_cash_but_not_titles(world):
    scheme = adopt("p2-district-villages", world.shahe, objection_days=7,
                   settings={"veto": {"enabled": True, "period_days": 365, "bars": ["honours"]}})
    give(scheme, world.zhangsan, 50, local(2025, 5, 1))
    give(scheme, world.wangwu, 10, local(2025, 5, 1))
    veto(world, scheme, world.zhangsan.subject, dt.date(2025, 6, 1))
    with frozen(2026, 1, 2, 8, 0):
        quota = reward_list_evaluate(scheme=scheme, rule_index=0, period="2025")
    assert list(quota.lines.order_by("order").values_list("name", "outcome")) == [("王五", "awarded"), ("张三", "excluded")]


def test_dividends_leave_out_vetoed_households_unless_told_otherwise(town, world):
    give(town, world.household.subject, 30, local(2025, 5, 1))
    give(town, world.neighbour_household.subject, 10, local(2025, 5, 1))
    veto(world, town, world.neighbour_household.subject, dt.date(2025, 12, 1))
    with frozen(2026, 1, 10, 9, 0):
        excluded = dividend_distribute(actor=None, scheme=town, org=world.shahe, period="2025", pool_fen=1000, key="a")
        included = dividend_distribute(actor=None, scheme=town, org=world.shahe, period="2025", pool_fen=1000, key="b",
                                       vetoed_policy="include")
    assert list(excluded.lines.order_by("order").values_list("name", "share_fen", "note")) == [
        ("张三户", 1000, ""), ("王五户", 0, "一票否决，至 2026-11-30 / vetoed"),
    ]
    assert list(included.lines.order_by("order").values_list("name", "share_fen")) == [("张三户", 750), ("王五户", 250)]
