"""Request and response shapes for grid management (篇5)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Bool, Date, Id, In, Int, QueryIn, Text, When

PostName = Literal["leader", "guide", "worker"]
IssueKindName = Literal["complaint", "dispute", "need", "emergency"]
IssueStateName = Literal["reported", "assigned", "closed"]
MONTH = r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$"  # 1900–2199: year 0 or 9999 would overflow the date maths


class GridPostOut(Schema):
    id: int
    grid_id: int
    grid_path: str
    person_id: int
    person_name: str
    post: str
    phone: str
    duties: str
    since: dt.date
    until: dt.date | None


class GridPostFilter(QueryIn):
    org_id: Id | None = Field(None, description="只看此组织下的网格 / grids within this unit")


class GridPostIn(In):
    org_id: Id = Field(description="网格 / the grid")
    person_id: Id
    post: PostName
    phone: Text(32) = ""
    duties: Text(200) = ""


class GridHouseholdWorkerIn(In):
    grid_post_id: Id = Field(description="网格员职务 / the grid worker's post")


class GridHouseholdMoveIn(In):
    org_id: Id = Field(description="同村的网格 / a grid of the household's village")


class GridHouseholdLinkOut(Schema):
    household_id: int
    grid_post_id: int
    since: dt.date


class GridHouseholdRefOut(Schema):
    id: int
    number: str
    village_id: int
    org_id: int
    org_path: str


class GridOrgFilter(QueryIn):
    org_id: Id | None = Field(None, description="组织（其下全部），必填 / the unit (its whole subtree), required")


class GridMonthFilter(QueryIn):
    org_id: Id | None = Field(None, description="组织（其下全部），必填 / the unit (its whole subtree), required")
    month: str | None = Field(None, pattern=MONTH, description="YYYY-MM；默认本月 / default: this month")


class GridWorkerGapOut(Schema):
    grid_post_id: int
    person_id: int
    person_name: str
    grid_id: int
    households: int
    not_visited: list[GridHouseholdRefOut]


class GridVisitOut(Schema):
    id: int
    household_id: int
    grid_id: int
    visitor_id: int
    visitor_name: str
    visited_on: dt.date
    notes: str
    photo_ids: list[int]
    recorded_at: dt.datetime


class GridVisitFilter(QueryIn):
    org_id: Id | None = None
    household_id: Id | None = None
    month: str | None = Field(None, pattern=MONTH)


class GridVisitIn(In):
    household_id: Id
    visited_on: Date
    notes: Text(4000) = ""


class GridIssueOut(Schema):
    id: int
    grid_id: int
    household_id: int | None
    channel: str
    kind: str
    title: str
    description: str
    state: str
    level: int
    assignee_id: int | None
    assignee_name: str | None
    deadline: dt.datetime
    overdue: bool
    created_at: dt.datetime
    closed_at: dt.datetime | None
    action_taken: str
    rating: int | None


class GridIssueEventOut(Schema):
    action: str
    at: dt.datetime
    from_state: str
    to_state: str
    from_level: int | None
    to_level: int
    assignee_id: int | None
    deadline: dt.datetime | None
    note: str


class GridIssueDetailOut(GridIssueOut):
    history: list[GridIssueEventOut]


class GridIssueFilter(QueryIn):
    org_id: Id | None = None
    household_id: Id | None = None
    state: IssueStateName | None = None
    overdue: Bool | None = Field(None, description="只看已逾期未办结 / only open and past the deadline")


class GridIssueIn(In):
    household_id: Id | None = Field(None, description="户（或给出网格） / the household (or give the grid)")
    org_id: Id | None = Field(None, description="网格，未指明户时 / the grid, when no household")
    kind: IssueKindName
    title: Text(100, 1)
    description: Text(4000) = ""


class GridIssueAssignIn(In):
    assignee_id: Id
    deadline: When
    kind: IssueKindName | None = None
    note: Text(500) = ""


class GridIssueCloseIn(In):
    action_taken: Text(4000, 1)
    rating: Int(1, 5) | None = None
    rating_note: Text(200) = ""


class GridIssueRateIn(In):
    rating: Int(1, 5)
    note: Text(200) = ""


class GridUnitCountsOut(Schema):
    org_id: int
    org_path: str
    name: str
    open: int
    overdue: int
    closed: int


class GridCountsOut(Schema):
    total: GridUnitCountsOut
    children: list[GridUnitCountsOut]


class GridBoardOut(Schema):
    grid_id: int
    grid_path: str
    grid_name: str
    village_name: str | None
    posts: list[GridPostOut]
    supervision_phone: str
    work_content: str
    households: int
