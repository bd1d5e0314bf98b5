"""Monthly reports upward and dashboards: thin over jifen.reports selectors and services."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from jifen.api.schemas.common import Id
from jifen.api.schemas.reports import (
    DashboardOut,
    MonthlyReportOut,
    MonthQuery,
    PilotOut,
    RollupOut,
    SubmissionOut,
    SubmitIn,
    TargetsIn,
    TargetsOut,
)
from jifen.api.scoping import actor, visible_org
from jifen.core import clock
from jifen.orgs.models import OrgUnit
from jifen.reports import selectors, services
from jifen.reports.models import MonthlyReportSubmission

router = Router(tags=["reports 月报与看板"])


def _month(value: str | None) -> Any:
    return selectors.parse_month(value or "", default=selectors.last_complete_month(clock.now()))


def _org(request: HttpRequest, org_id: int) -> OrgUnit:
    org = visible_org(request, org_id)
    return OrgUnit.objects.select_related("kind").get(pk=org.pk)


def submission_out(s: MonthlyReportSubmission) -> dict[str, Any]:
    return {
        "id": s.pk, "org_id": s.org_id, "month": f"{s.month:%Y-%m}", "revision": s.revision, "figures_hash": s.figures_hash,
        "note": s.note, "submitted_by_id": s.submitted_by_id, "submitted_by_name": s.submitted_by_name,
        "submitted_at": s.submitted_at,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def targets_out(t: selectors.Targets) -> dict[str, Any]:
    return {
        "party_and_cadres": str(t.party_and_cadres), "pilot_households": str(t.pilot_households),
        "other_households": str(t.other_households), "redemption": str(t.redemption), "set_at": t.set_at,
    }


@router.get("/reports/monthly/{org_id}", response=MonthlyReportOut)
def monthly_report(request: HttpRequest, org_id: Id, query: Query[MonthQuery]) -> Any:
    """村月报：由数据生成，附历次上报 / a village's monthly report from data, with its submissions."""
    village = selectors.require_village(_org(request, org_id))
    services.require_report_reviewer(user=actor(request), village=village)
    month = _month(query.month)
    figures = selectors.monthly_figures(village=village, month=month)
    return {
        "org_id": village.pk, "org_path": village.path, "org_name": village.name, "month": f"{month:%Y-%m}",
        "figures": figures, "figures_hash": selectors.figures_hash(figures),
        "submissions": [submission_out(s) for s in selectors.submissions_of(village=village, month=month)],
    }


@router.post("/reports/monthly/{org_id}/submissions", response={201: SubmissionOut})
def monthly_report_submit(request: HttpRequest, org_id: Id, payload: SubmitIn) -> Any:
    """上报月报（冻结当前数据）；数据未变时返回已有的上报 / submit: freeze the figures; unchanged figures return the standing submission."""
    village = selectors.require_village(_org(request, org_id))
    user = actor(request)
    header = request.headers.get("Idempotency-Key", "")
    key = "api:" + hashlib.sha256(f"{user.pk}:{header}".encode()).hexdigest()[:40]
    submission = services.monthly_report_submit(
        actor=user, village=village, month=_month(payload.month), key=key, reviewed_hash=payload.reviewed_hash,
        note=payload.note,
    )
    return Status(201, submission_out(submission))


@router.get("/reports/rollup/{org_id}", response=RollupOut)
def rollup(request: HttpRequest, org_id: Id, query: Query[MonthQuery]) -> Any:
    """乡镇（县）汇总：各村最新上报及合计，未上报的村 / a township's rollup: latest submissions, sums, who is missing."""
    org = _org(request, org_id)
    services.require_overseer(user=actor(request), org=org)
    result = selectors.township_rollup(org=org, month=_month(query.month))
    return {
        "org_id": org.pk, "org_path": org.path, "month": f"{result.month:%Y-%m}",
        "villages": [
            {
                "org_id": row.village.pk, "org_path": row.village.path, "name": row.village.name,
                "submission": submission_out(row.submission) if row.submission else None,
                "figures": row.submission.figures if row.submission else None,
            }
            for row in result.rows
        ],
        "missing": [v.pk for v in result.missing],
        "totals": result.totals,
    }


