"""Org units, people, households, units and role bindings: thin over jifen.orgs services."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Status

from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.orgs import (
    HouseholdCreateIn,
    HouseholdDetailOut,
    HouseholdFilter,
    HouseholdMemberAddIn,
    HouseholdMemberLeaveIn,
    HouseholdOut,
    OrgKindOut,
    OrgUnitCreateIn,
    OrgUnitFilter,
    OrgUnitMoveIn,
    OrgUnitOut,
    PersonCreateIn,
    PersonFilter,
    PersonOut,
    PersonUpdateIn,
    RoleBindingFilter,
    RoleBindingGrantIn,
    RoleBindingOut,
    UnitCreateIn,
    UnitFilter,
    UnitOut,
)
from jifen.api.scoping import access, actor, require_admin_over, visible, visible_org
from jifen.core.audit import audit_record
from jifen.core.errors import NotFound, PermissionDenied
from jifen.orgs import services
from jifen.orgs.models import (
    Household,
    OrgKind,
    OrgUnit,
    Person,
    RoleBinding,
    Unit,
    User,
    subtree_q,
)
from jifen.orgs.privacy import mask_id_number, mask_mobile
from jifen.orgs.selectors import (
    ADMIN_ROLES,
    Access,
    households_visible_to,
    org_units_visible_to,
    people_visible_to,
    role_bindings_visible_to,
    role_grant_refusal,
    role_revoke_refusal,
    units_visible_to,
)

router = Router(tags=["orgs 组织与人员"])


# --- converters: objects → response dicts, masking decided here, on the server ---------------

def org_out(org: OrgUnit) -> dict[str, Any]:
    return {
        "id": org.pk, "parent_id": org.parent_id, "code": org.code, "path": org.path, "depth": org.depth,
        "name": org.name, "kind": org.kind.code, "address": org.address, "phone": org.phone, "is_active": org.is_active,
    }


def person_out(scope: Access, person: Person, *, unmasked: bool = False) -> dict[str, Any]:
    see = unmasked or scope.can_see_personal_data(person)
    user = getattr(person, "user", None)
    return {
        "id": person.pk, "org_id": person.org_id, "org_path": person.org.path, "name": person.name,
        "gender": person.gender, "birth_date": person.birth_date if see else None,
        "id_number": (person.id_number or "") if see else mask_id_number(person.id_number),
        "mobile": person.mobile if see else mask_mobile(person.mobile),
        "address": person.address, "is_active": person.is_active, "user_id": user.pk if user else None,
        "personal_data_masked": not see,
    }


def household_out(household: Household) -> dict[str, Any]:
    return {
        "id": household.pk, "number": household.number, "name": household.subject.name,
        "village_id": household.village_id, "org_id": household.org_id, "org_path": household.org.path,
        "head_id": household.head_id, "address": household.address, "is_active": household.is_active,
    }


def unit_out(scope: Access, unit: Unit) -> dict[str, Any]:
    see = scope.covers(unit.org.path, ADMIN_ROLES)
    return {
        "id": unit.pk, "org_id": unit.org_id, "org_path": unit.org.path, "name": unit.name, "kind": unit.kind,
        "contact_id": unit.contact_id, "phone": unit.phone if see else mask_mobile(unit.phone),
        "address": unit.address, "is_active": unit.is_active,
    }


def binding_out(binding: RoleBinding) -> dict[str, Any]:
    return {
        "id": binding.pk, "user_id": binding.user_id, "username": binding.user.username, "org_id": binding.org_id,
        "org_path": binding.org.path, "org_name": binding.org.name, "role": binding.role,
        "points_limit": binding.points_limit, "title": binding.title, "level": binding.level,
        "valid_from": binding.valid_from, "valid_until": binding.valid_until, "is_active": binding.is_active,
    }


def _within(request: HttpRequest, org_id: int | None, field: str) -> Q:
    """Filter to a visible org's subtree; an org the caller cannot see is 404."""
    if org_id is None:
        return Q()
    return subtree_q(visible_org(request, org_id).path, field)


# --- org units ---------------------------------------------------------------------------------

@router.get("/org-kinds", response=list[OrgKindOut])
def org_kinds_list(request: HttpRequest) -> Any:
    """组织类型（村、网格、党支部…） / kinds of org unit."""
    return list(OrgKind.objects.order_by("code"))


@router.get("/orgs", response=Page[OrgUnitOut])
def org_units_list(request: HttpRequest, page: Query[PageIn], filters: Query[OrgUnitFilter]) -> Any:
    """调用者有角色的组织及其下级 / org units under the caller's role bindings."""
    qs = org_units_visible_to(access=access(request)).filter(_within(request, filters.org_id, "path"))
    if filters.parent_id is not None:
        qs = qs.filter(parent=visible_org(request, filters.parent_id))
    if filters.kind:
        qs = qs.filter(kind__code=filters.kind)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return page_of(qs.order_by("path"), page, org_out)


