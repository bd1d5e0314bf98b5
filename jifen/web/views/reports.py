"""Monthly reports upward: a village reviews and submits; a township rolls up its villages.

Reads through `jifen.reports.selectors`, the submission through `jifen.reports.services`.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from jifen.claims.models import ClaimState
from jifen.core import clock
from jifen.core.errors import JifenError, PermissionDenied
from jifen.orgs.models import OrgUnit, Role, subtree_q
from jifen.orgs.selectors import org_roots_for
from jifen.reports import export, selectors, services
from jifen.reports.selectors import VILLAGE_KINDS
from jifen.web.forms import add_service_error

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class SubmitForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput, max_length=100)
    reviewed_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    note = forms.CharField(
        label=gettext_lazy("说明（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("例如本月的重点工作或数据的说明。"),
    )


def month_of(request: HttpRequest) -> dt.date:
    """The month asked for (?month=2026-03); the last complete month by default."""
    return selectors.parse_month(request.GET.get("month", ""), default=selectors.last_complete_month(clock.now()))


def month_nav(month: dt.date) -> dict[str, Any]:
    current = clock.now().astimezone(selectors.report_zone()).date().replace(day=1)
    following = selectors.next_month(month)
    return {
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "previous_month": f"{selectors.previous_month(month):%Y-%m}",
        "next_month": f"{following:%Y-%m}" if following < current else "",
        "month_over": month < current,
    }


def _village(path: str) -> OrgUnit:
    return selectors.require_village(selectors.org_for_report(path))


def _reviewed_village(request: HttpRequest, path: str) -> OrgUnit:
    village = _village(path)
    services.require_report_reviewer(user=request.user, village=village)
    return village


def _overseen(request: HttpRequest, path: str) -> OrgUnit:
    org = selectors.org_for_report(path)
    services.require_overseer(user=request.user, org=org)
    return org


def claim_state_rows(figures: dict[str, Any]) -> list[tuple[str, int]]:
    return [(str(ClaimState(state).label), count) for state, count in figures["claims"]["by_state"].items() if count]


def _rate(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def figures_context(figures: dict[str, Any]) -> dict[str, Any]:
    hh, people, party = figures["households"], figures["people"], figures["party_and_cadres"]
    return {
        "figures": figures,
        "household_rate": _rate(hh["active"], hh["total"]),
        "people_rate": _rate(people["active"], people["total"]),
        "party_rate": _rate(party["active"], party["total"]),
        "claim_states": claim_state_rows(figures),
    }


@login_required
def reports_home(request: HttpRequest) -> HttpResponse:
    """Villages the viewer reviews reports for, and units they roll up."""
    review_roots = org_roots_for(user=request.user, roles=[Role.REVIEWER, Role.ORG_ADMIN])
    if not review_roots:
        raise PermissionDenied("您没有需要审阅的月报", "you have no monthly reports to review", code="no_reports")
    condition = subtree_q(review_roots[0].path)
    for root in review_roots[1:]:
        condition |= subtree_q(root.path)
    villages = list(OrgUnit.objects.filter(condition, kind__code__in=VILLAGE_KINDS, is_active=True).order_by("path")[:500])
    overseen = [r for r in org_roots_for(user=request.user, roles=[Role.ORG_ADMIN]) if r.kind.code not in VILLAGE_KINDS]
    if len(villages) == 1 and not overseen:
        return redirect("reports_village", path=villages[0].path)
    return render(request, "web/reports/index.html", {"villages": villages, "overseen": overseen, **month_nav(month_of(request))})


@login_required
@require_http_methods(["GET", "POST"])
def village_report(request: HttpRequest, path: str) -> HttpResponse:
    """The village's figures for the month, its submissions, and the form to submit them."""
    village = _reviewed_village(request, path)
    if request.method == "POST":
        month = selectors.parse_month(request.POST.get("month", ""))
    else:
        month = month_of(request)
    status = 200
    form = SubmitForm(request.POST or None)
    if request.method == "POST":
        if not form.is_valid():
            status = 422
        else:
            data = form.cleaned_data
            try:
                submission = services.monthly_report_submit(
                    actor=request.user, village=village, month=month, key=data["key"], reviewed_hash=data["reviewed_hash"],
                    note=data["note"],
                )
            except JifenError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("已上报 %(month)s 的月报（第 %(revision)s 次）。") % {
                    "month": f"{month:%Y-%m}", "revision": submission.revision})
                return redirect(f"{request.path}?month={month:%Y-%m}")
    figures = selectors.monthly_figures(village=village, month=month)
    digest = selectors.figures_hash(figures)
    if request.method == "POST":
        # Shown again after a refusal: the hidden fields now carry the figures on screen and a fresh key.
        refreshed = request.POST.copy()
        refreshed["key"], refreshed["reviewed_hash"] = uuid.uuid4().hex, digest
        form.data = refreshed
    else:
        form = SubmitForm(initial={"key": uuid.uuid4().hex, "reviewed_hash": digest})
    submissions = list(selectors.submissions_of(village=village, month=month).select_related("submitted_by"))
    latest = submissions[-1] if submissions else None
    context = {
        "org": village, "context_unit": village, **month_nav(month), **figures_context(figures), "form": form,
        "submissions": list(reversed(submissions)), "latest": latest, "unchanged": latest is not None and latest.figures_hash == digest,
        "can_submit": month_nav(month)["month_over"],
    }
    return render(request, "web/reports/village.html", context, status=status)


