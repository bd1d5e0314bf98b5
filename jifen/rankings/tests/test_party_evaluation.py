from decimal import Decimal

import pytest

from jifen.core.errors import IllegalTransition, InvalidInput
from jifen.orgs import services as orgs
from jifen.rankings.evaluation import (
    band_for,
    mass_average,
    party_evaluation_close,
    party_evaluation_mass_record,
    party_evaluation_open,
    party_evaluation_org_check,
    party_evaluation_results,
    party_evaluation_score,
)
from jifen.rankings.models import PartyEvaluation, PartyMassScore
from jifen.rankings.tests.rewards_helpers import adopt, frozen, person, unit
from jifen.rules.settings_schema import scheme_settings

AREAS = ("org_life", "excellence", "serve_people", "discipline", "mass_feedback")
FILLED = {
    "grading": {
        "areas": [{"code": c, "name": n, "max_points": 20} for c, n in zip(AREAS, ("组织生活", "创先争优", "服务群众", "遵纪守法", "群众反映"), strict=True)],
        "weights": {"self": "0.20", "branch": "0.50", "mass": "0.30"},
    }
}


def split(total):
    """Five area values adding up to `total` (each at most 20)."""
    base = Decimal(total) / 5
    return dict(zip(AREAS, [base] * 5, strict=True))


@pytest.fixture
def street(world):
    scheme = adopt("p4-party-members", world.township, objection_days=7, settings=FILLED)
    branch = unit(world.shahe, "dzb", "沙河村党支部", "party_branch")
    return scheme, branch


def member(branch, name, **kw):
    p = person(branch, name)
    orgs.party_membership_set(actor=None, person=p, branch=branch, **kw)
    return p


def score(evaluation, name, self_total, branch_total, mass):
    """Self and branch totals spread over the areas, and one mass score per representative."""
    m = evaluation.members.get(name=name)
    party_evaluation_score(actor=None, evaluation=evaluation, member=m, method="self", areas=split(self_total))
    party_evaluation_score(actor=None, evaluation=evaluation, member=m, method="branch", areas=split(branch_total))
    for i, value in enumerate(mass, 1):
        party_evaluation_mass_record(actor=None, evaluation=evaluation, representative=f"代表{i}", scores={m.pk: value})
    party_evaluation_org_check(actor=None, evaluation=evaluation, member=m)
    return m


def results(evaluation):
    return [(m.name, m.final_score, m.grade_name, m.rank, m.reported_upward) for m in party_evaluation_results(evaluation=evaluation)]


def test_a_branch_year_graded_with_trimmed_mass_scores_and_top_three_reported(street):
    scheme, branch = street
    for name in ("张党员", "王党员", "李党员", "赵党员", "钱党员", "孙党员", "周党员"):
        member(branch, name)
    member(branch, "吴老党员", exemption="over_70")
    member(branch, "郑病号", exemption="long_illness", exemption_note="长期卧病在家")
    with frozen(2025, 12, 20, 9, 0):
        evaluation = party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025, trim_mass=True)
        # 0.2 × 88 + 0.5 × 84 + 0.3 × mean(90, 85, 80) [95 and 70 dropped] = 17.6 + 42 + 25.5
        score(evaluation, "张党员", 88, 84, [90, 85, 95, 80, 70])
        score(evaluation, "王党员", 95, 90, [90, 90, 90])  # 19 + 45 + 27 = 91.00
        score(evaluation, "李党员", 85, 85, [85, 85, 85])  # 85.00
        score(evaluation, "赵党员", 85, 85, [100, 85, 0])  # trimmed to 85 → 85.00, tied with 李
        score(evaluation, "钱党员", 80, 79, [80, 80, 80])  # 16 + 39.5 + 24 = 79.50: below 80, qualified
        score(evaluation, "孙党员", 70, 60, [60, 60, 60, 60, 100])  # 14 + 30 + 18 = 62.00
        score(evaluation, "周党员", 60, 55, [50, 50, 50])  # 12 + 27.5 + 15 = 54.50: warning
        party_evaluation_close(actor=None, evaluation=evaluation)
    assert results(evaluation) == [
        ("王党员", Decimal("91.00"), "优秀", 1, True),
        ("张党员", Decimal("85.10"), "优秀", 2, True),
        ("李党员", Decimal("85.00"), "优秀", 3, True),
        ("赵党员", Decimal("85.00"), "优秀", 3, True),
        ("钱党员", Decimal("79.50"), "合格", 5, False),
        ("孙党员", Decimal("62.00"), "合格", 6, False),
        ("周党员", Decimal("54.50"), "诫勉", 7, False),
        ("吴老党员", None, "", None, False),
        ("郑病号", None, "", None, False),
    ]
    zhang = evaluation.members.get(name="张党员")
    assert (zhang.self_score, zhang.branch_score, zhang.mass_score, zhang.mass_count) == (Decimal("88.0"), Decimal("84.0"), Decimal("85.00"), 3)
    assert [m.exemption for m in party_evaluation_results(evaluation=evaluation)[-2:]] == ["over_70", "long_illness"]
    evaluation.refresh_from_db()
    assert evaluation.status == "closed" and evaluation.weights == {"self": "0.20", "branch": "0.50", "mass": "0.30"}


