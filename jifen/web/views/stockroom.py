"""Admin pages for the points supermarket and the money behind it: the shops of a unit, a shop's
goods with their stock, a good's stock movements (purchase, adjustment, stock-take), the funds of
a unit with their statements and xlsx export, and paying a reward list's cash from a fund.

Open to org admins of the shop's or fund's unit (and platform admins); anyone else gets 403, an
unknown id 404. Every write is a `jifen.market.services` call with the idempotency key the form
carried; a refusal is shown on the form and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import operator
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.core import clock
from jifen.core.errors import IdempotencyMismatch, JifenError
from jifen.market import excel, selectors, services
from jifen.market.models import Fund, FundMovement, Good, Shop, StockMovement
from jifen.orgs.models import OrgUnit, Role, subtree_q
from jifen.orgs.selectors import org_by_path, org_roots_for, org_subtree
from jifen.rankings.models import RewardLine, RewardList, RewardPayment
from jifen.web.forms_stockroom import (
    AdjustForm,
    FundAllocateForm,
    FundCreateForm,
    FundReceiveForm,
    GoodCreateForm,
    GoodEditForm,
    KeyedForm,
    PeriodForm,
    PurchaseForm,
    RewardPayForm,
    ShopCreateForm,
    StockTakeForm,
    fen,
    new_key,
)
from jifen.web.permissions import admin_org, require_org_admin
from jifen.web.views.console import _breadcrumb, _roots
from jifen.web.views.schemes import add_errors

MOVEMENTS_PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Services name a field by their argument; the forms take yuan where the services take fen.
GOOD_FIELDS = {"cost_fen": "cost_yuan"}
STOCK_FIELDS = {"unit_cost_fen": "unit_cost_yuan"}
FUND_FIELDS = {"amount_fen": "amount_yuan", "org": "org_path"}
# Refusals that concern the code the admin typed, though the service names no field.
CODE_TAKEN = ("shop_exists", "good_exists", "fund_exists")


def _today() -> dt.date:
    return clock.now().astimezone(ZoneInfo(settings.JIFEN_DEFAULT_TIME_ZONE)).date()


def _web_key(form: KeyedForm) -> str:
    return f"web:{form.cleaned_data['key']}"


def _refuse(form: forms.Form, exc: JifenError, fields: dict[str, str] | None = None) -> None:
    """Put a service's refusal on the form; a key already spent on other content gets a fresh one."""
    if exc.code in CODE_TAKEN and not exc.detail:
        exc.detail = {"field": "code"}
    if isinstance(exc, IdempotencyMismatch) and isinstance(form, KeyedForm):
        form.refresh_key()
        form.add_error(None, _("这张表单已经提交过不同的内容，请核对后重新提交。"))
        return
    add_errors(form, exc, fields)


def _administered(request: HttpRequest, funds: QuerySet[Fund]) -> QuerySet[Fund]:
    """Only the funds held in units the viewer administers: those are the ones they may spend."""
    roots = org_roots_for(user=request.user, roles=[Role.ORG_ADMIN])
    if not roots:
        return funds.none()
    return funds.filter(functools.reduce(operator.or_, (subtree_q(r.path, "org__path") for r in roots)))


def _picker(request: HttpRequest, url_name: str, title: str) -> HttpResponse:
    roots = _roots(request)
    if len(roots) == 1:
        return redirect(url_name, path=roots[0].path)
    return render(request, "web/stockroom/index.html", {"roots": roots, "url_name": url_name, "title": title})


@login_required
def market_home(request: HttpRequest) -> HttpResponse:
    return _picker(request, "console_shops", _("商品与库存"))


@login_required
def funds_home(request: HttpRequest) -> HttpResponse:
    return _picker(request, "console_funds", _("资金"))


# ---------------------------------------------------------------- shops


@login_required
@require_http_methods(["GET", "POST"])
def shops(request: HttpRequest, path: str) -> HttpResponse:
    """The shops of the unit and below, with the schemes each redeems; open a shop here."""
    org = admin_org(request, path)
    form = ShopCreateForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            shop = services.shop_create(
                actor=request.user, org=org, code=data["code"], name=data["name"], kind=data["kind"], unit=data["unit"],
                address=data["address"], cancel_window_minutes=data["cancel_window_minutes"],
            )
        except JifenError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("已开设「%(name)s」。") % {"name": shop.name})
            return redirect("console_shop", pk=shop.pk)
    listed = list(
        Shop.objects.filter(subtree_q(org.path, "org__path")).select_related("org").annotate(goods_count=Count("goods"))
        .order_by("org__path", "code")
    )
    served = selectors.shop_schemes(org=org, shops=listed)
    context = {
        "org": org, "context_unit": org, "breadcrumb": _breadcrumb(request, org), "form": form,
        "rows": [(shop, served[shop.pk]) for shop in listed],
    }
    return render(request, "web/stockroom/shops.html", context, status=422 if form.errors else 200)


