import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.core.errors import NotFound
from jifen.rules import services
from jifen.rules.selectors import (
    catalog,
    item_version_on,
    latest_versions,
    scheme_by_code,
    schemes_for_org,
)

JAN1 = dt.date(2026, 1, 1)


def make(world, org, code):
    return services.scheme_create(actor=None, org=org, code=code, name=code, subject_types=["person"], period_policy="lifetime")


@pytest.mark.django_db
def test_a_scheme_applies_to_its_whole_subtree_and_nowhere_else(world):
    town = make(world, world.township, "town")
    shahe = make(world, world.shahe, "shahe")
    grid = make(world, world.shahe_grid1, "grid1")
    make(world, world.quanshui, "quanshui")

    assert list(schemes_for_org(world.shahe_grid1)) == [town, shahe, grid]
    assert list(schemes_for_org(world.shahe_grid2)) == [town, shahe]
    assert [s.code for s in schemes_for_org(world.quanshui_grid1)] == ["town", "quanshui"]
    assert list(schemes_for_org(world.county)) == []


@pytest.mark.django_db
def test_a_unit_whose_code_shares_a_prefix_is_not_inside(world):
    from jifen.orgs import services as orgs

    shahe2 = orgs.org_unit_create(actor=None, parent=world.township, code="shahe2", name="沙河二村", kind="village")
    make(world, world.shahe, "shahe")
    assert list(schemes_for_org(shahe2)) == []


@pytest.mark.django_db
def test_an_inactive_scheme_no_longer_applies(world):
    scheme = make(world, world.shahe, "shahe")
    services.scheme_update(actor=None, scheme=scheme, is_active=False)
    assert list(schemes_for_org(world.shahe_grid1)) == []
    assert list(schemes_for_org(world.shahe_grid1, include_inactive=True)) == [scheme]


@pytest.mark.django_db
def test_catalog_on_a_day_lists_the_versions_in_force_in_two_queries(world, scheme, category):
    household = services.category_create(actor=None, scheme=scheme, code="household", name="家庭积分类", subject_types=["household"])
    a = services.item_create(actor=None, scheme=scheme, category=category, code="a", effective_from=JAN1, name="甲", direction="award", points=30)
    services.item_create(actor=None, scheme=scheme, category=household, code="b", effective_from=JAN1, name="乙", direction="award", points=10)
    services.item_create(actor=None, scheme=scheme, category=category, code="c", effective_from=dt.date(2026, 9, 1), name="丙", direction="deduct", points=5)
    services.item_edit(actor=None, item=a, effective_from=dt.date(2026, 6, 1), points=40)

    with CaptureQueriesContext(connection) as ctx:
        march = catalog(scheme, on=dt.date(2026, 3, 1))
        names = [(c.category.code, [(v.item.code, v.points) for v in c.versions]) for c in march]
    assert len(ctx.captured_queries) == 2
    assert names == [("public_order", [("a", 30)]), ("household", [("b", 10)])]
    october = catalog(scheme, on=dt.date(2026, 10, 1))
    assert [(c.category.code, [(v.item.code, v.points) for v in c.versions]) for c in october] == [
        ("public_order", [("a", 40), ("c", 5)]), ("household", [("b", 10)]),
    ]
    assert item_version_on(a, dt.date(2026, 5, 31)).number == 1
    assert [(v.item.code, v.number) for v in latest_versions(scheme)] == [("a", 2), ("b", 1), ("c", 1)]


@pytest.mark.django_db
def test_an_unknown_scheme_code_is_a_clear_error(world):
    with pytest.raises(NotFound) as exc:
        scheme_by_code("nope")
    assert exc.value.code == "scheme_not_found"
