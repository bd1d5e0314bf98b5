import datetime as dt
from io import StringIO

from django.core.management import call_command

from jifen.ledger.selectors import balance_of, score_of
from jifen.ledger.services import account_for
from jifen.rankings.models import PeriodClose, PointsRun
from jifen.rankings.tests.rewards_helpers import (
    adopt,
    assert_ledger_clean,
    employee,
    give,
    local,
    unit,
)
from jifen.rankings.tests.test_fixed_points_post import P6_FILLED
from jifen.rules.models import Scheme


def adopted_on(scheme: Scheme, *at: int) -> Scheme:
    """Scheme.created_at is stamped by the database clock, not jifen's; set it to when the test says."""
    Scheme.objects.filter(pk=scheme.pk).update(created_at=local(*at))
    return Scheme.objects.get(pk=scheme.pk)


def tick(now: str) -> str:
    out = StringIO()
    call_command("tick", now=now, stdout=out)
    return out.getvalue()


def test_tick_posts_last_months_fixed_points_once(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopted_on(adopt("p6-laundry-company", company, settings=P6_FILLED), 2026, 9, 20)
    gm = employee(company, "曹经理", position="总经理", hire_date=dt.date(2015, 3, 15))
    first = tick("2026-11-01T00:10:00+08:00")
    second = tick("2026-11-01T00:11:00+08:00")
    assert f"rankings:fixed_points_due: 固定积分 / fixed points: 完成 1 / done 1; {scheme.code} 2026-10 +1" in first
    assert "rankings:fixed_points_due: 固定积分 / fixed points: 无到期事项 / nothing due" in second
    assert score_of(account=account_for(scheme=scheme, subject=gm.subject), grain="month", on=dt.date(2026, 10, 1)) == 72
    assert PointsRun.objects.filter(kind="fixed").count() == 1
    assert_ledger_clean()


def test_tick_reports_an_incomplete_scheme_and_goes_on(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    adopted_on(adopt("p6-laundry-company", company), 2026, 9, 20)
    employee(company, "曹经理", position="总经理")
    out = tick("2026-11-01T00:10:00+08:00")
    assert "跳过 1 / skipped 1" in out and "请先填写固定积分设置" in out
    assert not PointsRun.objects.exists()


def test_tick_skips_months_before_the_scheme_was_adopted(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    adopted_on(adopt("p6-laundry-company", company, settings=P6_FILLED), 2026, 11, 5)
    employee(company, "曹经理", position="总经理")
    assert "nothing due" in tick("2026-11-06T00:10:00+08:00").split("fixed_points_due:")[1].splitlines()[0]
    assert not PointsRun.objects.exists()


def test_new_year_clears_last_year_and_grants_base_points(world):
    town = adopted_on(adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}}), 2025, 3, 1)
    give(town, world.zhangsan, 70, local(2025, 5, 1))
    out = tick("2026-01-01T00:01:00+08:00")
    again = tick("2026-01-01T00:02:00+08:00")
    assert "2025 年清零 / cleared 2025: 账户/accounts 1, 清零/expired 70" in out
    assert "year_start_due: 年初清零与基础分 / year start: 无到期事项 / nothing due" in again
    assert PeriodClose.objects.get().year == 2025
    assert balance_of(account=account_for(scheme=town, subject=world.zhangsan.subject)) == 100
    assert PointsRun.objects.filter(kind="base", period="2026").count() == 1
    assert not PeriodClose.objects.filter(scheme__in=Scheme.objects.exclude(pk=town.pk)).exists()
    assert_ledger_clean()


def test_a_scheme_adopted_this_year_gets_base_points_but_no_clearing(world):
    town = adopted_on(adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}}), 2026, 3, 1)
    out = tick("2026-03-01T10:00:00+08:00")
    assert "基础分 / base points 2026: 入账/posted 5" in out
    assert not PeriodClose.objects.exists()
    assert score_of(account=account_for(scheme=town, subject=world.limei.subject)) == 100
