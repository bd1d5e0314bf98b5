"""Every write on org units, people, households, units, staff and roles.

Each function runs in a transaction and writes its audit row inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    field_error,
)
from jifen.orgs.models import (
    Employment,
    Household,
    HouseholdMember,
    Membership,
    OrgKind,
    OrgUnit,
    PartyMembership,
    Person,
    Role,
    RoleBinding,
    Subject,
    Unit,
    User,
    subtree_q,
)
from jifen.orgs.pinyin import name_initials
from jifen.orgs.validators import (
    birth_date_from_id,
    gender_from_id,
    normalize_id_number,
    normalize_mobile,
    normalize_org_code,
)


def org_kind(code: str) -> OrgKind:
    try:
        return OrgKind.objects.get(code=code)
    except OrgKind.DoesNotExist:
        raise NotFound(f"未知的组织类型「{code}」", f"unknown org kind {code!r}", code="org_kind_not_found") from None


@transaction.atomic
def org_unit_create(
    *, actor: Any, parent: OrgUnit | None, code: str, name: str, kind: str, address: str = "", phone: str = ""
) -> OrgUnit:
    code = normalize_org_code(code)
    if not name.strip():
        raise field_error("name", "名称不能为空", "a name is required")
    path = f"{parent.path}/{code}" if parent else code
    if OrgUnit.objects.filter(path=path).exists():
        raise Conflict(f"组织路径「{path}」已存在", f"an org unit already exists at {path!r}", code="org_exists")
    unit = OrgUnit.objects.create(
        parent=parent,
        code=code,
        path=path,
        depth=(parent.depth + 1) if parent else 0,
        name=name.strip(),
        kind=org_kind(kind),
        address=address,
        phone=phone,
    )
    audit_record(actor=actor, action="orgs.org_unit_create", obj=unit, org_path=unit.path, after={"path": path, "name": unit.name, "kind": kind})
    return unit


@transaction.atomic
def org_unit_move(*, actor: Any, unit: OrgUnit, new_parent: OrgUnit) -> OrgUnit:
    """Move a unit and its whole subtree under `new_parent`; everything attached stays attached."""
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    new_parent = OrgUnit.objects.get(pk=new_parent.pk)
    if new_parent.path == unit.path or new_parent.path.startswith(unit.path + "/"):
        raise InvalidInput("不能把组织移到它自己的下级", "cannot move an org unit under itself", code="move_into_self")
    old_path = unit.path
    new_path = f"{new_parent.path}/{unit.code}"
    if OrgUnit.objects.filter(path=new_path).exists():
        raise Conflict(f"目标位置已有「{new_path}」", f"{new_path!r} already exists", code="org_exists")
    depth_delta = new_parent.depth + 1 - unit.depth
    # One statement rewrites every path in the subtree; people, households and accounts
    # point at units by id, so they move with them.
    OrgUnit.objects.filter(subtree_q(old_path)).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_delta,
    )
    OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.refresh_from_db()
    audit_record(
        actor=actor, action="orgs.org_unit_move", obj=unit, org_path=new_path,
        before={"path": old_path}, after={"path": new_path},
    )
    return unit


def person_fields_clean(
    *, name: str, gender: str, birth_date: dt.date | None, id_number: str | None, mobile: str
) -> dict[str, Any]:
    """Check and normalise a person's identity fields; gender and birth date follow the ID number."""
    name = (name or "").strip()
    if not name:
        raise field_error("name", "姓名不能为空", "a name is required")
    if len(name) > 50:
        raise field_error("name", "姓名过长（最多50字）", "the name is too long (50 characters at most)")
    fields: dict[str, Any] = {"name": name, "name_initials": name_initials(name)}
    id_number = normalize_id_number(id_number) if id_number else None
    fields["id_number"] = id_number
    if gender not in ("", "M", "F"):
        raise field_error("gender", "性别应为 男 或 女", "gender is M or F")
    if id_number:
        id_gender = gender_from_id(id_number)
        id_birth = birth_date_from_id(id_number)
        if gender and gender != id_gender:
            raise field_error("gender", "性别与身份证号不符", "the gender does not match the ID number")
        if birth_date and birth_date != id_birth:
            raise field_error("birth_date", "出生日期与身份证号不符", "the birth date does not match the ID number")
        gender, birth_date = id_gender, id_birth
    fields["gender"] = gender
    fields["birth_date"] = birth_date
    fields["mobile"] = normalize_mobile(mobile) if mobile else ""
    return fields


