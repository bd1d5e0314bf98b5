"""篇6 laundry company template against the hand-checked fixture (seed lines 123-175)."""

from jifen.rules.tests.fixtures.helpers import (
    fixture_mismatches,
    items_by_code,
    load_template,
)

NAME = "p6-laundry-company"


def test_every_item_matches_the_hand_checked_fixture():
    assert fixture_mismatches(NAME) == []


def test_team_tables_carry_their_team_as_group():
    doc = load_template(NAME)
    got = [(c["name"], c["group"], len(c["items"])) for c in doc["categories"]]
    assert got == [
        ("基本奖励积分", None, 10), ("基本扣罚积分", None, 12),
        ("洗涤组", "洗涤组", 5), ("熨烫组", "熨烫组", 5), ("毛巾组", "毛巾组", 5),
        ("白班组", "白班组", 5), ("小洁组", "小洁组", 4), ("设备维修", "设备维修", 4),
        ("财务统计", "财务统计", 4), ("伙食", "伙食", 3),
        ("车间卫生、物品存放", "车间卫生、物品存放", 1),
    ]


def test_scrambled_tables_read_item_by_item_and_say_so():
    items = items_by_code(load_template(NAME))
    got = [(code, items[code]["points"]) for code in
           ["p6-9-01", "p6-9-02", "p6-9-03", "p6-9-04", "p6-10-01", "p6-10-02", "p6-10-03",
            "p6-11-01"]]
    assert got == [("p6-9-01", 20), ("p6-9-02", 20), ("p6-9-03", 10), ("p6-9-04", 10),
                   ("p6-10-01", 20), ("p6-10-02", 20), ("p6-10-03", 20), ("p6-11-01", 60)]
    for code, _ in got:
        assert "第173-175行" in items[code]["note"]


def test_monthly_items_and_the_leader_fixed_50():
    items = items_by_code(load_template(NAME))
    full_attendance, leader_fixed = items["p6-1-02"], items["p6-1-10"]
    assert (full_attendance["frequency"], full_attendance["caps"]["per_month"]) == ("per_month", 1)
    assert (leader_fixed["kind"], leader_fixed["points"], leader_fixed["frequency"],
            leader_fixed["caps"]["per_month"], leader_fixed["leader_matching"]) == (
        "fixed_monthly", 50, "per_month", 1, False)
    suggestion = items["p6-1-09"]
    assert (suggestion["points"], suggestion["points_min"], suggestion["points_max"]) == (None, 10, 100)


def test_absenteeism_typo_kept_with_note():
    item = items_by_code(load_template(NAME))["p6-2-02"]
    assert (item["name"], item["points"]) == ("矿工", 100)
    assert "旷工" in item["note"]


def test_rank_tables_in_exact_yuan():
    rules = load_template(NAME)["settings"]["reward_rules"]
    got = {(r["period"], r["group"]): r["amounts_yuan"] for r in rules}
    assert got == {
        ("month", "leaders"): [100], ("month", "staff"): [100, 80, 60, 40, 20],
        ("quarter", "leaders"): [200], ("quarter", "staff"): [200, 180, 160, 140, 120],
        ("year", "leaders"): [500], ("year", "staff"): [500, 400, 300, 200, 100],
    }
    assert {r["type"] for r in rules} == {"rank_table"}


def test_scheme_and_settings_facts():
    doc = load_template(NAME)
    scheme, settings = doc["scheme"], doc["settings"]
    assert (scheme["subject_types"], scheme["period_policy"], scheme["notice_cadence"]) == (
        ["staff"], "lifetime", "weekly")
    assert (settings["summary_cadence"], settings["ranking_cadence"]) == ("weekly", "weekly")
    assert settings["published_top"] == {"period": "month", "n": 3}
    assert settings["leader_matching"] == {"enabled": True, "applies_to": ["award", "deduct"]}
    assert settings["authorisation"] == {
        "titles": [{"title": "总经理", "level": 3}, {"title": "副总经理", "level": 2}],
        "slip_min_level": 2, "tiers": []}
    # 职务 and 工龄 are named, their values are not: empty for the adopter to fill
    assert settings["fixed_points"] == {
        "frequency": "monthly", "prorate_by_attendance": False,
        "factors": [{"attribute": "position", "name": "职务", "values": {}},
                    {"attribute": "seniority_years", "name": "工龄", "per_year": None}]}