def _shop(request: HttpRequest, pk: int) -> Shop:
    shop = get_object_or_404(Shop.objects.select_related("org", "org__kind", "unit"), pk=pk)
    require_org_admin(request, shop.org)
    return shop


@login_required
@require_http_methods(["GET", "POST"])
def shop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A shop's goods with stock level and average cost; put a new good on the list."""
    shop = _shop(request, pk)
    form = GoodCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            good = services.good_create(actor=request.user, shop=shop, **form.good_values())
        except JifenError as exc:
            _refuse(form, exc, GOOD_FIELDS)
        else:
            messages.success(request, _("已上架「%(name)s」。") % {"name": good.name})
            return redirect("console_good", pk=good.pk)
    goods = list(Good.objects.filter(shop=shop).order_by("-is_active", "category", "code"))
    stock = {row.good.pk: row for row in selectors.stock_levels(shop=shop)}
    context = {
        "shop": shop, "org": shop.org, "context_unit": shop.org, "form": form,
        "rows": [(good, stock.get(good.pk)) for good in goods],
    }
    return render(request, "web/stockroom/shop.html", context, status=422 if form.errors else 200)


# ---------------------------------------------------------------- a good and its stock


def _good(request: HttpRequest, pk: int) -> Good:
    good = get_object_or_404(Good.objects.select_related("shop", "shop__org", "shop__org__kind"), pk=pk)
    require_org_admin(request, good.shop.org)
    return good


def _purchase_funds(request: HttpRequest, shop: Shop) -> QuerySet[Fund]:
    return _administered(request, selectors.funds_spendable_for(org=shop.org, on=_today()))