@transaction.atomic
def person_create(
    *,
    actor: Any,
    org: OrgUnit,
    name: str,
    gender: str = "",
    birth_date: dt.date | None = None,
    id_number: str | None = None,
    mobile: str = "",
    address: str = "",
) -> Person:
    fields = person_fields_clean(name=name, gender=gender, birth_date=birth_date, id_number=id_number, mobile=mobile)
    if fields["id_number"] and Person.objects.filter(id_number=fields["id_number"]).exists():
        raise Conflict("该身份证号已登记", "a person with this ID number already exists", code="duplicate_id_number")
    subject = Subject.objects.create(kind=Subject.Kind.PERSON, name=fields["name"], org=org)
    person = Person.objects.create(subject=subject, org=org, address=address, **fields)
    audit_record(actor=actor, action="orgs.person_create", obj=person, org_path=org.path, after={"name": person.name})
    return person


PERSON_EDITABLE = {"name", "gender", "birth_date", "id_number", "mobile", "address", "org", "is_active"}


@transaction.atomic
def person_update(*, actor: Any, person: Person, **changes: Any) -> Person:
    unknown = set(changes) - PERSON_EDITABLE
    if unknown:
        raise InvalidInput(f"不能修改字段：{sorted(unknown)}", f"these fields cannot be changed: {sorted(unknown)}", code="readonly_field")
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = {k: getattr(person, k if k != "org" else "org_id") for k in changes}
    merged = {k: changes.get(k, getattr(person, k)) for k in ("name", "gender", "birth_date", "id_number", "mobile")}
    fields = person_fields_clean(**merged)
    if fields["id_number"] and Person.objects.filter(id_number=fields["id_number"]).exclude(pk=person.pk).exists():
        raise Conflict("该身份证号已登记", "a person with this ID number already exists", code="duplicate_id_number")
    for key, value in fields.items():
        setattr(person, key, value)
    if "address" in changes:
        person.address = changes["address"]
    if "is_active" in changes:
        person.is_active = bool(changes["is_active"])
    if "org" in changes:
        person.org = changes["org"]
    person.save()
    Subject.objects.filter(pk=person.subject_id).update(name=person.name, org=person.org, is_active=person.is_active)
    after = {k: getattr(person, k if k != "org" else "org_id") for k in changes}
    audit_record(actor=actor, action="orgs.person_update", obj=person, org_path=person.org.path, before=before, after=after)
    return person


def _household_name(head: Person | None, number: str) -> str:
    return f"{head.name}户" if head else f"{number}户"


@transaction.atomic
def household_create(
    *, actor: Any, village: OrgUnit, org: OrgUnit, number: str, head: Person | None = None, address: str = "",
    on: dt.date | None = None,
) -> Household:
    number = number.strip()
    if not number:
        raise field_error("number", "户号不能为空", "a household number is required")
    if not org.is_within(village):
        raise field_error("org", "户所属网格必须在本村之内", "the household's grid must be inside its village")
    if Household.objects.filter(village=village, number=number).exists():
        raise Conflict(f"户号「{number}」在本村已存在", f"household number {number!r} already exists in this village", code="duplicate_household")
    subject = Subject.objects.create(kind=Subject.Kind.HOUSEHOLD, name=_household_name(head, number), org=org)
    household = Household.objects.create(subject=subject, village=village, org=org, number=number, address=address)
    audit_record(actor=actor, action="orgs.household_create", obj=household, org_path=org.path, after={"number": number})
    if head is not None:
        household_member_add(actor=actor, household=household, person=head, relation="户主", on=on)
    return household


