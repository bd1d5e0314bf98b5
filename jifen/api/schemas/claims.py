"""Request and response shapes for claims, evidence, meetings, slips, activities, objections and notices."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Date, Id, In, Int, QueryIn, Text, When

POINTS = Int(0, 2_147_483_647)  # unsigned, in the scheme's units; the item says award or deduct
State = Literal["declared", "pre_approved", "approved", "noticed", "disputed", "posted", "rejected", "withdrawn", "revoked"]
Origin = Literal["self", "on_behalf", "third_party"]
Channel = Literal["app", "verbal", "phone", "sms", "wechat", "counter", "paper"]
MOBILE = r"^(1[3-9][0-9]{9})?$"


class ClaimOut(Schema):
    id: int
    scheme_id: int
    subject_id: int
    subject_name: str
    subject_kind: str
    org_id: int
    org_path: str
    item_id: int
    item_version_id: int
    item_name: str
    origin: str
    channel: str
    state: str
    declared_by_id: int | None
    declared_at: dt.datetime
    occurred_at: dt.datetime
    place: str
    description: str
    points: int = Field(description="带符号，方案单位 / signed, in the scheme's units")
    declared_points: int
    meeting_id: int | None
    activity_id: int | None
    state_changed_at: dt.datetime
    posted_at: dt.datetime | None


class ClaimEventOut(Schema):
    at: dt.datetime
    actor_name: str
    from_state: str
    to_state: str
    reason: str
    points_before: int | None
    points_after: int | None


class EvidenceOut(Schema):
    id: int
    format: str
    width: int
    height: int
    size: int
    captured_at: dt.datetime | None
    uploaded_at: dt.datetime


class ClaimDetailOut(ClaimOut):
    history: list[ClaimEventOut]
    evidence: list[EvidenceOut]


class ClaimFilter(QueryIn):
    scheme_id: Id | None = None
    org_id: Id | None = Field(None, description="只看此组织及其下级的对象 / subjects within this unit's subtree")
    subject_id: Id | None = None
    item_id: Id | None = None
    state: State | None = None
    awaiting: Literal["pre_review", "review"] | None = Field(
        None, description="待我初审 / 待我审核 / awaiting my preliminary review or my committee's review"
    )


class ClaimDeclareIn(In):
    scheme_id: Id
    subject_id: Id
    item_id: Id
    occurred_at: When
    description: Text(2000, 1)
    place: Text(200, 1)
    points: POINTS | None = Field(None, description="区间分值事项须填 / required for an item with a range")
    origin: Origin = "self"
    channel: Channel = "app"
    evidence_ids: list[Id] = Field(default_factory=list, max_length=9, description="先上传 POST /evidence / upload first")


class SlipIssueIn(In):
    scheme_id: Id
    subject_id: Id
    item_id: Id
    occurred_at: When
    description: Text(2000, 1)
    place: Text(200) = ""
    points: POINTS | None = None
    evidence_ids: list[Id] = Field(default_factory=list, max_length=9)


class EvidenceAddIn(In):
    evidence_ids: list[Id] = Field(min_length=1, max_length=9)


class ReasonIn(In):
    reason: Text(500) = ""


class RejectIn(In):
    reason: Text(500, 1)


class PreApproveIn(In):
    reason: Text(500) = ""
    points: POINTS | None = Field(None, description="调整区间分值（须写意见） / a changed value (give a reason)")


class ReviewIn(In):
    outcome: Literal["approve", "reject", "change"]
    points: POINTS | None = None
    reason: Text(500) = ""


class DecisionIn(In):
    claim_id: Id
    outcome: Literal["approve", "reject", "change"]
    points: POINTS | None = None
    reason: Text(500) = ""


class MeetingIn(In):
    scheme_id: Id
    org_id: Id
    held_on: Date
    decisions: list[DecisionIn] = Field(min_length=1, max_length=500)
    attendee_names: Text(500) = ""
    minutes: Text(20000) = ""


class MeetingOut(Schema):
    id: int
    scheme_id: int
    org_id: int
    held_on: dt.date
    chair_id: int
    attendee_names: str
    minutes: str
    decisions: list[dict[str, int | str]]


class SecondCheckIn(In):
    outcome: Literal["uphold", "change", "revoke"]
    reason: Text(500, 1)
    points: POINTS | None = None


class ActivityOut(Schema):
    id: int
    scheme_id: int
    org_id: int
    org_path: str
    item_version_id: int
    title: str
    held_at: dt.datetime
    place: str
    description: str
    points: int
    organised_by_id: int
    awarded_at: dt.datetime | None


class AttendeeOut(Schema):
    subject_id: int
    name: str
    added_at: dt.datetime


class ActivityDetailOut(ActivityOut):
    attendance: list[AttendeeOut]


class ActivityFilter(QueryIn):
    scheme_id: Id | None = None
    org_id: Id | None = None


class ActivityCreateIn(In):
    scheme_id: Id
    org_id: Id
    item_id: Id
    held_at: When
    title: Text(200, 1)
    points: POINTS | None = None
    place: Text(200) = ""
    description: Text(2000) = ""


class AttendanceIn(In):
    subject_ids: list[Id] = Field(min_length=1, max_length=2000)


class AttendanceOut(Schema):
    added: int


class AwardOut(Schema):
    posted: int
    skipped: list[dict[str, int | str]]


class ObjectionOut(Schema):
    id: int
    claim_id: int
    notice_id: int
    filed_at: dt.datetime
    name: str = Field(description="异议人（按权限打码） / the objector, masked unless allowed")
    phone: str
    reason: str
    status: str
    resolved_at: dt.datetime | None
    resolution: str


class ObjectionFilter(QueryIn):
    claim_id: Id | None = None
    notice_id: Id | None = None
    status: Literal["open", "upheld", "changed", "revoked"] | None = None


class ObjectionIn(In):
    reason: Text(2000, 1)
    name: Text(50) = ""
    phone: str = Field("", pattern=MOBILE, max_length=11)


class NoticeOut(Schema):
    id: int
    scheme_id: int
    org_id: int
    org_name: str
    title: str
    period_start: dt.date
    period_end: dt.date
    published_at: dt.datetime
    window_closes_at: dt.datetime
    revision: int
    closed_at: dt.datetime | None


class NoticeEntryOut(Schema):
    claim_id: int
    subject_name: str
    item_name: str
    occurred_at: dt.datetime
    points: int
    published_points: int
    state: str


class NoticeDetailOut(NoticeOut):
    entries: list[NoticeEntryOut]


class PublicObjectionOut(Schema):
    """That an objection was made and how it was settled; its free-text reason may name people,
    so it is not public."""

    claim_id: int
    filed_at: dt.datetime
    name: str
    phone: str
    status: str
    resolution: str


class PublicNoticeDetailOut(NoticeOut):
    entries: list[NoticeEntryOut]
    objections: list[PublicObjectionOut]


class NoticeFilter(QueryIn):
    scheme_id: Id | None = None
    org_id: Id | None = None


class NoticePublishIn(In):
    scheme_id: Id
    org_id: Id | None = Field(None, description="默认为方案所属组织 / the scheme's unit by default")
