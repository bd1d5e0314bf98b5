"""A village's monthly report figures equal a hand count (see jifen/reports/testing.py for the month)."""

import datetime as dt

import pytest

from jifen.core.errors import InvalidInput
from jifen.reports import selectors
from jifen.reports.selectors import monthly_figures, parse_month

MARCH = dt.date(2026, 3, 1)


@pytest.mark.django_db
def test_shahe_march_figures_equal_the_hand_count(march):
    w = march.world
    figures = monthly_figures(village=w.shahe, month=MARCH)
    assert figures["month"] == "2026-03"
    assert figures["org"] == {"id": w.shahe.pk, "path": "demo/zhangji/shahe", "name": "沙河村"}
    # 张三 and 李梅 (activity), 陈审核 (redeemed); 王五's deduction was in February, 刘记录 did nothing.
    assert figures["people"] == {"total": 5, "active": 3}
    # SH-001 through its members; SH-002 (王五) not in March.
    assert figures["households"] == {"total": 2, "active": 1}
    # 陈审核 (party member, redeemed) and 刘记录 (village office job, idle).
    assert figures["party_and_cadres"] == {"total": 2, "active": 1}
    # Two activity claims posted, 张三's declared, 王五's approved and withdrawn; April's not counted.
    assert figures["claims"]["declared"] == 5
    assert {k: v for k, v in figures["claims"]["by_state"].items() if v} == {
        "posted": 2, "declared": 1, "approved": 1, "withdrawn": 1,
    }
    # Activity 5 × 2 under 公益美德类; 李梅's 3 under 奖励惩罚类; the redemption is no score, Feb is out.
    assert figures["points"] == [
        {"category": "公益美德类", "awarded": "10", "deducted": "0", "net": "10"},
        {"category": "奖励惩罚类", "awarded": "0", "deducted": "-3", "net": "-3"},
    ]
    # 张三's soap at the supermarket; 陈审核's posting was not a market redemption.
    assert figures["redemptions"] == {"redemptions": 1, "points": "5", "people_redeemed": 1, "households_redeemed": 1}
    # SH-001 twice in March (SH-002 in February); the complaint and the dispute raised in March;
    # at the month's end the February need (deadline 7 March) and the dispute are open.
    assert figures["grid"] == {"visits": 2, "households_visited": 1, "issues_raised": 2, "issues_open": 2, "issues_overdue": 1}


@pytest.mark.django_db
def test_the_other_village_counts_only_its_own(march):
    w = march.world
    figures = monthly_figures(village=w.quanshui, month=MARCH)
    assert figures["people"] == {"total": 1, "active": 1}
    assert figures["households"] == {"total": 1, "active": 1}
    assert figures["claims"]["declared"] == 0
    assert figures["points"] == [{"category": "公益美德类", "awarded": "7", "deducted": "0", "net": "7"}]


@pytest.mark.django_db
def test_february_holds_only_februarys_postings(march):
    figures = monthly_figures(village=march.world.shahe, month=dt.date(2026, 2, 1))
    assert figures["people"] == {"total": 5, "active": 1}
    assert figures["households"] == {"total": 2, "active": 1}
    assert figures["claims"]["declared"] == 0
    assert figures["points"] == [{"category": "奖励惩罚类", "awarded": "0", "deducted": "-3", "net": "-3"}]


@pytest.mark.django_db
def test_only_villages_report(march):
    with pytest.raises(InvalidInput) as err:
        monthly_figures(village=march.world.township, month=MARCH)
    assert err.value.code == "not_a_village"


def test_months_parse_strictly():
    assert parse_month("2026-03") == MARCH
    assert parse_month("", default=dt.date(2026, 4, 17)) == dt.date(2026, 4, 1)
    for bad in ("2026-13", "March", "2026"):
        with pytest.raises(InvalidInput):
            parse_month(bad)


def test_points_text_keeps_decimals_only_when_needed():
    from decimal import Decimal

    assert selectors.points_text(Decimal("12.0")) == "12"
    assert selectors.points_text(Decimal("-7.50")) == "-7.5"


@pytest.mark.django_db
def test_redemptions_and_grid_figures_agree_with_the_apps_own_selectors(march):
    from jifen.grid.selectors import issues_open_overdue, visits_in_month
    from jifen.market.selectors import redemption_rate

    w = march.world
    start, end = selectors.month_bounds(MARCH)
    for village in (w.shahe, w.quanshui):
        figures = monthly_figures(village=village, month=MARCH)
        rate = redemption_rate(org=village, start=start.date(), end=end.date())
        assert (figures["redemptions"]["people_redeemed"], figures["redemptions"]["households_redeemed"]) == (
            rate.people_redeemed, rate.households_redeemed)
        counts = issues_open_overdue(village, end)
        assert (figures["grid"]["issues_open"], figures["grid"]["issues_overdue"]) == (counts.open, counts.overdue)
        assert figures["grid"]["visits"] == visits_in_month(village, 2026, 3).count()
