"""篇7 town "积分制+" template against the hand-checked fixture (seed lines 176-293)."""

from jifen.rules.tests.fixtures.helpers import (
    fixture_mismatches,
    items_by_code,
    load_template,
)

NAME = "p7-town-jifen-plus"


def test_every_item_matches_the_hand_checked_fixture():
    assert fixture_mismatches(NAME) == []


def test_six_categories_with_their_subject_types_and_item_counts():
    doc = load_template(NAME)
    got = [(c["name"], c["subject_types"], len(c["items"])) for c in doc["categories"]]
    assert got == [
        ("社会治安类", ["person"], 15),
        ("公益美德类", ["person"], 15),
        ("乡村建设类", ["person"], 15),
        ("奖励惩罚类", ["person"], 14),
        ("家庭积分类", ["household"], 13),
        ("单位积分类", ["unit"], 11),
    ]


def test_scheme_facts():
    assert load_template(NAME)["scheme"] == {
        "subject_types": ["person", "household", "unit"],
        "period_policy": "year_end_clear",
        "time_zone": "Asia/Shanghai",
        "notice_cadence": "quarterly",
        "review_cadence": "monthly",
        "objection_days": None,  # the seed gives no objection window
        "redemption_lowers_score": False,
        "points_scale": 0,
    }


def test_base_of_100_is_a_yearly_base_item_and_setting():
    doc = load_template(NAME)
    base = items_by_code(doc)["p7-2-01"]
    assert (base["kind"], base["points"], base["frequency"], base["caps"]["per_year"]) == (
        "base", 100, "per_year", 1)
    assert doc["settings"]["base_points"] == {
        "amount": 100, "frequency": "yearly", "subject_types": ["person"],
        "condition": "遵纪守法，遵守村规民约，为人诚实守信，无群众反映不良行为"}


def test_fraud_doubles_and_veto_has_no_period():
    doc = load_template(NAME)
    items = items_by_code(doc)
    assert (items["p7-4-13"]["kind"], items["p7-4-13"]["points"]) == ("fraud", None)
    assert (items["p7-4-14"]["kind"], items["p7-4-14"]["points"]) == ("veto", None)
    assert doc["settings"]["fraud_multiplier"] == 2
    assert doc["settings"]["veto"] == {
        "enabled": True, "period_days": None, "bars": ["redemption", "rewards"],
        "keeps_earning": True}
    assert doc["settings"]["records_per_day"] == 1


def test_frequency_words_map_to_caps():
    items = items_by_code(load_template(NAME))
    # 当年积 -> once a year; 当月积 / 每月积 -> once a month; 每次积 / 当次积 -> no cap
    assert items["p7-5-01"]["caps"] == {"per_day": None, "per_month": None, "per_year": 1}
    assert items["p7-5-08"]["caps"] == {"per_day": None, "per_month": 1, "per_year": None}
    assert items["p7-6-03"]["caps"] == {"per_day": None, "per_month": 1, "per_year": None}
    assert items["p7-6-08"]["caps"] == {"per_day": None, "per_month": None, "per_year": None}
    assert items["p7-5-04"]["frequency"] == "per_event"


def test_seed_typos_are_kept_and_noted():
    items = items_by_code(load_template(NAME))
    assert "桔梗" in items["p7-5-12"]["name"] and "秸秆" in items["p7-5-12"]["note"]
    assert "财务" in items["p7-2-09"]["name"] and "财物" in items["p7-2-09"]["note"]


def test_above_average_is_required_for_the_honours():
    rules = load_template(NAME)["settings"]["reward_rules"]
    assert rules == [{
        "type": "above_average", "period": "year",
        "titles": ["最美党员", "最美村官（网格员、保洁员）", "最美家庭", "最美儿媳（公婆、女儿）",
                   "五星党员", "十星级文明户", "卫生清洁户"]}]
