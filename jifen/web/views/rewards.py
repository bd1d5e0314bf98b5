"""Admin pages for a scheme's rankings and rewards: points runs (base points, fixed points with an
attendance xlsx), period close, reward lists (evaluate, view, xlsx export, post points), honours,
party-member evaluations and dividends.

Every write is a `jifen.rankings` service; these views check that the viewer administers the
scheme's unit, shape the input and show the service's refusal on the form.
"""

from __future__ import annotations

import tempfile
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.core.errors import InvalidInput, JifenError, NotFound
from jifen.core.excel import DryRunRollback, ImportReport, read_rows
from jifen.orgs.models import Subject, subtree_q
from jifen.orgs.selectors import org_by_path
from jifen.rankings import (
    attendance_excel,
    base_points,
    closing,
    dividends,
    evaluation,
    fixed_points,
    rewards,
    rewards_excel,
)
from jifen.rankings.models import (
    DividendDistribution,
    PartyEvaluation,
    PartyEvaluationMember,
    PointsRun,
    RewardList,
)
from jifen.rules.models import Scheme
from jifen.rules.settings_schema import scheme_settings
from jifen.web.permissions import require_org_admin
from jifen.web.views.schemes import add_errors
from jifen.web.views.stockroom import reward_pay_context

RULE_LABELS = {
    "rank_table": gettext_lazy("排名奖励"), "threshold": gettext_lazy("达标奖励"), "group_average": gettext_lazy("小组人均奖励"),
    "top_n": gettext_lazy("评选前若干名"), "quota": gettext_lazy("按比例表彰"), "above_average": gettext_lazy("高于平均分推荐"),
}


def _scheme(request: HttpRequest, pk: int) -> Scheme:
    scheme = get_object_or_404(Scheme.objects.select_related("org", "org__kind"), pk=pk)
    require_org_admin(request, scheme.org)
    return scheme


class EvaluateForm(forms.Form):
    rule_index = forms.TypedChoiceField(label=gettext_lazy("奖励规则"), coerce=int)
    period = forms.CharField(label=gettext_lazy("期间"), max_length=16, help_text=gettext_lazy("如 2026、2026-Q3、2026-11。"))

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule_index"].choices = [
            (i, rewards.describe_rule(rule)) for i, rule in enumerate(scheme_settings(scheme).reward_rules)
        ]


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=2000, max_value=2100)


class MonthForm(forms.Form):
    month = forms.RegexField(label=gettext_lazy("月份"), regex=r"^\d{4}-\d{2}$", help_text=gettext_lazy("如 2026-10。"),
                             error_messages={"invalid": gettext_lazy("月份格式应为 YYYY-MM，如 2026-10。")})


class AttendanceForm(MonthForm):
    file = forms.FileField(label=gettext_lazy("出勤表（.xlsx）"), help_text=gettext_lazy("列：工号、姓名、出勤天数、应出勤天数。"))
    dry_run = forms.BooleanField(label=gettext_lazy("只检查，不写入（试导入）"), required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（旧的 .xls 请先另存为 .xlsx）。"))
        return upload


class HonourForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("称号"), max_length=100)
    name = forms.CharField(label=gettext_lazy("授予谁（姓名或户名）"), max_length=100)
    period = forms.CharField(label=gettext_lazy("期间"), max_length=16, help_text=gettext_lazy("如 2026。"))
    note = forms.CharField(label=gettext_lazy("备注"), max_length=300, required=False)


class DividendForm(forms.Form):
    org_path = forms.CharField(label=gettext_lazy("分红的组织（路径）"), max_length=500)
    period = forms.CharField(label=gettext_lazy("期间"), max_length=16, help_text=gettext_lazy("如 2026。"))
    pool_yuan = forms.DecimalField(label=gettext_lazy("分红总额（元）"), min_value=Decimal("0.01"), max_digits=15, decimal_places=2)
    vetoed_policy = forms.ChoiceField(label=gettext_lazy("一票否决户"), choices=DividendDistribution.VetoedPolicy.choices)
    zero_policy = forms.ChoiceField(label=gettext_lazy("零分户"), choices=DividendDistribution.ZeroPolicy.choices)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=300, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=200)


class EvaluationOpenForm(YearForm):
    branch_path = forms.CharField(label=gettext_lazy("党支部（路径）"), max_length=500)
    trim_mass = forms.BooleanField(label=gettext_lazy("群众积分去掉最高分和最低分"), required=False)


