import datetime as dt

import pytest

from jifen.core.errors import IllegalTransition, InvalidInput
from jifen.ledger.models import Transaction
from jifen.ledger.selectors import score_of
from jifen.ledger.services import account_for
from jifen.ledger.testing import ledger_snapshot
from jifen.rankings.base_points import base_points_post
from jifen.rankings.models import PointsRun
from jifen.rankings.tests.rewards_helpers import adopt, assert_ledger_clean, frozen, person
from jifen.rules.models import ItemVersion


@pytest.fixture
def town(world):
    return adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}})


def year_score(scheme, p, year):
    return score_of(account=account_for(scheme=scheme, subject=p.subject), grain="year", on=dt.date(year, 6, 1))


def test_every_resident_gets_100_on_the_first_of_january(town, world):
    with frozen(2026, 1, 1, 0, 5):
        result = base_points_post(scheme=town, year=2026)
    residents = [world.zhangsan, world.limei, world.wangwu, world.reviewer_person, world.recorder_person]
    assert result.posted == 5 and result.total == 500
    assert [year_score(town, p, 2026) for p in residents] == [100] * 5
    assert year_score(town, world.zhangsan, 2025) == 0
    tx = result.run.transaction
    assert tx.occurred_at == dt.datetime(2025, 12, 31, 16, 0, tzinfo=dt.UTC)  # 1 January 00:00 in Shanghai
    # Households and the other village's people are not residents of this scheme's persons.
    assert account_for(scheme=town, subject=world.household.subject).balances.count() == 0
    version = ItemVersion.objects.get(pk=tx.item_version_id)
    assert version.kind == "base" and version.item.code == "p7-2-01"
    assert_ledger_clean()


def test_granting_twice_grants_once_and_a_newcomer_gets_it_on_a_rerun(town, world):
    with frozen(2026, 1, 1, 0, 5):
        base_points_post(scheme=town, year=2026)
        before = ledger_snapshot()
        again = base_points_post(scheme=town, year=2026)
    assert (again.posted, again.already, again.run) == (0, 5, None)
    assert ledger_snapshot() == before
    newcomer = person(world.shahe_grid2, "新来的")
    with frozen(2026, 3, 1, 9, 0):
        third = base_points_post(scheme=town, year=2026)
    assert (third.posted, third.already, third.run.number) == (1, 5, 2)
    assert year_score(town, newcomer, 2026) == 100
    assert PointsRun.objects.filter(kind="base").count() == 2
    assert_ledger_clean()


def test_a_year_that_has_not_begun_is_refused(town):
    with frozen(2025, 12, 31, 23, 59), pytest.raises(IllegalTransition) as exc:
        base_points_post(scheme=town, year=2026)
    assert exc.value.code == "period_not_started"
    assert Transaction.objects.count() == 0


def test_the_grid_household_template_asks_for_its_amount_first(world):
    scheme = adopt("p5-grid-household", world.shahe, period_policy="year_end_clear")
    with frozen(2026, 1, 2, 9, 0), pytest.raises(InvalidInput) as exc:
        base_points_post(scheme=scheme, year=2026)
    assert exc.value.code == "settings_incomplete"
    assert exc.value.zh == "请先填写基础分设置：基础分数额、发放频率（每年或一次性）"
    assert Transaction.objects.count() == 0


def test_household_base_points_once(world):
    scheme = adopt(
        "p5-grid-household", world.shahe, period_policy="year_end_clear",
        settings={"base_points": {"amount": 60, "frequency": "once"}},
    )
    with frozen(2025, 2, 1, 9, 0):
        first = base_points_post(scheme=scheme, year=2025)
    with frozen(2026, 2, 1, 9, 0):
        second = base_points_post(scheme=scheme, year=2026)
    assert (first.posted, second.posted, second.already) == (2, 0, 2)
    assert score_of(account=account_for(scheme=scheme, subject=world.household.subject)) == 60
    assert_ledger_clean()
