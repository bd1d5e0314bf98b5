"""The demo county's organisations, people and accounts (the first step of `jifen demo`).

Sizes: small = 1 township, 3 villages, 300 households (~1,000 people); county = 10 townships,
200 villages and communities, ~60,000 households, ~200,000 people; large = 30 townships,
750 villages and communities, ~1,000,000 people. Everything comes from `ctx.rng`, so a seed
always gives the same county; the only date used is the demo's fixed TODAY.

Tree (paths): `demo` 清河县 → `demo/<township>` → villages and communities
`demo/<township>/<village>` → grids `…/g1` (网格), villager groups `…/z1` (村民小组) and the
party branch `…/dzb`; each township has a party committee `demo/<township>/dw` with the
organ branch `…/dw/jiguan`. County-level units: the laundry company `demo/xidi` (篇6, its
eight teams), the coal mine `demo/meikuang` (篇8, teams and offices) and the school
`demo/yizhong` (篇3, subject groups and grade groups).

Keys left in `ctx.data` for later demo steps:
- `today` (date), `password` (str, every demo account's password)
- `root` (the county), `townships`, `villages` (villages and communities), `communities`,
  `grids`, `groups` (villager groups): lists of OrgUnit
- `party_committees`, `party_branches` (also as `branches`): lists of OrgUnit
- `company` (OrgUnit), `teams` (its teams), `mine`, `mine_units`, `school`,
  `subject_groups`, `grade_groups`
- `users`: {role: [User]} for platform_admin, org_admin, reviewer, recorder, shopkeeper, member
- `admin` (the platform admin User), `counts` ({what: number created})
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pypinyin import lazy_pinyin

from jifen.core.demo import DemoContext
from jifen.orgs import demo_names as names
from jifen.orgs import services as orgs
from jifen.orgs.models import (
    Employment,
    Household,
    HouseholdMember,
    Membership,
    OrgUnit,
    PartyMembership,
    Person,
    Role,
    Unit,
)
from jifen.orgs.services import AccountSpec, PeopleBatch
from jifen.orgs.validators import id_check_digit

TODAY = dt.date(2026, 11, 25)
PASSWORD = "jifen-demo-2026"
ROOT_CODE = "demo"
COUNTY_NAME = "清河县"
REGION_MAIN = "410526"  # the county's own ID region code; spouses also come from neighbours
REGION_NEIGHBOURS = ("410527", "410523", "410522")


@dataclass(frozen=True)
class Size:
    townships: int
    villages_per_township: int
    communities_in_seat: int  # the county seat township (城关镇) has more communities
    communities_elsewhere: int
    village_households: tuple[int, int]
    community_households: tuple[int, int]
    households_per_grid_village: int  # 篇2: one recorder per ~100 households in villages
    households_per_grid_community: int  # … and ~200 in communities
    households_per_group: int
    member_accounts_per_village: int
    laundry_staff_per_team: tuple[int, int]
    mine_staff_per_unit: tuple[int, int]
    teachers_per_group: tuple[int, int]


SIZES = {
    "small": Size(1, 3, 0, 0, (100, 100), (0, 0), 50, 200, 25, 20, (3, 5), (3, 5), (2, 4)),
    "county": Size(10, 20, 5, 1, (180, 380), (450, 700), 100, 200, 40, 30, (6, 12), (25, 50), (6, 10)),
    "large": Size(30, 25, 8, 2, (250, 550), (600, 900), 100, 200, 40, 30, (6, 12), (80, 140), (8, 12)),
}


@dataclass
class _Member:
    relation: str
    gender: str
    age: int
    surname: str
    region: str = REGION_MAIN


def _code(name: str, taken: set[str]) -> str:
    base = "".join(lazy_pinyin(name)).lower()
    base = "".join(ch for ch in base if ch.isascii() and ch.isalnum())[:40] or "u"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}{n}", n + 1
    taken.add(code)
    return code


class _Builder:
    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.size = SIZES[ctx.size]
        self.used_ids: set[str] = set()
        self.used_mobiles: set[str] = set()
        self.accounts: list[AccountSpec] = []
        self.counts: Counter[str] = Counter()
        self.data: dict[str, Any] = {
            "today": TODAY, "password": PASSWORD, "townships": [], "villages": [], "communities": [], "grids": [],
            "groups": [], "party_committees": [], "branches": [],
        }

    # --- people ---------------------------------------------------------------------------
    def surname(self) -> str:
        return self.rng.choices(names.SURNAMES, weights=names.SURNAME_WEIGHTS)[0]

    def given(self, gender: str, year: int) -> str:
        era = "old" if year < 1970 else "mid" if year < 1995 else "young"
        pool = names.GIVEN[(era, gender)]
        if self.rng.random() < 0.3:
            return self.rng.choice(pool)
        first = self.rng.choice(pool)
        second = self.rng.choice(pool)
        while second == first:
            second = self.rng.choice(pool)
        return first + second

    def birth(self, age: int) -> dt.date:
        # Uniform over the year in which the person is exactly `age` on TODAY.
        start = TODAY.replace(year=TODAY.year - age - 1) + dt.timedelta(days=1)
        return start + dt.timedelta(days=self.rng.randrange(365))

    def id_number(self, region: str, birth: dt.date, gender: str) -> str:
        # GB 11643: region, birth date, a three-digit order code (odd for men), check digit.
        while True:
            order = self.rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{region}{birth:%Y%m%d}{order:03d}"
            if first17 not in self.used_ids:
                self.used_ids.add(first17)
                return first17 + id_check_digit(first17)

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(names.MOBILE_PREFIXES) + f"{self.rng.randrange(100_000_000):08d}"
            if number not in self.used_mobiles:
                self.used_mobiles.add(number)
                return number

    def person(self, *, org: OrgUnit, gender: str, age: int, surname: str = "", region: str = REGION_MAIN, address: str = "") -> Person:
        birth = self.birth(age)
        has_mobile = 16 <= age < 75 and self.rng.random() < 0.95 or age >= 75 and self.rng.random() < 0.4
        return Person(
            org=org, name=(surname or self.surname()) + self.given(gender, birth.year), gender=gender, birth_date=birth,
            id_number=self.id_number(region, birth, gender), mobile=self.mobile() if has_mobile else "", address=address,
        )

    def region(self) -> str:
        return REGION_MAIN if self.rng.random() < 0.7 else self.rng.choice(REGION_NEIGHBOURS)

    def household_members(self, village_surnames: list[str]) -> list[_Member]:
        """A plausible rural household: head, spouse, children, sometimes the head's parents or a
        married son with his wife and children."""
        rng = self.rng
        low, high = rng.choices(((25, 34), (35, 44), (45, 54), (55, 64), (65, 74), (75, 88)), weights=(14, 20, 25, 22, 13, 6))[0]
        head_age = rng.randint(low, high)
        head_gender = "M" if rng.random() < 0.85 else "F"
        head_surname = rng.choice(village_surnames) if rng.random() < 0.6 else self.surname()
        members = [_Member("户主", head_gender, head_age, head_surname)]
        married = rng.random() < (0.9 if head_age < 70 else 0.65)
        father_surname = head_surname
        mother_age = head_age
        if married:
            if head_gender == "M":
                age = max(20, head_age + rng.randint(-6, 2))
                members.append(_Member("配偶", "F", age, self.surname(), self.region()))
                mother_age = age
            else:
                age = head_age + rng.randint(-2, 6)
                father_surname = self.surname()
                members.append(_Member("配偶", "M", age, father_surname, self.region()))
        if married or rng.random() < 0.2:
            count = rng.choices((0, 1, 2, 3), weights=(8, 30, 42, 20))[0]
            three_generations = False
            for _ in range(count):
                age = mother_age - rng.randint(21, 36)
                if age < 0:
                    continue
                gender = "M" if rng.random() < 0.52 else "F"
                if age >= 23 and rng.random() < 0.5:
                    continue  # grown up and moved out
                members.append(_Member("子" if gender == "M" else "女", gender, age, father_surname))
                if gender == "M" and age >= 25 and not three_generations and rng.random() < 0.5:
                    three_generations = True
                    wife_age = max(20, age + rng.randint(-4, 2))
                    members.append(_Member("儿媳", "F", wife_age, self.surname(), self.region()))
                    for _ in range(rng.choices((0, 1, 2), weights=(20, 50, 30))[0]):
                        child_age = wife_age - rng.randint(22, 33)
                        if child_age >= 0:
                            gender = "M" if rng.random() < 0.52 else "F"
                            members.append(_Member("孙子" if gender == "M" else "孙女", gender, child_age, father_surname))
        if head_age <= 58 and rng.random() < 0.3:
            parent_age = head_age + rng.randint(24, 32)
            if parent_age <= 92 and rng.random() < 0.6:
                members.append(_Member("父", "M", parent_age, head_surname if head_gender == "M" else self.surname()))
            if parent_age <= 90 and rng.random() < 0.8:
                members.append(_Member("母", "F", min(90, parent_age + rng.randint(-4, 1)), self.surname(), self.region()))
        return members

    def party(self, person: Person, branch: OrgUnit, age: int, *, cadre: bool = False) -> PartyMembership | None:
        rng = self.rng
        if not cadre and (age < 22 or rng.random() > (0.07 if person.gender == "M" else 0.035)):
            return None
        if age < 45 and not cadre and rng.random() < 0.2:
            klass = PartyMembership.Klass.FLOATING
        elif cadre or rng.random() < 0.25:
            klass = PartyMembership.Klass.BACKBONE
        else:
            klass = PartyMembership.Klass.ORDINARY
        exemption, note = "", ""
        if age >= 70 and rng.random() < 0.6:
            exemption = PartyMembership.Exemption.OVER_70
        elif age >= 40 and rng.random() < 0.03:
            exemption, note = PartyMembership.Exemption.LONG_ILLNESS, "长期卧病在家"
        joined_age = rng.randint(20, min(age, 45))
        joined = person.birth_date.replace(year=person.birth_date.year + joined_age, day=1)  # type: ignore[union-attr]
        return PartyMembership(person=person, branch=branch, klass=klass, joined_on=min(joined, TODAY), exemption=exemption, exemption_note=note)

    # --- org units ------------------------------------------------------------------------
    def unit(self, parent: OrgUnit | None, code: str, name: str, kind: str) -> OrgUnit:
        self.counts["org_units"] += 1
        return orgs.org_unit_create(actor=None, parent=parent, code=code, name=name, kind=kind)

    def township_names(self) -> list[str]:
        picked = ["城关"]
        rest = [p for p in names.TOWNSHIP_PREFIXES if p != "城关"]
        self.rng.shuffle(rest)
        picked += rest[: self.size.townships - 1]
        return [p + ("镇" if i % 4 != 3 else "乡") for i, p in enumerate(picked)]

    def village_name(self, taken: set[str]) -> str:
        while True:
            if self.rng.random() < 0.45:
                name = self.surname() + self.rng.choice(names.VILLAGE_FAMILY_SUFFIX)
            else:
                name = self.rng.choice(names.VILLAGE_FIRST) + self.rng.choice(names.VILLAGE_SECOND)
            if name not in taken:
                taken.add(name)
                return name + "村"

    # --- building -------------------------------------------------------------------------
    def build(self) -> None:
        root = self.unit(None, ROOT_CODE, COUNTY_NAME, "county")
        self.data["root"] = root
        codes: set[str] = {"dw", "xidi", "meikuang", "yizhong"}
        village_names: set[str] = set()
        community_names = list(names.COMMUNITY_NAMES)
        self.rng.shuffle(community_names)
        for t_index, t_name in enumerate(self.township_names()):
            township = self.unit(root, _code(t_name[:-1], codes), t_name, "township")
            self.data["townships"].append(township)
            committee = self.unit(township, "dw", f"中共{t_name}委员会", "party_committee")
            organ = self.unit(committee, "jiguan", f"{t_name}机关党支部", "party_branch")
            self.data["party_committees"].append(committee)
            self.data["branches"].append(organ)
            self.township_cadres(township, organ)
            communities = self.size.communities_in_seat if t_index == 0 else self.size.communities_elsewhere
            for v_index in range(self.size.villages_per_township):
                if v_index < communities:
                    name = (community_names.pop() if community_names else f"{t_name[:-1]}{v_index + 1}") + "社区"
                    self.village(township, name, _code(name[:-2], codes), community=True)
                else:
                    name = self.village_name(village_names)
                    self.village(township, name, _code(name[:-1], codes), community=False)
        self.laundry(root)
        self.mine(root)
        self.school(root)
        self.platform_admin(root)
        users = orgs.accounts_bulk_create(actor=None, accounts=self.accounts, password=PASSWORD, summary="演示账号 / demo accounts")
        by_role: dict[str, list[Any]] = {role: [] for role in Role.values}
        for user, spec in zip(users, self.accounts, strict=True):
            by_role[spec.role].append(user)
        self.counts["accounts"] = len(users)
        self.data["party_branches"] = self.data["branches"]
        self.data["users"] = by_role
        self.data["admin"] = by_role[Role.PLATFORM_ADMIN][0]
        self.data["counts"] = dict(self.counts)

    def write(self, batch: PeopleBatch, org: OrgUnit, what: str) -> None:
        counts = orgs.people_bulk_write(actor=None, batch=batch, action="orgs.demo_people", org_path=org.path, summary=f"演示数据：{what}")
        self.counts["people"] += counts["people_created"]
        self.counts["households"] += counts["households_created"]
        self.counts["party_members"] += counts["party_created"]
        self.counts["employments"] += counts["employments_created"]

    def account(self, username: str, org: OrgUnit, role: str, person: Person | None = None, **extra: Any) -> None:
        self.accounts.append(AccountSpec(username=username, org=org, role=role, person=person, **extra))

    def township_cadres(self, township: OrgUnit, organ: OrgUnit) -> None:
        batch = PeopleBatch(on=TODAY)
        cadres = []
        for _ in range(self.rng.randint(4, 6)):
            age = self.rng.randint(28, 55)
            person = self.person(org=township, gender="M" if self.rng.random() < 0.6 else "F", age=age, address=f"{township.name}政府")
            batch.new_people.append(person)
            cadres.append(person)
            batch.new_party.append(self.party(person, organ, age, cadre=True))  # type: ignore[arg-type]
        self.write(batch, township, f"{township.name}干部")
        self.account(f"{township.code}-admin", township, Role.ORG_ADMIN, cadres[0], title="组织委员", level=3, points_limit=1000)

    def village(self, township: OrgUnit, name: str, code: str, *, community: bool) -> None:
        size, rng = self.size, self.rng
        village = self.unit(township, code, name, "community" if community else "village")
        self.data["villages"].append(village)
        if community:
            self.data["communities"].append(village)
        low, high = size.community_households if community else size.village_households
        household_count = rng.randint(low, high)
        per_grid = size.households_per_grid_community if community else size.households_per_grid_village
        grids = [
            self.unit(village, f"g{i + 1}", f"第{names.ordinal(i + 1)}网格", "grid")
            for i in range(max(1, round(household_count / per_grid)))
        ]
        self.data["grids"].extend(grids)
        groups = [] if community else [
            self.unit(village, f"z{i + 1}", f"第{names.ordinal(i + 1)}村民小组", "group")
            for i in range(max(1, round(household_count / size.households_per_group)))
        ]
        self.data["groups"].extend(groups)
        branch = self.unit(village, "dzb", f"{name}党支部", "party_branch")
        self.data["branches"].append(branch)
        surnames = [self.surname() for _ in range(rng.randint(2, 3))]
        batch = PeopleBatch(on=TODAY)
        heads: list[tuple[Person, int, OrgUnit]] = []
        secretaries: list[Person] = []
        for index in range(household_count):
            grid = grids[index * len(grids) // household_count]
            group = groups[index * len(groups) // household_count] if groups else None
            number = f"{index + 1:04d}"
            where = f"{group.name.removeprefix('第').removesuffix('村民小组')}组" if group else f"{rng.randint(1, 30)}号楼"
            address = f"{township.name}{name}{where}{rng.randint(1, 80)}号"
            household = Household(village=village, org=grid, number=number, address=address)
            batch.new_households.append(household)
            for spec in self.household_members(surnames):
                person = self.person(org=grid, gender=spec.gender, age=spec.age, surname=spec.surname, region=spec.region, address=address)
                batch.new_people.append(person)
                batch.new_stays.append(HouseholdMember(household=household, person=person, relation=spec.relation, joined_on=TODAY))
                membership = self.party(person, branch, spec.age)
                if membership is not None:
                    batch.new_party.append(membership)
                    if 35 <= spec.age <= 62 and membership.klass == PartyMembership.Klass.BACKBONE:
                        secretaries.append(person)
                if spec.relation == "户主":
                    batch.heads.append((household, person))
                    heads.append((person, spec.age, grid))
                    if group is not None:
                        batch.new_memberships.append(Membership(person=person, org=group))
        self.write(batch, village, name)
        self.counts["households_in_villages"] += household_count
        # Accounts: the branch secretary reviews, one grid worker per grid records, a villager
        # keeps the shop, and the first households' heads sign in as members.
        chosen: set[int] = set()

        def pick(candidates: list[Person]) -> Person:
            for person in candidates:
                if person.pk not in chosen:
                    chosen.add(person.pk)
                    return person
            raise RuntimeError("demo village too small to staff")

        working_age = [p for p, age, _ in heads if 28 <= age <= 60]
        reviewer = pick(secretaries + working_age)
        self.account(f"{code}-reviewer", village, Role.REVIEWER, reviewer, title="村党支部书记", level=2, points_limit=50)
        for grid in grids:
            recorder = pick([p for p, age, g in heads if g is grid and 25 <= age <= 58] + working_age)
            self.account(f"{code}-{grid.code}", grid, Role.RECORDER, recorder, title="网格员", level=1, points_limit=10)
        shopkeeper = pick(working_age)
        self.account(f"{code}-shop", village, Role.SHOPKEEPER, shopkeeper, title="积分超市管理员")
        members = 0
        for person, _age, _grid in heads:
            if members >= self.size.member_accounts_per_village:
                break
            if person.pk in chosen:
                continue
            chosen.add(person.pk)
            household_number = next(h.number for h, p in batch.heads if p is person)
            self.account(f"{code}-{household_number}", village, Role.MEMBER, person)
            members += 1
        orgs.unit_create(actor=None, org=village, name=f"{name}便民超市", kind=Unit.Kind.SHOP, contact=shopkeeper)
        orgs.unit_create(actor=None, org=village, name=f"{name}文艺队", kind=Unit.Kind.SOCIETY)
        self.counts["units"] += 2

    def staff(self, *, org: OrgUnit, employee_no: str, position: str, age: int, gender: str, batch: PeopleBatch,
              is_leader: bool = False, education: str = "", title: str = "", skill_level: str = "", speciality: str = "") -> Employment:
        person = self.person(org=org, gender=gender, age=age, address=COUNTY_NAME)
        batch.new_people.append(person)
        years = self.rng.randint(0, max(0, min(age - 18, 30)))
        hired = TODAY.replace(year=TODAY.year - years, month=self.rng.randint(1, 12), day=1)
        job = Employment(
            person=person, org=org, employee_no=employee_no, position=position, is_leader=is_leader,
            hire_date=min(hired, TODAY), education=education, title=title, skill_level=skill_level, speciality=speciality,
        )
        batch.new_employments.append(job)
        return job

    def laundry(self, root: OrgUnit) -> None:
        """篇6: the laundry company, its leadership group and eight teams."""
        rng = self.rng
        company = self.unit(root, "xidi", f"{COUNTY_NAME}洁源洗涤服务有限公司", "company")
        batch = PeopleBatch(on=TODAY)
        serial = iter(range(1, 10_000))

        def number() -> str:
            return f"XD{next(serial):04d}"

        def education() -> str:
            return rng.choices(names.EDUCATION[:4], weights=(35, 35, 20, 10))[0]

        gm = self.staff(org=company, employee_no=number(), position="总经理", age=rng.randint(45, 55), gender="M", batch=batch, education="本科")
        deputy = self.staff(org=company, employee_no=number(), position="副总经理", age=rng.randint(38, 50), gender="F", batch=batch, education="大专")
        teams, leaders, staff = [], [], []
        for code, name, position in names.LAUNDRY_TEAMS:
            team = self.unit(company, code, name, "team")
            teams.append(team)
            leader = self.staff(org=team, employee_no=number(), position="组长", age=rng.randint(30, 52),
                                gender="F" if rng.random() < 0.7 else "M", batch=batch, is_leader=True, education=education())
            leaders.append((team, leader))
            for _ in range(rng.randint(*self.size.laundry_staff_per_team)):
                staff.append(self.staff(org=team, employee_no=number(), position=position, age=rng.randint(20, 55),
                                        gender="F" if rng.random() < 0.7 else "M", batch=batch, education=education()))
        self.write(batch, company, company.name)
        self.data["company"], self.data["teams"] = company, teams
        self.account("xidi-gm", company, Role.ORG_ADMIN, gm.person, title="总经理", level=3, points_limit=500)
        self.account("xidi-deputy", company, Role.REVIEWER, deputy.person, title="副总经理", level=2, points_limit=200)
        for team, leader in leaders:
            self.account(f"xidi-{team.code}", team, Role.RECORDER, leader.person, title="组长", level=1, points_limit=20)
        for job in staff:
            self.account(f"xidi-{job.employee_no.lower()}", company, Role.MEMBER, job.person)

    def mine(self, root: OrgUnit) -> None:
        """篇8: the coal mine with its teams (区队) and offices (部室)."""
        rng = self.rng
        mine = self.unit(root, "meikuang", "清河煤业有限公司", "mine")
        batch = PeopleBatch(on=TODAY)
        serial = iter(range(1, 100_000))

        def number() -> str:
            return f"MK{next(serial):05d}"

        head = self.staff(org=mine, employee_no=number(), position="矿长", age=rng.randint(45, 56), gender="M", batch=batch,
                          education="本科", title="高级工程师")
        hr = self.staff(org=mine, employee_no=number(), position="人力资源部负责人", age=rng.randint(38, 52), gender="F", batch=batch,
                        education="本科")
        units, leaders = [], []
        for code, name, kind, positions in names.MINE_UNITS:
            unit = self.unit(mine, code, name, kind)
            units.append(unit)
            leader_position = "队长" if kind == "team" else "部长"
            leader = self.staff(org=unit, employee_no=number(), position=leader_position, age=rng.randint(35, 55), gender="M",
                                batch=batch, is_leader=True, education=rng.choice(("大专", "本科")),
                                title=rng.choice(names.ENGINEER_TITLES))
            leaders.append((unit, leader))
            for _ in range(rng.randint(*self.size.mine_staff_per_unit)):
                office = kind == "department"
                education = rng.choices(names.EDUCATION, weights=(25, 30, 20, 15, 9, 1) if not office else (2, 10, 15, 33, 35, 5))[0]
                technical = education in ("大专", "本科", "硕士研究生") and rng.random() < 0.4
                self.staff(
                    org=unit, employee_no=number(), position=rng.choice(positions), age=rng.randint(20, 58),
                    gender="M" if not office or rng.random() < 0.6 else "F", batch=batch, education=education,
                    title=rng.choice(names.ENGINEER_TITLES) if technical else "",
                    skill_level="" if office else rng.choices(names.SKILL_LEVELS, weights=(30, 35, 25, 8, 2))[0],
                    speciality=rng.choice(names.SPECIALITIES) if rng.random() < 0.15 else "",
                )
        self.write(batch, mine, mine.name)
        self.data["mine"], self.data["mine_units"] = mine, units
        self.account("meikuang-head", mine, Role.ORG_ADMIN, head.person, title="矿长", level=4, points_limit=1000)
        self.account("meikuang-hr", mine, Role.REVIEWER, hr.person, title="人力资源部负责人", level=3, points_limit=300)
        for unit, leader in leaders:
            self.account(f"meikuang-{unit.code}", unit, Role.RECORDER, leader.person, title=leader.position, level=1, points_limit=50)

    def school(self, root: OrgUnit) -> None:
        """篇3: the school's subject groups and grade groups; every teacher is in one of each."""
        rng = self.rng
        school = self.unit(root, "yizhong", f"{COUNTY_NAME}第一中学", "school")
        subject_groups = [self.unit(school, code, name, "teaching_group") for code, name, _ in names.SUBJECT_GROUPS]
        grade_groups = [self.unit(school, code, name, "grade_group") for code, name in names.GRADE_GROUPS]
        batch = PeopleBatch(on=TODAY)
        serial = iter(range(1, 10_000))

        def number() -> str:
            return f"JS{next(serial):03d}"

        principal = self.staff(org=school, employee_no=number(), position="校长", age=rng.randint(45, 56), gender="M", batch=batch,
                               education="硕士研究生", title="正高级教师")
        dean = self.staff(org=school, employee_no=number(), position="教务主任", age=rng.randint(38, 52), gender="F", batch=batch,
                          education="本科", title="高级教师")
        teachers, group_leaders = [], []
        grade_seen: set[int] = set()
        for group, (_code, _name, subject) in zip(subject_groups, names.SUBJECT_GROUPS, strict=True):
            for i in range(rng.randint(*self.size.teachers_per_group)):
                age = rng.randint(24, 58)
                teacher = self.staff(
                    org=group, employee_no=number(), position=f"{subject}教师", age=age, gender="F" if rng.random() < 0.6 else "M",
                    batch=batch, is_leader=i == 0, education=rng.choices(("本科", "硕士研究生"), weights=(75, 25))[0],
                    title=names.TEACHER_TITLES[min(3, max(0, (age - 24) // 9))],
                )
                teachers.append(teacher)
                if i == 0:
                    group_leaders.append((group, teacher))
                grade_index = rng.randrange(len(grade_groups))
                title = "" if grade_index in grade_seen else "年级组长"
                grade_seen.add(grade_index)
                batch.new_memberships.append(Membership(person=teacher.person, org=grade_groups[grade_index], title=title))
        self.write(batch, school, school.name)
        self.data.update(school=school, subject_groups=subject_groups, grade_groups=grade_groups)
        self.account("yizhong-principal", school, Role.ORG_ADMIN, principal.person, title="校长", level=3, points_limit=500)
        self.account("yizhong-dean", school, Role.REVIEWER, dean.person, title="教务主任", level=2, points_limit=300)
        for group, leader in group_leaders:
            self.account(f"yizhong-{group.code}", group, Role.RECORDER, leader.person, title="教研组长", level=1, points_limit=80)
        for teacher in teachers:
            if not teacher.is_leader:
                self.account(f"yizhong-{teacher.employee_no.lower()}", school, Role.MEMBER, teacher.person)

    def platform_admin(self, root: OrgUnit) -> None:
        self.account("admin", root, Role.PLATFORM_ADMIN, None, first_name="平台管理员", is_superuser=True)


def build(ctx: DemoContext) -> None:
    """Build the county's org tree, people, households, party members, staff and accounts."""
    builder = _Builder(ctx)
    builder.build()
    ctx.data.update(builder.data)
    counts = builder.counts
    ctx.say(
        f"  {COUNTY_NAME}: {len(builder.data['townships'])} 乡镇/townships, {len(builder.data['villages'])} 村社区/villages, "
        f"{len(builder.data['grids'])} 网格/grids, {counts['households']} 户/households, {counts['people']} 人/people, "
        f"{counts['party_members']} 党员/party members, {counts['accounts']} 账号/accounts"
    )
    first_village = next(v for v in builder.data["villages"] if v.kind.code == "village")
    users = builder.data["users"]
    ctx.say(f"演示账号 / demo sign-in (密码 / password: {PASSWORD})")
    for label, role in (("平台管理员 / platform admin", Role.PLATFORM_ADMIN), ("乡镇管理员 / township admin", Role.ORG_ADMIN),
                        ("审核人 / reviewer", Role.REVIEWER), ("网格员 / recorder", Role.RECORDER),
                        ("兑换员 / shopkeeper", Role.SHOPKEEPER), ("村民 / villager", Role.MEMBER)):
        ctx.say(f"  {label}: {users[role][0].username}")
    ctx.say("  企业 / company: xidi-gm, xidi-deputy, xidi-xidi   煤矿 / mine: meikuang-head, meikuang-hr   "
            "学校 / school: yizhong-principal, yizhong-dean")
    ctx.say(f"  试导入 / try an import: jifen import people docs/examples/people-example.xlsx --org {first_village.path} --dry-run")