@transaction.atomic
def household_member_add(
    *, actor: Any, household: Household, person: Person, relation: str, on: dt.date | None = None
) -> HouseholdMember:
    """Put a person in a household, ending any stay they have elsewhere (history is kept)."""
    on = on or clock.now().date()
    relation = relation.strip() or "其他"
    current = HouseholdMember.objects.select_for_update().filter(person=person, left_on__isnull=True).first()
    if current is not None:
        if current.household_id == household.pk:
            if current.relation != relation:
                current.relation = relation
                current.save(update_fields=["relation"])
            return current
        current.left_on = on
        current.save(update_fields=["left_on"])
        Household.objects.filter(pk=current.household_id, head=person).update(head=None)
    try:
        with transaction.atomic():
            stay = HouseholdMember.objects.create(household=household, person=person, relation=relation, joined_on=on)
    except IntegrityError:
        raise Conflict("此人已在另一户中", "this person is already in another household", code="already_in_household") from None
    if relation == "户主":
        Household.objects.filter(pk=household.pk).update(head=person)
        Subject.objects.filter(pk=household.subject_id).update(name=_household_name(person, household.number))
    audit_record(
        actor=actor, action="orgs.household_member_add", obj=household, org_path=household.org.path,
        after={"person": person.pk, "relation": relation, "on": on},
    )
    return stay


@transaction.atomic
def household_member_leave(*, actor: Any, household: Household, person: Person, on: dt.date | None = None) -> None:
    on = on or clock.now().date()
    updated = HouseholdMember.objects.filter(household=household, person=person, left_on__isnull=True).update(left_on=on)
    if not updated:
        raise NotFound("此人不在该户中", "this person is not a member of the household", code="not_in_household")
    Household.objects.filter(pk=household.pk, head=person).update(head=None)
    audit_record(actor=actor, action="orgs.household_member_leave", obj=household, org_path=household.org.path, after={"person": person.pk, "on": on})


@transaction.atomic
def unit_create(
    *, actor: Any, org: OrgUnit, name: str, kind: str = Unit.Kind.SHOP, contact: Person | None = None,
    phone: str = "", address: str = "",
) -> Unit:
    name = name.strip()
    if not name:
        raise field_error("name", "单位名称不能为空", "a unit name is required")
    if kind not in Unit.Kind.values:
        raise field_error("kind", "单位类型无效", "unknown unit kind")
    subject = Subject.objects.create(kind=Subject.Kind.UNIT, name=name, org=org)
    unit = Unit.objects.create(
        subject=subject, org=org, name=name, kind=kind, contact=contact,
        phone=normalize_mobile(phone, field="phone") if phone else "", address=address,
    )
    audit_record(actor=actor, action="orgs.unit_create", obj=unit, org_path=org.path, after={"name": name, "kind": kind})
    return unit


@transaction.atomic
def membership_add(*, actor: Any, person: Person, org: OrgUnit, title: str = "", since: dt.date | None = None) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        person=person, org=org, until__isnull=True, defaults={"title": title, "since": since}
    )
    audit_record(actor=actor, action="orgs.membership_add", obj=membership, org_path=org.path, after={"person": person.pk})
    return membership


@transaction.atomic
def party_membership_set(
    *, actor: Any, person: Person, branch: OrgUnit, klass: str = PartyMembership.Klass.ORDINARY,
    joined_on: dt.date | None = None, exemption: str = "", exemption_note: str = "",
) -> PartyMembership:
    if klass not in PartyMembership.Klass.values:
        raise field_error("klass", "党员类别应为 骨干类/普通类/流动类", "class is backbone, ordinary or floating")
    if exemption not in PartyMembership.Exemption.values:
        raise field_error("exemption", "免于考核的理由无效", "unknown exemption reason")
    if exemption == PartyMembership.Exemption.OVER_70 and person.birth_date:
        today = clock.now().date()
        age = today.year - person.birth_date.year - ((today.month, today.day) < (person.birth_date.month, person.birth_date.day))
        if age < 70:
            raise field_error("exemption", "未满70周岁，不能以年龄免于考核", "under 70: cannot be exempted for age")
    membership, created = PartyMembership.objects.update_or_create(
        person=person,
        defaults={"branch": branch, "klass": klass, "joined_on": joined_on, "exemption": exemption, "exemption_note": exemption_note},
    )
    audit_record(
        actor=actor, action="orgs.party_membership_set", obj=membership, org_path=branch.path,
        after={"person": person.pk, "klass": klass, "exemption": exemption},
    )
    return membership


