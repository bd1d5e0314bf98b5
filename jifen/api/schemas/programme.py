"""Request and response shapes for the demonstration-village programme (篇1). Money is integer fen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Bool, Id, In, Int, QueryIn, Text, When

MAX_FEN = 10**13


class CriterionOut(Schema):
    number: int
    name: str
    description: str
    max_score: int


class ProgrammeOut(Schema):
    id: int
    code: str
    name: str
    org_id: int
    budget_fen: int
    awards: int
    award_fen: int
    shortlist_limit: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    period_start: dt.datetime
    period_end: dt.datetime
    state: str
    published_at: dt.datetime | None
    objections_until: dt.datetime | None
    awarded_at: dt.datetime | None


class ResultOut(Schema):
    application_id: int
    village_id: int
    village_name: str
    county_id: int
    rank: int
    score_total: int | None
    state: str
    award_fen: int | None


class ProgrammeDetailOut(ProgrammeOut):
    criteria: list[CriterionOut]
    result: list[ResultOut] = Field(description="公示后的排名 / the ranking once published")


class ProgrammeCreateIn(In):
    org_id: Id = Field(description="主办单位（市） / the organising unit (city)")
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", max_length=64)
    name: Text(200, 1)
    budget_fen: Int(1, MAX_FEN) = Field(description="资金，单位分 / budget in fen")
    awards: Int(1, 1000)
    shortlist_limit: Int(1, 3) = 3
    opens_at: When
    closes_at: When
    period_start: When = Field(description="平台统计数据的起点 / start of the measured period")
    period_end: When


class ApplicationOut(Schema):
    id: int
    programme_id: int
    village_id: int
    village_name: str
    county_id: int
    state: str
    contact_name: str
    contact_phone: str
    summary: str
    statements: dict[str, str]
    facts: dict[str, Any] = Field(description="平台根据自身数据统计 / measured by the platform from its own data")
    facts_at: dt.datetime
    shortlist_slot: int | None
    county_note: str
    score_total: int | None
    scores: dict[str, int]
    rank: int | None
    award_fen: int | None
    awarded_at: dt.datetime | None
    attachments: list[str]
    submitted_at: dt.datetime


class ApplicationFilter(QueryIn):
    county_id: Id | None = None
    state: Text(16) | None = None


class ApplicationIn(In):
    village_id: Id
    contact_name: Text(50, 1)
    contact_phone: Text(32, 1)
    summary: Text(8000, 1)
    statements: dict[str, Text(4000)] = Field(default_factory=dict, description="按条件编号 / by criterion number")


class NoteIn(In):
    note: Text(2000) = ""


class DeclineIn(In):
    note: Text(2000, 1)


class ScoresIn(In):
    scores: dict[str, Int(0, 1000)] = Field(description="按条件编号的得分 / score by criterion number")


class PublishIn(In):
    objection_days: Int(1, 60) = 7


class ObjectionIn(In):
    text: Text(4000, 1)
    application_id: Id | None = None


class ObjectionOut(Schema):
    id: int
    programme_id: int
    application_id: int | None
    text: str
    raised_at: dt.datetime
    upheld: bool | None
    resolution: str
    resolved_at: dt.datetime | None


class ObjectionResolveIn(In):
    upheld: Bool
    resolution: Text(4000, 1)
