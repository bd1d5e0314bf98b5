"""篇5 grid + household points template (seed lines 89-122)."""

from jifen.rules.tests.fixtures.helpers import fixture_mismatches, load_template

NAME = "p5-grid-household"


def test_bonus_and_penalty_parts_with_no_invented_items():
    assert fixture_mismatches(NAME) == []
    doc = load_template(NAME)
    assert [(c["name"], c["subject_types"], c["items"]) for c in doc["categories"]] == [
        ("奖励积分", ["household"], []), ("处罚积分", ["household"], [])]


def test_base_points_are_named_but_empty():
    assert load_template(NAME)["settings"]["base_points"] == {
        "amount": None, "frequency": None, "subject_types": ["household"], "condition": None}


def test_record_review_notice_cadence_and_fund_range():
    doc = load_template(NAME)
    scheme = doc["scheme"]
    assert (scheme["subject_types"], scheme["review_cadence"], scheme["notice_cadence"],
            scheme["period_policy"]) == (["household"], "monthly", "quarterly", None)
    assert doc["settings"]["funds"] == [
        {"source": "village_raised", "amount_min_yuan": 20000,
         "amount_max_yuan": 30000, "per": "village_year"}]
    assert doc["settings"]["honours"] == ["最美家庭", "文明家庭", "平安家庭"]
