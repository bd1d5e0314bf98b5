import datetime as dt

import pytest

from jifen.core.errors import Conflict, InvalidInput
from jifen.rules import services
from jifen.rules.models import Item
from jifen.rules.selectors import catalog, item_version_on, item_versions

JAN1 = dt.date(2026, 1, 1)


@pytest.fixture
def item(world, scheme, category):
    return services.item_create(
        actor=world.admin, scheme=scheme, category=category, code="x", effective_from=JAN1,
        name="举报封建迷信行为", direction="award", points=5,
    )


@pytest.mark.django_db
def test_a_retired_item_leaves_the_catalog_from_that_day_and_keeps_its_past(world, scheme, item):
    services.item_retire(actor=world.admin, item=item, on=dt.date(2026, 7, 1))

    assert item_version_on(item, dt.date(2026, 6, 30)).points == 5
    assert item_version_on(item, dt.date(2026, 7, 1)) is None
    assert [len(c.versions) for c in catalog(scheme, on=dt.date(2026, 7, 1))] == [0]
    assert [len(c.versions) for c in catalog(scheme, on=dt.date(2026, 6, 30))] == [1]
    with pytest.raises(Conflict):
        services.item_retire(actor=world.admin, item=item, on=dt.date(2026, 8, 1))


@pytest.mark.django_db
def test_a_retired_item_can_come_back_from_a_later_date(world, item):
    services.item_retire(actor=world.admin, item=item, on=dt.date(2026, 7, 1))
    with pytest.raises(InvalidInput):
        services.item_edit(actor=world.admin, item=item, effective_from=dt.date(2026, 6, 15), points=8)

    services.item_edit(actor=world.admin, item=item, effective_from=dt.date(2026, 9, 1), points=8)

    assert list(item_versions(item).values_list("effective_from", "effective_to", "points")) == [
        (JAN1, dt.date(2026, 6, 30), 5), (dt.date(2026, 9, 1), None, 8),
    ]
    assert item_version_on(item, dt.date(2026, 8, 1)) is None


@pytest.mark.django_db
def test_retiring_before_the_current_version_started_is_refused(world, item):
    with pytest.raises(InvalidInput) as exc:
        services.item_retire(actor=world.admin, item=item, on=dt.date(2025, 12, 1))
    assert exc.value.detail["field"] == "on"
    assert item_versions(item).get().effective_to is None


@pytest.mark.django_db
def test_retiring_an_unused_item_on_its_first_day_removes_it(world, item):
    assert services.item_retire(actor=world.admin, item=item, on=JAN1) is None
    assert not Item.objects.filter(pk=item.pk).exists()


@pytest.mark.django_db
def test_retiring_a_used_version_on_its_first_day_is_refused(world, item, monkeypatch):
    monkeypatch.setattr(services, "item_version_in_use", lambda version: True)
    with pytest.raises(Conflict):
        services.item_retire(actor=world.admin, item=item, on=JAN1)
    assert item_versions(item).get().effective_to is None
