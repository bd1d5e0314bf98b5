import datetime as dt

import pytest

from jifen.core.errors import Conflict, InvalidInput
from jifen.core.models import AuditEvent
from jifen.rules import services
from jifen.rules.models import Item, ItemVersion
from jifen.rules.selectors import items_needing_input, points_for

JAN1 = dt.date(2026, 1, 1)


def create(world, scheme, category, code="p7-1-06", **fields):
    fields = {"name": "协助处理群体性事件", "direction": "award", "points": 15, **fields}
    return services.item_create(actor=world.admin, scheme=scheme, category=category, code=code, effective_from=JAN1, **fields)


@pytest.mark.django_db
def test_it_creates_an_item_with_its_first_version(world, scheme, category):
    item = create(
        world, scheme, category, frequency="per_month", cap_per_month=1, evidence_required=True, min_role="reviewer",
        source_text="6、协助处理群体性事件，15分。",
    )

    version = ItemVersion.objects.get(item=item)
    assert (item.code, item.category_id, item.scheme_id) == ("p7-1-06", category.pk, scheme.pk)
    assert (version.number, version.effective_from, version.effective_to) == (1, JAN1, None)
    assert (version.name, version.direction, version.points, version.points_min, version.points_max) == (
        "协助处理群体性事件", "award", 15, None, None,
    )
    assert (version.frequency, version.cap_per_day, version.cap_per_month, version.cap_per_year) == ("per_month", None, 1, None)
    assert (version.evidence_required, version.min_role, version.kind, version.leader_matching) == (True, "reviewer", "normal", None)
    assert version.source_text == "6、协助处理群体性事件，15分。"
    event = AuditEvent.objects.get(action="rules.item_create")
    assert event.after["points"] == 15 and event.after["category"] == "public_order"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"points": 30, "points_min": 10, "points_max": 80}, "points"),
        ({"points": None, "points_min": 80, "points_max": 10}, "points_min"),
        ({"points": 0}, "points"),
        ({"points": -5}, "points"),
        ({"direction": "bonus"}, "direction"),
        ({"frequency": "hourly"}, "frequency"),
        ({"min_role": "mayor"}, "min_role"),
        ({"kind": "lottery"}, "kind"),
        ({"cap_per_day": 0}, "cap_per_day"),
        ({"points": 1.5}, "points"),
        ({"name": " "}, "name"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_item_fields_are_refused_and_nothing_is_written(world, scheme, category, fields, field):
    with pytest.raises(InvalidInput) as exc:
        create(world, scheme, category, **fields)
    assert exc.value.detail["field"] == field
    assert not Item.objects.exists() and not ItemVersion.objects.exists()


@pytest.mark.django_db
def test_an_item_code_is_used_once_per_scheme(world, scheme, category):
    create(world, scheme, category)
    with pytest.raises(Conflict):
        create(world, scheme, category, name="另一个")
    assert ItemVersion.objects.count() == 1


@pytest.mark.django_db
def test_the_category_must_belong_to_the_scheme(world, scheme):
    other = services.scheme_create(actor=None, org=world.quanshui, code="qs", name="泉水河", subject_types=["person"], period_policy="lifetime")
    foreign = services.category_create(actor=None, scheme=other, code="c", name="类")
    with pytest.raises(InvalidInput) as exc:
        create(world, scheme, foreign)
    assert exc.value.detail["field"] == "category"
    assert not Item.objects.exists()


@pytest.mark.django_db
def test_an_item_without_points_needs_the_adopters_input_and_cannot_be_recorded(world, scheme, category):
    fixed = create(world, scheme, category, code="a", points=30)
    ranged = create(world, scheme, category, code="b", points=None, points_min=10, points_max=80)
    blank = create(world, scheme, category, code="c", points=None)
    half = create(world, scheme, category, code="d", points=None, points_min=10)
    fraud = create(world, scheme, category, code="e", points=None, direction="deduct", kind="fraud")

    assert [v.item.code for v in items_needing_input(scheme)] == ["c", "d"]
    assert sorted(ItemVersion.objects.usable().values_list("item__code", flat=True)) == ["a", "b", "e"]
    v = {item.code: item.versions.get() for item in (fixed, ranged, blank, half, fraud)}
    assert [v[c].needs_input for c in "abcde"] == [False, False, True, True, False]
    assert points_for(v["a"]) == 30
    assert points_for(v["b"], chosen=45) == 45
    with pytest.raises(InvalidInput) as exc:
        points_for(v["b"], chosen=90)
    assert exc.value.detail["field"] == "points"
    with pytest.raises(InvalidInput) as exc:
        points_for(v["c"])
    assert exc.value.code == "item_needs_input"
    with pytest.raises(InvalidInput) as exc:
        points_for(v["e"])
    assert exc.value.code == "item_without_points"


@pytest.mark.django_db
def test_a_deduction_counts_negative(world, scheme, category):
    item = create(world, scheme, category, name="上班玩手机", direction="deduct", points=20)
    assert points_for(item.versions.get()) == -20


@pytest.mark.django_db
def test_a_category_only_names_subjects_the_scheme_scores(world, scheme):
    with pytest.raises(InvalidInput) as exc:
        services.category_create(actor=None, scheme=scheme, code="units", name="单位积分类", subject_types=["unit"])
    assert exc.value.detail["field"] == "subject_types"
    assert not scheme.categories.exists()