def _good_page(request: HttpRequest, good: Good, status: int = 200, **bound: forms.Form) -> HttpResponse:
    funds = _purchase_funds(request, good.shop) if good.tracks_stock else Fund.objects.none()
    page_forms: dict[str, forms.Form] = {
        "edit_form": GoodEditForm(prefix="edit", initial=GoodEditForm.initial_for(good)),
        "purchase_form": PurchaseForm(prefix="purchase", funds=funds, initial={"key": new_key()}),
        "adjust_form": AdjustForm(prefix="adjust", initial={"key": new_key()}),
        "take_form": StockTakeForm(prefix="take", initial={"key": new_key()}),
        **bound,
    }
    movements = Paginator(selectors.stock_movements(good=good).order_by("-id"), MOVEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "good": good, "shop": good.shop, "org": good.shop.org, "context_unit": good.shop.org,
        "level": selectors.stock_level(good=good), "average_cost_fen": selectors.average_cost_fen(good=good),
        "page": movements, **page_forms,
    }
    return render(request, "web/stockroom/good.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def good_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A good: its stock and movements, and the forms to change it and its stock."""
    good = _good(request, pk)
    if request.method == "GET":
        return _good_page(request, good)
    form = GoodEditForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            good = services.good_update(actor=request.user, good=good, **form.good_values())
        except JifenError as exc:
            _refuse(form, exc, GOOD_FIELDS)
        else:
            messages.success(request, _("已保存「%(name)s」。") % {"name": good.name})
            return redirect("console_good", pk=good.pk)
    return _good_page(request, good, 422, edit_form=form)


def _stock_done(request: HttpRequest, good: Good, replayed: bool, text: str) -> HttpResponse:
    if replayed:
        messages.info(request, _("这张表单此前已提交并记录，没有重复记录。"))
    else:
        messages.success(request, text)
    return redirect(reverse("console_good", args=[good.pk]) + "#stock")


@login_required
@require_POST
def good_purchase(request: HttpRequest, pk: int) -> HttpResponse:
    good = _good(request, pk)
    form = PurchaseForm(request.POST, prefix="purchase", funds=_purchase_funds(request, good.shop))
    if form.is_valid():
        data, key = form.cleaned_data, _web_key(form)
        replayed = StockMovement.objects.filter(key=key).exists()
        try:
            movement = services.stock_purchase(
                actor=request.user, good=good, quantity=data["quantity"], unit_cost_fen=fen(data["unit_cost_yuan"]),
                fund=data["fund"], reason=data["reason"], idempotency_key=key,
            )
        except JifenError as exc:
            _refuse(form, exc, STOCK_FIELDS)
        else:
            text = _("已入库 %(quantity)s%(unit)s，共 %(yuan)s 元；现有库存 %(level)s%(unit)s。") % {
                "quantity": movement.quantity, "unit": good.unit, "yuan": services.yuan(movement.total_cost_fen or 0),
                "level": movement.level_after,
            }
            if data["fund"] is not None:
                text += " " + _("款项从「%(fund)s」支出。") % {"fund": data["fund"].name}
            return _stock_done(request, good, replayed, text)
    return _good_page(request, good, 422, purchase_form=form)


@login_required
@require_POST
def good_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    good = _good(request, pk)
    form = AdjustForm(request.POST, prefix="adjust")
    if form.is_valid():
        data, key = form.cleaned_data, _web_key(form)
        replayed = StockMovement.objects.filter(key=key).exists()
        try:
            movement = services.stock_adjust(
                actor=request.user, good=good, quantity=data["quantity"], reason=data["reason"], idempotency_key=key
            )
        except JifenError as exc:
            _refuse(form, exc)
        else:
            text = _("库存已调整 %(quantity)s%(unit)s，现有 %(level)s%(unit)s。") % {
                "quantity": f"{movement.quantity:+d}", "unit": good.unit, "level": movement.level_after,
            }
            return _stock_done(request, good, replayed, text)
    return _good_page(request, good, 422, adjust_form=form)


def stocktake_outcome(movement: StockMovement, unit: str) -> str:
    """What a stock-take found, in the reader's language: shortage, surplus or as booked."""
    values = {"book": movement.level_after - movement.quantity, "counted": movement.level_after, "unit": unit,
              "difference": abs(movement.quantity)}
    if movement.quantity < 0:
        return _("盘点：账面 %(book)s%(unit)s，实盘 %(counted)s%(unit)s，短缺 %(difference)s%(unit)s。") % values
    if movement.quantity > 0:
        return _("盘点：账面 %(book)s%(unit)s，实盘 %(counted)s%(unit)s，盈余 %(difference)s%(unit)s。") % values
    return _("盘点：账面与实盘相符，都是 %(counted)s%(unit)s。") % values


@login_required
@require_POST
def good_stocktake(request: HttpRequest, pk: int) -> HttpResponse:
    good = _good(request, pk)
    form = StockTakeForm(request.POST, prefix="take")
    if form.is_valid():
        data, key = form.cleaned_data, _web_key(form)
        replayed = StockMovement.objects.filter(key=key).exists()
        try:
            movement = services.stock_take(
                actor=request.user, good=good, counted=data["counted"], reason=data["reason"], idempotency_key=key
            )
        except JifenError as exc:
            _refuse(form, exc)
        else:
            return _stock_done(request, good, replayed, stocktake_outcome(movement, good.unit))
    return _good_page(request, good, 422, take_form=form)


# ---------------------------------------------------------------- funds


def _funds_page(request: HttpRequest, org: OrgUnit, status: int = 200, **bound: forms.Form) -> HttpResponse:
    page_forms: dict[str, forms.Form] = {"form": FundCreateForm(), "export_form": PeriodForm(prefix="export"), **bound}
    funds = list(selectors.funds_of(org=org))
    context = {
        "org": org, "context_unit": org, "breadcrumb": _breadcrumb(request, org), "funds": funds,
        # No grand total: an allocation leaves one fund and enters another, it would count twice.
        **page_forms,
    }
    return render(request, "web/stockroom/funds.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def funds(request: HttpRequest, path: str) -> HttpResponse:
    """The funds held by the unit and below, with balances; open a fund here."""
    org = admin_org(request, path)
    if request.method == "GET":
        return _funds_page(request, org)
    form = FundCreateForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            fund = services.fund_create(actor=request.user, org=org, code=data["code"], name=data["name"], note=data["note"])
        except JifenError as exc:
            _refuse(form, exc)
        else:
            messages.success(request, _("已设立资金「%(name)s」。") % {"name": fund.name})
            return redirect("console_fund", pk=fund.pk)
    return _funds_page(request, org, 422, form=form)


def _xlsx(buffer: io.BytesIO, name: str) -> HttpResponse:
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _file_name(org: OrgUnit, period: str, fund: Fund | None = None) -> str:
    parts = ["funds", org.path.replace("/", "-"), *([fund.code] if fund else []), period or f"{_today():%Y%m%d}"]
    return "-".join(parts) + ".xlsx"


@login_required
@require_POST
def funds_export(request: HttpRequest, path: str) -> HttpResponse:
    """Every fund of the unit and below: the summary and each statement, as `jifen export fund-statement`."""
    org = admin_org(request, path)
    form = PeriodForm(request.POST, prefix="export")
    if form.is_valid():
        period = form.cleaned_data["period"].strip()
        buffer = io.BytesIO()
        try:
            excel.fund_statement_export(buffer, actor=request.user, org=org, period=period)
        except JifenError as exc:
            form.add_error("period", exc.message(get_language()))
        else:
            return _xlsx(buffer, _file_name(org, period))
    return _funds_page(request, org, 422, export_form=form)


def _fund(request: HttpRequest, pk: int) -> Fund:
    fund = get_object_or_404(Fund.objects.select_related("org", "org__kind", "parent"), pk=pk)
    require_org_admin(request, fund.org)
    return fund


def _fund_page(request: HttpRequest, fund: Fund, status: int = 200, **bound: forms.Form) -> HttpResponse:
    period_form = PeriodForm(request.GET or None)
    since = until = None
    period = ""
    if period_form.is_valid():
        period = period_form.cleaned_data["period"].strip()
        try:
            since, until, _label = excel.period_bounds(period)
        except JifenError as exc:
            period_form.add_error("period", exc.message(get_language()))
            period = ""
    lines = selectors.fund_statement(fund=fund, since=since, until=until)
    income = sum(line.amount_fen for line in lines if line.amount_fen > 0)
    spending = -sum(line.amount_fen for line in lines if line.amount_fen < 0)
    opening = lines[0].balance_after_fen - lines[0].amount_fen if lines else None
    page_forms: dict[str, forms.Form] = {
        "receive_form": FundReceiveForm(prefix="receive", initial={"key": new_key()}),
        "allocate_form": FundAllocateForm(prefix="allocate", initial={"key": new_key(), "year": _today().year}),
        "export_form": PeriodForm(prefix="export", initial={"period": period}),
        **bound,
    }
    # Newest first on the page (the xlsx, for the auditors, is oldest first); each line keeps its balance after.
    rows = [(line, max(line.amount_fen, 0), max(-line.amount_fen, 0)) for line in reversed(lines)]
    statement = Paginator(rows, MOVEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "fund": fund, "org": fund.org, "context_unit": fund.org, "period_form": period_form, "period": period,
        "statement": statement, "balance_fen": selectors.fund_balance(fund=fund),
        "totals": {"opening": opening, "income": income, "spending": spending,
                   "closing": lines[-1].balance_after_fen if lines else None},
        "allocation_targets": org_subtree(fund.org).exclude(pk=fund.org_id).order_by("path").values_list("path", "name")[:500],
        "allocations": Fund.objects.filter(parent=fund).select_related("org").order_by("-year", "org__path"),
        **page_forms,
    }
    return render(request, "web/stockroom/fund.html", context, status=422 if period_form.errors else status)


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The fund's statement (movements with the balance after each), and money in and out."""
    return _fund_page(request, _fund(request, pk))


def _fund_done(request: HttpRequest, fund: Fund, replayed: bool, text: str) -> HttpResponse:
    if replayed:
        messages.info(request, _("这张表单此前已提交并记录，没有重复记录。"))
    else:
        messages.success(request, text)
    return redirect("console_fund", pk=fund.pk)


@login_required
@require_POST
def fund_receive(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(request, pk)
    form = FundReceiveForm(request.POST, prefix="receive")
    if form.is_valid():
        data, key = form.cleaned_data, _web_key(form)
        replayed = FundMovement.objects.filter(key=key).exists()
        try:
            movement = services.fund_receive(
                actor=request.user, fund=fund, amount_fen=fen(data["amount_yuan"]), source_kind=data["source_kind"],
                reason=data["reason"], idempotency_key=key,
            )
        except JifenError as exc:
            _refuse(form, exc, FUND_FIELDS)
        else:
            text = _("已收入 %(yuan)s 元，余额 %(balance)s 元。") % {
                "yuan": services.yuan(movement.amount_fen), "balance": services.yuan(movement.balance_after_fen)
            }
            return _fund_done(request, fund, replayed, text)
    return _fund_page(request, fund, 422, receive_form=form)


@login_required
@require_POST
def fund_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _fund(request, pk)
    form = FundAllocateForm(request.POST, prefix="allocate")
    if form.is_valid():
        data, key = form.cleaned_data, _web_key(form)
        replayed = FundMovement.objects.filter(key=key).exists()
        try:
            target = org_by_path(data["org_path"])
            child = services.fund_allocate(
                actor=request.user, fund=fund, org=target, year=data["year"], amount_fen=fen(data["amount_yuan"]),
                reason=data["reason"], idempotency_key=key,
            )
        except JifenError as exc:
            if exc.code == "org_not_found":
                exc.detail = {"field": "org_path"}
            _refuse(form, exc, FUND_FIELDS)
        else:
            text = _("已下拨 %(yuan)s 元到「%(fund)s」。") % {"yuan": services.yuan(fen(data["amount_yuan"])), "fund": child.name}
            return _fund_done(request, fund, replayed, text)
    return _fund_page(request, fund, 422, allocate_form=form)


@login_required
@require_POST
def fund_export(request: HttpRequest, pk: int) -> HttpResponse:
    """This fund's statement as xlsx (the summary sheet and its movements)."""
    fund = _fund(request, pk)
    form = PeriodForm(request.POST, prefix="export")
    if form.is_valid():
        period = form.cleaned_data["period"].strip()
        buffer = io.BytesIO()
        try:
            excel.fund_statement_export(buffer, actor=request.user, org=fund.org, fund=fund, period=period)
        except JifenError as exc:
            form.add_error("period", exc.message(get_language()))
        else:
            return _xlsx(buffer, _file_name(fund.org, period, fund))
    return _fund_page(request, fund, 422, export_form=form)


# ---------------------------------------------------------------- reward list cash


def _payable_funds(request: HttpRequest, reward_list: RewardList) -> QuerySet[Fund]:
    org = reward_list.scheme.org
    return _administered(request, selectors.funds_spendable_for(org=org, on=_today(), below=True))


def reward_pay_context(
    request: HttpRequest, reward_list: RewardList, lines: list[RewardLine], form: RewardPayForm | None = None
) -> dict[str, Any]:
    """What the reward list page shows about cash: paid lines, what is left, the pay form.
    Nothing (and no query) for a list without cash."""
    cash = [line for line in lines if line.outcome == RewardLine.Outcome.AWARDED and line.amount_fen]
    if not cash:
        return {}
    paid = set(RewardPayment.objects.filter(line__reward_list=reward_list).values_list("line_id", flat=True))
    unpaid = [line for line in cash if line.pk not in paid]
    context: dict[str, Any] = {
        "cash": {
            "lines": len(cash), "total_fen": sum(line.amount_fen or 0 for line in cash),
            "paid": len(cash) - len(unpaid), "unpaid_fen": sum(line.amount_fen or 0 for line in unpaid),
        },
        "paid_lines": paid,
    }
    if unpaid or form is not None:
        context["pay_form"] = form or RewardPayForm(
            prefix="pay", funds=_payable_funds(request, reward_list), initial={"key": new_key()}
        )
    return context


@login_required
@require_POST
def reward_list_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay the list's unpaid cash lines out of one fund (all or nothing)."""
    from jifen.web.views import rewards

    found = rewards._reward_list(request, pk)
    form = RewardPayForm(request.POST, prefix="pay", funds=_payable_funds(request, found))
    if form.is_valid():
        fund = form.cleaned_data["fund"]
        try:
            result = services.reward_list_pay(actor=request.user, reward_list=found, fund=fund, idempotency_key=_web_key(form))
        except JifenError as exc:
            _refuse(form, exc)
        else:
            if result.replayed:
                messages.info(request, _("这次发放此前已办理（共 %(yuan)s 元），没有重复发放。") % {"yuan": services.yuan(result.total_fen)})
            else:
                messages.success(request, _("已从「%(fund)s」发放 %(count)s 笔现金奖励，共 %(yuan)s 元。") % {
                    "fund": fund.name, "count": result.paid, "yuan": services.yuan(result.total_fen)})
            return redirect(reverse("console_reward_list", args=[found.pk]) + "#cash")
    return rewards.reward_list_page(request, found, pay_form=form, status=422)
