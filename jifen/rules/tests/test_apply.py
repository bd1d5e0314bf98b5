"""template_apply creates exactly what the template file says, once."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from jifen.core import clock
from jifen.core.errors import InvalidInput, NotFound
from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.rules import services
from jifen.rules.models import Category, Item, ItemVersion, Scheme
from jifen.rules.settings_schema import SchemeSettings, settings_json
from jifen.rules.template_format import template_load

JUL1 = dt.date(2026, 7, 1)


def file_items(path):
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    return data, [(c, i) for c in data["categories"] for i in c["items"]]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["p7-town-jifen-plus", "p3-school-reading", "p4-party-members", "p6-laundry-company"])
def test_apply_creates_every_category_and_item_exactly_as_the_file_says(world, sample_templates, name):
    scheme = services.template_apply(actor=world.admin, name=name, org=world.shahe, effective_from=JUL1)

    data, pairs = file_items(sample_templates / f"{name}.json")
    for field, value in data["scheme"].items():
        assert getattr(scheme, field) == value, field
    assert scheme.settings == settings_json(SchemeSettings.model_validate(data["settings"]))
    assert (scheme.template, scheme.template_source, scheme.name_en) == (name, data["source"], data["title_en"])
    assert scheme.name == f"{data['title']}（沙河村）"
    assert list(Category.objects.filter(scheme=scheme).order_by("order").values_list("code", "name", "subject_types", "group")) == [
        (c["code"], c["name"], c["subject_types"], c.get("group") or "") for c in data["categories"]
    ]
    versions = ItemVersion.objects.filter(item__scheme=scheme).select_related("item__category").order_by("item__order")
    assert len(versions) == len(pairs)
    for v, (c, i) in zip(versions, pairs, strict=True):
        caps = i.get("caps", {})
        expected = (
            c["code"], i["code"], i["name"], i["direction"], i.get("points"), i.get("points_min"), i.get("points_max"),
            i.get("frequency", "per_event"), caps.get("per_day"), caps.get("per_month"), caps.get("per_year"),
            i.get("evidence_required", False), i.get("min_role", "recorder"), i.get("kind", "normal"),
            i.get("leader_matching"), i.get("source_text", ""), 1, JUL1, None,
        )
        got = (
            v.item.category.code, v.item.code, v.name, v.direction, v.points, v.points_min, v.points_max, v.frequency,
            v.cap_per_day, v.cap_per_month, v.cap_per_year, v.evidence_required, v.min_role, v.kind, v.leader_matching,
            v.source_text, v.number, v.effective_from, v.effective_to,
        )
        assert got == expected


@pytest.mark.django_db
def test_applying_twice_returns_the_same_scheme_and_duplicates_nothing(world, sample_templates):
    first = services.template_apply(actor=world.admin, name="p7-town-jifen-plus", org=world.shahe, effective_from=JUL1)
    counts = (Scheme.objects.count(), Category.objects.count(), Item.objects.count(), ItemVersion.objects.count())

    again = services.template_apply(actor=world.admin, name="p7-town-jifen-plus", org=world.shahe)

    assert again.pk == first.pk
    assert (Scheme.objects.count(), Category.objects.count(), Item.objects.count(), ItemVersion.objects.count()) == counts
    assert counts == (1, 4, 8, 8)
    assert AuditEvent.objects.filter(action="rules.template_apply").count() == 1
    assert first.code == "p7-town-jifen-plus--demo-zhangji-shahe"


@pytest.mark.django_db
def test_the_same_template_on_two_villages_makes_two_schemes(world, sample_templates):
    a = services.template_apply(actor=None, name="p7-town-jifen-plus", org=world.shahe)
    b = services.template_apply(actor=None, name="p7-town-jifen-plus", org=world.quanshui)
    assert (a.code, b.code) == ("p7-town-jifen-plus--demo-zhangji-shahe", "p7-town-jifen-plus--demo-zhangji-quanshui")
    assert Item.objects.filter(scheme=b).count() == 8


@pytest.mark.django_db
def test_a_programme_template_is_refused_with_a_pointer_to_jifen_programme(world, sample_templates):
    with pytest.raises(InvalidInput) as exc:
        services.template_apply(actor=None, name="p1-demo-village-programme", org=world.county)
    assert exc.value.code == "template_is_programme"
    assert "jifen programme" in exc.value.zh and "jifen programme" in exc.value.en
    assert not Scheme.objects.exists()


@pytest.mark.django_db
def test_an_unknown_template_names_the_ones_there_are(world, sample_templates):
    with pytest.raises(NotFound) as exc:
        services.template_apply(actor=None, name="p9-nothing", org=world.shahe)
    assert "p7-town-jifen-plus" in exc.value.zh


@pytest.mark.django_db
def test_without_a_date_the_catalog_starts_today_in_the_schemes_time_zone(world, sample_templates):
    # 17:30 UTC on 1 March is already 2 March in Shanghai.
    with clock.frozen(dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)):
        scheme = services.template_apply(actor=None, name="p3-school-reading", org=world.shahe)
    assert set(ItemVersion.objects.filter(item__scheme=scheme).values_list("effective_from", flat=True)) == {dt.date(2026, 3, 2)}


def test_scheme_codes_stay_within_64_characters_and_distinct():
    deep = "demo/" + "/".join(f"very-long-unit-name-{n}" for n in range(6))
    a = services.template_scheme_code("p7-town-jifen-plus", deep + "/a")
    b = services.template_scheme_code("p7-town-jifen-plus", deep + "/b")
    assert len(a) <= 64 and len(b) <= 64 and a != b
    assert a.startswith("p7-town-jifen-plus--demo-very-long-unit-name-0")


@pytest.mark.django_db
def test_decimal_points_are_stored_in_the_schemes_units(world, settings, tmp_path, sample_templates):
    data = json.loads((sample_templates / "p3-school-reading.json").read_text(encoding="utf-8"))
    data["scheme"]["points_scale"] = 1
    data["categories"][0]["items"][0]["points"] = 0.5
    (tmp_path / "p3-school-reading.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.JIFEN_RULES_TEMPLATES_DIR = str(tmp_path)

    scheme = services.template_apply(actor=None, name="p3-school-reading", org=world.shahe)

    assert list(ItemVersion.objects.filter(item__scheme=scheme).order_by("item__order").values_list("points", "points_min", "points_max")) == [
        (5, None, None), (None, 100, 800), (None, 500, 3000),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["categories"][0]["items"][0].update(points=10, points_min=1, points_max=5), "p3-school-reading.json.categories[0].items[0]"),
        (lambda d: d["categories"][0]["items"][0].update(colour="red"), "p3-school-reading.json.categories[0].items[0].colour"),
        (lambda d: d["settings"].update(fraud_multipler=2), "p3-school-reading.json.settings.fraud_multipler"),
        (lambda d: d["categories"][0]["items"][1].update(code="p3-01"), "p3-school-reading.json"),
        (lambda d: d["categories"][0]["items"][0].update(points=1.5), "p3-school-reading.json"),
        (lambda d: d.update(name="p3-other"), None),
    ],
)
def test_a_broken_template_file_is_refused_naming_the_field(world, settings, tmp_path, sample_templates, change, field):
    data = json.loads((sample_templates / "p3-school-reading.json").read_text(encoding="utf-8"))
    change(data)
    (tmp_path / "p3-school-reading.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.JIFEN_RULES_TEMPLATES_DIR = str(tmp_path)

    with pytest.raises(InvalidInput) as exc:
        services.template_apply(actor=None, name="p3-school-reading", org=world.shahe)

    if field is not None:
        assert exc.value.detail["field"] == field
    assert "p3-school-reading.json" in exc.value.zh
    assert not Scheme.objects.exists()


@pytest.mark.django_db
def test_a_template_org_unit_can_be_a_company_deep_in_the_tree(world, sample_templates):
    company = orgs.org_unit_create(actor=None, parent=world.township, code="laundry", name="洁净洗涤公司", kind="company")
    scheme = services.template_apply(actor=None, name="p6-laundry-company", org=company)
    assert scheme.org_id == company.pk
    assert template_load("p6-laundry-company").settings.leader_matching.enabled is True


@pytest.mark.django_db
def test_two_org_paths_that_slug_alike_get_two_schemes_and_both_stay_idempotent(world, sample_templates):
    xy = orgs.org_unit_create(actor=None, parent=world.township, code="x-y", name="甲", kind="village")
    a = orgs.org_unit_create(actor=None, parent=xy, code="z", name="甲组", kind="group")
    x = orgs.org_unit_create(actor=None, parent=world.township, code="x", name="乙", kind="village")
    b = orgs.org_unit_create(actor=None, parent=x, code="y-z", name="乙组", kind="group")

    first = services.template_apply(actor=None, name="p3-school-reading", org=a)
    second = services.template_apply(actor=None, name="p3-school-reading", org=b)

    assert first.code == "p3-school-reading--demo-zhangji-x-y-z"
    assert second.code != first.code and len(second.code) <= 64
    assert services.template_apply(actor=None, name="p3-school-reading", org=b).pk == second.pk
    assert services.template_apply(actor=None, name="p3-school-reading", org=a).pk == first.pk
    assert Scheme.objects.count() == 2


@pytest.mark.django_db
def test_a_period_policy_the_template_leaves_open_is_the_adopters_choice(world, settings, tmp_path, sample_templates):
    data = json.loads((sample_templates / "p3-school-reading.json").read_text(encoding="utf-8"))
    data["scheme"]["period_policy"] = None
    (tmp_path / "p3-school-reading.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.JIFEN_RULES_TEMPLATES_DIR = str(tmp_path)

    open_ = services.template_apply(actor=None, name="p3-school-reading", org=world.shahe)
    chosen = services.template_apply(actor=None, name="p3-school-reading", org=world.quanshui, period_policy="lifetime")

    assert (open_.period_policy, chosen.period_policy) == (None, "lifetime")
    with pytest.raises(InvalidInput) as exc:
        services.template_apply(actor=None, name="p3-school-reading", org=world.township, period_policy="forever")
    assert exc.value.detail["field"] == "period_policy"
    assert Scheme.objects.count() == 2


@pytest.mark.django_db
def test_an_items_note_is_kept_on_its_version(world, settings, tmp_path, sample_templates):
    data = json.loads((sample_templates / "p6-laundry-company.json").read_text(encoding="utf-8"))
    data["categories"][1]["items"][0]["note"] = "原文「矿工」应为「旷工」"
    (tmp_path / "p6-laundry-company.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    settings.JIFEN_RULES_TEMPLATES_DIR = str(tmp_path)

    scheme = services.template_apply(actor=None, name="p6-laundry-company", org=world.shahe)

    assert ItemVersion.objects.get(item__scheme=scheme, item__code="p6-d-02").note == "原文「矿工」应为「旷工」"
