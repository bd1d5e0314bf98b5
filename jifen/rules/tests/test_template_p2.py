"""篇2 district villages template (seed lines 31-58)."""

from jifen.rules.tests.fixtures.helpers import fixture_mismatches, load_template

NAME = "p2-district-villages"


def test_five_resident_categories_with_no_invented_items():
    assert fixture_mismatches(NAME) == []
    doc = load_template(NAME)
    assert [(c["name"], c["subject_types"], c["items"]) for c in doc["categories"]] == [
        ("人居环境", ["person"], []), ("建设发展", ["person"], []), ("公益美德", ["person"], []),
        ("无黑无恶创建", ["person"], []), ("奖励惩罚", ["person"], [])]


def test_four_subject_types_and_cadences():
    assert load_template(NAME)["scheme"] == {
        "subject_types": ["person", "household", "party_member", "staff"],
        "period_policy": "lifetime", "time_zone": "Asia/Shanghai",
        "notice_cadence": "quarterly", "review_cadence": "monthly",
        "objection_days": None, "redemption_lowers_score": False, "points_scale": 0}


def test_targets_quota_funds_and_spot_checks():
    settings = load_template(NAME)["settings"]
    assert settings["participation_targets"] == [
        {"who": "party_members_and_cadres", "min_share": "1.00"},
        {"who": "pilot_village_households", "min_share": "0.70"},
        {"who": "other_village_households", "min_share": "0.50"}]
    assert settings["reward_rules"] == [
        {"type": "quota", "period": "year", "min_share": "0.10", "title": "表彰"}]
    funds = {f["source"]: f["amount_yuan"] for f in settings["funds"]}
    assert funds == {"fiscal_subsidy": 10000, "platform_budget": 120000,
                     "collective_income": None, "local_donors": None, "public_donations": None}
    assert settings["spot_checks"] == {"cadence": "quarterly"}
    assert settings["honours"] == ["优秀党员", "十星级文明户", "美丽庭院", "五好文明家庭", "道德模范"]
