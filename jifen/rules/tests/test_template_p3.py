"""篇3 teachers' reading template against the hand-checked fixture (seed lines 59-73)."""

from jifen.rules.tests.fixtures.helpers import fixture_mismatches, items_by_code, load_template

NAME = "p3-school-reading"


def test_every_item_matches_the_hand_checked_fixture():
    assert fixture_mismatches(NAME) == []


def test_level_ranges_have_no_fixed_points():
    items = items_by_code(load_template(NAME))
    assert [(c, items[c]["points"], items[c]["points_min"], items[c]["points_max"])
            for c in ("p3-1-06", "p3-1-07")] == [("p3-1-06", None, 10, 80),
                                                 ("p3-1-07", None, 50, 300)]


def test_threshold_group_and_top_ten_rules():
    rules = load_template(NAME)["settings"]["reward_rules"]
    assert rules == [
        {"type": "group_average", "period": "term", "groups": ["teaching_group", "grade_group"],
         "min_average": 1000, "award_points": 20, "step": 100, "step_award_points": 1},
        {"type": "threshold", "period": "term", "tiers": [
            {"min_points": 1500, "amount_yuan": 50, "reward": "价值50元的图书"},
            {"min_points": 3000, "amount_yuan": 100, "reward": "价值100元图书"},
            {"min_points": 5000, "amount_yuan": 300, "reward": "300元图书"}]},
        {"type": "top_n", "period": "school_year", "n": 10, "min_points": 5000,
         "title": "十大读书人物"},
    ]


def test_unstated_policies_stay_empty():
    scheme = load_template(NAME)["scheme"]
    assert scheme["subject_types"] == ["teacher"]
    assert (scheme["period_policy"], scheme["notice_cadence"], scheme["review_cadence"],
            scheme["objection_days"]) == (None, None, None, None)