def _overview(request: HttpRequest, scheme: Scheme, status: int = 200, **bound: forms.Form) -> HttpResponse:
    settings = scheme_settings(scheme)
    forms_ = {
        "evaluate_form": EvaluateForm(scheme=scheme),
        "close_form": YearForm(prefix="close"),
        "base_form": YearForm(prefix="base"),
        "fixed_form": MonthForm(prefix="fixed"),
        "honour_form": HonourForm(prefix="honour"),
        "evaluation_form": EvaluationOpenForm(prefix="evaluation"),
        **bound,
    }
    closed = closing.closed_years(scheme=scheme)
    titles = sorted(rewards._honour_titles(scheme))
    context = {
        "scheme": scheme, "org": scheme.org, "context_unit": scheme.org,
        "closed_years": closed, "closed_years_text": "、".join(str(y) for y in closed),
        "honour_titles": titles, "honour_titles_text": "、".join(titles),
        "rules": [(i, rewards.describe_rule(rule)) for i, rule in enumerate(settings.reward_rules)],
        "lists": RewardList.objects.filter(scheme=scheme).order_by("-period_start", "rule_index"),
        "clears": scheme.period_policy == Scheme.PeriodPolicy.YEAR_END_CLEAR,
        "runs": PointsRun.objects.filter(scheme=scheme).order_by("-created_at", "-pk")[:20],
        "has_base": settings.base_points is not None,
        "has_fixed": settings.fixed_points is not None,
        "honours": rewards.honours_of(scheme=scheme),
        "has_grading": settings.grading is not None,
        "evaluations": PartyEvaluation.objects.filter(scheme=scheme).select_related("branch").order_by("-year", "branch__path"),
        "distributions": DividendDistribution.objects.filter(scheme=scheme).select_related("org").order_by("-created_at", "-pk"),
        **forms_,
    }
    return render(request, "web/rewards/overview.html", context, status=status)


@login_required
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    return _overview(request, _scheme(request, pk))


@login_required
@require_POST
def evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    form = EvaluateForm(request.POST, scheme=scheme)
    if form.is_valid():
        try:
            reward_list = rewards.reward_list_evaluate(
                scheme=scheme, rule_index=form.cleaned_data["rule_index"], period=form.cleaned_data["period"].strip(),
                actor=request.user,
            )
        except JifenError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已评定 %(period)s 的奖励名单。") % {"period": reward_list.period})
            return redirect("console_reward_list", pk=reward_list.pk)
    return _overview(request, scheme, 422, evaluate_form=form)


def _reward_list(request: HttpRequest, pk: int) -> RewardList:
    reward_list = get_object_or_404(RewardList.objects.select_related("scheme", "scheme__org", "scheme__org__kind"), pk=pk)
    require_org_admin(request, reward_list.scheme.org)
    return reward_list


@login_required
def reward_list(request: HttpRequest, pk: int) -> HttpResponse:
    return reward_list_page(request, _reward_list(request, pk))


def reward_list_page(request: HttpRequest, found: RewardList, *, pay_form: Any = None, status: int = 200) -> HttpResponse:
    """The list page; `pay_form` is a refused cash payment (jifen.web.views.stockroom) to show again."""
    scheme = found.scheme
    lines = rewards.reward_lines(reward_list=found)
    context = {
        "scheme": scheme, "org": scheme.org, "context_unit": scheme.org, "reward_list": found, "lines": lines,
        "rule": RULE_LABELS.get(found.rule_type, found.rule_type),
        "postable": any(line.points and line.outcome == "awarded" for line in lines),
        **reward_pay_context(request, found, lines, pay_form),
    }
    return render(request, "web/rewards/list.html", context, status=status)


@login_required
@require_POST
def reward_list_post(request: HttpRequest, pk: int) -> HttpResponse:
    found = _reward_list(request, pk)
    try:
        result = rewards.reward_list_post(reward_list=found, actor=request.user)
    except JifenError as exc:
        messages.error(request, exc.message(get_language()))
    else:
        messages.success(request, _("已入账 %(posted)s 人的积分奖励。") % {"posted": result.posted})
    return redirect("console_reward_list", pk=found.pk)