@router.get("/orgs/{org_id}", response=OrgUnitOut)
def org_unit_detail(request: HttpRequest, org_id: Id) -> Any:
    return org_out(visible_org(request, org_id))


@router.post("/orgs", response={201: OrgUnitOut})
def org_unit_create(request: HttpRequest, payload: OrgUnitCreateIn) -> Any:
    """新建下级组织（上级的组织管理员） / create a unit under a parent the caller administers."""
    if payload.parent_id is None:
        if not access(request).is_platform:
            raise PermissionDenied("只有平台管理员可以新建顶级组织", "only platform admins create top-level units", code="forbidden")
        parent = None
    else:
        parent = visible_org(request, payload.parent_id)
        require_admin_over(request, parent)
    unit = services.org_unit_create(
        actor=actor(request), parent=parent, code=payload.code, name=payload.name, kind=payload.kind,
        address=payload.address, phone=payload.phone,
    )
    return Status(201, org_out(OrgUnit.objects.select_related("kind").get(pk=unit.pk)))


@router.post("/orgs/{org_id}/move", response=OrgUnitOut)
def org_unit_move(request: HttpRequest, org_id: Id, payload: OrgUnitMoveIn) -> Any:
    """把组织连同下级移到新上级（须管理原上级与新上级） / move a unit and its subtree."""
    unit = visible_org(request, org_id)
    if unit.parent is None:
        if not access(request).is_platform:
            raise PermissionDenied("只有平台管理员可以移动顶级组织", "only platform admins move top-level units", code="forbidden")
    else:
        require_admin_over(request, unit.parent)
    new_parent = visible_org(request, payload.new_parent_id)
    require_admin_over(request, new_parent)
    moved = services.org_unit_move(actor=actor(request), unit=unit, new_parent=new_parent)
    return org_out(OrgUnit.objects.select_related("kind").get(pk=moved.pk))


# --- people ------------------------------------------------------------------------------------

def _people(request: HttpRequest, filters: PersonFilter) -> Any:
    qs = people_visible_to(access=access(request)).select_related("user").filter(_within(request, filters.org_id, "org__path"))
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return qs.order_by("org__path", "name", "pk")


@router.get("/people", response=Page[PersonOut])
def people_list(request: HttpRequest, page: Query[PageIn], filters: Query[PersonFilter]) -> Any:
    """人员；身份证号与手机号按权限打码 / people; ID and mobile numbers masked unless allowed."""
    scope = access(request)
    return page_of(_people(request, filters), page, lambda p: person_out(scope, p))


@router.get("/people/export", response=Page[PersonOut])
def people_export(request: HttpRequest, page: Query[PageIn], filters: Query[PersonFilter]) -> Any:
    """导出未打码的个人信息（仅组织管理员，每次都记审计） / unmasked export: admins only, always audited."""
    scope = access(request)
    if filters.org_id is None:
        raise PermissionDenied("导出须指定组织（org_id）", "an export needs an org_id", code="export_needs_org")
    org = visible_org(request, filters.org_id)
    require_admin_over(request, org)
    result = page_of(_people(request, filters), page, lambda p: person_out(scope, p, unmasked=True))
    audit_record(
        actor=actor(request), action="orgs.people_export", object_type="orgs.orgunit", object_id=org.pk,
        org_path=org.path, summary=f"导出 {len(result['items'])} 人（未打码） / exported {len(result['items'])} people unmasked",
        after={"filters": filters.model_dump(), "limit": page.limit, "offset": page.offset,
               "people": [item["id"] for item in result["items"]]},
    )
    return result


@router.get("/people/{person_id}", response=PersonOut)
def person_detail(request: HttpRequest, person_id: Id) -> Any:
    scope = access(request)
    person = visible(people_visible_to(access=scope).select_related("user"), person_id, what="人员", what_en="person")
    return person_out(scope, person)


@router.post("/people", response={201: PersonOut})
def person_create(request: HttpRequest, payload: PersonCreateIn) -> Any:
    org = visible_org(request, payload.org_id)
    require_admin_over(request, org)
    person = services.person_create(
        actor=actor(request), org=org, name=payload.name, gender=payload.gender, birth_date=payload.birth_date,
        id_number=payload.id_number, mobile=payload.mobile, address=payload.address,
    )
    return Status(201, person_out(access(request), Person.objects.select_related("org", "user").get(pk=person.pk)))


