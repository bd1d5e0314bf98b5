"""Request and response shapes for schemes, catalogs (categories, items, versions) and templates."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Bool, Date, Id, In, Int, QueryIn, Text
from jifen.rules.template_format import TEMPLATE_NAME

POINTS = Int(0, 2_147_483_647)  # unsigned, in the scheme's units (the column is unsigned)
CAP = Int(1, 2_147_483_647)
ITEM_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
Direction = Literal["award", "deduct"]
Frequency = Literal["per_event", "per_day", "per_month", "per_quarter", "per_year", "once"]
MinRole = Literal["member", "recorder", "reviewer", "org_admin"]
ItemKind = Literal["normal", "base", "fixed_monthly", "fraud", "veto"]


class SchemeOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    summary: str
    org_id: int
    org_path: str
    subject_types: list[str]
    period_policy: str | None
    time_zone: str
    notice_cadence: str | None
    review_cadence: str | None
    objection_days: int | None
    redemption_lowers_score: bool
    points_scale: int
    template: str
    is_active: bool


class SchemeDetailOut(SchemeOut):
    settings: dict[str, Any]


class SchemeFilter(QueryIn):
    org_id: Id | None = Field(None, description="只看适用于此组织的方案 / schemes that apply to this unit")
    q: Text(100) | None = Field(None, description="名称包含 / name contains")
    is_active: Bool | None = None


class CategoryOut(Schema):
    id: int
    scheme_id: int
    code: str
    name: str
    order: int
    subject_types: list[str]
    group: str


class VersionOut(Schema):
    id: int
    number: int
    effective_from: dt.date
    effective_to: dt.date | None
    name: str
    direction: str
    points: int | None
    points_min: int | None
    points_max: int | None
    frequency: str
    cap_per_day: int | None
    cap_per_month: int | None
    cap_per_year: int | None
    evidence_required: bool
    min_role: str
    kind: str
    leader_matching: bool | None
    source_text: str
    note: str


class ItemOut(Schema):
    id: int
    scheme_id: int
    category_id: int
    code: str
    order: int
    versions: list[VersionOut] = Field(description="全部版本，旧的在前 / every version, oldest first")


class ItemFilter(QueryIn):
    category_id: Id | None = None
    on: Date | None = Field(None, description="只看当天有效的事项 / only items in force on this day")
    q: Text(100) | None = Field(None, description="编码或名称包含 / code or name contains")


class VersionFieldsIn(In):
    name: Text(300, 1)
    direction: Direction
    points: POINTS | None = None
    points_min: POINTS | None = None
    points_max: POINTS | None = None
    frequency: Frequency = "per_event"
    cap_per_day: CAP | None = None
    cap_per_month: CAP | None = None
    cap_per_year: CAP | None = None
    evidence_required: Bool = False
    min_role: MinRole = "recorder"
    kind: ItemKind = "normal"
    leader_matching: Bool | None = None
    source_text: Text(5000) = ""
    note: Text(2000) = ""


class ItemCreateIn(VersionFieldsIn):
    category_id: Id
    code: str = Field(pattern=ITEM_CODE, max_length=64)
    effective_from: Date
    order: Int(0, 2_147_483_647) | None = None


class ItemEditIn(In):
    """Only the fields sent change; the new version is in force from `effective_from`."""

    effective_from: Date
    name: Text(300, 1) | None = None
    direction: Direction | None = None
    points: POINTS | None = None
    points_min: POINTS | None = None
    points_max: POINTS | None = None
    frequency: Frequency | None = None
    cap_per_day: CAP | None = None
    cap_per_month: CAP | None = None
    cap_per_year: CAP | None = None
    evidence_required: Bool | None = None
    min_role: MinRole | None = None
    kind: ItemKind | None = None
    leader_matching: Bool | None = None
    source_text: Text(5000) | None = None
    note: Text(2000) | None = None


class ItemRetireIn(In):
    on: Date


class TemplateOut(Schema):
    name: str
    kind: str
    title: str
    title_en: str
    source: str
    summary: str


class TemplateApplyIn(In):
    template: str = Field(pattern=TEMPLATE_NAME, max_length=48, description="模板名，见 GET /templates / a template name")
    org_id: Id
    effective_from: Date | None = None
    period_policy: Literal["year_end_clear", "lifetime"] | None = None
