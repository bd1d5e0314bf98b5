"""Response shapes for ledger accounts, statements, balances and the ledger check."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Date, Id, QueryIn

Grain = Literal["week", "month", "quarter", "year", "all"]


class AccountOut(Schema):
    id: int
    scheme_id: int
    scheme_code: str
    subject_id: int
    subject_name: str
    subject_kind: str
    org_id: int
    points_scale: int = Field(description="分值小数位；金额字段以字符串表示的十进制数 / decimals of the scheme's points")
    non_negative: bool


class AccountFilter(QueryIn):
    scheme_id: Id | None = None
    subject_id: Id | None = None
    org_id: Id | None = Field(None, description="积分对象在此组织及其下级 / subjects within this unit's subtree")


class PostingOut(Schema):
    transaction_id: int
    line: int
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    kind: str
    amount: str = Field(description="十进制字符串，带符号 / signed decimal as text")
    balance_after: str
    counts_in_score: bool
    reason: str
    source_type: str
    source_id: str
    actor_name: str
    reverses_id: int | None


class StatementFilter(QueryIn):
    since: Date | None = Field(None, description="发生日期不早于（方案时区） / occurred on or after (scheme's zone)")
    until: Date | None = Field(None, description="发生日期早于 / occurred before")


class BalanceOut(Schema):
    account_id: int
    grain: str
    on: dt.date
    score: str = Field(description="本期积分（奖扣分） / the period's score")
    balance: str = Field(description="可用积分（本期净变动；all 为余额） / spendable: the period's net change; all-time: the balance")


class BalanceFilter(QueryIn):
    grain: Grain = "all"
    on: Date | None = Field(None, description="所在周期的任一天，默认今天 / any day of the period, today by default")


class VerifyFilter(QueryIn):
    scheme_id: Id | None = None


class MismatchOut(Schema):
    code: str
    zh: str
    en: str
    detail: dict[str, Any]


class VerifyOut(Schema):
    ok: bool
    transactions: int
    postings: int
    balances: int
    mismatches: list[MismatchOut]
    truncated: int
    summary: str