@router.get("/dashboard/{org_id}", response=DashboardOut)
def dashboard(request: HttpRequest, org_id: Id, query: Query[MonthQuery]) -> Any:
    """看板数据：参与率对照目标、兑换率、分类积分趋势、各村比较 / dashboard figures for a subtree."""
    org = _org(request, org_id)
    services.require_overseer(user=actor(request), org=org)
    board = selectors.dashboard(org=org, month=_month(query.month))
    return {
        "org_id": org.pk, "org_path": org.path, "month": f"{board.month:%Y-%m}", "targets": targets_out(board.targets),
        "households_total": board.households_total, "households_active": board.households_active,
        "household_rate": _text(board.household_rate), "party_total": board.party_total, "party_active": board.party_active,
        "party_rate": _text(board.party_rate), "redemption_available": board.redemption_available,
        "redemption_rate": _text(board.redemption_rate), "villages_meeting_target": board.villages_meeting_target,
        "villages": [
            {
                "org_id": r.village.pk, "org_path": r.village.path, "name": r.village.name, "pilot": r.pilot,
                "households_total": r.households_total, "households_active": r.households_active,
                "household_rate": _text(r.household_rate), "household_target": str(r.household_target),
                "meets_household_target": r.meets_household_target, "party_total": r.party_total,
                "party_active": r.party_active, "party_rate": _text(r.party_rate), "party_target": str(r.party_target),
                "people_total": r.people_total, "people_active": r.people_active,
                "net_points": selectors.points_text(r.net_points), "redemption_rate": _text(r.redemption_rate),
            }
            for r in board.villages
        ],
        "top": [r.village.pk for r in board.top],
        "bottom": [r.village.pk for r in board.bottom],
        "months": board.months,
        "categories": [{"name": s["name"], "points": s["points"]} for s in board.category_series],
    }


@router.get("/reports/targets/{org_id}", response=TargetsOut)
def targets(request: HttpRequest, org_id: Id) -> Any:
    """适用于该组织的目标（本级或上级设置，否则默认）/ the targets in force for a unit."""
    org = _org(request, org_id)
    services.require_overseer(user=actor(request), org=org)
    return targets_out(selectors.targets_for(org))


@router.put("/reports/targets/{org_id}", response=TargetsOut)
def targets_set(request: HttpRequest, org_id: Id, payload: TargetsIn) -> Any:
    """设置下级各村的目标（0–1 的比例，未给出的沿用当前值）/ set targets; omitted ones keep their value."""
    org = _org(request, org_id)
    current = selectors.targets_for(org)
    values = {k: getattr(payload, k) or str(getattr(current, k)) for k in ("party_and_cadres", "pilot_households", "other_households", "redemption")}
    services.report_targets_set(actor=actor(request), org=org, **values)
    return targets_out(selectors.targets_for(org))


@router.put("/reports/pilot-villages/{org_id}", response=PilotOut)
def pilot_village_add(request: HttpRequest, org_id: Id) -> Any:
    """设为试点村（户参与率目标随之提高）/ make a village a pilot."""
    village = _org(request, org_id)
    return {"org_id": village.pk, "pilot": services.pilot_village_set(actor=actor(request), village=village, pilot=True)}


@router.delete("/reports/pilot-villages/{org_id}", response=PilotOut)
def pilot_village_remove(request: HttpRequest, org_id: Id) -> Any:
    """取消试点村 / no longer a pilot village."""
    village = _org(request, org_id)
    return {"org_id": village.pk, "pilot": services.pilot_village_set(actor=actor(request), village=village, pilot=False)}
