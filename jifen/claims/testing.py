"""Test helpers for the claims workflow (claims' own tests and later apps').

`claims_setup(world)` gives Shahe village a scheme (monthly notice, 7-day objection window,
fraud ×2, veto 365 days) with a small catalog, and a laundry company (篇6 style: leader
matching on, slips signed at level 2 or above) with one team: leader 孙组长, member 钱员工.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image

from jifen.orgs import services as orgs
from jifen.orgs.models import OrgUnit, Person, Role, User
from jifen.orgs.testing import World, make_id_number
from jifen.rules import services as rules
from jifen.rules.models import Item, Scheme

SHANGHAI = ZoneInfo("Asia/Shanghai")
JAN1 = dt.date(2026, 1, 1)


def local(*args: int) -> dt.datetime:
    """An aware time in Asia/Shanghai: local(2026, 3, 5, 10)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), *, exif: bool = True, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A small image; with `exif`, it carries a capture time, a camera model and a GPS position."""
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x0110] = "JifenCam 1"  # Model
        data[0x0132] = "2026:03:05 09:30:00"  # DateTime
        data.get_ifd(0x8769)[36867] = "2026:03:05 09:15:00"  # DateTimeOriginal
        gps = data.get_ifd(0x8825)
        gps[1] = "N"
        gps[2] = (30.0, 36.0, 15.0)
        gps[3] = "E"
        gps[4] = (114.0, 18.0, 20.0)
        kwargs["exif"] = data.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@dataclass
class Setup:
    world: World
    scheme: Scheme
    help: Item  # award, fixed 5, evidence required
    mediate: Item  # award, range 10–80
    litter: Item  # deduct, fixed 3
    yearly: Item  # award 10, per year, cap 1
    violation: Item  # veto (min role reviewer)
    fraud: Item  # fraud line (no points of its own)
    company: OrgUnit
    team: OrgUnit
    company_scheme: Scheme
    lateness: Item  # company: deduct 5
    praise: Item  # company: award 50
    gm: User  # 总经理, level 3, limit 500
    deputy: User  # 副总经理, level 2, limit 200
    supervisor: User  # 主管, level 1, limit 100
    leader: Person
    worker: Person
    worker_user: User


def _item(scheme: Scheme, category: Any, code: str, **fields: Any) -> Item:
    fields.setdefault("direction", "award")
    return rules.item_create(actor=None, scheme=scheme, category=category, code=code, effective_from=JAN1, **fields)


def claims_setup(world: World) -> Setup:
    scheme = rules.scheme_create(
        actor=None, org=world.shahe, code="shahe-claims", name="沙河村积分制", subject_types=["person", "household", "unit"],
        period_policy="year_end_clear", notice_cadence="monthly", review_cadence="monthly", objection_days=7,
        settings={"fraud_multiplier": 2, "veto": {"period_days": 365}},
    )
    good = rules.category_create(actor=None, scheme=scheme, code="virtue", name="公益美德类", subject_types=["person", "household"])
    bad = rules.category_create(actor=None, scheme=scheme, code="penalties", name="奖励惩罚类", subject_types=["person", "household"])
    help_ = _item(scheme, good, "help", name="帮助解决留守老人困难", points=5, evidence_required=True)
    mediate = _item(scheme, good, "mediate", name="参与调处民间纠纷", points_min=10, points_max=80)
    yearly = _item(scheme, good, "yearly", name="陪同父母外出观光", points=10, frequency="per_year", cap_per_year=1)
    litter = _item(scheme, bad, "litter", name="乱扔垃圾", direction="deduct", points=3)
    violation = _item(scheme, bad, "violation", name="出现违法违纪问题", direction="deduct", kind="veto", min_role="reviewer")
    fraud = _item(scheme, bad, "fraud", name="申报弄虚作假", direction="deduct", kind="fraud", min_role="reviewer")

    company = orgs.org_unit_create(actor=None, parent=world.township, code="laundry", name="洁净洗涤公司", kind="company")
    team = orgs.org_unit_create(actor=None, parent=company, code="washing", name="洗涤组", kind="team")
    company_scheme = rules.scheme_create(
        actor=None, org=company, code="laundry-points", name="洗涤公司积分制", subject_types=["staff"], period_policy="lifetime",
        notice_cadence="weekly", objection_days=3,
        settings={
            "leader_matching": {"enabled": True, "applies_to": ["award", "deduct"]},
            "authorisation": {"titles": [{"title": "总经理", "level": 3}, {"title": "副总经理", "level": 2}], "slip_min_level": 2},
        },
    )
    basic = rules.category_create(actor=None, scheme=company_scheme, code="basic", name="基本奖扣", subject_types=["staff"])
    lateness = _item(company_scheme, basic, "late", name="迟到、早退", direction="deduct", points=5)
    praise = _item(company_scheme, basic, "praise", name="客户表扬1次", points=50)

    def staff(name: str, seq: int, org: OrgUnit, no: str, **fields: Any) -> Person:
        person = orgs.person_create(actor=None, org=org, name=name, id_number=make_id_number("420881", "19850101", 40 + seq, True))
        orgs.employment_set(actor=None, person=person, org=org, employee_no=no, **fields)
        return person

    gm_p = staff("吴总", 1, company, "E001", position="总经理")
    deputy_p = staff("郑副总", 2, company, "E002", position="副总经理")
    supervisor_p = staff("冯主管", 3, company, "E003", position="主管")
    leader = staff("孙组长", 4, team, "E004", position="组长", is_leader=True)
    worker = staff("钱员工", 5, team, "E005", position="员工")

    def user(username: str, person: Person) -> User:
        return orgs.user_create(actor=None, username=username, password=World.PASSWORD, person=person)

    gm, deputy, supervisor, worker_user = user("gm", gm_p), user("deputy", deputy_p), user("supervisor", supervisor_p), user("worker", worker)
    orgs.role_binding_grant(actor=None, user=gm, org=company, role=Role.ORG_ADMIN, points_limit=500, title="总经理", level=3)
    orgs.role_binding_grant(actor=None, user=deputy, org=company, role=Role.REVIEWER, points_limit=200, title="副总经理", level=2)
    orgs.role_binding_grant(actor=None, user=supervisor, org=company, role=Role.REVIEWER, points_limit=100, title="主管", level=1)
    orgs.role_binding_grant(actor=None, user=worker_user, org=team, role=Role.MEMBER)
    return Setup(
        world=world, scheme=scheme, help=help_, mediate=mediate, litter=litter, yearly=yearly, violation=violation, fraud=fraud,
        company=company, team=team, company_scheme=company_scheme, lateness=lateness, praise=praise, gm=gm, deputy=deputy,
        supervisor=supervisor, leader=leader, worker=worker, worker_user=worker_user,
    )
