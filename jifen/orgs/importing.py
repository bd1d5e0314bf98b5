"""People and households from and to Excel, in the layout a village clerk keeps.

`people_import` checks every row first and reports each bad cell (row, column, Chinese and
English reason); only a file without errors is written, in one transaction, through
`orgs.services.people_bulk_write`. People are matched by 身份证号 (ID number) or 工号
(employee number), so importing the same file again changes nothing. A blank optional cell
means "leave as it is": an import never deletes or clears anything.

`people_export` writes the same columns back, so export → edit → import is a round trip.
The columns are documented for officials in docs/people-import.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import IntegrityError, transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import InvalidInput, PermissionDenied
from jifen.core.excel import Column, DryRunRollback, ImportReport, read_rows, write_workbook
from jifen.orgs import services
from jifen.orgs.models import (
    Employment,
    Household,
    HouseholdMember,
    OrgUnit,
    PartyMembership,
    Person,
    Role,
    ancestor_paths,
    subtree_q,
)
from jifen.orgs.privacy import mask_id_number, mask_mobile
from jifen.orgs.selectors import org_by_path, user_has_role
from jifen.orgs.validators import normalize_id_number, normalize_mobile

COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "name", required=True, width=10),
    Column("gender", "性别", "gender", width=6),
    Column("birth_date", "出生日期", "birth date", width=12),
    Column("id_number", "身份证号", "ID number", aliases=("身份证号码", "公民身份号码"), width=21),
    Column("mobile", "手机号", "mobile", aliases=("手机", "手机号码", "联系电话"), width=14),
    Column("address", "住址", "address", aliases=("家庭住址", "地址"), width=26),
    Column("household_no", "户号", "household number", width=10),
    Column("relation", "与户主关系", "relation to head", width=10),
    Column("grid", "所属网格", "grid", aliases=("网格",), width=20),
    Column("party_class", "党员类别", "party member class", width=10),
    Column("party_branch", "所属党支部", "party branch", aliases=("党支部",), width=22),
    Column("party_joined", "入党日期", "joined the party", width=12),
    Column("party_exemption", "免于考核", "exempt from assessment", width=14),
    Column("employee_no", "工号", "employee number", width=10),
    Column("department", "所属部门/班组", "department or team", aliases=("所属部门", "所属班组", "部门", "班组"), width=20),
    Column("position", "岗位", "position", aliases=("职务",), width=12),
    Column("is_leader", "是否组长", "team leader", width=8),
    Column("hire_date", "入职日期", "hire date", width=12),
    Column("education", "学历", "education", width=8),
    Column("title", "职称", "professional title", width=10),
    Column("skill_level", "技能等级", "skill level", width=10),
    Column("speciality", "特长", "speciality", width=12),
)
HEADER = {col.key: col.header for col in COLUMNS}
HEAD = "户主"
# Order of members within a household on export: the head first, then the usual register order.
RELATION_ORDER = {r: i for i, r in enumerate((HEAD, "配偶", "子", "女", "儿媳", "女婿", "孙子", "孙女", "父", "母"))}

_GENDERS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
_GENDER_TEXT = {"M": "男", "F": "女"}
_YES = {"是", "y", "yes", "true", "1", "√", "组长"}
_NO = {"否", "n", "no", "false", "0"}
_KLASS = {
    "骨干类": PartyMembership.Klass.BACKBONE, "骨干": PartyMembership.Klass.BACKBONE,
    "普通类": PartyMembership.Klass.ORDINARY, "普通": PartyMembership.Klass.ORDINARY,
    "流动类": PartyMembership.Klass.FLOATING, "流动": PartyMembership.Klass.FLOATING,
}
_EXEMPTION = {
    "无": "", "否": "",
    "年满70周岁": PartyMembership.Exemption.OVER_70, "70岁以上": PartyMembership.Exemption.OVER_70,
    "长期生病或丧失部分能力": PartyMembership.Exemption.LONG_ILLNESS, "长期生病": PartyMembership.Exemption.LONG_ILLNESS,
    "其他": PartyMembership.Exemption.OTHER,
}
_KLASS_TEXT = {PartyMembership.Klass.BACKBONE: "骨干类", PartyMembership.Klass.ORDINARY: "普通类", PartyMembership.Klass.FLOATING: "流动类"}
_EXEMPTION_TEXT = {
    PartyMembership.Exemption.OVER_70: "年满70周岁",
    PartyMembership.Exemption.LONG_ILLNESS: "长期生病或丧失部分能力",
    PartyMembership.Exemption.OTHER: "其他",
}
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_FIELD_COLUMN = {"name": "name", "gender": "gender", "birth_date": "birth_date", "id_number": "id_number", "mobile": "mobile"}
_CHUNK = 500  # IN (...) lists stay under SQLite's variable limit


@dataclass
class PeopleImportReport(ImportReport):
    """The core report plus what happened to households."""

    households_created: int = 0
    households_updated: int = 0

    def render(self) -> str:
        text = super().render()
        if self.ok:
            text += (
                f"\n  户 / households: 新增/created {self.households_created}, "
                f"更新/updated {self.households_updated}"
            )
        return text


def parse_date(text: str) -> dt.date:
    """1980-01-31, 1980/1/31, 1980.1.31, 1980年1月31日 or 19800131."""
    match = _DATE_RE.match(text)
    if match:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    if len(text) == 8 and text.isdigit():
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return dt.date.fromisoformat(text[:10])


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# --- finding org units named in a cell -------------------------------------------------------


class _Orgs:
    """The units under --org, indexed for the cells that name them (path, code or name)."""

    def __init__(self, org: OrgUnit) -> None:
        self.org = org
        units = list(OrgUnit.objects.filter(subtree_q(org.path)).select_related("kind"))
        ancestors = list(OrgUnit.objects.filter(path__in=ancestor_paths(org.path)).select_related("kind"))
        self.by_path = {u.path: u for u in [*ancestors, *units]}
        self.by_id = {u.pk: u for u in self.by_path.values()}
        self.inside = units
        self._by_code: dict[str, list[OrgUnit]] = defaultdict(list)
        self._by_name: dict[str, list[OrgUnit]] = defaultdict(list)
        for unit in units:
            self._by_code[unit.code].append(unit)
            self._by_name[unit.name].append(unit)
        self._branches: list[OrgUnit] | None = None

    def relative(self, unit: OrgUnit) -> str:
        """How an export names `unit`: relative to --org when inside it, else the full path."""
        if unit.path.startswith(self.org.path + "/"):
            return unit.path[len(self.org.path) + 1 :]
        return unit.path

    def _outside(self, path: str) -> OrgUnit | None:
        if path not in self.by_path:
            unit = OrgUnit.objects.filter(path=path).select_related("kind").first()
            if unit is None:
                return None
            self.by_path[path] = unit
            self.by_id[unit.pk] = unit
        return self.by_path[path]

    def find(self, text: str, *, anywhere: bool = False) -> tuple[OrgUnit | None, str, str]:
        """(unit, zh, en): a full path, a path relative to --org, or a unique code or name under it."""
        value = text.strip().strip("/")
        inside = self.by_path.get(value)
        if inside is not None and inside.is_within(self.org):
            return inside, "", ""
        relative = self.by_path.get(f"{self.org.path}/{value}")
        if relative is not None:
            return relative, "", ""
        if anywhere and "/" in value:
            unit = self._outside(value)
            if unit is not None:
                return unit, "", ""
        matches = self._by_code.get(value.lower()) or self._by_name.get(value) or []
        if len(matches) == 1:
            return matches[0], "", ""
        if matches:
            paths = "、".join(self.relative(u) for u in matches[:3])
            return None, f"「{value}」不止一个（{paths}…），请写路径", f"{value!r} is ambiguous ({paths}…); write its path"
        where = "" if anywhere else f"在「{self.org.name}」下"
        return None, f"{where}找不到组织「{value}」", f"no org unit {value!r}" + ("" if anywhere else f" under {self.org.path}")

    def find_branch(self, text: str) -> tuple[OrgUnit | None, str, str]:
        """A party branch by path, or by name or code, looking outward from --org to the root."""
        unit, zh, en = self.find(text, anywhere=True)
        if unit is not None or "不止一个" in zh:
            return unit, zh, en
        value = text.strip()
        if self._branches is None:
            root = self.org.path.split("/")[0]
            self._branches = list(
                OrgUnit.objects.filter(subtree_q(root), kind__code="party_branch").select_related("kind")
            )
        named = [b for b in self._branches if value in (b.name, b.code)]
        for level in reversed(ancestor_paths(self.org.path)):
            near = [b for b in named if b.path.startswith(level + "/")]
            if len(near) == 1:
                return near[0], "", ""
            if near:
                paths = "、".join(b.path for b in near[:3])
                return None, f"党支部「{value}」不止一个（{paths}…），请写路径", f"party branch {value!r} is ambiguous ({paths}…); write its path"
        return None, f"找不到党支部「{value}」", f"no party branch {value!r}"

    def village_of(self, unit: OrgUnit) -> OrgUnit | None:
        """The village or community whose household numbers apply to people of `unit`."""
        for path in reversed(ancestor_paths(unit.path)):
            candidate = self.by_path.get(path) or self._outside(path)
            if candidate is not None and candidate.kind.code in ("village", "community"):
                return candidate
        return None


# --- planning: every row checked, every write decided, nothing written ------------------------


@dataclass
class _Row:
    number: int
    cells: dict[str, str]
    person: Person | None = None  # matched existing person
    new_person: Person | None = None
    home: OrgUnit | None = None
    household_key: tuple[int, str] | None = None
    relation: str = ""
    changed: bool = False
    skip: bool = False  # not this person's first row, or not identifiable: no further checks

    @property
    def target(self) -> Person | None:
        return self.person or self.new_person


@dataclass
class _Plan:
    rows: list[_Row] = field(default_factory=list)
    batch: services.PeopleBatch = field(default_factory=lambda: services.PeopleBatch(on=clock.now().date()))


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


class _Planner:
    def __init__(self, org: OrgUnit, report: PeopleImportReport) -> None:
        self.org = org
        self.orgs = _Orgs(org)
        self.report = report
        self.today = clock.now().date()

    def error(self, row: _Row | int, key: str, zh: str, en: str) -> None:
        number = row.number if isinstance(row, _Row) else row
        self.report.add_error(number, HEADER.get(key, key), zh, en)

    # Step 1: identify each row's person (ID number or employee number), find duplicates.
    def match(self, rows: list[_Row]) -> None:
        ids: dict[int, str] = {}
        for row in rows:
            text = row.cells["id_number"]
            if text and "*" not in text:
                if "e+" in text.lower():
                    self.error(row, "id_number", "身份证号被 Excel 存成了数字，后几位已丢失：请把该列设为文本后重新填写",
                               "Excel stored the ID number as a number and lost its last digits: format the column as text")
                    continue
                    row.skip = True
                    continue
                try:
                    ids[row.number] = normalize_id_number(text)
                except InvalidInput:
                    pass  # reported with the person's other fields
            if not text and not row.cells["employee_no"]:
                self.error(row, "id_number", "身份证号和工号至少填一项（用来识别此人）",
                           "an ID number or an employee number is needed to identify the person")
                row.skip = True
        by_id: dict[str, Person] = {}
        for chunk in _chunks(set(ids.values())):
            for person in Person.objects.filter(id_number__in=chunk).select_related("org"):
                by_id[person.id_number] = person  # type: ignore[index]
        emp_nos = {row.cells["employee_no"] for row in rows if row.cells["employee_no"]}
        by_emp: dict[str, Person] = {}
        for chunk in _chunks(emp_nos):
            for job in Employment.objects.filter(employee_no__in=chunk).select_related("person__org"):
                by_emp[job.employee_no] = job.person
        seen_id: dict[str, _Row] = {}
        seen_emp: dict[str, _Row] = {}
        for row in rows:
            if row.skip:
                continue
            id_number = ids.get(row.number)
            emp_no = row.cells["employee_no"]
            if id_number and id_number in seen_id:
                first = seen_id[id_number]
                self.error(row, "id_number", f"与第 {first.number} 行的身份证号重复", f"same ID number as row {first.number}")
                if first.cells["household_no"] != row.cells["household_no"]:
                    self.error(row, "household_no", f"同一人在第 {first.number} 行已属于户「{first.cells['household_no'] or '（无）'}」",
                               f"the same person is in household {first.cells['household_no']!r} on row {first.number}")
                row.skip = True
                continue
            if emp_no and emp_no in seen_emp:
                first = seen_emp[emp_no]
                self.error(row, "employee_no", f"与第 {first.number} 行的工号重复", f"same employee number as row {first.number}")
                row.skip = True
                continue
            if id_number:
                seen_id[id_number] = row
            if emp_no:
                seen_emp[emp_no] = row
            found_by_id = by_id.get(id_number) if id_number else None
            found_by_emp = by_emp.get(emp_no) if emp_no else None
            if found_by_id and found_by_emp and found_by_id.pk != found_by_emp.pk:
                self.error(row, "employee_no", f"工号 {emp_no} 已属于另一人（{found_by_emp.name}）",
                           f"employee number {emp_no} belongs to someone else ({found_by_emp.name})")
                row.skip = True
                continue
            if found_by_emp and not found_by_id and id_number and found_by_emp.id_number:
                self.error(row, "id_number", f"工号 {emp_no} 属于{found_by_emp.name}，其身份证号与本行不同",
                           f"employee number {emp_no} belongs to {found_by_emp.name}, whose ID number differs")
                row.skip = True
                continue
            row.person = found_by_id or found_by_emp
            masked = row.cells["id_number"]
            if "*" in masked:
                if row.person is None or mask_id_number(row.person.id_number) != masked:
                    self.error(row, "id_number", "身份证号已打码，无法识别此人：请使用完整身份证号（导出时加 --unmasked）",
                               "the ID number is masked and identifies no one: use the full number (export with --unmasked)")
                    row.skip = True
                row.cells["id_number"] = ""  # unchanged
            elif id_number:
                row.cells["id_number"] = id_number
            if "*" in row.cells["mobile"]:
                if row.person is None or mask_mobile(row.person.mobile) != row.cells["mobile"]:
                    self.error(row, "mobile", "手机号已打码：请填写完整手机号", "the mobile number is masked: write the full number")
                row.cells["mobile"] = ""  # unchanged

    # Step 2: the person's own fields and home unit.
    def person_fields(self, row: _Row, plan: _Plan) -> None:
        cells = row.cells
        errors_before = len(self.report.errors)
        gender = cells["gender"]
        if gender:
            gender = _GENDERS.get(gender.lower(), "?")
            if gender == "?":
                self.error(row, "gender", "性别应填 男 或 女", "gender is 男 (male) or 女 (female)")
        birth = None
        if cells["birth_date"]:
            try:
                birth = parse_date(cells["birth_date"])
            except ValueError:
                self.error(row, "birth_date", "出生日期格式应为 1980-01-31", "write the birth date as 1980-01-31")
        home = None
        if cells["grid"]:
            home, zh, en = self.orgs.find(cells["grid"])
            if home is None:
                self.error(row, "grid", zh, en)
        elif cells["department"] and (row.person is None):
            home, _, _ = self.orgs.find(cells["department"], anywhere=True)
            if home is not None and not home.is_within(self.org):
                self.error(row, "grid", f"所属网格为空时，所属部门/班组必须在「{self.org.name}」之内",
                           f"with no grid, the department must be inside {self.org.path}")
                home = None
        elif row.person is None:
            self.error(row, "grid", "新登记的人员必须填写所属网格（或所属部门/班组）",
                       "a new person needs a grid (or a department or team)")
        person = row.person
        row.home = home or (person.org if person else None)
        # Each cell on its own first, so that every bad cell of the row is reported …
        if len(cells["name"]) > 50:
            self.error(row, "name", "姓名过长（最多50字）", "the name is too long (50 characters at most)")
        if cells["id_number"]:
            try:
                normalize_id_number(cells["id_number"])
            except InvalidInput as exc:
                self.error(row, "id_number", exc.zh, exc.en)
        if cells["mobile"]:
            try:
                normalize_mobile(cells["mobile"])
            except InvalidInput as exc:
                self.error(row, "mobile", exc.zh, exc.en)
        if len(cells["address"]) > 200:
            self.error(row, "address", "住址过长（最多200字）", "the address is too long (200 characters at most)")
        if len(self.report.errors) > errors_before:
            return
        # … then how they agree with each other (gender and birth date against the ID number).
        merged = {
            "name": cells["name"] or (person.name if person else ""),
            "gender": gender if gender else (person.gender if person else ""),
            "birth_date": birth or (person.birth_date if person else None),
            "id_number": cells["id_number"] or (person.id_number if person else None),
            "mobile": cells["mobile"] or (person.mobile if person else ""),
        }
        if cells["id_number"]:
            # An ID number brings its own gender and birth date; cells that are filled must agree.
            merged["gender"], merged["birth_date"] = gender, birth
        try:
            fields = services.person_fields_clean(**merged)
        except InvalidInput as exc:
            column = _FIELD_COLUMN.get((exc.detail or {}).get("field", ""), "name")
            self.error(row, column, exc.zh, exc.en)
            return
        if cells["address"] or person is None:
            fields["address"] = cells["address"]
        if person is None:
            row.new_person = Person(org=row.home, **fields)
            plan.batch.new_people.append(row.new_person)
            row.changed = True
            return
        fields["org"] = row.home
        changes = {}
        for key, value in fields.items():
            current = getattr(person, key)
            if (current.pk if isinstance(current, OrgUnit) else current) != (value.pk if isinstance(value, OrgUnit) else value):
                changes[key] = value
        if changes:
            plan.batch.person_changes.append((person, changes))
            row.changed = True

    # Step 3: households, checked as groups of rows sharing a number in one village.
    def households(self, rows: list[_Row], plan: _Plan) -> None:
        groups: dict[tuple[int, str], list[_Row]] = defaultdict(list)
        villages: dict[int, OrgUnit] = {}
        for row in rows:
            number, relation = row.cells["household_no"], row.cells["relation"]
            if not number:
                if relation:
                    self.error(row, "relation", "填写与户主关系时必须同时填写户号", "a relation needs a household number")
                continue
            if len(number) > 32:
                self.error(row, "household_no", "户号过长（最多32位）", "the household number is too long (32 at most)")
                continue
            if row.home is None:
                continue  # the row already has an error
            village = self.orgs.village_of(row.home)
            if village is None:
                self.error(row, "household_no", "户号只用于村或社区的人员：此人的所属网格不在任何村或社区之内",
                           "household numbers belong to villages and communities; this person's unit is in none")
                continue
            villages[village.pk] = village
            row.household_key = (village.pk, number)
            row.relation = relation
            groups[row.household_key].append(row)
        if not groups:
            return
        people_ids = [row.person.pk for row in rows if row.person is not None]
        stays: dict[int, HouseholdMember] = {}
        for chunk in _chunks(people_ids):
            for stay in HouseholdMember.objects.filter(person_id__in=chunk, left_on__isnull=True).select_related("household"):
                stays[stay.person_id] = stay
        existing: dict[tuple[int, str], Household] = {}
        numbers_by_village: dict[int, list[str]] = defaultdict(list)
        for village_id, number in groups:
            numbers_by_village[village_id].append(number)
        for village_id, numbers in numbers_by_village.items():
            for chunk in _chunks(numbers):
                for household in Household.objects.filter(village_id=village_id, number__in=chunk).select_related("head"):
                    existing[(village_id, household.number)] = household
        for row in rows:
            stay = stays.get(row.person.pk) if row.person is not None else None
            if not row.relation and stay is not None and (stay.household.village_id, stay.household.number) == row.household_key:
                row.relation = stay.relation  # a blank relation keeps the present one
        # Where each person in the file ends up, to tell whether a current head is moving away.
        destination = {row.person.pk: row.household_key for row in rows if row.person is not None and row.household_key}
        in_file = {row.person.pk for row in rows if row.person is not None}
        new_households: dict[tuple[int, str], Household] = {}
        for key, members in groups.items():
            village_id, number = key
            household = existing.get(key)
            heads = [row for row in members if row.relation == HEAD]
            homes = {row.home.pk for row in members if row.home is not None}
            if len(homes) > 1:
                first = members[0]
                for row in members[1:]:
                    if row.home is not None and first.home is not None and row.home.pk != first.home.pk:
                        self.error(row, "grid", f"同一户（户号 {number}）的成员应在同一网格：第 {first.number} 行为「{self.orgs.relative(first.home)}」",
                                   f"members of household {number} must share a grid (row {first.number}: {first.home.path})")
                continue
            if len(heads) > 1:
                rows_text = "、".join(str(r.number) for r in heads)
                for row in heads[1:]:
                    self.error(row, "relation", f"户号 {number} 有两个户主（第 {rows_text} 行）",
                               f"household {number} has more than one head (rows {rows_text.replace('、', ', ')})")
                continue
            current_head = household.head if household is not None else None
            head_stays = current_head is not None and destination.get(current_head.pk, key) == key and not (
                current_head.pk in in_file and any(r.person and r.person.pk == current_head.pk and r.relation != HEAD for r in members)
            )
            if not heads:
                if not head_stays:
                    self.error(members[0], "relation", f"户号 {number} 没有户主：请把其中一人的与户主关系填为「户主」",
                               f"household {number} has no head: mark one member's relation as 户主")
                    continue
            elif current_head is not None and heads[0].person != current_head and current_head.pk not in in_file:
                self.error(heads[0], "relation", f"户号 {number} 现有户主{current_head.name}不在本文件中：请在文件中写明其与新户主的关系",
                           f"household {number}'s present head {current_head.name} is not in the file: add a row for them")
                continue
            home = next(row.home for row in members if row.home is not None)
            if household is None:
                head_row = heads[0]
                household = Household(
                    village=villages[village_id], org=home, number=number,
                    address=head_row.cells["address"] or (head_row.person.address if head_row.person else ""),
                )
                plan.batch.new_households.append(household)
                plan.batch.heads.append((household, head_row.target))
                new_households[key] = household
                self.report.households_created += 1
            else:
                touched = False
                if household.org_id != home.pk:
                    plan.batch.household_changes.append((household, {"org": home}))
                    touched = True
                if heads and (current_head is None or heads[0].person is None or heads[0].person.pk != current_head.pk):
                    plan.batch.heads.append((household, heads[0].target))
                    touched = True
                if touched:
                    self.report.households_updated += 1
            for row in members:
                self._stay(row, household, stays, plan)
        # A head who moves to another household leaves the old one without a head, as
        # household_member_add does; say so, since the clerk may not expect it.
        assigned = {id(h) for h, _ in plan.batch.heads}
        for row in rows:
            stay = stays.get(row.person.pk) if row.person is not None else None
            if stay is None or row.household_key is None or (stay.household.village_id, stay.household.number) == row.household_key:
                continue
            old = stay.household
            if old.head_id == row.person.pk and id(old) not in assigned and (old.village_id, old.number) not in groups:  # type: ignore[union-attr]
                plan.batch.heads.append((old, None))
                self.report.households_updated += 1
                self.report.warnings.append(
                    f"第 {row.number} 行：{row.target.name}迁出原户（户号 {old.number}），该户暂无户主 / "
                    f"row {row.number}: {row.target.name} leaves household {old.number}, which now has no head"
                )

    def _stay(self, row: _Row, household: Household, stays: dict[int, HouseholdMember], plan: _Plan) -> None:
        person = row.target
        current = stays.get(row.person.pk) if row.person is not None else None
        relation = row.relation
        if current is not None and household.pk and current.household_id == household.pk:
            if relation and relation != current.relation:
                plan.batch.relation_changes.append((current, relation))
                row.changed = True
            return
        if not relation:
            self.error(row, "relation", "请填写与户主关系（户主、配偶、子、女、父、母…）",
                       "write the relation to the head (户主, 配偶, 子, 女, 父, 母 …)")
            return
        if len(relation) > 16:
            self.error(row, "relation", "与户主关系过长（最多16字）", "the relation is too long (16 at most)")
            return
        if person is None:
            return  # the row has errors; nothing will be written
        if current is not None:
            plan.batch.ended_stays.append(current)
        plan.batch.new_stays.append(HouseholdMember(household=household, person=person, relation=relation, joined_on=plan.batch.on))
        row.changed = True

    # Step 4: party membership and employment.
    def party_and_job(self, rows: list[_Row], plan: _Plan) -> None:
        people_ids = [row.person.pk for row in rows if row.person is not None]
        party: dict[int, PartyMembership] = {}
        jobs: dict[int, Employment] = {}
        for chunk in _chunks(people_ids):
            party.update({m.person_id: m for m in PartyMembership.objects.filter(person_id__in=chunk)})
            jobs.update({j.person_id: j for j in Employment.objects.filter(person_id__in=chunk)})
        for row in rows:
            self._party(row, party.get(row.person.pk) if row.person else None, plan)
            self._job(row, jobs.get(row.person.pk) if row.person else None, plan)

    def _party(self, row: _Row, current: PartyMembership | None, plan: _Plan) -> None:
        cells = row.cells
        if not any(cells[k] for k in ("party_class", "party_branch", "party_joined", "party_exemption")):
            return
        errors_before = len(self.report.errors)
        values: dict[str, Any] = {}
        if cells["party_class"]:
            klass = _KLASS.get(cells["party_class"])
            if klass is None:
                self.error(row, "party_class", "党员类别应为 骨干类、普通类 或 流动类", "the class is 骨干类, 普通类 or 流动类")
            values["klass"] = klass
        if cells["party_branch"]:
            branch, zh, en = self.orgs.find_branch(cells["party_branch"])
            if branch is None:
                self.error(row, "party_branch", zh, en)
            values["branch"] = branch
        elif current is None:
            self.error(row, "party_branch", "党员必须填写所属党支部", "a party member needs a party branch")
        if cells["party_joined"]:
            try:
                values["joined_on"] = parse_date(cells["party_joined"])
            except ValueError:
                self.error(row, "party_joined", "入党日期格式应为 2001-07-01", "write the date as 2001-07-01")
        if cells["party_exemption"]:
            exemption = _EXEMPTION.get(cells["party_exemption"])
            if exemption is None:
                self.error(row, "party_exemption", "免于考核应填 年满70周岁、长期生病或丧失部分能力、其他 或 无",
                           "exemption is 年满70周岁, 长期生病或丧失部分能力, 其他 or 无")
            elif exemption == PartyMembership.Exemption.OVER_70:
                birth = row.target.birth_date if row.target is not None else None
                if birth is None or _age(birth, self.today) < 70:
                    self.error(row, "party_exemption", "未满70周岁，不能以年龄免于考核", "under 70: cannot be exempted for age")
            values["exemption"] = exemption
        if len(self.report.errors) > errors_before or row.target is None:
            return
        if current is None:
            membership = PartyMembership(
                person=row.target, branch=values["branch"], klass=values.get("klass") or PartyMembership.Klass.ORDINARY,
                joined_on=values.get("joined_on"), exemption=values.get("exemption", ""),
            )
            plan.batch.new_party.append(membership)
            row.changed = True
            return
        changes = {}
        for key, value in values.items():
            now_value = getattr(current, key + "_id" if key == "branch" else key)
            if (value.pk if key == "branch" else value) != now_value:
                changes[key] = value
        if changes:
            plan.batch.party_changes.append((current, changes))
            row.changed = True

    def _job(self, row: _Row, current: Employment | None, plan: _Plan) -> None:
        cells = row.cells
        keys = ("employee_no", "department", "position", "is_leader", "hire_date", "education", "title", "skill_level", "speciality")
        if not any(cells[k] for k in keys):
            return
        errors_before = len(self.report.errors)
        values: dict[str, Any] = {}
        if cells["employee_no"]:
            if len(cells["employee_no"]) > 32:
                self.error(row, "employee_no", "工号过长（最多32位）", "the employee number is too long (32 at most)")
            values["employee_no"] = cells["employee_no"]
        elif current is None:
            self.error(row, "employee_no", "填写岗位、入职日期等信息时必须填写工号", "job details need an employee number")
        if cells["department"]:
            unit, zh, en = self.orgs.find(cells["department"], anywhere=True)
            if unit is None:
                self.error(row, "department", zh, en)
            values["org"] = unit
        elif current is None:
            values["org"] = row.home
        if cells["is_leader"]:
            flag = cells["is_leader"].lower()
            if flag not in _YES | _NO:
                self.error(row, "is_leader", "是否组长应填 是 或 否", "team leader is 是 (yes) or 否 (no)")
            values["is_leader"] = flag in _YES
        if cells["hire_date"]:
            try:
                values["hire_date"] = parse_date(cells["hire_date"])
            except ValueError:
                self.error(row, "hire_date", "入职日期格式应为 2020-03-01", "write the hire date as 2020-03-01")
        limits = {"position": 50, "education": 32, "title": 32, "skill_level": 32, "speciality": 64}
        for key, limit in limits.items():
            if cells[key]:
                if len(cells[key]) > limit:
                    self.error(row, key, f"内容过长（最多{limit}字）", f"too long ({limit} characters at most)")
                values[key] = cells[key]
        if len(self.report.errors) > errors_before or row.target is None:
            return
        if current is None:
            plan.batch.new_employments.append(Employment(person=row.target, **values))
            row.changed = True
            return
        changes = {}
        for key, value in values.items():
            now_value = getattr(current, "org_id" if key == "org" else key)
            if (value.pk if key == "org" else value) != now_value:
                changes[key] = value
        if changes:
            plan.batch.employment_changes.append((current, changes))
            row.changed = True

    def plan(self, records: list[tuple[int, dict[str, str]]]) -> _Plan:
        plan = _Plan()
        rows = [_Row(number=number, cells=cells) for number, cells in records]
        self.match(rows)
        identified = [row for row in rows if not row.skip]
        for row in identified:
            self.person_fields(row, plan)
        self.households([row for row in identified if row.home is not None], plan)
        self.party_and_job(identified, plan)
        self._unique_employee_numbers(plan)
        plan.rows = rows
        return plan

    def _unique_employee_numbers(self, plan: _Plan) -> None:
        """A changed employee number must not be someone else's (the file's own repeats are caught earlier)."""
        if self.report.errors:
            return
        wanted = [(job.employee_no, job.person) for job in plan.batch.new_employments]
        wanted += [(changes["employee_no"], job.person) for job, changes in plan.batch.employment_changes if "employee_no" in changes]
        taken: dict[str, int] = {}
        for chunk in _chunks({no for no, _ in wanted}):
            taken.update(dict(Employment.objects.filter(employee_no__in=chunk).values_list("employee_no", "person_id")))
        for number, person in wanted:
            owner = taken.get(number)
            if owner is not None and owner != person.pk:
                row = next((r.number for r in plan.rows if r.cells["employee_no"] == number), 0)
                self.error(row, "employee_no", f"工号 {number} 已被他人使用", f"employee number {number} belongs to someone else")


# --- the entry points ------------------------------------------------------------------------


def _require_role(actor: Any, org: OrgUnit, roles: list[str], zh: str, en: str) -> None:
    # The CLI runs as the operator (actor None); web callers need a role over the unit.
    if actor is not None and not user_has_role(user=actor, org=org, roles=roles):
        raise PermissionDenied(zh, en)


def people_import(
    *, actor: Any, org: OrgUnit, source: Path | str | IO[bytes], dry_run: bool = False, file_name: str = ""
) -> PeopleImportReport:
    """Check a people file row by row; write it all (or with dry_run, nothing) if every row is good."""
    _require_role(actor, org, [Role.ORG_ADMIN], "只有本单位的组织管理员可以导入人员", "only an org admin of this unit may import people")
    report = PeopleImportReport(kind="people", dry_run=dry_run)
    records = read_rows(source, COLUMNS, report)
    report.rows = len(records)
    if report.errors:
        return report
    if not records:
        report.add_error(0, "", "文件中没有数据行", "the file has no data rows")
        return report
    planner = _Planner(org, report)
    plan = planner.plan(records)
    if report.errors:
        order = {col.header: index for index, col in enumerate(COLUMNS)}
        report.errors.sort(key=lambda e: (e.row, order.get(e.column, -1)))
        report.households_created = report.households_updated = 0
        return report
    report.created = len(plan.batch.new_people)
    report.updated = sum(1 for row in plan.rows if row.changed and row.person is not None)
    report.unchanged = report.rows - report.created - report.updated
    if plan.batch.is_empty():
        return report  # the same file again: no writes and no audit rows
    name = file_name or (Path(source).name if isinstance(source, str | Path) else "")
    try:
        with transaction.atomic():
            services.people_bulk_write(
                actor=actor, batch=plan.batch, action="orgs.people_import", org_path=org.path,
                summary=f"导入人员 {name}：新增 {report.created}，更新 {report.updated}"[:500],
                detail={"file": name, "rows": report.rows, "dry_run": dry_run},
            )
            if dry_run:
                raise DryRunRollback
    except DryRunRollback:
        pass
    except IntegrityError:
        report.add_error(0, "", "写入时与他人同时进行的修改冲突，未写入任何数据，请重新导入",
                         "another change collided with this import; nothing was written, please import again")
    return report


def people_rows(*, org: OrgUnit, unmasked: bool) -> list[list[Any]]:
    """Every person whose unit is in `org`'s subtree, in the import layout, households together."""
    orgs = _Orgs(org)
    people = list(
        Person.objects.filter(subtree_q(org.path, "org__path"))
        .select_related("org", "party__branch", "employment__org")
        .order_by("id")
    )
    stays: dict[int, HouseholdMember] = {}
    for chunk in _chunks([p.pk for p in people]):
        for stay in HouseholdMember.objects.filter(person_id__in=chunk, left_on__isnull=True).select_related("household__village"):
            stays[stay.person_id] = stay

    def order(person: Person) -> tuple[Any, ...]:
        stay = stays.get(person.pk)
        if stay is None:
            job = getattr(person, "employment", None)
            return (1, person.org.path, "", 0, job.employee_no if job else "", person.pk)
        household = stay.household
        return (0, household.village.path, household.number, RELATION_ORDER.get(stay.relation, 99), "", person.pk)

    rows = []
    for person in sorted(people, key=order):
        stay = stays.get(person.pk)
        party: PartyMembership | None = getattr(person, "party", None)
        job: Employment | None = getattr(person, "employment", None)
        rows.append([
            person.name,
            _GENDER_TEXT.get(person.gender, ""),
            person.birth_date,
            (person.id_number or "") if unmasked else mask_id_number(person.id_number),
            person.mobile if unmasked else mask_mobile(person.mobile),
            person.address,
            stay.household.number if stay else "",
            stay.relation if stay else "",
            orgs.relative(person.org),
            _KLASS_TEXT.get(party.klass, "") if party else "",
            orgs.relative(party.branch) if party else "",
            party.joined_on if party else None,
            _EXEMPTION_TEXT.get(party.exemption, "") if party else "",
            job.employee_no if job else "",
            orgs.relative(job.org) if job else "",
            job.position if job else "",
            ("是" if job.is_leader else "否") if job else "",
            job.hire_date if job else None,
            job.education if job else "",
            job.title if job else "",
            job.skill_level if job else "",
            job.speciality if job else "",
        ])
    return rows


