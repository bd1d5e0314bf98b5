"""篇4 party-member grading template (seed lines 74-88)."""

from jifen.rules.tests.fixtures.helpers import fixture_mismatches, load_template

NAME = "p4-party-members"


def test_no_catalog_items_because_the_score_table_is_not_in_the_seed():
    assert fixture_mismatches(NAME) == []
    assert load_template(NAME)["categories"] == []


def test_five_areas_on_a_100_point_scale_without_invented_points():
    grading = load_template(NAME)["settings"]["grading"]
    assert grading["scale"] == 100
    assert [(a["name"], a["max_points"]) for a in grading["areas"]] == [
        ("组织生活", None), ("创先争优", None), ("服务群众", None), ("遵纪守法", None),
        ("群众反映", None)]
    assert grading["weights"] == {"self": None, "branch": None, "mass": None}


def test_bands_streak_and_upward_report():
    grading = load_template(NAME)["settings"]["grading"]
    assert grading["bands"] == [
        {"code": "excellent", "name": "优秀", "min": 80, "max": None},
        {"code": "qualified", "name": "合格", "min": 60, "max": 79},
        {"code": "warning", "name": "诫勉", "min": None, "max": 59},
    ]
    assert grading["streak"] == {"grade": "warning", "years": 2, "becomes": "unqualified",
                                 "becomes_name": "不合格"}
    assert grading["report_upward_top"] == 3


def test_classes_methods_and_exemptions():
    grading = load_template(NAME)["settings"]["grading"]
    assert [c["name"] for c in grading["classes"]] == ["骨干类", "普通类", "流动类"]
    assert grading["methods"] == ["self", "branch", "mass", "org_check", "branch_rating"]
    assert grading["exemptions"] == ["over_70", "long_illness", "other"]


def test_scheme_is_yearly_for_party_members():
    scheme = load_template(NAME)["scheme"]
    assert (scheme["subject_types"], scheme["period_policy"], scheme["notice_cadence"],
            scheme["review_cadence"]) == (["party_member"], "year_end_clear", "yearly", "yearly")
