"""Leaderboards (积分排行榜) and the caller's own rank: reads over jifen.rankings.selectors.

A board is shown to whoever holds a role over its unit (the scheme's unit, or `org_id` below
it). Staff see every name; everyone else sees their own and their household's names, the rest
masked (张*), as on the public notice board.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from jifen.api.routers.rules import visible_scheme
from jifen.api.schemas.common import Id, Int, QueryIn, Text
from jifen.api.scoping import access, visible, visible_org
from jifen.claims.selectors import mask_name
from jifen.core.errors import NotFound, PermissionDenied
from jifen.orgs.models import Role
from jifen.orgs.selectors import STAFF_ROLES, own_subject_ids_for, subjects_visible_to
from jifen.rankings.selectors import board_page, own_rank

router = Router(tags=["rankings 评比与奖励"])


class BoardFilter(QueryIn):
    period: Text(32) = Field("all", description="2026、2026-01、2026-Q1、2026-W05、2025-2026-1 或 all")
    org_id: Id | None = Field(None, description="只排此组织及其下级 / rank within this unit's subtree")
    group: Literal["leaders", "staff"] | None = Field(None, description="篇6：领导与员工分开排名 / leaders and staff apart")
    group_org_id: Id | None = Field(None, description="篇3：某组织（班级、支部）的成员 / members of this unit")
    category: Text(64) | None = Field(None, description="只计此类别的积分 / points of one category only")
    limit: Int(1, 500) = 100
    offset: Int(0, 1_000_000) = 0


class BoardRowOut(Schema):
    rank: int
    position: int
    subject_id: int
    name: str
    score: str
    tied: bool


class BoardOut(Schema):
    scheme_id: int
    period: str
    source: str = Field(description="snapshot（tick 生成的快照）或 live / from the snapshot or computed now")
    built_at: dt.datetime | None = None
    items: list[BoardRowOut]
    total: int
    limit: int
    offset: int


class OwnRankFilter(QueryIn):
    period: Text(32) = "all"
    subject_id: Id | None = Field(None, description="默认本人 / yourself by default (or a household member)")
    org_id: Id | None = None
    category: Text(64) | None = None


class OwnRankOut(Schema):
    scheme_id: int
    period: str
    subject_id: int
    rank: int
    score: str
    tied: bool
    out_of: int
    points_to_next: str | None
    next_rank: int | None


def _scope(request: HttpRequest, scheme: Any, org_id: int | None) -> Any:
    org = visible_org(request, org_id) if org_id is not None else scheme.org
    if not access(request).covers(org.path, Role.values):
        raise PermissionDenied(
            "请用 org_id 指定您所在的组织", "name your own unit with org_id: the board covers units beyond your roles",
            code="forbidden", detail={"field": "org_id"},
        )
    return org


@router.get("/schemes/{scheme_id}/leaderboard", response=BoardOut)
def leaderboard(request: HttpRequest, scheme_id: Id, filters: Query[BoardFilter]) -> Any:
    """排行榜（分页，并列同名次） / a leaderboard page, best first, ties sharing a rank."""
    scope = access(request)
    scheme = visible_scheme(request, scheme_id)
    org = _scope(request, scheme, filters.org_id)
    group: Any = filters.group
    if filters.group_org_id is not None:
        group = visible_org(request, filters.group_org_id)
    page = board_page(scheme=scheme, period=filters.period, org=org if org.pk != scheme.org_id else None, group=group,
                      category=filters.category, offset=filters.offset, limit=filters.limit)
    staff = scope.covers(org.path, STAFF_ROLES)
    own = set(own_subject_ids_for(scope))
    rows = [{"rank": r.rank, "position": r.position, "subject_id": r.subject_id,
             "name": r.name if staff or r.subject_id in own else mask_name(r.name), "score": str(r.score), "tied": r.tied}
            for r in page.rows]
    return {"scheme_id": scheme.pk, "period": page.period, "source": page.source, "built_at": page.built_at, "items": rows,
            "total": page.total, "limit": page.limit, "offset": page.offset}


@router.get("/schemes/{scheme_id}/my-rank", response=OwnRankOut)
def my_rank(request: HttpRequest, scheme_id: Id, filters: Query[OwnRankFilter]) -> Any:
    """本人（或本户成员）的名次、并列与距上一名的分差 / own rank, tie and points to the next place."""
    scope = access(request)
    scheme = visible_scheme(request, scheme_id)
    if filters.subject_id is not None:
        subject = visible(subjects_visible_to(access=scope), filters.subject_id, what="积分对象", what_en="subject")
    else:
        person = getattr(scope.user, "person", None)
        if person is None:
            raise NotFound("您的账户没有对应的人员", "your account has no person", code="no_person")
        subject = person.subject
    org = visible_org(request, filters.org_id) if filters.org_id is not None else None
    found = own_rank(scheme=scheme, subject=subject, period=filters.period, org=org, category=filters.category)
    if found is None:
        raise NotFound("不在此排行榜上", "not on this board", code="not_ranked")
    return {"scheme_id": scheme.pk, "period": filters.period, "subject_id": found.subject_id, "rank": found.rank,
            "score": str(found.score), "tied": found.tied, "out_of": found.out_of,
            "points_to_next": None if found.points_to_next is None else str(found.points_to_next), "next_rank": found.next_rank}