EMPLOYMENT_FIELDS = ("position", "is_leader", "hire_date", "education", "title", "skill_level", "speciality")


@transaction.atomic
def employment_set(*, actor: Any, person: Person, org: OrgUnit, employee_no: str, **fields: Any) -> Employment:
    unknown = set(fields) - set(EMPLOYMENT_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{sorted(unknown)}", f"unknown fields: {sorted(unknown)}", code="unknown_field")
    employee_no = employee_no.strip()
    if not employee_no:
        raise field_error("employee_no", "工号不能为空", "an employee number is required")
    clash = Employment.objects.filter(employee_no=employee_no).exclude(person=person).exists()
    if clash:
        raise Conflict("工号已被他人使用", "this employee number belongs to someone else", code="duplicate_employee_no")
    employment, _ = Employment.objects.update_or_create(person=person, defaults={"org": org, "employee_no": employee_no, **fields})
    audit_record(actor=actor, action="orgs.employment_set", obj=employment, org_path=org.path, after={"person": person.pk, "employee_no": employee_no, **fields})
    return employment


@transaction.atomic
def user_create(
    *, actor: Any, username: str, password: str | None = None, person: Person | None = None,
    first_name: str = "", is_superuser: bool = False,
) -> User:
    username = username.strip()
    if not username:
        raise field_error("username", "用户名不能为空", "a username is required")
    if User.objects.filter(username=username).exists():
        raise Conflict("用户名已存在", "this username is taken", code="duplicate_username")
    user = User(username=username, person=person, first_name=first_name or (person.name if person else ""),
                is_superuser=is_superuser, is_staff=is_superuser)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="orgs.user_create", obj=user, after={"username": username, "person": person.pk if person else None})
    return user


@transaction.atomic
def user_set_password(*, actor: Any, user: User, password: str) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise field_error("password", "密码不符合要求：" + "；".join(exc.messages), "the password is too weak: " + "; ".join(exc.messages)) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="orgs.user_set_password", obj=user)


@transaction.atomic
def role_binding_grant(
    *, actor: Any, user: User, org: OrgUnit, role: str, points_limit: int | None = None, title: str = "",
    level: int = 0, valid_from: dt.date | None = None, valid_until: dt.date | None = None,
) -> RoleBinding:
    if role not in Role.values:
        raise field_error("role", "角色无效", "unknown role")
    if points_limit is not None and points_limit < 0:
        raise field_error("points_limit", "授权分值不能为负", "a points limit cannot be negative")
    binding = RoleBinding.objects.create(
        user=user, org=org, role=role, points_limit=points_limit, title=title, level=level,
        valid_from=valid_from, valid_until=valid_until,
    )
    audit_record(
        actor=actor, action="orgs.role_binding_grant", obj=binding, org_path=org.path,
        after={"user": user.pk, "role": role, "points_limit": points_limit, "title": title, "level": level},
    )
    return binding


@transaction.atomic
def role_binding_revoke(*, actor: Any, binding: RoleBinding) -> None:
    RoleBinding.objects.filter(pk=binding.pk).update(is_active=False)
    audit_record(actor=actor, action="orgs.role_binding_revoke", obj=binding, org_path=binding.org.path, before={"role": binding.role})


