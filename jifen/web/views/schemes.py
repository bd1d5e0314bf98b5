"""Admin pages for points schemes: the schemes reaching a unit, applying a seed template, a scheme's
settings, and its catalog (categories, items and their versions, xlsx import and export).

Open to org admins of the scheme's unit (and platform admins); every write goes through
`jifen.rules.services` (or `catalog_excel`), which validate; the forms here only shape input.
"""

from __future__ import annotations

import copy
import io
import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.core.errors import JifenError, PermissionDenied, field_error
from jifen.orgs.models import OrgUnit, Role, ancestor_paths, subtree_q
from jifen.orgs.selectors import org_ancestors, org_roots_for
from jifen.rules import catalog_excel, selectors
from jifen.rules import services as rules
from jifen.rules.models import SUBJECT_TYPES, Category, Item, ItemVersion, Scheme
from jifen.rules.settings_schema import validate_settings
from jifen.rules.template_format import template_load, template_names
from jifen.web.permissions import admin_org, require_org_admin
from jifen.web.views.console import _roots

SUBJECT_TYPE_LABELS = {
    "person": gettext_lazy("个人"), "household": gettext_lazy("家庭户"), "party_member": gettext_lazy("党员"), "staff": gettext_lazy("员工"),
    "teacher": gettext_lazy("教师"), "unit": gettext_lazy("单位"),
}
BLANK = [("", gettext_lazy("（未定，待填写）"))]


def add_errors(form: forms.Form, exc: JifenError, fields: dict[str, str] | None = None) -> None:
    """Put each problem a service names on its field; `fields` maps service paths to form fields."""
    language = get_language() or "zh-hans"
    english = language.lower().startswith("en")
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    problems = detail.get("errors") or [{"field": detail.get("field"), "zh": exc.zh, "en": exc.en}]
    for problem in problems:
        path = problem.get("field") or ""
        target = _field_for(path, form, fields or {})
        text = problem["en"] if english else problem["zh"]
        if target is not None:
            # Deep inside a table (reward_rules[0].type …): say where, the box holds a whole list.
            exact = path == target or path in (fields or {}) and (fields or {})[path] == target
            form.add_error(target, text if exact or not path else f"{path.removeprefix('settings.')}: {text}")
        else:
            form.add_error(None, f"{path}: {text}" if path else exc.message(language))


def _field_for(path: str, form: forms.Form, fields: dict[str, str]) -> str | None:
    if path in form.fields:
        return path
    best = None
    for prefix, name in fields.items():
        if (path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")) and (
            best is None or len(prefix) > len(best[0])
        ):
            best = (prefix, name)
    return best[1] if best else None


def _scheme_for_admin(request: HttpRequest, pk: int) -> Scheme:
    scheme = get_object_or_404(Scheme.objects.select_related("org", "org__kind"), pk=pk)
    require_org_admin(request, scheme.org)
    return scheme


# ---------------------------------------------------------------- schemes per unit