def people_export(*, actor: Any, org: OrgUnit, destination: Path | str | IO[bytes], unmasked: bool = False) -> int:
    """Write the people of `org` in the import layout; ID and mobile numbers masked unless asked.

    Reviewers may export masked lists; full ID and mobile numbers need an org admin (the same
    people `can_see_personal_data` lets see them). Every export is audited, with whether it was masked.
    """
    if unmasked:
        _require_role(actor, org, [Role.ORG_ADMIN], "只有本单位的组织管理员可以导出完整身份证号和手机号",
                      "only an org admin of this unit may export full ID and mobile numbers")
    else:
        _require_role(actor, org, [Role.REVIEWER, Role.ORG_ADMIN], "只有本单位的审核人或组织管理员可以导出人员",
                      "only a reviewer or org admin of this unit may export people")
    rows = people_rows(org=org, unmasked=unmasked)
    write_workbook(destination, [("人员", COLUMNS, rows)])
    name = Path(destination).name if isinstance(destination, str | Path) else ""
    audit_record(
        actor=actor, action="orgs.people_export", org_path=org.path,
        summary=f"导出人员 {len(rows)} 人{'（含完整身份证号和手机号）' if unmasked else '（已打码）'}",
        after={"rows": len(rows), "unmasked": unmasked, "file": name},
    )
    return len(rows)


def _org_option(options: dict[str, Any]) -> OrgUnit:
    path = options.get("org")
    if not path:
        raise InvalidInput("请用 --org 指定组织路径，如 demo/zhangji/shahe", "name the org unit with --org, e.g. demo/zhangji/shahe", code="org_required")
    return org_by_path(path)


def import_people_command(*, path: Path, options: dict[str, Any]) -> ImportReport:
    """`jifen import people FILE --org PATH [--dry-run]`, run as the operator."""
    org = _org_option(options)
    return people_import(actor=None, org=org, source=path, dry_run=bool(options.get("dry_run")), file_name=Path(path).name)


def export_people_command(*, path: Path, options: dict[str, Any]) -> str:
    """`jifen export people --org PATH FILE [--unmasked]`, run as the operator."""
    org = _org_option(options)
    unmasked = bool(options.get("unmasked"))
    count = people_export(actor=None, org=org, destination=path, unmasked=unmasked)
    mode = "完整身份证号和手机号 / unmasked" if unmasked else "身份证号和手机号已打码 / ID and mobile numbers masked"
    return f"已导出 {count} 人到 {path}（{mode}）/ exported {count} people to {path}"