@transaction.atomic
def role_binding_set_limit(*, actor: Any, binding: RoleBinding, points_limit: int | None) -> RoleBinding:
    """Change how many points the holder may award or deduct at once (分层分级授权); None: no such right."""
    if points_limit is not None and (isinstance(points_limit, bool) or not isinstance(points_limit, int) or points_limit < 0):
        raise field_error("points_limit", "授权分值应为不小于0的整数", "a points limit is a whole number, 0 or more")
    binding = RoleBinding.objects.select_for_update().select_related("org").get(pk=binding.pk)
    if not binding.is_active:
        raise IllegalTransition("该授权已撤销，不能修改", "the binding was revoked and cannot change", code="binding_revoked")
    if getattr(actor, "pk", None) is not None and actor.pk == binding.user_id:
        raise PermissionDenied("不能修改自己的授权", "nobody changes their own binding", code="own_binding")
    before = binding.points_limit
    if before == points_limit:
        return binding
    binding.points_limit = points_limit
    binding.save(update_fields=["points_limit"])
    audit_record(
        actor=actor, action="orgs.role_binding_set_limit", obj=binding, org_path=binding.org.path,
        before={"points_limit": before}, after={"points_limit": points_limit},
    )
    return binding


# ---------------------------------------------------------------------------------------------
# Bulk writes: the Excel import and the demo generator load thousands of people at once.
# Row-by-row services would cost several queries per person; these take a batch prepared by
# the caller and write it with bulk inserts and updates inside one transaction.
# ---------------------------------------------------------------------------------------------

_BULK = 500  # rows per statement where Django does not pick the batch size itself


@dataclass
class PeopleBatch:
    """Writes a caller has prepared and checked, to be applied together by `people_bulk_write`.

    New rows are unsaved model instances that may point at each other (a new stay of a new
    person in a new household); changes are (instance read by the caller, {field: new value}).
    """

    on: dt.date
    new_people: list[Person] = field(default_factory=list)
    person_changes: list[tuple[Person, dict[str, Any]]] = field(default_factory=list)
    new_households: list[Household] = field(default_factory=list)
    household_changes: list[tuple[Household, dict[str, Any]]] = field(default_factory=list)
    ended_stays: list[HouseholdMember] = field(default_factory=list)
    new_stays: list[HouseholdMember] = field(default_factory=list)
    relation_changes: list[tuple[HouseholdMember, str]] = field(default_factory=list)
    # (household, head or None): the head of each household whose head changes.
    heads: list[tuple[Household, Person | None]] = field(default_factory=list)
    new_party: list[PartyMembership] = field(default_factory=list)
    party_changes: list[tuple[PartyMembership, dict[str, Any]]] = field(default_factory=list)
    new_employments: list[Employment] = field(default_factory=list)
    employment_changes: list[tuple[Employment, dict[str, Any]]] = field(default_factory=list)
    new_memberships: list[Membership] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not any(
            getattr(self, name)
            for name in (
                "new_people", "person_changes", "new_households", "household_changes", "ended_stays",
                "new_stays", "relation_changes", "heads", "new_party", "party_changes", "new_employments",
                "employment_changes", "new_memberships",
            )
        )

    def counts(self) -> dict[str, int]:
        return {
            "people_created": len(self.new_people),
            "people_updated": len(self.person_changes),
            "households_created": len(self.new_households),
            "households_updated": len(self.household_changes),
            "stays_ended": len(self.ended_stays),
            "stays_created": len(self.new_stays),
            "party_created": len(self.new_party),
            "party_updated": len(self.party_changes),
            "employments_created": len(self.new_employments),
            "employments_updated": len(self.employment_changes),
            "memberships_created": len(self.new_memberships),
        }


def _auditable(value: Any) -> Any:
    return value.path if isinstance(value, OrgUnit) else value


