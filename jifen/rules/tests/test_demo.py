import datetime as dt
import json
from io import StringIO

import pytest

from jifen.core import clock
from jifen.core.demo import DemoContext
from jifen.orgs import services as orgs
from jifen.rules import demo
from jifen.rules.models import ItemVersion, Scheme
from jifen.rules.selectors import items_needing_input
from jifen.rules.settings_schema import scheme_settings
from jifen.rules.template_format import template_load


@pytest.fixture
def county(world):
    """The world plus what the demo county has beyond villages: branches, a company, a school."""
    branch1 = orgs.org_unit_create(actor=None, parent=world.shahe, code="party", name="沙河村党支部", kind="party_branch")
    branch2 = orgs.org_unit_create(actor=None, parent=world.quanshui, code="party", name="泉水河村党支部", kind="party_branch")
    company = orgs.org_unit_create(actor=None, parent=world.township, code="laundry", name="洁净洗涤公司", kind="company")
    school = orgs.org_unit_create(actor=None, parent=world.township, code="school", name="张集中学", kind="school")
    return {"villages": [world.shahe, world.quanshui], "branches": [branch1, branch2], "company": company, "school": school}


def run(data):
    ctx = DemoContext(size="small", seed=1, stdout=StringIO())
    ctx.data.update(data)
    with clock.frozen(dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC)):
        demo.build(ctx)
    return ctx


@pytest.mark.django_db
def test_the_demo_county_adopts_four_schemes_from_the_orgs_steps_units(county, sample_templates):
    ctx = run(county)

    assert sorted(Scheme.objects.values_list("template", "org__path")) == [
        ("p3-school-reading", "demo/zhangji/school"),
        ("p4-party-members", "demo/zhangji/quanshui/party"),
        ("p4-party-members", "demo/zhangji/shahe/party"),
        ("p6-laundry-company", "demo/zhangji/laundry"),
        ("p7-town-jifen-plus", "demo/zhangji/quanshui"),
        ("p7-town-jifen-plus", "demo/zhangji/shahe"),
    ]
    assert [s.org.code for s in ctx.data["village_schemes"]] == ["shahe", "quanshui"]
    assert ctx.data["company_scheme"].template == "p6-laundry-company"
    assert ctx.data["school_scheme"].template == "p3-school-reading"
    assert len(ctx.data["branch_schemes"]) == 2
    assert set(ItemVersion.objects.values_list("effective_from", flat=True)) == {dt.date(2025, 1, 1)}
    assert "积分方案 / schemes adopted: 6" in ctx.stdout.getvalue()


@pytest.mark.django_db
def test_numbers_the_seed_leaves_open_are_filled_as_demo_choices_not_in_the_templates(county, sample_templates):
    ctx = run(county)

    p7 = ctx.data["village_schemes"][0]
    assert p7.objection_days == 7
    assert scheme_settings(p7).veto.period_days == 365
    laundry = scheme_settings(ctx.data["company_scheme"])
    assert laundry.fixed_points.factors[0].values == {"总经理": 50, "副总经理": 40, "组长": 30}
    assert laundry.fixed_points.factors[1].per_year == 2
    branch = ctx.data["branch_schemes"][0]
    assert [a.max_points for a in scheme_settings(branch).grading.areas] == [20, 20]
    assert not items_needing_input(branch).exists()
    assert ItemVersion.objects.get(item__scheme=branch, item__code="p4-org-life").points == demo.DEMO_ITEM_POINTS
    out = ctx.stdout.getvalue()
    assert "演示选择 / demo choices for p7-town-jifen-plus: objection_days=7; veto.period_days=365" in out
    # The template files still leave them empty.
    p7_file = json.loads((sample_templates / "p7-town-jifen-plus.json").read_text(encoding="utf-8"))
    assert p7_file["scheme"]["objection_days"] is None and p7_file["settings"]["veto"]["period_days"] is None
    assert template_load("p4-party-members").categories[0].items[0].points is None


@pytest.mark.django_db
def test_without_keys_from_the_orgs_step_the_units_are_found_by_kind(county, sample_templates):
    run({})
    assert Scheme.objects.count() == 6


@pytest.mark.django_db
def test_a_missing_template_is_reported_and_the_rest_still_runs(county, settings, tmp_path, sample_templates):
    (tmp_path / "p3-school-reading.json").write_bytes((sample_templates / "p3-school-reading.json").read_bytes())
    settings.JIFEN_RULES_TEMPLATES_DIR = str(tmp_path)

    ctx = run(county)

    assert list(Scheme.objects.values_list("template", flat=True)) == ["p3-school-reading"]
    assert "未能套用 / could not apply p7-town-jifen-plus" in ctx.stdout.getvalue()
    assert ctx.data["village_schemes"] == [] and ctx.data["company_scheme"] is None


def test_fill_open_fills_only_nulls_and_empty_tables():
    current = {"veto": {"enabled": True, "period_days": None}, "grading": {"areas": [{"code": "a", "max_points": 10}, {"code": "b", "max_points": None}]}}
    choices = {"veto": {"period_days": 365, "enabled": False}, "grading": {"areas": {"*": {"max_points": 20}}}, "fraud_multiplier": 2}

    filled, paths = demo.fill_open(current, choices)

    assert filled == {"veto": {"enabled": True, "period_days": 365}, "grading": {"areas": [{"code": "a", "max_points": 10}, {"code": "b", "max_points": 20}]}}
    assert paths == ["veto.period_days=365", "grading.areas[1].max_points=20"]


@pytest.mark.django_db
def test_the_demo_runs_on_the_shipped_templates(county):
    # No sample_templates fixture: the real transcriptions in jifen/rules/templates.
    ctx = run(county)

    p7 = ctx.data["village_schemes"][0]
    assert p7.items.count() == len(template_load("p7-town-jifen-plus").items())
    assert (p7.objection_days, scheme_settings(p7).veto.period_days) == (7, 365)
    school = ctx.data["school_scheme"]
    assert (school.period_policy, school.notice_cadence) == ("lifetime", "monthly")
    assert [a.max_points for a in scheme_settings(ctx.data["branch_schemes"][0]).grading.areas] == [20] * 5
    assert not ItemVersion.objects.needing_input().exists()
    assert "积分方案 / schemes adopted: 6" in ctx.stdout.getvalue()


@pytest.mark.django_db
def test_the_demo_dates_the_catalogs_from_the_orgs_steps_today(county, sample_templates):
    run({**county, "today": dt.date(2030, 5, 1)})
    assert set(ItemVersion.objects.values_list("effective_from", flat=True)) == {dt.date(2029, 1, 1)}


@pytest.mark.django_db
def test_every_position_held_in_the_company_gets_fixed_points(county, sample_templates):
    team = orgs.org_unit_create(actor=None, parent=county["company"], code="xidi", name="洗涤组", kind="team")
    for n, (position, org) in enumerate((("洗涤工", team), ("组长", team), ("统计员", county["company"]))):
        person = orgs.person_create(actor=None, org=org, name=f"员工{n}")
        orgs.employment_set(actor=None, person=person, org=org, employee_no=f"X{n}", position=position)

    ctx = run(county)

    values = scheme_settings(ctx.data["company_scheme"]).fixed_points.factors[0].values
    assert values == {"洗涤工": 20, "统计员": 20, "组长": 30, "总经理": 50, "副总经理": 40}
