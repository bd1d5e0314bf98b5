import datetime as dt

import pytest

from jifen.core.errors import IllegalTransition, InvalidInput
from jifen.ledger.models import Account, Transaction
from jifen.ledger.selectors import balance_of, score_of
from jifen.ledger.services import account_for
from jifen.ledger.testing import ledger_snapshot
from jifen.rankings.closing import period_close, zero_or_negative_list
from jifen.rankings.models import PeriodClose
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


def acct(scheme, p):
    return account_for(scheme=scheme, subject=p.subject)


def test_year_end_expires_balances_and_opens_the_new_year(town, world):
    give(town, world.zhangsan, 100, local(2025, 1, 1))
    give(town, world.zhangsan, 30, local(2025, 6, 1))
    give(town, world.zhangsan, -50, local(2025, 9, 1), kind="redeem")
    give(town, world.wangwu, 100, local(2025, 1, 1))
    give(town, world.wangwu, -120, local(2025, 12, 31, 23, 59))
    give(town, world.zhangsan, 5, local(2026, 1, 1, 0, 1))  # already next year: not cleared
    with frozen(2026, 1, 1, 1, 0):
        result = period_close(scheme=town, year=2025)
    close = result.close
    assert (close.accounts, close.expired, close.credited) == (2, 80, 20)
    on_2025 = dt.date(2025, 12, 31)
    # Spendable balances are zero at the end of 2025 (no earlier years); the year's scores are untouched.
    assert [balance_of(account=acct(town, p), grain="year", on=on_2025) for p in (world.zhangsan, world.wangwu)] == [0, 0]
    assert [score_of(account=acct(town, p), grain="year", on=on_2025) for p in (world.zhangsan, world.wangwu)] == [130, -20]
    # The new year opens with 篇7's base of 100 for every resident, plus what 张三 earned on 1 January.
    assert balance_of(account=acct(town, world.zhangsan)) == 105
    assert balance_of(account=acct(town, world.wangwu)) == 100
    assert balance_of(account=acct(town, world.limei)) == 100
    assert result.base is not None and result.base.posted == 5
    expiry = Account.objects.get(scheme=town, kind="expiry")
    assert balance_of(account=expiry) == 60  # 80 taken in, 20 given back
    assert close.transaction.occurred_at == dt.datetime(2025, 12, 31, 15, 59, 59, 999999, tzinfo=dt.UTC)
    assert_ledger_clean()


def test_closing_a_year_twice_returns_the_first_close(town, world):
    give(town, world.zhangsan, 40, local(2025, 3, 1))
    with frozen(2026, 1, 1, 1, 0):
        first = period_close(scheme=town, year=2025)
        before = ledger_snapshot()
        second = period_close(scheme=town, year=2025)
    assert second.close.pk == first.close.pk and not second.created
    assert ledger_snapshot() == before
    assert PeriodClose.objects.count() == 1


def test_a_year_with_nothing_to_clear_is_still_closed(town):
    with frozen(2026, 1, 1, 1, 0):
        result = period_close(scheme=town, year=2025)
    assert (result.close.accounts, result.close.transaction) == (0, None)
    assert Transaction.objects.filter(source_type="period_close").count() == 0


def test_a_year_not_yet_over_is_refused(town, world):
    give(town, world.zhangsan, 40, local(2025, 3, 1))
    before = ledger_snapshot()
    with frozen(2025, 12, 31, 23, 0), pytest.raises(IllegalTransition) as exc:
        period_close(scheme=town, year=2025)
    assert exc.value.code == "period_not_ended"
    assert ledger_snapshot() == before


def test_lifetime_schemes_never_clear(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company)
    with frozen(2026, 1, 1, 1, 0), pytest.raises(IllegalTransition) as exc:
        period_close(scheme=scheme, year=2025)
    assert exc.value.code == "lifetime_scheme"
    assert PeriodClose.objects.count() == 0


def test_a_scheme_without_a_period_policy_asks_for_one(world):
    school = unit(world.county, "yizhong", "第一中学", "school")
    scheme = adopt("p3-school-reading", school)
    with frozen(2026, 1, 1, 1, 0), pytest.raises(InvalidInput) as exc:
        period_close(scheme=scheme, year=2025)
    assert exc.value.code == "settings_incomplete"


def test_zero_or_negative_list_for_hr(world):
    mine = unit(world.county, "meikuang", "煤矿", "mine")
    scheme = adopt("p8-coal-mine", mine)
    good = employee(mine, "冯正分", position="工人")
    negative = employee(mine, "韩负分", position="工人")
    zero = employee(mine, "崔零分", position="工人")
    never = employee(mine, "段没分", position="工人")
    give(scheme, good, 10, local(2025, 5, 1))
    give(scheme, negative, 10, local(2025, 5, 1))
    give(scheme, negative, -30, local(2026, 5, 1))
    give(scheme, zero, 20, local(2025, 5, 1))
    give(scheme, zero, -20, local(2025, 6, 1))
    listed = zero_or_negative_list(scheme=scheme)
    assert [(r.name, r.score) for r in listed] == [("韩负分", -20), ("崔零分", 0), ("段没分", 0)]
    assert good.subject_id not in {r.subject_id for r in listed}
    assert never.subject_id in {r.subject_id for r in listed}


def test_zero_or_negative_list_needs_the_rule(town):
    with pytest.raises(InvalidInput) as exc:
        zero_or_negative_list(scheme=town)
    assert exc.value.code == "no_zero_or_negative"