@login_required
@require_POST
def reward_list_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The scheme's lists for this list's period as an .xlsx (the `jifen export rewards` layout)."""
    found = _reward_list(request, pk)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rewards.xlsx"
        rewards_excel.export_rewards_command(path=path, options={"scheme": found.scheme.code, "period": found.period})
        body = path.read_bytes()
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="rewards-{found.scheme.code}-{found.period}.xlsx"'
    return response


@login_required
@require_POST
def period_close(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    form = YearForm(request.POST, prefix="close")
    if form.is_valid():
        try:
            result = closing.period_close(scheme=scheme, year=form.cleaned_data["year"], actor=request.user)
        except JifenError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("%(year)s 年已结账：清零 %(accounts)s 个账户。") % {
                "year": result.close.year, "accounts": result.close.accounts})
            return redirect("console_rewards", pk=scheme.pk)
    return _overview(request, scheme, 422, close_form=form)


def _run_message(result: Any) -> str:
    return _("%(period)s：入账 %(posted)s 个，此前已入账 %(already)s 个，未入账 %(left)s 个。") % {
        "period": result.period, "posted": result.posted, "already": result.already, "left": len(result.left_out)}


@login_required
@require_POST
def base_points_post(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    form = YearForm(request.POST, prefix="base")
    if form.is_valid():
        try:
            result = base_points.base_points_post(scheme=scheme, year=form.cleaned_data["year"], actor=request.user)
        except JifenError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _run_message(result))
            return redirect("console_rewards", pk=scheme.pk)
    return _overview(request, scheme, 422, base_form=form)


@login_required
@require_POST
def fixed_points_post(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    form = MonthForm(request.POST, prefix="fixed")
    if form.is_valid():
        try:
            result = fixed_points.fixed_points_post(scheme=scheme, month=form.cleaned_data["month"], actor=request.user)
        except JifenError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _run_message(result))
            return redirect("console_rewards", pk=scheme.pk)
    return _overview(request, scheme, 422, fixed_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a month's attendance; every row is checked and the per-row errors shown. All or nothing."""
    scheme = _scheme(request, pk)
    form = AttendanceForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        report = ImportReport(kind="attendance", dry_run=data["dry_run"])
        try:
            rows = read_rows(data["file"], attendance_excel.COLUMNS, report)
            if report.ok:
                try:
                    attendance_excel.attendance_import(actor=request.user, scheme=scheme, month=data["month"], rows=rows, report=report)
                except DryRunRollback:
                    pass
        except JifenError as exc:
            report = None
            add_errors(form, exc, {"month": "month"})
        if report is not None and report.ok and not report.dry_run:
            messages.success(request, _("出勤已导入：新增 %(created)s 行，更新 %(updated)s 行。") % {
                "created": report.created, "updated": report.updated})
    context = {"scheme": scheme, "org": scheme.org, "context_unit": scheme.org, "form": form, "report": report}
    status = 422 if form.errors or (report is not None and not report.ok) else 200
    return render(request, "web/rewards/attendance.html", context, status=status)


