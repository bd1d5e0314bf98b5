import pytest
from hypothesis import given
from hypothesis import strategies as st

from jifen.core.errors import IdempotencyMismatch, IllegalTransition, InvalidInput
from jifen.orgs import services as orgs
from jifen.rankings.dividends import dividend_distribute, largest_remainder
from jifen.rankings.models import DividendDistribution, DividendLine
from jifen.rankings.tests.rewards_helpers import adopt, frozen, give, local


def test_largest_remainder_on_a_pool_that_does_not_divide_evenly():
    # 100.00 yuan over three equal households: 33.34 + 33.33 + 33.33; the tie goes to the lowest id.
    assert [(s.subject_id, s.share_fen, s.remainder_fen) for s in largest_remainder(10000, [(7, 5), (3, 5), (5, 5)])] == [
        (7, 3333, 0), (3, 3334, 1), (5, 3333, 0),
    ]
    # 1000 fen by 3 : 2 : 2 → 428.57, 285.71, 285.71: the two fen left go to the larger remainders (.71).
    shares = largest_remainder(1000, [(1, 3), (2, 2), (3, 2)])
    assert [(s.share_fen, s.remainder_fen) for s in shares] == [(428, 0), (286, 1), (286, 1)]


@given(pool=st.integers(min_value=1, max_value=10**12), points=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=40))
def test_shares_always_add_up_to_the_pool(pool, points):
    shares = largest_remainder(pool, list(enumerate(points)))
    assert sum(s.share_fen for s in shares) == pool
    total = sum(points)
    for s in shares:
        exact = pool * s.points / total
        assert abs(s.share_fen - exact) < 1  # never more than a fen from the exact share


@pytest.fixture
def village(world):
    scheme = adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}})
    third = orgs.household_create(actor=None, village=world.shahe, org=world.shahe_grid2, number="SH-003", head=world.reviewer_person)
    fourth = orgs.household_create(actor=None, village=world.shahe, org=world.shahe_grid2, number="SH-004", head=world.recorder_person)
    at = local(2025, 6, 1)
    give(scheme, world.household.subject, 120, at)
    give(scheme, world.neighbour_household.subject, 60, at)
    give(scheme, third.subject, 60, at)
    give(scheme, fourth.subject, 10, at)
    give(scheme, fourth.subject, -20, local(2025, 8, 1))  # ends the year at -10
    return scheme, third, fourth


def test_a_village_pool_is_shared_by_household_points_to_the_fen(village, world):
    scheme, third, fourth = village
    with frozen(2026, 1, 10, 9, 0):
        distribution = dividend_distribute(actor=world.admin, scheme=scheme, org=world.shahe, period="2025", pool_fen=1_000_001, key="2025-shahe")
    # 120 : 60 : 60 over 1,000,001 fen → 500,000.5 / 250,000.25 / 250,000.25; the half fen goes to 张三户.
    lines = list(distribution.lines.order_by("order").values_list("name", "points", "share_fen", "remainder_fen", "note"))
    assert lines == [
        ("张三户", 120, 500001, 1, ""), ("王五户", 60, 250000, 0, ""), ("陈审核户", 60, 250000, 0, ""),
        ("刘记录户", -10, 0, 0, "积分为零或负分，不参与分红 / no positive points"),
    ]
    assert sum(line[2] for line in lines) == 1_000_001
    assert (distribution.households, distribution.total_points) == (3, 240)
    # The other village's household is not in Shahe's pool.
    assert not DividendLine.objects.filter(subject=world.outsider_household.subject).exists()


def test_zero_point_households_can_be_left_off_the_list(village, world):
    scheme, *_ = village
    with frozen(2026, 1, 10, 9, 0):
        distribution = dividend_distribute(
            actor=None, scheme=scheme, org=world.shahe, period="2025", pool_fen=900, key="k", zero_policy="omit"
        )
    assert list(distribution.lines.values_list("name", "share_fen")) == [("张三户", 450), ("王五户", 225), ("陈审核户", 225)]


def test_the_same_key_returns_the_first_distribution_and_other_content_is_refused(village, world):
    scheme, *_ = village
    with frozen(2026, 1, 10, 9, 0):
        first = dividend_distribute(actor=None, scheme=scheme, org=world.shahe, period="2025", pool_fen=900, key="k")
        again = dividend_distribute(actor=None, scheme=scheme, org=world.shahe, period="2025", pool_fen=900, key="k")
        with pytest.raises(IdempotencyMismatch):
            dividend_distribute(actor=None, scheme=scheme, org=world.shahe, period="2025", pool_fen=901, key="k")
    assert again.pk == first.pk
    assert DividendDistribution.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"pool_fen": 0}, InvalidInput), ({"pool_fen": 10.5}, InvalidInput), ({"key": ""}, InvalidInput),
        ({"vetoed_policy": "maybe"}, InvalidInput), ({"period": "2026"}, IllegalTransition), ({"period": "2025-13"}, InvalidInput),
    ],
)
def test_bad_requests_write_nothing(village, world, kwargs, error):
    scheme, *_ = village
    args = {"actor": None, "scheme": scheme, "org": world.shahe, "period": "2025", "pool_fen": 900, "key": "k", **kwargs}
    with frozen(2026, 1, 10, 9, 0), pytest.raises(error):
        dividend_distribute(**args)
    assert not DividendDistribution.objects.exists()


def test_an_org_outside_the_scheme_or_a_pool_with_no_points_is_refused(village, world):
    scheme, *_ = village
    with frozen(2026, 1, 10, 9, 0):
        with pytest.raises(InvalidInput) as outside:
            dividend_distribute(actor=None, scheme=scheme, org=world.quanshui, period="2025", pool_fen=900, key="a")
        with pytest.raises(InvalidInput) as nothing:
            dividend_distribute(actor=None, scheme=scheme, org=world.shahe, period="2024", pool_fen=900, key="b")
    assert (outside.value.code, nothing.value.code) == ("org_outside_scheme", "nothing_to_share")
    assert not DividendDistribution.objects.exists()