@router.patch("/people/{person_id}", response=PersonOut)
def person_update(request: HttpRequest, person_id: Id, payload: PersonUpdateIn) -> Any:
    """只改所传字段（组织管理员） / change only the fields sent (org admins)."""
    scope = access(request)
    person = visible(people_visible_to(access=scope), person_id, what="人员", what_en="person")
    require_admin_over(request, person.org)
    changes = payload.model_dump(exclude_unset=True)
    if "org_id" in changes:
        new_org_id = changes.pop("org_id")
        if new_org_id is not None:
            new_org = visible_org(request, new_org_id)
            require_admin_over(request, new_org)
            changes["org"] = new_org
    for required in ("name", "gender", "mobile", "address", "is_active"):
        if changes.get(required, "") is None:
            changes.pop(required)  # null means "leave as is" for fields that cannot be empty
    services.person_update(actor=actor(request), person=person, **changes)
    return person_out(scope, Person.objects.select_related("org", "user").get(pk=person.pk))


# --- households --------------------------------------------------------------------------------

@router.get("/households", response=Page[HouseholdOut])
def households_list(request: HttpRequest, page: Query[PageIn], filters: Query[HouseholdFilter]) -> Any:
    """家庭户；成员只看到自己的户 / households; a member sees only their own."""
    qs = households_visible_to(access=access(request)).filter(_within(request, filters.org_id, "org__path"))
    if filters.q:
        qs = qs.filter(number__contains=filters.q)
    return page_of(qs.order_by("org__path", "number", "pk"), page, household_out)


def _household_detail(household: Household) -> dict[str, Any]:
    stays = household.members.select_related("person").order_by("left_on", "joined_on", "pk")
    members = [
        {"person_id": s.person_id, "name": s.person.name, "relation": s.relation, "joined_on": s.joined_on, "left_on": s.left_on}
        for s in stays
    ]
    return {**household_out(household), "members": members}


@router.get("/households/{household_id}", response=HouseholdDetailOut)
def household_detail(request: HttpRequest, household_id: Id) -> Any:
    household = visible(households_visible_to(access=access(request)), household_id, what="家庭户", what_en="household")
    return _household_detail(household)


def _admin_person(request: HttpRequest, person_id: int) -> Person:
    person = visible(people_visible_to(access=access(request)), person_id, what="人员", what_en="person")
    require_admin_over(request, person.org)
    return person


@router.post("/households", response={201: HouseholdDetailOut})
def household_create(request: HttpRequest, payload: HouseholdCreateIn) -> Any:
    village = visible_org(request, payload.village_id)
    org = visible_org(request, payload.org_id)
    require_admin_over(request, org)
    head = _admin_person(request, payload.head_id) if payload.head_id is not None else None
    household = services.household_create(
        actor=actor(request), village=village, org=org, number=payload.number, head=head, address=payload.address,
        on=payload.joined_on,
    )
    return Status(201, _household_detail(households_visible_to(access=access(request)).get(pk=household.pk)))


@router.post("/households/{household_id}/members", response={201: HouseholdDetailOut})
def household_member_add(request: HttpRequest, household_id: Id, payload: HouseholdMemberAddIn) -> Any:
    """加入本户（离开原户，历史保留） / put a person in this household, ending their stay elsewhere."""
    scope = access(request)
    household = visible(households_visible_to(access=scope), household_id, what="家庭户", what_en="household")
    require_admin_over(request, household.org)
    person = _admin_person(request, payload.person_id)
    services.household_member_add(
        actor=actor(request), household=household, person=person, relation=payload.relation, on=payload.joined_on
    )
    return Status(201, _household_detail(households_visible_to(access=scope).get(pk=household.pk)))


@router.post("/households/{household_id}/members/{person_id}/leave", response=HouseholdDetailOut)
def household_member_leave(
    request: HttpRequest, household_id: Id, person_id: Id, payload: HouseholdMemberLeaveIn
) -> Any:
    scope = access(request)
    household = visible(households_visible_to(access=scope), household_id, what="家庭户", what_en="household")
    require_admin_over(request, household.org)
    person = visible(people_visible_to(access=scope), person_id, what="人员", what_en="person")
    services.household_member_leave(actor=actor(request), household=household, person=person, on=payload.left_on)
    return _household_detail(households_visible_to(access=scope).get(pk=household.pk))


# --- units (shops, societies, departments) -------------------------------------------------------

@router.get("/units", response=Page[UnitOut])
def units_list(request: HttpRequest, page: Query[PageIn], filters: Query[UnitFilter]) -> Any:
    scope = access(request)
    qs = units_visible_to(access=scope).filter(_within(request, filters.org_id, "org__path"))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return page_of(qs.order_by("org__path", "name", "pk"), page, lambda u: unit_out(scope, u))