def test_warning_two_years_running_is_unqualified(street):
    scheme, branch = street
    for name in ("李诫勉", "周改正", "吴新诫"):
        member(branch, name)
    with frozen(2025, 12, 20, 9, 0):
        first = party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025)
        score(first, "李诫勉", 50, 50, [50])
        score(first, "周改正", 55, 55, [55])
        score(first, "吴新诫", 70, 70, [70])
        party_evaluation_close(actor=None, evaluation=first)
    with frozen(2026, 12, 20, 9, 0):
        second = party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2026)
        score(second, "李诫勉", 58, 58, [58])  # warning again: unqualified
        score(second, "周改正", 65, 65, [65])  # qualified this year
        score(second, "吴新诫", 50, 50, [50])  # first warning
        party_evaluation_close(actor=None, evaluation=second)
    assert [(m.name, m.band, m.grade, m.grade_name) for m in party_evaluation_results(evaluation=second)] == [
        ("周改正", "qualified", "qualified", "合格"),
        ("李诫勉", "warning", "unqualified", "不合格"),
        ("吴新诫", "warning", "warning", "诫勉"),
    ]


def test_weights_decide_the_final_score(world):
    scheme = adopt("p4-party-members", world.township, objection_days=7,
                   settings={"grading": {**FILLED["grading"], "weights": {"self": "0.10", "branch": "0.30", "mass": "0.60"}}})
    branch = unit(world.shahe, "dzb", "沙河村党支部", "party_branch")
    member(branch, "张党员")
    with frozen(2025, 12, 20, 9, 0):
        evaluation = party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025)
        score(evaluation, "张党员", 88, 84, [90, 85, 95, 80, 70])  # untrimmed mean 84 → 8.8 + 25.2 + 50.4
        party_evaluation_close(actor=None, evaluation=evaluation)
    assert results(evaluation) == [("张党员", Decimal("84.40"), "优秀", 1, True)]


def test_exempt_members_cannot_be_scored_and_checks_are_final(street):
    scheme, branch = street
    old = member(branch, "吴老党员", exemption="over_70")
    member(branch, "张党员")
    with frozen(2025, 12, 20, 9, 0):
        evaluation = party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025)
        exempt = evaluation.members.get(membership__person=old)
        with pytest.raises(IllegalTransition) as exc:
            party_evaluation_score(actor=None, evaluation=evaluation, member=exempt, method="self", areas=split(80))
        assert exc.value.code == "member_exempt"
        zhang = score(evaluation, "张党员", 88, 84, [90])
        with pytest.raises(IllegalTransition) as checked:
            party_evaluation_score(actor=None, evaluation=evaluation, member=zhang, method="self", areas=split(90))
    assert checked.value.code == "member_checked"
    zhang.refresh_from_db()
    assert zhang.self_score == Decimal("88.0")


def test_bad_area_scores_are_refused(street):
    scheme, branch = street
    member(branch, "张党员")
    with frozen(2025, 12, 20, 9, 0):
        evaluation = party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025)
        m = evaluation.members.get()
        for areas in ({**split(80), "org_life": 21}, {k: v for k, v in split(80).items() if k != "discipline"},
                      {**split(80), "extra": 1}, {**split(80), "org_life": 1.5}, {**split(80), "org_life": "12.25"}):
            with pytest.raises(InvalidInput):
                party_evaluation_score(actor=None, evaluation=evaluation, member=m, method="self", areas=areas)
        with pytest.raises(InvalidInput):
            party_evaluation_mass_record(actor=None, evaluation=evaluation, representative="代表1", scores={m.pk: 101})
        with pytest.raises(InvalidInput):
            party_evaluation_mass_record(actor=None, evaluation=evaluation, representative=" ", scores={m.pk: 90})
    m.refresh_from_db()
    assert m.self_score is None and not m.area_scores.exists() and not PartyMassScore.objects.exists()


def test_closing_needs_every_score_and_the_organisation_check(street):
    scheme, branch = street
    member(branch, "张党员")
    member(branch, "王党员")
    with frozen(2025, 12, 20, 9, 0):
        evaluation = party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025, trim_mass=True)
        score(evaluation, "张党员", 88, 84, [90, 80, 85])
        wang = evaluation.members.get(name="王党员")
        party_evaluation_score(actor=None, evaluation=evaluation, member=wang, method="self", areas=split(80))
        party_evaluation_mass_record(actor=None, evaluation=evaluation, representative="代表1", scores={wang.pk: 80})
        with pytest.raises(IllegalTransition) as early_check:
            party_evaluation_org_check(actor=None, evaluation=evaluation, member=wang)
        with pytest.raises(IllegalTransition) as exc:
            party_evaluation_close(actor=None, evaluation=evaluation)
    assert early_check.value.code == "scores_missing"
    assert exc.value.zh == "还有 1 名党员未完成：王党员（支部积分、群众积分（去掉最高最低分须至少3位代表）、组织核分）"
    evaluation.refresh_from_db()
    assert evaluation.status == "open"
    assert evaluation.members.get(name="张党员").final_score is None


def test_the_seed_template_asks_for_area_points_and_weights(world):
    scheme = adopt("p4-party-members", world.township, objection_days=7)
    branch = unit(world.shahe, "dzb", "沙河村党支部", "party_branch")
    with pytest.raises(InvalidInput) as exc:
        party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025)
    assert exc.value.code == "settings_incomplete"
    assert exc.value.zh.startswith("请先填写党员考核设置：「组织生活」的分值")
    assert "「self」的权重" in exc.value.zh
    assert not PartyEvaluation.objects.exists()


def test_bands_and_mass_average(street):
    scheme, _ = street
    bands = scheme_settings(scheme).grading.bands
    assert [band_for(bands, Decimal(v)).code for v in ("80", "79.99", "60", "59.99", "0", "100")] == [
        "excellent", "qualified", "qualified", "warning", "warning", "excellent",
    ]
    assert mass_average([Decimal(90), Decimal(70), Decimal(80)], trim=True) == (Decimal("80.00"), 1)
    assert mass_average([Decimal(90), Decimal(70)], trim=True) == (Decimal("80.00"), 2)  # too few to trim
    assert mass_average([Decimal(1), Decimal(1), Decimal(2)], trim=False) == (Decimal("1.33"), 3)
