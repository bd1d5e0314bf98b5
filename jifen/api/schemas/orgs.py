"""Request and response shapes for org units, people, households, units and role bindings."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Bool, Date, Id, In, Int, QueryIn, Text

ORG_CODE = r"^[a-z0-9][a-z0-9_-]{0,63}$"
ID_NUMBER = r"^[0-9]{17}[0-9Xx]$"
MOBILE = r"^(1[3-9][0-9]{9})?$"
RoleName = Literal["member", "shopkeeper", "recorder", "reviewer", "org_admin", "platform_admin"]
UnitKind = Literal["shop", "society", "department", "company", "other"]
Gender = Literal["", "M", "F"]
MAX_POINTS_LIMIT = 2_147_483_647


class OrgKindOut(Schema):
    code: str
    name: str
    name_en: str


class OrgUnitOut(Schema):
    id: int
    parent_id: int | None
    code: str
    path: str
    depth: int
    name: str
    kind: str
    address: str
    phone: str
    is_active: bool


class OrgUnitFilter(QueryIn):
    org_id: Id | None = Field(None, description="只看此组织及其下级 / within this unit's subtree")
    parent_id: Id | None = Field(None, description="只看此组织的直接下级 / direct children of this unit")
    kind: Text(32) | None = None
    q: Text(100) | None = Field(None, description="名称包含 / name contains")


class OrgUnitCreateIn(In):
    parent_id: Id | None = Field(None, description="上级组织；只有平台管理员可建顶级 / parent; only platform admins create roots")
    code: str = Field(pattern=ORG_CODE, max_length=64)
    name: Text(100, 1)
    kind: Text(32, 1)
    address: Text(200) = ""
    phone: Text(32) = ""


class OrgUnitMoveIn(In):
    new_parent_id: Id


class PersonOut(Schema):
    id: int
    org_id: int
    org_path: str
    name: str
    gender: str
    birth_date: dt.date | None = Field(description="无权查看个人信息时为 null / null when personal data is masked")
    id_number: str = Field(description="无权时打码，如 110***********1234 / masked unless the viewer may see it")
    mobile: str = Field(description="无权时打码，如 138****5678 / masked unless the viewer may see it")
    address: str
    is_active: bool
    user_id: int | None
    personal_data_masked: bool


class PersonFilter(QueryIn):
    org_id: Id | None = Field(None, description="只看此组织及其下级 / within this unit's subtree")
    q: Text(50) | None = Field(None, description="姓名包含 / name contains")
    is_active: Bool | None = None


class PersonCreateIn(In):
    org_id: Id
    name: Text(50, 1)
    gender: Gender = ""
    birth_date: Date | None = None
    id_number: str | None = Field(None, pattern=ID_NUMBER)
    mobile: str = Field("", pattern=MOBILE)
    address: Text(200) = ""


class PersonUpdateIn(In):
    org_id: Id | None = None
    name: Text(50, 1) | None = None
    gender: Gender | None = None
    birth_date: Date | None = None
    id_number: str | None = Field(None, pattern=ID_NUMBER)
    mobile: str | None = Field(None, pattern=MOBILE)
    address: Text(200) | None = None
    is_active: Bool | None = None


class HouseholdMemberOut(Schema):
    person_id: int
    name: str
    relation: str
    joined_on: dt.date
    left_on: dt.date | None


class HouseholdOut(Schema):
    id: int
    number: str
    name: str
    village_id: int
    org_id: int
    org_path: str
    head_id: int | None
    address: str
    is_active: bool


class HouseholdDetailOut(HouseholdOut):
    members: list[HouseholdMemberOut]


class HouseholdFilter(QueryIn):
    org_id: Id | None = Field(None, description="只看此组织及其下级 / within this unit's subtree")
    q: Text(32) | None = Field(None, description="户号包含 / number contains")


class HouseholdCreateIn(In):
    village_id: Id
    org_id: Id
    number: Text(32, 1)
    head_id: Id | None = None
    address: Text(200) = ""
    joined_on: Date | None = None


class HouseholdMemberAddIn(In):
    person_id: Id
    relation: Text(16, 1)
    joined_on: Date | None = None


class HouseholdMemberLeaveIn(In):
    left_on: Date | None = None


class UnitOut(Schema):
    id: int
    org_id: int
    org_path: str
    name: str
    kind: str
    contact_id: int | None
    phone: str = Field(description="无权时打码 / masked unless the viewer may see personal data")
    address: str
    is_active: bool


class UnitFilter(QueryIn):
    org_id: Id | None = None
    kind: UnitKind | None = None
    q: Text(100) | None = None


class UnitCreateIn(In):
    org_id: Id
    name: Text(100, 1)
    kind: UnitKind = "shop"
    contact_id: Id | None = None
    phone: str = Field("", pattern=MOBILE)
    address: Text(200) = ""


class RoleBindingOut(Schema):
    id: int
    user_id: int
    username: str
    org_id: int
    org_path: str
    org_name: str
    role: str
    points_limit: int | None
    title: str
    level: int
    valid_from: dt.date | None
    valid_until: dt.date | None
    is_active: bool


class RoleBindingFilter(QueryIn):
    org_id: Id | None = None
    user_id: Id | None = None
    role: RoleName | None = None
    is_active: Bool | None = None


class RoleBindingGrantIn(In):
    user_id: Id
    org_id: Id
    role: RoleName
    points_limit: Int(0, MAX_POINTS_LIMIT) | None = None
    title: Text(50) = ""
    level: Int(0, 32767) = 0
    valid_from: Date | None = None
    valid_until: Date | None = None