@router.get("/units/{unit_id}", response=UnitOut)
def unit_detail(request: HttpRequest, unit_id: Id) -> Any:
    scope = access(request)
    return unit_out(scope, visible(units_visible_to(access=scope), unit_id, what="单位", what_en="unit"))


@router.post("/units", response={201: UnitOut})
def unit_create(request: HttpRequest, payload: UnitCreateIn) -> Any:
    org = visible_org(request, payload.org_id)
    require_admin_over(request, org)
    contact = _admin_person(request, payload.contact_id) if payload.contact_id is not None else None
    unit = services.unit_create(
        actor=actor(request), org=org, name=payload.name, kind=payload.kind, contact=contact, phone=payload.phone,
        address=payload.address,
    )
    return Status(201, unit_out(access(request), Unit.objects.select_related("org").get(pk=unit.pk)))


# --- role bindings ---------------------------------------------------------------------------------

@router.get("/role-bindings", response=Page[RoleBindingOut])
def role_bindings_list(request: HttpRequest, page: Query[PageIn], filters: Query[RoleBindingFilter]) -> Any:
    """组织管理员看到其下级的角色；其他人只看到自己的 / admins see their subtrees; others their own."""
    qs = role_bindings_visible_to(access=access(request)).filter(_within(request, filters.org_id, "org__path"))
    if filters.user_id is not None:
        qs = qs.filter(user_id=filters.user_id)
    if filters.role:
        qs = qs.filter(role=filters.role)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return page_of(qs.order_by("org__path", "role", "pk"), page, binding_out)


_REFUSALS = {
    "outside_subtree": ("只能在自己管理的组织内授权", "you can grant roles only inside units you administer"),
    "role_above_own": ("不能授予高于自己的角色", "you cannot grant a role above your own"),
    "points_limit_above_own": ("授权分值不能高于自己的", "you cannot grant a points limit above your own"),
}


_REVOKE_REFUSALS = {
    "own_binding": ("不能撤销自己的角色，请其他管理员操作", "you cannot revoke your own role: ask another admin"),
    "outside_subtree": ("只能撤销自己管理的组织内的角色", "you can revoke roles only inside units you administer"),
    "role_above_own": ("不能撤销高于自己的角色", "you cannot revoke a role above your own"),
}


def _reachable_user(request: HttpRequest, user_id: int) -> User:
    """A user the caller administers some part of: their person, or a binding in the subtree."""
    scope = access(request)
    user = User.objects.select_related("person__org").filter(pk=user_id, is_active=True).first()
    if user is not None and not scope.is_platform:
        person_ok = user.person is not None and scope.covers(user.person.org.path, ADMIN_ROLES)
        binding_ok = RoleBinding.objects.filter(user=user).filter(scope.org_q(ADMIN_ROLES, "org__path")).exists()
        if not (person_ok or binding_ok):
            user = None
    if user is None:
        raise NotFound("找不到该用户", "no such user", code="not_found")
    return user


@router.post("/role-bindings", response={201: RoleBindingOut})
def role_binding_grant(request: HttpRequest, payload: RoleBindingGrantIn) -> Any:
    """授予角色：只在自己管理的下级、不高于自己的角色与授权分值 / grant a role, never above one's own."""
    org = visible_org(request, payload.org_id)
    require_admin_over(request, org)
    user = _reachable_user(request, payload.user_id)
    refusal = role_grant_refusal(access=access(request), org=org, role=payload.role, points_limit=payload.points_limit)
    if refusal is not None:
        zh, en = _REFUSALS[refusal]
        raise PermissionDenied(zh, en, code=refusal)
    binding = services.role_binding_grant(
        actor=actor(request), user=user, org=org, role=payload.role, points_limit=payload.points_limit,
        title=payload.title, level=payload.level, valid_from=payload.valid_from, valid_until=payload.valid_until,
    )
    return Status(201, binding_out(RoleBinding.objects.select_related("org", "user").get(pk=binding.pk)))


@router.post("/role-bindings/{binding_id}/revoke", response=RoleBindingOut)
def role_binding_revoke(request: HttpRequest, binding_id: Id) -> Any:
    scope = access(request)
    binding = visible(role_bindings_visible_to(access=scope), binding_id, what="角色", what_en="role binding")
    require_admin_over(request, binding.org)
    refusal = role_revoke_refusal(access=scope, binding=binding)
    if refusal is not None:
        zh, en = _REVOKE_REFUSALS[refusal]
        raise PermissionDenied(zh, en, code=refusal)
    services.role_binding_revoke(actor=actor(request), binding=binding)
    return binding_out(RoleBinding.objects.select_related("org", "user").get(pk=binding.pk))