def _report_source(village: OrgUnit, month: dt.date) -> tuple[dict[str, Any], Any]:
    """The latest submission's frozen figures if there is one, else the figures computed now."""
    latest = selectors.latest_submission(village=village, month=month)
    if latest is not None:
        return latest.figures, latest
    return selectors.monthly_figures(village=village, month=month), None


@login_required
def village_report_print(request: HttpRequest, path: str) -> HttpResponse:
    village = _reviewed_village(request, path)
    month = month_of(request)
    figures, submission = _report_source(village, month)
    context = {"org": village, "context_unit": village, **month_nav(month), **figures_context(figures), "submission": submission}
    return render(request, "web/reports/village_print.html", context)


@login_required
def village_report_xlsx(request: HttpRequest, path: str) -> HttpResponse:
    village = _reviewed_village(request, path)
    month = month_of(request)
    figures, submission = _report_source(village, month)
    status = f"第{submission.revision}次上报" if submission else "未上报（当前数据）"
    buffer = io.BytesIO()
    export.monthly_report_xlsx(figures, buffer, status=status)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="report-{village.path.replace("/", "-")}-{month:%Y-%m}.xlsx"'
    return response


@login_required
def rollup_home(request: HttpRequest) -> HttpResponse:
    roots = [r for r in org_roots_for(user=request.user, roles=[Role.ORG_ADMIN]) if r.kind.code not in VILLAGE_KINDS]
    if not roots:
        raise PermissionDenied("只有乡镇、县的组织管理员可以查看月报汇总", "only township and county admins see rollups", code="not_org_admin")
    if len(roots) == 1:
        return redirect("reports_rollup", path=roots[0].path)
    return render(request, "web/reports/index.html", {"villages": [], "overseen": roots, **month_nav(month_of(request))})


@login_required
def rollup(request: HttpRequest, path: str) -> HttpResponse:
    org = _overseen(request, path)
    month = month_of(request)
    result = selectors.township_rollup(org=org, month=month)
    rows = [
        {"village": row.village, "submission": row.submission, "figures": row.submission.figures if row.submission else None,
         "net": export.net_points_text(row.submission.figures) if row.submission else ""}
        for row in result.rows
    ]
    context = {
        "org": org, "context_unit": org, **month_nav(month), "rollup": result, "rows": rows,
        "totals": figures_context(result.totals), "net_total": export.net_points_text(result.totals),
    }
    return render(request, "web/reports/rollup.html", context)


@login_required
def rollup_xlsx(request: HttpRequest, path: str) -> HttpResponse:
    org = _overseen(request, path)
    month = month_of(request)
    buffer = io.BytesIO()
    export.rollup_xlsx(selectors.township_rollup(org=org, month=month), buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="rollup-{org.path.replace("/", "-")}-{month:%Y-%m}.xlsx"'
    return response
