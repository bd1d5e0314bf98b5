"""Dashboards for township and county admins: participation against targets, redemption,
points by category over time, villages compared. Charts (ECharts, our own static copy) draw the
same figures the tables show; without JavaScript the tables are the page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from jifen.core.errors import JifenError, PermissionDenied
from jifen.orgs.models import OrgUnit, Role
from jifen.orgs.selectors import org_roots_for
from jifen.reports import selectors, services
from jifen.reports.selectors import VILLAGE_KINDS
from jifen.web.forms import add_service_error
from jifen.web.views.reports import month_nav, month_of

# Units whose dashboards roll villages up; companies, schools and grids have none.
OVERSEEING_KINDS = ("province", "city", "county", "township")


def _share_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, min_value=Decimal(0), max_value=Decimal(100), decimal_places=0, max_digits=3,
        help_text=gettext_lazy("百分比，0–100"),
    )


class TargetsForm(forms.Form):
    party_and_cadres = _share_field(gettext_lazy("党员、村（社区）干部参与率目标（%）"))
    pilot_households = _share_field(gettext_lazy("试点村户参与率目标（%）"))
    other_households = _share_field(gettext_lazy("其他村户参与率目标（%）"))
    redemption = _share_field(gettext_lazy("村民兑换率目标（%）"))


def _roots(request: HttpRequest) -> list[Any]:
    roots = [r for r in org_roots_for(user=request.user, roles=[Role.ORG_ADMIN]) if r.kind.code not in VILLAGE_KINDS]
    if not roots:
        raise PermissionDenied("看板供乡镇、县的组织管理员使用", "dashboards are for township and county admins", code="not_org_admin")
    return roots


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    roots = _roots(request)
    if len(roots) == 1:
        return redirect("dashboard", path=roots[0].path)
    return render(request, "web/dashboard/index.html", {"roots": roots})


def _org(request: HttpRequest, path: str) -> Any:
    org = selectors.org_for_report(path)
    services.require_overseer(user=request.user, org=org)
    return org


@login_required
def dashboard(request: HttpRequest, path: str) -> HttpResponse:
    org = _org(request, path)
    month = month_of(request)
    board = selectors.dashboard(org=org, month=month)
    targets = board.targets
    pct = {k: int(getattr(targets, k) * 100) for k in ("party_and_cadres", "pilot_households", "other_households", "redemption")}
    context = {
        "targets_pct": pct,
        "org": org, "context_unit": org, **month_nav(month), "board": board, "chart": board.chart_data(),
        "targets_form": TargetsForm(initial=pct),
        # Townships under a county (villages are in the table already).
        "children": list(org.children.filter(is_active=True, kind__code__in=OVERSEEING_KINDS).order_by("path")),
    }
    return render(request, "web/dashboard/dashboard.html", context)


@login_required
@require_http_methods(["POST"])
def targets_set(request: HttpRequest, path: str) -> HttpResponse:
    org = _org(request, path)
    form = TargetsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.report_targets_set(actor=request.user, org=org, **{k: (v / 100).quantize(Decimal("0.01")) for k, v in data.items()})
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已保存目标。"))
            return redirect("dashboard", path=org.path)
    return render(request, "web/dashboard/targets.html", {"org": org, "context_unit": org, "form": form}, status=422)


@login_required
@require_POST
def pilot_set(request: HttpRequest, path: str) -> HttpResponse:
    village = selectors.require_village(selectors.org_for_report(path))
    pilot = request.POST.get("pilot") == "1"
    services.pilot_village_set(actor=request.user, village=village, pilot=pilot)
    messages.success(request, _("已设为试点村。") if pilot else _("已取消试点村。"))
    back = request.POST.get("back", "")
    if back and OrgUnit.objects.filter(path=back).exists():
        return redirect("dashboard", path=back)
    return redirect("dashboard", path=village.parent.path)
