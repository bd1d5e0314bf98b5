from decimal import Decimal

import pytest

from jifen.rules import services
from jifen.rules.settings_schema import RankTable, Threshold, scheme_settings


@pytest.fixture
def company_scheme(world):
    return services.scheme_create(
        actor=None, org=world.township, code="laundry", name="洗涤公司", subject_types=["staff"], period_policy="lifetime",
        notice_cadence="weekly",
        settings={
            "fraud_multiplier": 2,
            "veto": {"enabled": True, "period_days": None},
            "leader_matching": {"enabled": True, "applies_to": ["award", "deduct"]},
            "fixed_points": {
                "frequency": "monthly", "prorate_by_attendance": True,
                "factors": [
                    {"attribute": "position", "name": "职务", "values": {"组长": 30, "员工": None}},
                    {"attribute": "seniority_years", "name": "工龄", "per_year": None},
                ],
            },
            "authorisation": {"titles": [{"title": "副总经理", "level": 2}], "slip_min_level": 2,
                              "tiers": [{"title": "矿长", "points_limit": None}]},
            "grading": {
                "scale": 100, "methods": ["self", "branch", "mass"], "weights": {"self": "0.2", "branch": None},
                "bands": [{"code": "excellent", "name": "优秀", "min": 80, "max": None},
                          {"code": "qualified", "name": "合格", "min": 60, "max": 79},
                          {"code": "warning", "name": "诫勉", "min": None, "max": 59}],
                "streak": {"grade": "warning", "years": 2, "becomes": "unqualified", "becomes_name": "不合格"},
            },
            "reward_rules": [
                {"type": "rank_table", "period": "month", "group": "staff", "amounts_yuan": [100, 80, 60, 40, 20]},
                {"type": "threshold", "period": "term", "tiers": [{"min_points": 1500, "amount_yuan": 50, "reward": "图书"}]},
            ],
            "participation_targets": [{"who": "party_members_and_cadres", "min_share": "1.00"}],
            "funds": [{"source": "collective", "amount_min_yuan": 20000, "amount_max_yuan": 30000, "per": "village_year"}],
            "programme": {"timeline": [{"stage": "apply", "name": "申报", "from": "07-22", "to": "08-05"}]},
        },
    )


@pytest.mark.django_db
def test_later_apps_read_typed_settings(company_scheme):
    s = scheme_settings(company_scheme)

    assert s.fraud_multiplier == Decimal("2")
    assert s.veto.period_days is None and s.veto.bars == ["redemption", "rewards"]
    assert s.leader_matching.applies_to == ["award", "deduct"]
    assert [f.attribute for f in s.fixed_points.factors] == ["position", "seniority_years"]
    assert s.fixed_points.factors[0].values == {"组长": 30, "员工": None}
    assert s.authorisation.slip_min_level == 2
    assert s.grading.weights == {"self": Decimal("0.2"), "branch": None}
    assert [b.code for b in s.grading.bands if b.contains(79)] == ["qualified"]
    assert [b.code for b in s.grading.bands if b.contains(59)] == ["warning"]
    assert [b.code for b in s.grading.bands if b.contains(80)] == ["excellent"]
    rank, threshold = s.reward_rules
    assert isinstance(rank, RankTable) and rank.amounts_fen == [10000, 8000, 6000, 4000, 2000]
    assert isinstance(threshold, Threshold) and threshold.tiers[0].amount_fen == 5000
    assert s.participation_targets[0].min_share == Decimal("1.00")
    assert s.funds[0].amount_min_yuan == 20000
    assert s.programme.timeline[0].from_ == "07-22"


@pytest.mark.django_db
def test_settings_are_stored_as_given_with_decimals_as_text(company_scheme):
    stored = company_scheme.settings
    assert stored["fraud_multiplier"] == "2"
    assert stored["grading"]["weights"] == {"self": "0.2", "branch": None}
    assert stored["programme"]["timeline"] == [{"stage": "apply", "name": "申报", "from": "07-22", "to": "08-05"}]
    # Defaults the author did not write are not stored.
    assert stored["veto"] == {"enabled": True, "period_days": None}


@pytest.mark.django_db
def test_a_scheme_without_settings_reads_as_empty_rules(scheme):
    s = scheme_settings(scheme)
    assert (s.fraud_multiplier, s.veto, s.reward_rules, s.grading) == (None, None, [], None)
