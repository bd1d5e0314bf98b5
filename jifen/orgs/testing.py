"""A small named world for tests: one county, two villages, and the people every test needs.

- admin: org admin over the township (sees personal data)
- reviewer: committee member of Shahe village (审核)
- recorder: grid worker for Shahe grid 1 (记录员)
- member: 张三, villager of Shahe grid 1, head of household SH-001 (with wife 李梅)
- neighbour: 王五, another villager of Shahe, household SH-002
- outsider: 赵六 from Quanshuihe, another village
"""

from __future__ import annotations

from dataclasses import dataclass

from jifen.orgs import services as orgs
from jifen.orgs.models import Household, OrgUnit, Person, Role, User
from jifen.orgs.validators import id_check_digit


def make_id_number(region: str, birth: str, seq: int, male: bool) -> str:
    """A valid 18-digit ID number: region 6 digits, birth YYYYMMDD, sequence, check digit."""
    order = seq * 2 + (1 if male else 0)
    first17 = f"{region}{birth}{order % 1000:03d}"
    return first17 + id_check_digit(first17)


@dataclass
class World:
    county: OrgUnit
    township: OrgUnit
    shahe: OrgUnit
    shahe_grid1: OrgUnit
    shahe_grid2: OrgUnit
    quanshui: OrgUnit
    quanshui_grid1: OrgUnit
    admin: User
    reviewer: User
    recorder: User
    member: User
    neighbour: User
    outsider: User
    zhangsan: Person
    limei: Person
    wangwu: Person
    zhaoliu: Person
    reviewer_person: Person
    recorder_person: Person
    household: Household
    neighbour_household: Household
    outsider_household: Household

    PASSWORD = "jifen-Test-2026"


def build_world() -> World:
    a = None
    county = orgs.org_unit_create(actor=a, parent=None, code="demo", name="演示县", kind="county")
    township = orgs.org_unit_create(actor=a, parent=county, code="zhangji", name="张集镇", kind="township")
    shahe = orgs.org_unit_create(actor=a, parent=township, code="shahe", name="沙河村", kind="village")
    g1 = orgs.org_unit_create(actor=a, parent=shahe, code="g1", name="第一网格", kind="grid")
    g2 = orgs.org_unit_create(actor=a, parent=shahe, code="g2", name="第二网格", kind="grid")
    quanshui = orgs.org_unit_create(actor=a, parent=township, code="quanshui", name="泉水河村", kind="village")
    q1 = orgs.org_unit_create(actor=a, parent=quanshui, code="g1", name="第一网格", kind="grid")

    def person(org: OrgUnit, name: str, seq: int, male: bool, mobile: str) -> Person:
        return orgs.person_create(
            actor=a, org=org, name=name, id_number=make_id_number("420881", "19800101", seq, male), mobile=mobile
        )

    zhangsan = person(g1, "张三", 1, True, "13800000001")
    limei = person(g1, "李梅", 2, False, "13800000002")
    wangwu = person(g1, "王五", 3, True, "13800000003")
    reviewer_p = person(g2, "陈审核", 4, True, "13800000004")
    recorder_p = person(g1, "刘记录", 5, False, "13800000005")
    zhaoliu = person(q1, "赵六", 6, True, "13900000006")
    admin_p = person(township, "周管理", 7, True, "13800000007")

    hh = orgs.household_create(actor=a, village=shahe, org=g1, number="SH-001", head=zhangsan)
    orgs.household_member_add(actor=a, household=hh, person=limei, relation="配偶")
    hh2 = orgs.household_create(actor=a, village=shahe, org=g1, number="SH-002", head=wangwu)
    hh3 = orgs.household_create(actor=a, village=quanshui, org=q1, number="QS-001", head=zhaoliu)

    def user(username: str, p: Person) -> User:
        return orgs.user_create(actor=a, username=username, password=World.PASSWORD, person=p)

    admin = user("admin", admin_p)
    reviewer = user("reviewer", reviewer_p)
    recorder = user("recorder", recorder_p)
    member = user("zhangsan", zhangsan)
    neighbour = user("wangwu", wangwu)
    outsider = user("zhaoliu", zhaoliu)
    orgs.role_binding_grant(actor=a, user=admin, org=township, role=Role.ORG_ADMIN, points_limit=1000)
    orgs.role_binding_grant(actor=a, user=reviewer, org=shahe, role=Role.REVIEWER, points_limit=50)
    orgs.role_binding_grant(actor=a, user=recorder, org=g1, role=Role.RECORDER, points_limit=10)
    for u, org in ((member, shahe), (neighbour, shahe), (outsider, quanshui)):
        orgs.role_binding_grant(actor=a, user=u, org=org, role=Role.MEMBER)
    return World(
        county=county, township=township, shahe=shahe, shahe_grid1=g1, shahe_grid2=g2, quanshui=quanshui,
        quanshui_grid1=q1, admin=admin, reviewer=reviewer, recorder=recorder, member=member, neighbour=neighbour,
        outsider=outsider, zhangsan=zhangsan, limei=limei, wangwu=wangwu, zhaoliu=zhaoliu,
        reviewer_person=reviewer_p, recorder_person=recorder_p, household=hh, neighbour_household=hh2,
        outsider_household=hh3,
    )