class TemplateApplyForm(forms.Form):
    template = forms.ChoiceField(label=gettext_lazy("模板"))
    effective_from = forms.DateField(
        label=gettext_lazy("细则生效日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text=gettext_lazy("留空为今天。"),
    )
    period_policy = forms.ChoiceField(
        label=gettext_lazy("积分有效期"), required=False,
        choices=[("", gettext_lazy("按模板")), *Scheme.PeriodPolicy.choices],
        help_text=gettext_lazy("篇3、篇5 的原文没有规定，套用时须选择。"),
    )

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = templates


def template_choices() -> list[tuple[str, str]]:
    choices = []
    for name in template_names():
        template = template_load(name)
        title = template.title_en if (get_language() or "").startswith("en") and template.title_en else template.title
        choices.append((name, f"{template.source} {title}"))
    return choices


@login_required
def schemes_home(request: HttpRequest) -> HttpResponse:
    roots = _roots(request)
    if len(roots) == 1:
        return redirect("console_schemes", path=roots[0].path)
    return render(request, "web/schemes/index.html", {"roots": roots})


@login_required
@require_http_methods(["GET", "POST"])
def schemes(request: HttpRequest, path: str) -> HttpResponse:
    """Schemes that reach this unit (adopted here or above) and those adopted below it; apply a template."""
    org = admin_org(request, path)
    form = TemplateApplyForm(request.POST or None, templates=template_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scheme = rules.template_apply(
                actor=request.user, name=data["template"], org=org, effective_from=data["effective_from"],
                period_policy=data["period_policy"] or None,
            )
        except JifenError as exc:
            add_errors(form, exc, {"period_policy": "period_policy", "scheme.period_policy": "period_policy"})
        else:
            messages.success(request, _("已套用模板，方案「%(name)s」。") % {"name": scheme.name})
            return redirect("console_scheme", pk=scheme.pk)
    listed = (
        Scheme.objects.filter(subtree_q(org.path, "org__path") | _above(org))
        .select_related("org")
        .annotate(item_count=Count("items"))
        .order_by("org__depth", "org__path", "code")
    )
    manageable = {r.path for r in org_roots_for(user=request.user, roles=[Role.ORG_ADMIN])}

    def reachable(path: str) -> bool:
        return any(path == r or path.startswith(r + "/") for r in manageable)

    rows = [(s, reachable(s.org.path)) for s in listed]
    breadcrumb = [(unit, reachable(unit.path)) for unit in org_ancestors(org).select_related("kind")]
    context = {"org": org, "context_unit": org, "rows": rows, "form": form, "breadcrumb": breadcrumb}
    return render(request, "web/schemes/list.html", context, status=422 if form.errors else 200)


def _above(org: OrgUnit) -> Q:
    return Q(org__path__in=ancestor_paths(org.path))


# ---------------------------------------------------------------- scheme settings

JSON_HELP = gettext_lazy("JSON 格式；留空表示不用。出错时会指出具体位置。")


class SchemeSettingsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("方案名称"), max_length=200)
    subject_types = forms.MultipleChoiceField(
        label=gettext_lazy("积分对象"), widget=forms.CheckboxSelectMultiple, choices=[(t, SUBJECT_TYPE_LABELS[t]) for t in SUBJECT_TYPES],
        error_messages={"required": gettext_lazy("请至少选择一种积分对象。")},
    )
    period_policy = forms.ChoiceField(label=gettext_lazy("积分有效期"), required=False, choices=[*BLANK, *Scheme.PeriodPolicy.choices])
    time_zone = forms.CharField(label=gettext_lazy("时区"), max_length=64, help_text=gettext_lazy("如 Asia/Shanghai；周期按此时区划分。"))
    notice_cadence = forms.ChoiceField(label=gettext_lazy("公示周期"), required=False, choices=[*BLANK, *Scheme.Cadence.choices])
    review_cadence = forms.ChoiceField(label=gettext_lazy("评议周期"), required=False, choices=[*BLANK, *Scheme.Cadence.choices])
    objection_days = forms.IntegerField(label=gettext_lazy("异议期（天）"), required=False)
    redemption_lowers_score = forms.BooleanField(label=gettext_lazy("兑换后扣减积分（排名分）"), required=False)
    base_points = forms.IntegerField(label=gettext_lazy("基础分"), required=False, help_text=gettext_lazy("每年发放给每个积分对象的基础分。"))
    fraud_multiplier = forms.DecimalField(
        label=gettext_lazy("弄虚作假倍数"), required=False, help_text=gettext_lazy("弄虚作假者按事项分值的几倍扣分，如 2。")
    )
    veto_enabled = forms.BooleanField(label=gettext_lazy("实行一票否决"), required=False)
    veto_period_days = forms.IntegerField(label=gettext_lazy("一票否决期限（天）"), required=False)
    leader_matching = forms.ChoiceField(
        label=gettext_lazy("领导连带加扣分"), required=False,
        choices=[("", gettext_lazy("不实行")), ("on", gettext_lazy("实行")), ("off", gettext_lazy("暂停"))],
    )
    factors = forms.CharField(
        label=gettext_lazy("固定分因素表"), required=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=JSON_HELP,
    )
    grade_bands = forms.CharField(
        label=gettext_lazy("等次分数段"), required=False, widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=JSON_HELP,
    )
    reward_rules = forms.CharField(
        label=gettext_lazy("奖励规则与奖励表"), required=False, widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=JSON_HELP,
    )

    def _json(self, name: str) -> Any:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("JSON 格式有误：第 %(line)s 行第 %(column)s 列。") % {"line": exc.lineno, "column": exc.colno}
            ) from None
        if not isinstance(value, list):
            raise forms.ValidationError(_("应为一个列表（以 [ 开头）。"))
        return value

    def clean_factors(self) -> Any:
        return self._json("factors")

    def clean_grade_bands(self) -> Any:
        return self._json("grade_bands")

    def clean_reward_rules(self) -> Any:
        return self._json("reward_rules")


