"""Request and response shapes for shops, goods, stock, redemptions, funds and statistics."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Bool, Date, Id, In, Int, QueryIn, Text

QUANTITY = Int(1, 100_000)
FEN = Int(0, 1_000_000_000)
GoodKind = Literal["goods", "service", "voucher"]
LimitPeriod = Literal["day", "week", "month", "quarter", "year"]
SourceKind = Literal["fiscal_subsidy", "programme_award", "collective_income", "donation", "social", "other"]


class ShopOut(Schema):
    id: int
    org_id: int
    org_path: str
    code: str
    name: str
    kind: str
    address: str
    is_active: bool


class ShopFilter(QueryIn):
    org_id: Id | None = None
    q: Text(100) | None = None


class GoodOut(Schema):
    id: int
    shop_id: int
    code: str
    name: str
    kind: str
    category: str
    unit: str
    price_points: int
    cost_fen: int
    tracks_stock: bool
    limit_per_household: int | None
    limit_period: str
    active_from: dt.date | None
    active_until: dt.date | None
    is_active: bool


class GoodFilter(QueryIn):
    shop_id: Id | None = None
    category: Text(32) | None = None
    q: Text(100) | None = None
    is_active: Bool | None = None


class GoodCreateIn(In):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", max_length=64)
    name: Text(100, 1)
    price_points: Int(1, 10_000_000)
    unit: Text(16, 1) = "件"
    kind: GoodKind = "goods"
    category: Text(32) = ""
    cost_fen: FEN = 0
    tracks_stock: Bool | None = None
    limit_per_household: QUANTITY | None = None
    limit_period: LimitPeriod = "month"
    active_from: Date | None = None
    active_until: Date | None = None


class GoodUpdateIn(In):
    name: Text(100, 1) | None = None
    price_points: Int(1, 10_000_000) | None = None
    unit: Text(16, 1) | None = None
    category: Text(32) | None = None
    cost_fen: FEN | None = None
    limit_per_household: QUANTITY | None = None
    limit_period: LimitPeriod | None = None
    active_from: Date | None = None
    active_until: Date | None = None
    is_active: Bool | None = None


class StockRowOut(Schema):
    good_id: int
    name: str
    level: int
    average_cost_fen: int
    value_fen: int


class StockMovementOut(Schema):
    id: int
    kind: str
    quantity: int
    level_after: int
    unit_cost_fen: int | None
    total_cost_fen: int | None
    counted: int | None
    reason: str
    at: dt.datetime


class PurchaseIn(In):
    quantity: QUANTITY
    unit_cost_fen: FEN
    fund_id: Id | None = Field(None, description="付款的资金；不填为实物捐赠 / the paying fund; none: donated in kind")
    reason: Text(500, 1)


class AdjustIn(In):
    quantity: Int(-100_000, 100_000)
    reason: Text(500, 1)


class StockTakeIn(In):
    counted: Int(0, 100_000_000)
    reason: Text(500) = ""


class RedemptionLineIn(In):
    good_id: Id
    quantity: QUANTITY


class RedemptionIn(In):
    shop_id: Id
    subject_id: Id
    lines: list[RedemptionLineIn] = Field(min_length=1, max_length=50)
    scheme_id: Id | None = Field(None, description="对象在多个方案有积分时须填 / needed when the subject holds points in several schemes")


class RedemptionCancelIn(In):
    reason: Text(500, 1)


class ReceiptLineOut(Schema):
    name: str
    unit: str
    quantity: int
    unit_points: str
    points: str


class RedemptionOut(Schema):
    id: int
    receipt_no: str
    shop_id: int
    shop_name: str
    scheme_id: int
    subject_id: int
    subject_name: str
    status: str
    redeemed_at: dt.datetime
    total_points: str
    total_cost_fen: int


class RedemptionDetailOut(RedemptionOut):
    lines: list[ReceiptLineOut]
    balance_now: str


class RedemptionFilter(QueryIn):
    shop_id: Id | None = None
    subject_id: Id | None = None
    status: Literal["completed", "cancelled"] | None = None


class FundOut(Schema):
    id: int
    org_id: int
    org_path: str
    code: str
    name: str
    parent_id: int | None
    year: int | None
    is_active: bool
    balance_fen: int


class FundFilter(QueryIn):
    org_id: Id | None = None


class FundMovementOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    amount_fen: int
    balance_after_fen: int
    reason: str
    source_kind: str
    counterpart_id: int | None


class FundReceiveIn(In):
    amount_fen: Int(1, 1_000_000_000_000)
    source_kind: SourceKind
    reason: Text(500, 1)


class StatsFilter(QueryIn):
    org_id: Id | None = Field(None, description="必填 / required")
    start: Date | None = Field(None, description="起（含），默认今年1月1日 / from (inclusive), default 1 January")
    end: Date | None = Field(None, description="止（不含），默认明年1月1日 / until (exclusive)")


class RateOut(Schema):
    org_id: int
    start: dt.date
    end: dt.date
    households: int
    households_redeemed: int
    household_rate: str
    people: int
    people_redeemed: int
    people_rate: str


class RedeemedRowOut(Schema):
    id: int
    name: str
    quantity: int
    redemptions: int
    points: str
    cost_fen: int


class RedeemedOut(Schema):
    org_id: int
    start: dt.date
    end: dt.date
    by: str
    rows: list[RedeemedRowOut]
    stock_value_fen: int


class LiabilityFilter(QueryIn):
    scheme_id: Id | None = Field(None, description="必填 / required")


class LiabilityOut(Schema):
    scheme_id: int
    outstanding_points: str
    fen_per_point: str
    liability_fen: int
    basis: str
