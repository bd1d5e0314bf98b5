"""篇1 demonstration-village programme template (seed lines 2-30)."""

from jifen.rules.tests.fixtures.helpers import fixture_mismatches, load_template

NAME = "p1-demo-village-programme"


def test_a_programme_has_no_scheme_and_no_items():
    assert fixture_mismatches(NAME) == []
    doc = load_template(NAME)
    assert doc["kind"] == "programme" and "scheme" not in doc and doc["categories"] == []


def test_budget_awards_shortlist_and_redemption_share():
    programme = load_template(NAME)["settings"]["programme"]
    assert (programme["budget_yuan"], programme["awards"], programme["per_county_shortlist_max"],
            programme["redemption_share_min"]) == (500000, 10, 3, "0.30")


def test_six_criteria_with_their_text():
    criteria = load_template(NAME)["settings"]["programme"]["criteria"]
    assert [c["name"] for c in criteria] == [
        "基础条件完善", "管理体制健全", "积分设置合理", "群众发动充分", "实施效果明显", "积极探索创新"]
    assert criteria[3]["text"] == (
        "引导群众参与积分制管理全过程，让村民成为主要参与者、最大受益者和最终评判者。"
        "村民积分兑换人数占本村总人数比例原则应达到30%以上。")
    assert criteria[0]["text"].startswith("按照“面积适宜、方便群众、便于管理”原则")
    assert criteria[5]["text"].endswith("使积分制管理更加高效、便捷。")


def test_timeline():
    assert load_template(NAME)["settings"]["programme"]["timeline"] == [
        {"stage": "apply", "name": "申报", "from": "07-22", "to": "08-05"},
        {"stage": "preliminary_review", "name": "初审", "from": "08-06", "to": "08-12"},
        {"stage": "evaluation", "name": "评审", "from": "08-13", "to": "08-31"},
    ]
