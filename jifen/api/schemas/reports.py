"""Request and response shapes for monthly reports, rollups and dashboards."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import In, QueryIn, Text

MONTH = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$"  # 1900–2199: year 0 or 9999 would overflow the date maths
SHARE = r"^(0(\.[0-9]{1,2})?|1(\.0{1,2})?)$"


class MonthQuery(QueryIn):
    month: str | None = Field(None, pattern=MONTH, description="月份 YYYY-MM；默认上一个完整月份 / month, default the last complete one")


class SubmissionOut(Schema):
    id: int
    org_id: int
    month: str
    revision: int
    figures_hash: str
    note: str
    submitted_by_id: int
    submitted_by_name: str
    submitted_at: dt.datetime


class MonthlyReportOut(Schema):
    org_id: int
    org_path: str
    org_name: str
    month: str
    figures: dict[str, Any] = Field(description="本月数据（当前计算）/ the month's figures, computed now")
    figures_hash: str = Field(description="上报时作为 reviewed_hash 传回 / send back as reviewed_hash when submitting")
    submissions: list[SubmissionOut]


class SubmitIn(In):
    month: str | None = Field(None, pattern=MONTH, description="月份 YYYY-MM；默认上一个完整月份 / default the last complete month")
    reviewed_hash: str = Field("", pattern=r"^([0-9a-f]{64})?$", description="审阅时看到的 figures_hash / the figures_hash reviewed")
    note: Text(500) = ""


class RollupVillageOut(Schema):
    org_id: int
    org_path: str
    name: str
    submission: SubmissionOut | None
    figures: dict[str, Any] | None


class RollupOut(Schema):
    org_id: int
    org_path: str
    month: str
    villages: list[RollupVillageOut]
    missing: list[int] = Field(description="未上报的村 id / ids of villages that have not submitted")
    totals: dict[str, Any] = Field(description="已上报各村之和 / sums over the villages that submitted")


class TargetsOut(Schema):
    party_and_cadres: str
    pilot_households: str
    other_households: str
    redemption: str
    set_at: str = Field(description="设置目标的组织路径；空为默认目标 / where the targets were set; empty = the defaults")


class TargetsIn(In):
    party_and_cadres: str | None = Field(None, pattern=SHARE)
    pilot_households: str | None = Field(None, pattern=SHARE)
    other_households: str | None = Field(None, pattern=SHARE)
    redemption: str | None = Field(None, pattern=SHARE)


class VillageRowOut(Schema):
    org_id: int
    org_path: str
    name: str
    pilot: bool
    households_total: int
    households_active: int
    household_rate: str | None
    household_target: str
    meets_household_target: bool | None
    party_total: int
    party_active: int
    party_rate: str | None
    party_target: str
    people_total: int
    people_active: int
    net_points: str
    redemption_rate: str | None


class CategorySeriesOut(Schema):
    name: str
    points: list[str]


class DashboardOut(Schema):
    org_id: int
    org_path: str
    month: str
    targets: TargetsOut
    households_total: int
    households_active: int
    household_rate: str | None
    party_total: int
    party_active: int
    party_rate: str | None
    redemption_available: bool
    redemption_rate: str | None
    villages_meeting_target: int
    villages: list[VillageRowOut]
    top: list[int] = Field(description="参与率最高的村 id / villages with the highest household participation")
    bottom: list[int] = Field(description="参与率最低的村 id（最低在前）/ lowest first")
    months: list[str]
    categories: list[CategorySeriesOut]


class PilotOut(Schema):
    org_id: int
    pilot: bool