SETTINGS_FIELDS = {
    "settings.base_points": "base_points",
    "settings.base_points.amount": "base_points",
    "settings.veto.period_days": "veto_period_days",
    "settings.leader_matching.enabled": "leader_matching",
    "settings.fraud_multiplier": "fraud_multiplier",
    "settings.veto": "veto_period_days",
    "settings.veto.enabled": "veto_enabled",
    "settings.leader_matching": "leader_matching",
    "settings.fixed_points": "factors",
    "settings.grading": "grade_bands",
    "settings.reward_rules": "reward_rules",
}


def _dump(value: Any) -> str:
    return "" if value in (None, []) else json.dumps(value, ensure_ascii=False, indent=2)


def settings_initial(scheme: Scheme) -> dict[str, Any]:
    s = scheme.settings or {}
    veto = s.get("veto") or {}
    leader = s.get("leader_matching")
    return {
        "name": scheme.name, "subject_types": scheme.subject_types, "period_policy": scheme.period_policy or "",
        "time_zone": scheme.time_zone, "notice_cadence": scheme.notice_cadence or "",
        "review_cadence": scheme.review_cadence or "", "objection_days": scheme.objection_days,
        "redemption_lowers_score": scheme.redemption_lowers_score,
        "base_points": (s.get("base_points") or {}).get("amount"), "fraud_multiplier": s.get("fraud_multiplier"),
        "veto_enabled": bool(veto) and veto.get("enabled", True), "veto_period_days": veto.get("period_days"),
        "leader_matching": "" if leader is None else ("on" if leader.get("enabled", True) else "off"),
        "factors": _dump((s.get("fixed_points") or {}).get("factors")),
        "grade_bands": _dump((s.get("grading") or {}).get("bands")),
        "reward_rules": _dump(s.get("reward_rules")),
    }


def settings_from_form(scheme: Scheme, data: dict[str, Any]) -> dict[str, Any]:
    """The scheme's settings with the form's sections replaced; keys the form does not show are kept."""
    s = copy.deepcopy(scheme.settings or {})
    if data["base_points"] is not None or "base_points" in s:
        s.setdefault("base_points", {"subject_types": [t for t in data["subject_types"] if t in ("person", "household")]})
        s["base_points"]["amount"] = data["base_points"]
    if data["fraud_multiplier"] is not None:
        s["fraud_multiplier"] = str(data["fraud_multiplier"])
    elif "fraud_multiplier" in s:
        s["fraud_multiplier"] = None
    if data["veto_enabled"] or data["veto_period_days"] is not None or "veto" in s:
        s.setdefault("veto", {})
        s["veto"]["enabled"] = data["veto_enabled"]
        s["veto"]["period_days"] = data["veto_period_days"]
    if data["leader_matching"]:
        s["leader_matching"] = {**(s.get("leader_matching") or {}), "enabled": data["leader_matching"] == "on"}
    else:
        s.pop("leader_matching", None)
    for key, section, value in (("fixed_points", "factors", data["factors"]), ("grading", "bands", data["grade_bands"])):
        if value is not None:
            s.setdefault(key, {})[section] = value
        elif key in s and section in s[key]:
            s[key][section] = []
    if data["reward_rules"] is not None:
        s["reward_rules"] = data["reward_rules"]
    elif "reward_rules" in s:
        s["reward_rules"] = []
    return s


