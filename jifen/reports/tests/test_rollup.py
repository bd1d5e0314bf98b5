"""The township's rollup: sums of what its villages submitted, and which villages have not."""

import datetime as dt

import pytest

from jifen.claims.testing import local
from jifen.core import clock
from jifen.reports import selectors
from jifen.reports.selectors import township_rollup
from jifen.reports.services import monthly_report_submit

MARCH = dt.date(2026, 3, 1)


def _submit_both(w):
    with clock.frozen(local(2026, 4, 5, 10)):
        monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03")
        monthly_report_submit(actor=w.admin, village=w.quanshui, month=MARCH, key="quanshui-2026-03")


@pytest.mark.django_db
def test_rollup_lists_villages_that_have_not_submitted(march):
    w = march.world
    with clock.frozen(local(2026, 4, 5, 10)):
        monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03")
    rollup = township_rollup(org=w.township, month=MARCH)
    assert [r.village.name for r in rollup.rows] == ["泉水河村", "沙河村"]
    assert [v.name for v in rollup.missing] == ["泉水河村"]
    assert rollup.totals["households"] == {"total": 2, "active": 1}  # Shahe's alone


@pytest.mark.django_db
def test_rollup_sums_equal_the_parts(march):
    w = march.world
    _submit_both(w)
    rollup = township_rollup(org=w.township, month=MARCH)
    assert rollup.missing == []
    parts = [r.submission.figures for r in rollup.rows]
    for group in ("households", "people", "party_and_cadres"):
        for field in ("total", "active"):
            assert rollup.totals[group][field] == sum(p[group][field] for p in parts)
    assert rollup.totals["households"] == {"total": 3, "active": 2}
    assert rollup.totals["people"] == {"total": 6, "active": 4}
    assert rollup.totals["party_and_cadres"] == {"total": 2, "active": 1}
    assert rollup.totals["claims"]["declared"] == 5 == sum(p["claims"]["declared"] for p in parts)
    # 公益美德类: Shahe 10 + Quanshuihe 7; 奖励惩罚类: Shahe's -3.
    assert rollup.totals["points"] == [
        {"category": "公益美德类", "awarded": "17", "deducted": "0", "net": "17"},
        {"category": "奖励惩罚类", "awarded": "0", "deducted": "-3", "net": "-3"},
    ]


@pytest.mark.django_db
def test_rollup_uses_the_latest_revision(march):
    from jifen.reports.testing import _post

    w, s = march.world, march.setup
    _submit_both(w)
    with clock.frozen(local(2026, 4, 6, 10)):
        _post(s.scheme, "late-march-award", w.wangwu.subject, 5, "award", local(2026, 3, 30, 9), s.help)
        monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-r2")
    rollup = township_rollup(org=w.township, month=MARCH)
    shahe = next(r for r in rollup.rows if r.village == w.shahe)
    assert shahe.submission.revision == 2
    assert rollup.totals["households"] == {"total": 3, "active": 3}


@pytest.mark.django_db
def test_the_county_rolls_up_the_same_villages(march):
    w = march.world
    _submit_both(w)
    county = township_rollup(org=w.county, month=MARCH)
    township = township_rollup(org=w.township, month=MARCH)
    assert county.totals == township.totals


@pytest.mark.django_db
def test_live_figures_of_a_township_equal_each_village_computed_alone(march):
    w = march.world
    together = selectors.villages_figures(root=w.township, month=MARCH)
    assert together[w.shahe.pk] == selectors.monthly_figures(village=w.shahe, month=MARCH)
    assert together[w.quanshui.pk] == selectors.monthly_figures(village=w.quanshui, month=MARCH)