@login_required
@require_POST
def honour_award(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    form = HonourForm(request.POST, prefix="honour")
    if form.is_valid():
        data = form.cleaned_data
        try:
            subject = _subject_named(scheme, data["name"].strip())
            rewards.honour_award(scheme=scheme, subject=subject, title=data["title"], period=data["period"].strip(),
                                 actor=request.user, note=data["note"])
        except JifenError as exc:
            add_errors(form, exc, {"period": "period"})
        else:
            messages.success(request, _("已授予%(name)s「%(title)s」。") % {"name": subject.name, "title": data["title"]})
            return redirect("console_rewards", pk=scheme.pk)
    return _overview(request, scheme, 422, honour_form=form)


def _subject_named(scheme: Scheme, name: str) -> Subject:
    found = list(Subject.objects.filter(subtree_q(scheme.org.path, "org__path"), name=name, is_active=True)[:2])
    if not found:
        raise InvalidInput(f"方案范围内没有「{name}」", f"nobody named {name!r} in the scheme", code="invalid_field", detail={"field": "name"})
    if len(found) > 1:
        raise InvalidInput(f"方案范围内有多个「{name}」，请写全名或户名", f"more than one {name!r} in the scheme", code="invalid_field", detail={"field": "name"})
    return found[0]


# ---------------------------------------------------------------- party-member evaluation


@login_required
@require_POST
def evaluation_open(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme(request, pk)
    form = EvaluationOpenForm(request.POST, prefix="evaluation")
    if form.is_valid():
        data = form.cleaned_data
        try:
            branch = org_by_path(data["branch_path"])
            require_org_admin(request, branch)
            found = evaluation.party_evaluation_open(
                actor=request.user, scheme=scheme, branch=branch, year=data["year"], trim_mass=data["trim_mass"]
            )
        except JifenError as exc:
            exc.detail = exc.detail or {"field": "branch_path"}
            add_errors(form, exc)
        else:
            return redirect("console_evaluation", pk=found.pk)
    return _overview(request, scheme, 422, evaluation_form=form)


def _evaluation(request: HttpRequest, pk: int) -> PartyEvaluation:
    found = get_object_or_404(PartyEvaluation.objects.select_related("scheme", "scheme__org", "scheme__org__kind", "branch"), pk=pk)
    require_org_admin(request, found.branch)
    return found


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A branch's evaluation: one row per member with the self and branch scores per area, and the
    mass scores a representative gave; closing it grades everyone."""
    found = _evaluation(request, pk)
    scheme = found.scheme
    grading = evaluation.grading_settings(scheme)
    members = list(PartyEvaluationMember.objects.filter(evaluation=found).order_by("name", "pk"))
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("self", "branch"):
                member = next((m for m in members if str(m.pk) == request.POST.get("member")), None)
                if member is None:
                    raise NotFound("找不到这名党员", "no such member in this evaluation", code="member_not_found")
                areas = {a.code: request.POST.get(f"area_{a.code}", "").strip() for a in grading.areas}
                evaluation.party_evaluation_score(actor=request.user, evaluation=found, member=member, method=action,
                                                  areas={k: v for k, v in areas.items() if v != ""})
                messages.success(request, _("已保存%(name)s的分数。") % {"name": member.name})
            elif action == "mass":
                scores = {m.pk: request.POST.get(f"mass_{m.pk}", "").strip() for m in members}
                evaluation.party_evaluation_mass_record(
                    actor=request.user, evaluation=found, representative=request.POST.get("representative", ""),
                    scores={k: v for k, v in scores.items() if v != ""},
                )
                messages.success(request, _("已记录群众代表的评分。"))
            elif action == "org_check":
                member = next((m for m in members if str(m.pk) == request.POST.get("member")), None)
                if member is None:
                    raise NotFound("找不到这名党员", "no such member in this evaluation", code="member_not_found")
                evaluation.party_evaluation_org_check(actor=request.user, evaluation=found, member=member,
                                                      note=request.POST.get("note", ""))
                messages.success(request, _("已核定%(name)s的分数。") % {"name": member.name})
            elif action == "close":
                evaluation.party_evaluation_close(actor=request.user, evaluation=found)
                messages.success(request, _("评议已结束，等次已评定。"))
            else:
                raise InvalidInput("未知的操作", "unknown action", code="invalid_field")
        except JifenError as exc:
            error = exc.message(get_language())
        else:
            return redirect("console_evaluation", pk=found.pk)
    context = {
        "scheme": scheme, "org": found.branch, "context_unit": found.branch, "evaluation": found, "members": members,
        "areas": grading.areas, "methods": grading.methods, "scale": grading.scale, "error": error,
    }
    return render(request, "web/rewards/evaluation.html", context, status=422 if error else 200)


# ---------------------------------------------------------------- dividends


def _pool_fen(yuan: Decimal) -> int:
    return int((yuan * 100).to_integral_value())


@login_required
@require_http_methods(["GET", "POST"])
def dividends_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A pool in yuan split by household points: first a preview (nothing kept), then the same split posted."""
    scheme = _scheme(request, pk)
    form = DividendForm(request.POST or None, initial={"org_path": scheme.org.path, "key": uuid.uuid4().hex,
                                                        "vetoed_policy": "exclude", "zero_policy": "list"})
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kept = request.POST.get("confirm") == "1"
        try:
            org = org_by_path(data["org_path"])
            require_org_admin(request, org)
            arguments = dict(
                actor=request.user, scheme=scheme, org=org, period=data["period"].strip(), pool_fen=_pool_fen(data["pool_yuan"]),
                key=data["key"], vetoed_policy=data["vetoed_policy"], zero_policy=data["zero_policy"], note=data["note"],
            )
            if kept:
                distribution = dividends.dividend_distribute(**arguments)
            else:
                preview = _dividend_preview(arguments)
        except JifenError as exc:
            if exc.code in ("org_not_found", "not_org_admin", "org_outside_scheme") and not exc.detail:
                exc.detail = {"field": "org_path"}
            add_errors(form, exc, {"pool_fen": "pool_yuan"})
            preview = None
        else:
            if kept:
                messages.success(request, _("分红已确定：%(households)s 户分享。") % {"households": distribution.households})
                return redirect("console_dividend", pk=distribution.pk)
    context = {"scheme": scheme, "org": scheme.org, "context_unit": scheme.org, "form": form, "preview": preview}
    return render(request, "web/rewards/dividends.html", context, status=422 if form.errors else 200)


class _Preview(Exception):
    def __init__(self, distribution: DividendDistribution, lines: list[Any]) -> None:
        self.distribution, self.lines = distribution, lines


def _dividend_preview(arguments: dict[str, Any]) -> dict[str, Any]:
    """Run the service and roll it back: the preview is exactly the split a post would store."""
    try:
        with transaction.atomic():
            distribution = dividends.dividend_distribute(**arguments)
            raise _Preview(distribution, list(distribution.lines.order_by("order")))
    except _Preview as done:
        return {"distribution": done.distribution, "lines": done.lines}


@login_required
def dividend_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(DividendDistribution.objects.select_related("scheme", "scheme__org", "org"), pk=pk)
    require_org_admin(request, found.org)
    context = {
        "scheme": found.scheme, "org": found.org, "context_unit": found.org, "distribution": found,
        "lines": list(found.lines.order_by("order")),
    }
    return render(request, "web/rewards/dividend.html", context)