@login_required
@require_http_methods(["GET", "POST"])
def scheme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme_for_admin(request, pk)
    form = SchemeSettingsForm(request.POST or None, initial=settings_initial(scheme))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        new_settings = _jsonable(settings_from_form(scheme, data))
        try:
            rules.scheme_update(
                actor=request.user, scheme=scheme, name=data["name"], subject_types=data["subject_types"],
                period_policy=data["period_policy"] or None, time_zone=data["time_zone"].strip(),
                notice_cadence=data["notice_cadence"] or None, review_cadence=data["review_cadence"] or None,
                objection_days=data["objection_days"], redemption_lowers_score=data["redemption_lowers_score"],
                settings=new_settings,
            )
        except JifenError as exc:
            add_errors(form, exc, SETTINGS_FIELDS)
            # The service stops at the scheme's own fields; show the settings' problems in the same answer.
            if not str((exc.detail or {}).get("field", "")).startswith("settings"):
                try:
                    validate_settings(new_settings)
                except JifenError as more:
                    add_errors(form, more, SETTINGS_FIELDS)
        else:
            messages.success(request, _("方案设置已保存。"))
            return redirect("console_scheme", pk=scheme.pk)
    context = {
        "scheme": scheme, "org": scheme.org, "context_unit": scheme.org, "form": form,
        "to_fill": selectors.items_needing_input(scheme).count(),
    }
    return render(request, "web/schemes/detail.html", context, status=422 if form.errors else 200)


def _jsonable(value: Any) -> Any:
    """Decimals read from the JSON boxes go to the validator as strings, as stored settings hold them."""
    return json.loads(json.dumps(value, default=str))


# ---------------------------------------------------------------- catalog


class CategoryForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("类别编码"), max_length=64, help_text=gettext_lazy("字母、数字、- 和 _。"))
    name = forms.CharField(label=gettext_lazy("类别名称"), max_length=100)


