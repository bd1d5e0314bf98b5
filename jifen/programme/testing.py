"""A city over the test world's county, a programme, and the people who run it (programme tests and pages)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jifen.core import clock
from jifen.orgs import services as orgs
from jifen.orgs.models import OrgUnit, Role, User
from jifen.orgs.testing import World, make_id_number
from jifen.programme import services
from jifen.programme.models import Application, Programme

UTC = dt.UTC
OPENS = dt.datetime(2026, 7, 22, 0, 0, tzinfo=UTC)
CLOSES = dt.datetime(2026, 8, 5, 16, 0, tzinfo=UTC)
DURING = dt.datetime(2026, 7, 25, 2, 0, tzinfo=UTC)
AFTER = dt.datetime(2026, 8, 10, 2, 0, tzinfo=UTC)


@dataclass
class Setup:
    w: World
    city: OrgUnit
    city_admin: User
    county_admin: User
    villages: list[OrgUnit]
    village_cadre: User
    programme: Programme


def _user(username: str, org: OrgUnit, seq: int, role: str) -> User:
    person = orgs.person_create(actor=None, org=org, name=f"干部{seq}", id_number=make_id_number("640100", "19800101", 100 + seq, True))
    user = orgs.user_create(actor=None, username=username, password=World.PASSWORD, person=person)
    orgs.role_binding_grant(actor=None, user=user, org=org, role=role)
    return user


def programme_setup(world: World) -> Setup:
    """A city over the world's county; the county has Shahe, Quanshuihe and three more villages."""
    city = orgs.org_unit_create(actor=None, parent=None, code="yinchuan", name="银川市", kind="city")
    orgs.org_unit_move(actor=None, unit=world.county, new_parent=city)
    world.county.refresh_from_db()
    world.township.refresh_from_db()
    world.shahe.refresh_from_db()
    world.quanshui.refresh_from_db()
    extra = [
        orgs.org_unit_create(actor=None, parent=world.township, code=f"v{i}", name=f"新村{i}", kind="village") for i in range(3, 6)
    ]
    villages = [world.shahe, world.quanshui, *extra]
    city_admin = _user("city-admin", city, 1, Role.ORG_ADMIN)
    county_admin = _user("county-admin", world.county, 2, Role.ORG_ADMIN)
    cadre = _user("cadre", world.township, 3, Role.REVIEWER)  # a township cadre may apply for its villages
    with clock.frozen(dt.datetime(2026, 7, 1, tzinfo=UTC)):
        programme = services.programme_create(
            actor=city_admin, org=city, code="sfc-2026", name="2026年积分制管理示范村", budget_fen=500_000_00, awards=2,
            opens_at=OPENS, closes_at=CLOSES, period_start=dt.datetime(2026, 1, 1, tzinfo=UTC), period_end=OPENS,
        )
    return Setup(w=world, city=city, city_admin=city_admin, county_admin=county_admin, villages=villages,
                 village_cadre=cadre, programme=programme)


def apply(s: Setup, village: OrgUnit, **kw: Any) -> Application:
    with clock.frozen(kw.pop("at", DURING)):
        return services.application_submit(
            actor=kw.pop("actor", s.village_cadre), programme=s.programme, village=village, contact_name="李书记",
            contact_phone="13900001111", summary="本村推行积分制管理两年。", statements={"1": "积分超市80平方米"}, **kw,
        )
