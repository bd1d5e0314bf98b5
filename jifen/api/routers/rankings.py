"""Reward lists (评选名单) and points runs (固定积分、基础分): reads over jifen.rankings."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Query, Router

from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.rankings import (
    PointsRunDetailOut,
    PointsRunFilter,
    PointsRunOut,
    RewardListDetailOut,
    RewardListFilter,
    RewardListOut,
)
from jifen.api.scoping import access, visible
from jifen.core.models import AuditEvent
from jifen.rankings.models import PointsRun, RewardList
from jifen.rankings.reward_selectors import (
    points_run_lines,
    points_runs_visible_to,
    reward_lines,
    reward_lists_visible_to,
)

router = Router(tags=["rankings 评比与奖励"])


def _exported_at(scheme_ids: set[int]) -> dict[int, Any]:
    rows = (
        AuditEvent.objects.filter(action="rankings.export_rewards", object_type="rules.scheme", object_id__in=[str(i) for i in scheme_ids])
        .order_by("object_id", "-at")
        .values_list("object_id", "at")
    )
    out: dict[int, Any] = {}
    for object_id, at in rows:
        out.setdefault(int(object_id), at)
    return out


def reward_list_out(reward_list: RewardList, exported: dict[int, Any]) -> dict[str, Any]:
    total, paid = reward_list.lines_total, reward_list.lines_paid  # type: ignore[attr-defined]
    payable = reward_list.lines_payable  # type: ignore[attr-defined]
    status = "paid" if payable and paid >= payable else ("posted" if reward_list.posted_at is not None else "evaluated")
    return {
        "id": reward_list.pk, "scheme_id": reward_list.scheme_id, "scheme_code": reward_list.scheme.code,
        "rule_index": reward_list.rule_index, "rule_type": reward_list.rule_type, "period": reward_list.period,
        "period_start": reward_list.period_start, "period_end": reward_list.period_end,
        "evaluated_at": reward_list.evaluated_at, "status": status, "posted_at": reward_list.posted_at,
        "lines_total": total, "lines_paid": paid, "last_exported_at": exported.get(reward_list.scheme_id),
    }


def _with_counts(qs: Any) -> Any:
    return qs.annotate(
        lines_total=Count("lines", distinct=True),
        lines_paid=Count("lines__payment", distinct=True),
        lines_payable=Count("lines", filter=Q(lines__amount_fen__gt=0), distinct=True),
    )


@router.get("/reward-lists", response=Page[RewardListOut])
def reward_lists_list(request: HttpRequest, page: Query[PageIn], filters: Query[RewardListFilter]) -> Any:
    """评选名单及其状态（已评出 / 已入账 / 已发放、最近导出） / reward lists and their status."""
    qs = _with_counts(reward_lists_visible_to(access=access(request)))
    if filters.scheme_id is not None:
        qs = qs.filter(scheme_id=filters.scheme_id)
    if filters.period:
        qs = qs.filter(period=filters.period)
    result = page_of(qs.order_by("-period_start", "scheme__code", "rule_index", "pk"), page)
    exported = _exported_at({r.scheme_id for r in result["items"]})
    result["items"] = [reward_list_out(r, exported) for r in result["items"]]
    return result


@router.get("/reward-lists/{reward_list_id}", response=RewardListDetailOut)
def reward_list_detail(request: HttpRequest, reward_list_id: Id) -> Any:
    reward_list = visible(_with_counts(reward_lists_visible_to(access=access(request))), reward_list_id, what="评选名单", what_en="reward list")
    lines = [
        {"order": line.order, "subject_id": line.subject_id, "org_id": line.org_id, "name": line.name, "group": line.group,
         "rank": line.rank, "score": line.score, "outcome": line.outcome, "amount_fen": line.amount_fen, "points": line.points,
         "title": line.title, "reward": line.reward, "note": line.note, "paid": hasattr(line, "payment")}
        for line in reward_lines(reward_list=reward_list).select_related("payment")
    ]
    return {**reward_list_out(reward_list, _exported_at({reward_list.scheme_id})), "rule": reward_list.rule or {},
            "summary": reward_list.summary or {}, "lines": lines}


def run_out(run: PointsRun) -> dict[str, Any]:
    return {
        "id": run.pk, "scheme_id": run.scheme_id, "kind": run.kind, "period": run.period, "number": run.number,
        "transaction_id": run.transaction_id, "posted": run.posted, "total": run.total, "left_out": list(run.left_out or []),
        "created_at": run.created_at,
    }


@router.get("/points-runs", response=Page[PointsRunOut])
def points_runs_list(request: HttpRequest, page: Query[PageIn], filters: Query[PointsRunFilter]) -> Any:
    """固定积分与基础分的发放记录 / fixed and base points runs."""
    qs = points_runs_visible_to(access=access(request))
    for name in ("scheme_id", "kind", "period"):
        if getattr(filters, name):
            qs = qs.filter(**{name: getattr(filters, name)})
    return page_of(qs.order_by("-created_at", "-pk"), page, run_out)


@router.get("/points-runs/{run_id}", response=PointsRunDetailOut)
def points_run_detail(request: HttpRequest, run_id: Id) -> Any:
    run = visible(points_runs_visible_to(access=access(request)), run_id, what="发放记录", what_en="points run")
    lines = [{"subject_id": line.subject_id, "name": line.subject.name, "amount": line.amount} for line in points_run_lines(run=run)]
    return {**run_out(run), "lines": lines}
