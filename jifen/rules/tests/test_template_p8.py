"""篇8 coal mine template (seed lines 294-344)."""

from jifen.rules.tests.fixtures.helpers import fixture_mismatches, load_template

NAME = "p8-coal-mine"


def test_no_catalog_items_because_the_seed_gives_none():
    assert fixture_mismatches(NAME) == []
    assert load_template(NAME)["categories"] == []


def test_six_fixed_point_factors_by_attendance_without_values():
    fixed = load_template(NAME)["settings"]["fixed_points"]
    assert (fixed["frequency"], fixed["prorate_by_attendance"]) == ("monthly", True)
    assert [f["name"] for f in fixed["factors"]] == ["学历", "职称", "职务", "技能", "工龄", "特长"]
    for factor in fixed["factors"]:
        assert factor.get("values", {}) == {} and factor.get("per_year") is None


def test_authorisation_titles_from_the_leadership_list_with_empty_limits():
    auth = load_template(NAME)["settings"]["authorisation"]
    assert [(t["title"], t["level"]) for t in auth["titles"]] == [
        ("矿长", 4), ("人力资源部负责人", 3), ("生产副矿长", 2), ("安全副矿长", 2),
        ("机电副矿长", 2), ("矿长助理", 2), ("总工程师", 2), ("机电副总工程师", 2),
        ("地质副总工程师", 2), ("通风副总工程师", 2), ("矿建副总工程师", 2), ("科员", 1)]
    assert auth["slip_min_level"] is None
    assert [t["title"] for t in auth["tiers"]] == [t["title"] for t in auth["titles"]]
    assert {t["points_limit"] for t in auth["tiers"]} == {None}


def test_lifetime_and_zero_or_negative_rule():
    doc = load_template(NAME)
    assert (doc["scheme"]["subject_types"], doc["scheme"]["period_policy"]) == (["staff"], "lifetime")
    assert doc["settings"]["zero_or_negative"] == {
        "enabled": True, "action": "个人应申请自动离职，或申请一次不离职的机会"}
