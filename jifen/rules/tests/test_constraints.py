"""What the database itself guarantees, whatever code writes the rows."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jifen.rules import services
from jifen.rules.models import Category, Item, ItemVersion

JAN1 = dt.date(2026, 1, 1)


@pytest.fixture
def item(world, scheme, category):
    return services.item_create(
        actor=None, scheme=scheme, category=category, code="x", effective_from=JAN1, name="事项", direction="award", points=5,
    )


def version(item, **fields):
    base = {"item": item, "number": 9, "effective_from": dt.date(2027, 1, 1), "name": "事项", "direction": "award", "points": 5}
    return ItemVersion(**{**base, **fields})


def refused(obj):
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


@pytest.mark.django_db
def test_versions_of_an_item_may_not_overlap(item):
    first = item.versions.get()
    first.effective_to = dt.date(2026, 6, 30)
    first.save()
    refused(version(item, effective_from=dt.date(2026, 6, 1), effective_to=dt.date(2026, 8, 1)))
    refused(version(item, effective_from=dt.date(2025, 6, 1), effective_to=dt.date(2026, 1, 1)))
    refused(version(item, effective_from=dt.date(2025, 6, 1), effective_to=None))
    version(item, effective_from=dt.date(2026, 7, 1), effective_to=None).save()
    # Stretching an old version over the new one is refused as well.
    first.effective_to = dt.date(2026, 7, 1)
    refused(first)
    assert ItemVersion.objects.filter(item=item).count() == 2


@pytest.mark.django_db
def test_an_item_has_at_most_one_open_version(item):
    refused(version(item, effective_from=dt.date(2027, 1, 1), effective_to=None))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"points": None, "points_min": 80, "points_max": 10},
        {"points": 30, "points_min": 10, "points_max": 80},
        {"points": 0},
        {"effective_to": dt.date(2026, 12, 1)},
        {"direction": "bonus"},
        {"kind": "lottery"},
        {"cap_per_year": 0},
    ],
)
def test_check_constraints_hold_in_the_database(item, fields):
    first = item.versions.get()
    first.effective_to = dt.date(2026, 12, 31)
    first.save()
    refused(version(item, **fields))


@pytest.mark.django_db
def test_codes_are_unique_within_a_scheme(scheme, category, item):
    refused(Category(scheme=scheme, code="public_order", name="重复"))
    refused(Item(scheme=scheme, category=category, code="x"))