def _apply_changes(instance: Any, changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before = {key: _auditable(getattr(instance, key)) for key in changes}
    for key, value in changes.items():
        setattr(instance, key, value)
    after = {key: _auditable(value) for key, value in changes.items()}
    return before, after


def _bulk_update(model: Any, objs: list[Any], fields: set[str]) -> None:
    if objs and fields:
        model.objects.bulk_update(objs, sorted(fields), batch_size=_BULK)


@transaction.atomic
def people_bulk_write(
    *, actor: Any, batch: PeopleBatch, action: str, org_path: str, summary: str = "", detail: dict[str, Any] | None = None
) -> dict[str, int]:
    """Apply a prepared batch of people, households, party memberships and jobs in one transaction.

    Audit: one summary row for the batch (counts), plus a before/after row for every existing
    person whose own fields change; created rows are covered by the summary, which keeps a
    200,000-person demo or a 10,000-row import to a single audit insert.
    """
    # Defence in depth: the caller has checked, but nothing unclean reaches the table.
    for person in batch.new_people:
        fields = person_fields_clean(
            name=person.name, gender=person.gender, birth_date=person.birth_date,
            id_number=person.id_number, mobile=person.mobile,
        )
        for key, value in fields.items():
            setattr(person, key, value)

    # People: a Subject per person first, so ledger accounts can point at every one of them.
    subjects = [Subject(kind=Subject.Kind.PERSON, name=p.name, org=p.org, is_active=p.is_active) for p in batch.new_people]
    Subject.objects.bulk_create(subjects, batch_size=_BULK)
    for person, subject in zip(batch.new_people, subjects, strict=True):
        person.subject = subject
    Person.objects.bulk_create(batch.new_people, batch_size=_BULK)

    changed_people: list[Person] = []
    person_fields: set[str] = set()
    for person, changes in batch.person_changes:
        before, after = _apply_changes(person, changes)
        person_fields.update(changes)
        changed_people.append(person)
        audit_record(actor=actor, action="orgs.person_update", obj=person, org_path=person.org.path, before=before, after=after)
    if changed_people:
        person_fields.add("updated_at")
        now = clock.now()
        for person in changed_people:
            person.updated_at = now
        _bulk_update(Person, changed_people, person_fields)
        subject_rows = []
        for person in changed_people:
            subject_rows.append(Subject(pk=person.subject_id, name=person.name, org_id=person.org_id, is_active=person.is_active))
        _bulk_update(Subject, subject_rows, {"name", "org", "is_active"})
        renamed = [p for p, changes in batch.person_changes if "name" in changes]
        for person in renamed:
            Subject.objects.filter(household__head=person).update(name=_household_name(person, ""))

    # Households: new ones get their head straight away when it is known.
    new_heads = {id(h): p for h, p in batch.heads if h.pk is None}
    household_subjects = []
    for household in batch.new_households:
        head = new_heads.get(id(household))
        household.head = head
        household_subjects.append(
            Subject(kind=Subject.Kind.HOUSEHOLD, name=_household_name(head, household.number), org=household.org)
        )
    Subject.objects.bulk_create(household_subjects, batch_size=_BULK)
    for household, subject in zip(batch.new_households, household_subjects, strict=True):
        household.subject = subject
    Household.objects.bulk_create(batch.new_households, batch_size=_BULK)

    changed_households = []
    household_fields: set[str] = set()
    for household, changes in batch.household_changes:
        _apply_changes(household, changes)
        household_fields.update(changes)
        changed_households.append(household)
    _bulk_update(Household, changed_households, household_fields)
    if "org" in household_fields:
        _bulk_update(Subject, [Subject(pk=h.subject_id, org_id=h.org_id) for h in changed_households], {"org"})

    # Stays: close the old ones before opening new ones (one open stay per person).
    ended_ids = [stay.pk for stay in batch.ended_stays]
    for start in range(0, len(ended_ids), _BULK):
        HouseholdMember.objects.filter(pk__in=ended_ids[start : start + _BULK]).update(left_on=batch.on)
    relation_rows = []
    for stay, relation in batch.relation_changes:
        stay.relation = relation
        relation_rows.append(stay)
    _bulk_update(HouseholdMember, relation_rows, {"relation"})
    HouseholdMember.objects.bulk_create(batch.new_stays, batch_size=_BULK)

    created_ids = {id(h) for h in batch.new_households}
    existing_heads = [(h, p) for h, p in batch.heads if id(h) not in created_ids]
    for household, head in existing_heads:
        household.head = head
    _bulk_update(Household, [h for h, _ in existing_heads], {"head"})
    _bulk_update(
        Subject,
        [Subject(pk=h.subject_id, name=_household_name(p, h.number)) for h, p in existing_heads],
        {"name"},
    )

    PartyMembership.objects.bulk_create(batch.new_party, batch_size=_BULK)
    party_rows, party_fields = [], set()
    for membership, changes in batch.party_changes:
        _apply_changes(membership, changes)
        party_fields.update(changes)
        party_rows.append(membership)
    _bulk_update(PartyMembership, party_rows, party_fields)

    Employment.objects.bulk_create(batch.new_employments, batch_size=_BULK)
    job_rows, job_fields = [], set()
    for employment, changes in batch.employment_changes:
        _apply_changes(employment, changes)
        job_fields.update(changes)
        job_rows.append(employment)
    _bulk_update(Employment, job_rows, job_fields)

    Membership.objects.bulk_create(batch.new_memberships, batch_size=_BULK)

    counts = batch.counts()
    audit_record(actor=actor, action=action, org_path=org_path, summary=summary, after={**counts, **(detail or {})})
    return counts


@dataclass(frozen=True)
class AccountSpec:
    """One sign-in account to create with its first role binding."""

    username: str
    org: OrgUnit
    role: str
    person: Person | None = None
    first_name: str = ""
    title: str = ""
    level: int = 0
    points_limit: int | None = None
    is_superuser: bool = False


@transaction.atomic
def accounts_bulk_create(*, actor: Any, accounts: list[AccountSpec], password: str, summary: str = "") -> list[User]:
    """Create many accounts sharing one password (the demo's), each with its role binding.

    The password is hashed once: every account has the same password, so one salted hash is
    as good as thousands, and Argon2 per account would take minutes for a county.
    """
    from django.contrib.auth.hashers import make_password

    names = [spec.username.strip() for spec in accounts]
    if any(not name for name in names):
        raise field_error("username", "用户名不能为空", "a username is required")
    if len(set(names)) != len(names):
        raise Conflict("同一批中有重复的用户名", "the batch repeats a username", code="duplicate_username")
    for start in range(0, len(names), _BULK):
        taken = list(User.objects.filter(username__in=names[start : start + _BULK]).values_list("username", flat=True)[:5])
        if taken:
            raise Conflict(f"用户名已存在：{'、'.join(taken)}", f"usernames taken: {', '.join(taken)}", code="duplicate_username")
    for spec in accounts:
        if spec.role not in Role.values:
            raise field_error("role", "角色无效", "unknown role")
    person_ids = [spec.person.pk for spec in accounts if spec.person is not None]
    if len(set(person_ids)) != len(person_ids):
        raise Conflict("同一批中有人重复开了账号", "the batch gives someone two accounts", code="duplicate_account")
    for start in range(0, len(person_ids), _BULK):
        if User.objects.filter(person_id__in=person_ids[start : start + _BULK]).exists():
            raise Conflict("其中有人已有账号", "someone in the batch already has an account", code="duplicate_account")
    hashed = make_password(password)
    users = [
        User(
            username=name, password=hashed, person=spec.person,
            first_name=spec.first_name or (spec.person.name if spec.person else ""),
            is_superuser=spec.is_superuser, is_staff=spec.is_superuser,
        )
        for name, spec in zip(names, accounts, strict=True)
    ]
    User.objects.bulk_create(users, batch_size=_BULK)
    RoleBinding.objects.bulk_create(
        [
            RoleBinding(user=user, org=spec.org, role=spec.role, points_limit=spec.points_limit, title=spec.title, level=spec.level)
            for user, spec in zip(users, accounts, strict=True)
        ],
        batch_size=_BULK,
    )
    by_role: dict[str, int] = {}
    for spec in accounts:
        by_role[spec.role] = by_role.get(spec.role, 0) + 1
    audit_record(actor=actor, action="orgs.accounts_bulk_create", summary=summary, after={"accounts": len(users), "by_role": by_role})
    return users
