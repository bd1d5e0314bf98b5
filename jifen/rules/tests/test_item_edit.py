"""Versioning: an item edited from a date; what was recorded before keeps the old points."""

import datetime as dt

import pytest

from jifen.core.errors import Conflict, InvalidInput
from jifen.core.models import AuditEvent
from jifen.rules import services
from jifen.rules.models import ItemVersion
from jifen.rules.selectors import item_version_on, item_versions, points_for

JAN1 = dt.date(2026, 1, 1)
JUN1 = dt.date(2026, 6, 1)


@pytest.fixture
def item(world, scheme, category):
    return services.item_create(
        actor=world.admin, scheme=scheme, category=category, code="p7-1-01", effective_from=JAN1,
        name="制止违法犯罪行为", direction="award", points=30,
    )


def record(item, on):
    """What a claim keeps: the id of the version it was made under (claims come in a later issue)."""
    version = item_version_on(item, on)
    return {"item_version_id": version.pk, "on": on}


def resolve(rec):
    return points_for(ItemVersion.objects.get(pk=rec["item_version_id"]))


@pytest.mark.django_db
def test_an_edit_from_a_date_leaves_earlier_records_at_the_old_points(world, item):
    march = record(item, dt.date(2026, 3, 10))

    new = services.item_edit(actor=world.admin, item=item, effective_from=JUN1, points=40)

    assert resolve(march) == 30
    assert resolve(record(item, dt.date(2026, 6, 1))) == 40
    assert item_version_on(item, dt.date(2026, 5, 31)).points == 30
    assert item_version_on(item, dt.date(2025, 12, 31)) is None
    history = list(item_versions(item).values_list("number", "effective_from", "effective_to", "points"))
    assert history == [(1, JAN1, dt.date(2026, 5, 31), 30), (2, JUN1, None, 40)]
    assert new.name == "制止违法犯罪行为"  # unchanged fields carry over
    event = AuditEvent.objects.get(action="rules.item_edit")
    assert (event.before["points"], event.after["points"], event.after["number"]) == (30, 40, 2)


@pytest.mark.django_db
def test_an_edit_dated_before_the_current_version_is_refused(world, item):
    services.item_edit(actor=world.admin, item=item, effective_from=JUN1, points=40)
    with pytest.raises(InvalidInput) as exc:
        services.item_edit(actor=world.admin, item=item, effective_from=dt.date(2026, 5, 1), points=50)

    assert exc.value.detail["field"] == "effective_from"
    assert list(item_versions(item).values_list("points", flat=True)) == [30, 40]
    assert AuditEvent.objects.filter(action="rules.item_edit").count() == 1


@pytest.mark.django_db
def test_same_date_edit_corrects_an_unused_version_in_place(world, item):
    version = services.item_edit(actor=world.admin, item=item, effective_from=JAN1, points=35, name="制止正在发生的违法犯罪行为")

    assert list(item_versions(item).values_list("number", "points", "name")) == [(1, 35, "制止正在发生的违法犯罪行为")]
    assert version.number == 1
    event = AuditEvent.objects.get(action="rules.item_correct")
    assert (event.before["points"], event.after["points"]) == (30, 35)


@pytest.mark.django_db
def test_same_date_edit_of_a_used_version_is_refused(world, item, monkeypatch):
    # Records will come from the claims app; stand in for "something refers to this version".
    monkeypatch.setattr(services, "item_version_in_use", lambda version: True)
    with pytest.raises(Conflict) as exc:
        services.item_edit(actor=world.admin, item=item, effective_from=JAN1, points=35)

    assert exc.value.code == "version_in_use"
    assert list(item_versions(item).values_list("points", flat=True)) == [30]
    # A later date still works: the used version keeps its points for its days.
    services.item_edit(actor=world.admin, item=item, effective_from=JUN1, points=35)
    assert list(item_versions(item).values_list("points", flat=True)) == [30, 35]


@pytest.mark.django_db
def test_an_edit_that_changes_nothing_makes_no_version(world, item):
    same = services.item_edit(actor=world.admin, item=item, effective_from=JUN1, points=30)
    assert same.number == 1
    assert item_versions(item).count() == 1
    assert not AuditEvent.objects.filter(action__in=["rules.item_edit", "rules.item_correct"]).exists()


@pytest.mark.django_db
def test_switching_to_a_range_clears_the_fixed_points(world, item):
    services.item_edit(actor=world.admin, item=item, effective_from=JUN1, points=None, points_min=10, points_max=80)
    new = item_version_on(item, JUN1)
    assert (new.points, new.points_min, new.points_max) == (None, 10, 80)
    assert points_for(new, chosen=80) == 80


@pytest.mark.django_db
def test_a_bad_edit_is_refused_and_nothing_changes(world, item):
    with pytest.raises(InvalidInput) as exc:
        services.item_edit(actor=world.admin, item=item, effective_from=JUN1, points_min=10, points_max=80)
    assert exc.value.detail["field"] == "points"  # fixed points and a range at once
    assert list(item_versions(item).values_list("effective_to", "points")) == [(None, 30)]


@pytest.mark.django_db
def test_editing_three_times_keeps_every_version_readable(world, item):
    services.item_edit(actor=world.admin, item=item, effective_from=dt.date(2026, 4, 1), points=35)
    services.item_edit(actor=world.admin, item=item, effective_from=dt.date(2026, 7, 1), points=40)
    services.item_edit(actor=world.admin, item=item, effective_from=dt.date(2027, 1, 1), direction="deduct")

    on = {d: item_version_on(item, dt.date.fromisoformat(d)) for d in ("2026-03-31", "2026-04-01", "2026-06-30", "2026-07-01", "2027-01-01")}
    assert [points_for(v) for v in on.values()] == [30, 35, 35, 40, -40]
    assert list(item_versions(item).values_list("number", flat=True)) == [1, 2, 3, 4]
