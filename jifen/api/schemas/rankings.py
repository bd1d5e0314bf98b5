"""Response shapes for reward lists and points runs."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Id, QueryIn, Text


class RewardListOut(Schema):
    id: int
    scheme_id: int
    scheme_code: str
    rule_index: int
    rule_type: str
    period: str
    period_start: dt.date
    period_end: dt.date
    evaluated_at: dt.datetime
    status: str = Field(description="evaluated 已评出 / posted 已入账 / paid 奖金已全部发放")
    posted_at: dt.datetime | None
    lines_total: int
    lines_paid: int
    last_exported_at: dt.datetime | None = Field(description="最近一次导出（jifen export rewards） / last export of the scheme's lists")


class RewardLineOut(Schema):
    order: int
    subject_id: int | None
    org_id: int | None
    name: str
    group: str
    rank: int | None
    score: int
    outcome: str
    amount_fen: int | None
    points: int | None
    title: str
    reward: str
    note: str
    paid: bool


class RewardListDetailOut(RewardListOut):
    rule: dict[str, Any]
    summary: dict[str, Any]
    lines: list[RewardLineOut]


class RewardListFilter(QueryIn):
    scheme_id: Id | None = None
    period: Text(16) | None = None


class PointsRunOut(Schema):
    id: int
    scheme_id: int
    kind: str
    period: str
    number: int
    transaction_id: int
    posted: int
    total: int
    left_out: list[Any]
    created_at: dt.datetime


class PointsRunLineOut(Schema):
    subject_id: int
    name: str
    amount: int


class PointsRunDetailOut(PointsRunOut):
    lines: list[PointsRunLineOut]


class PointsRunFilter(QueryIn):
    scheme_id: Id | None = None
    kind: Literal["fixed", "base"] | None = None
    period: Text(16) | None = None