class ItemForm(forms.Form):
    """One version of an item: what it says and is worth, from a date."""

    name = forms.CharField(label=gettext_lazy("事项"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    direction = forms.ChoiceField(label=gettext_lazy("加分/扣分"), choices=ItemVersion.Direction.choices)
    points = forms.DecimalField(label=gettext_lazy("固定分值"), required=False, help_text=gettext_lazy("填固定分值，或填下面的分值范围。"))
    points_min = forms.DecimalField(label=gettext_lazy("最低分"), required=False)
    points_max = forms.DecimalField(label=gettext_lazy("最高分"), required=False)
    frequency = forms.ChoiceField(label=gettext_lazy("频次"), choices=ItemVersion.Frequency.choices)
    cap_per_day = forms.IntegerField(label=gettext_lazy("每天上限（次）"), required=False)
    cap_per_month = forms.IntegerField(label=gettext_lazy("每月上限（次）"), required=False)
    cap_per_year = forms.IntegerField(label=gettext_lazy("每年上限（次）"), required=False)
    evidence_required = forms.BooleanField(label=gettext_lazy("须附证明材料"), required=False)
    min_role = forms.ChoiceField(label=gettext_lazy("最低记录角色"), choices=ItemVersion.MinRole.choices)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ItemVersion.Kind.choices)
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    note = forms.CharField(label=gettext_lazy("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def version_fields(self, scheme: Scheme) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {f: data[f] for f in ("name", "direction", "frequency", "cap_per_day", "cap_per_month", "cap_per_year",
                                       "evidence_required", "min_role", "kind", "note")}
        for f in ("points", "points_min", "points_max"):
            fields[f] = self._units(scheme, f, data[f])
        return fields

    def _units(self, scheme: Scheme, field: str, value: Decimal | None) -> int | None:
        if value is None:
            return None
        try:
            return scheme.to_units(value)
        except (ValueError, InvalidOperation):
            raise field_error(
                field, f"分值最多 {scheme.points_scale} 位小数", f"points take {scheme.points_scale} decimals at most"
            ) from None


class ItemCreateForm(ItemForm):
    code = forms.CharField(label=gettext_lazy("事项编码"), max_length=64, help_text=gettext_lazy("字母、数字、- 和 _，方案内唯一。"))
    category = forms.ModelChoiceField(label=gettext_lazy("类别"), queryset=Category.objects.none())

    field_order = ["category", "code"]

    def __init__(self, *args: Any, scheme: Scheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(scheme=scheme).order_by("order", "id")


def version_initial(version: ItemVersion, scheme: Scheme) -> dict[str, Any]:
    def show(units: int | None) -> Decimal | None:
        return None if units is None else scheme.from_units(units)

    initial = {f: getattr(version, f) for f in ("name", "direction", "frequency", "cap_per_day", "cap_per_month",
                                              "cap_per_year", "evidence_required", "min_role", "kind", "note")}
    initial.update(points=show(version.points), points_min=show(version.points_min), points_max=show(version.points_max))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def catalog(request: HttpRequest, pk: int) -> HttpResponse:
    """The scheme's catalog as it stands (each item's newest version), with forms to add."""
    scheme = _scheme_for_admin(request, pk)
    category_form = CategoryForm(request.POST if "add_category" in request.POST else None, prefix="category")
    item_form = ItemCreateForm(
        request.POST if "add_item" in request.POST else None, scheme=scheme, prefix="item",
        initial={"effective_from": rules.today_in(scheme), "direction": "award", "frequency": "per_event",
                 "min_role": "recorder", "kind": "normal"},
    )
    if request.method == "POST" and "add_category" in request.POST and category_form.is_valid():
        try:
            rules.category_create(actor=request.user, scheme=scheme, **category_form.cleaned_data)
        except JifenError as exc:
            add_errors(category_form, exc)
        else:
            messages.success(request, _("已添加类别「%(name)s」。") % {"name": category_form.cleaned_data["name"]})
            return redirect("console_catalog", pk=scheme.pk)
    if request.method == "POST" and "add_item" in request.POST and item_form.is_valid():
        data = item_form.cleaned_data
        try:
            item = rules.item_create(
                actor=request.user, scheme=scheme, category=data["category"], code=data["code"],
                effective_from=data["effective_from"], **item_form.version_fields(scheme),
            )
        except JifenError as exc:
            add_errors(item_form, exc)
        else:
            messages.success(request, _("已添加事项「%(code)s」。") % {"code": item.code})
            return redirect("console_item", pk=item.pk)
    by_category: dict[int, list[ItemVersion]] = {}
    for version in selectors.latest_versions(scheme):
        by_category.setdefault(version.item.category_id, []).append(version)
    categories = [(c, by_category.get(c.pk, [])) for c in Category.objects.filter(scheme=scheme).order_by("order", "id")]
    context = {
        "scheme": scheme, "org": scheme.org, "context_unit": scheme.org, "categories": categories,
        "today": rules.today_in(scheme), "category_form": category_form, "item_form": item_form,
    }
    status = 422 if category_form.errors or item_form.errors else 200
    return render(request, "web/schemes/catalog.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An item's versions, oldest first, and the form that changes it from a date (a new version)."""
    item = get_object_or_404(Item.objects.select_related("scheme", "scheme__org", "scheme__org__kind", "category"), pk=pk)
    scheme = item.scheme
    require_org_admin(request, scheme.org)
    versions = list(selectors.item_versions(item))
    latest = versions[-1]
    initial = {**version_initial(latest, scheme), "effective_from": max(rules.today_in(scheme), latest.effective_from)}
    form = ItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = rules.item_edit(
                actor=request.user, item=item, effective_from=form.cleaned_data["effective_from"],
                **form.version_fields(scheme),
            )
        except JifenError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("已保存：第 %(number)s 版，%(date)s 起生效。") % {
                "number": version.number, "date": version.effective_from.isoformat()})
            return redirect("console_item", pk=item.pk)
    context = {
        "scheme": scheme, "org": scheme.org, "context_unit": scheme.org, "item": item, "versions": versions,
        "latest": latest, "form": form,
    }
    return render(request, "web/schemes/item.html", context, status=422 if form.errors else 200)


class CatalogImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("积分细则（.xlsx）"), help_text=gettext_lazy("用本页导出的文件修改后上传；最大 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("只检查，不写入（试导入）"), required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（旧的 .xls 请先另存为 .xlsx）。"))
        if upload.size > 10 * 1024 * 1024:
            raise forms.ValidationError(_("文件太大：最大 10 MB。"))
        return upload


@login_required
@require_http_methods(["GET", "POST"])
def catalog_import(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme_for_admin(request, pk)
    form = CatalogImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = catalog_excel.catalog_import(
                actor=request.user, scheme=scheme, source=upload, dry_run=form.cleaned_data["dry_run"], file_name=upload.name,
            )
        except JifenError as exc:
            form.add_error("file", exc.message(get_language()))
        else:
            if report.ok and not report.dry_run:
                messages.success(request, _("导入完成：新增 %(created)s 项，修改 %(updated)s 项。") % {
                    "created": report.created, "updated": report.updated})
    context = {
        "scheme": scheme, "org": scheme.org, "context_unit": scheme.org, "form": form, "report": report,
        "columns": catalog_excel.COLUMNS,
    }
    status = 422 if form.errors or (report is not None and not report.ok) else 200
    return render(request, "web/schemes/catalog_import.html", context, status=status)


@login_required
@require_POST
def catalog_export(request: HttpRequest, pk: int) -> HttpResponse:
    scheme = _scheme_for_admin(request, pk)
    buffer = io.BytesIO()
    catalog_excel.catalog_export(actor=request.user, scheme=scheme, destination=buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="catalog-{scheme.code}-{rules.today_in(scheme):%Y%m%d}.xlsx"'
    return response


# ---------------------------------------------------------------- points limits on role bindings


@login_required
@require_POST
def role_limit(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a binding's points limit from the roles page (empty: no right to award or deduct)."""
    from jifen.orgs import selectors as org_selectors
    from jifen.orgs import services as orgs
    from jifen.orgs.models import ROLE_RANK, RoleBinding

    binding = get_object_or_404(RoleBinding.objects.select_related("org", "user"), pk=pk)
    require_org_admin(request, binding.org)
    if ROLE_RANK[Role(binding.role)] > org_selectors.user_role_rank(user=request.user, org=binding.org):
        raise PermissionDenied("不能修改高于自己的角色", "you cannot change a role above your own", code="role_above_own")
    back = request.POST.get("back", "")
    if not (binding.org.path == back or binding.org.path.startswith(back + "/")):
        back = binding.org.path
    text = request.POST.get("points_limit", "").strip()
    if text and not text.isdigit():
        messages.error(request, _("单次奖扣分上限应为不小于0的整数，或留空。"))
        return redirect("console_roles", path=back)
    try:
        orgs.role_binding_set_limit(actor=request.user, binding=binding, points_limit=int(text) if text else None)
    except JifenError as exc:
        messages.error(request, exc.message(get_language()))
    else:
        messages.success(request, _("已修改%(user)s的单次奖扣分上限。") % {"user": binding.user})
    return redirect("console_roles", path=back)
