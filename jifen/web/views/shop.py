"""The shopkeeper's counter (兑换员): find the member, fill the basket, redeem, show the receipt, cancel.

Open to shopkeepers (and higher roles) of the shop's unit. Every write goes through
`jifen.market.services`; the basket form carries an idempotency key made when the form was
shown, so a double tap or a retry after a dropped connection redeems once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.core import clock
from jifen.core.errors import JifenError, PermissionDenied
from jifen.market import selectors, services
from jifen.market.models import Redemption, Shop
from jifen.orgs.models import ROLE_RANK, Role, Subject
from jifen.orgs.privacy import mask_mobile
from jifen.orgs.selectors import user_role_rank

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _shop(request: HttpRequest, shop_id: int) -> Shop:
    shop = get_object_or_404(Shop.objects.select_related("org"), pk=shop_id, is_active=True)
    if user_role_rank(user=request.user, org=shop.org) < ROLE_RANK[Role.SHOPKEEPER]:
        raise PermissionDenied(f"您不是「{shop.name}」的兑换员", f"you do not keep {shop.name}", code="not_shopkeeper")
    return shop


@login_required
def shop_home(request: HttpRequest) -> HttpResponse:
    shops = list(selectors.shops_kept_by(user=request.user))
    if len(shops) == 1:
        return redirect("shop_counter", shop_id=shops[0].pk)
    return render(request, "web/shop/home.html", {"shops": shops})


@login_required
def shop_counter(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _shop(request, shop_id)
    query = request.GET.get("q", "").strip()[:50]
    matches = selectors.member_lookup(shop=shop, query=query) if query else []
    rows = [(m, mask_mobile(m.person.mobile)) for m in matches]
    template = "web/shop/counter_results.html" if request.headers.get("HX-Request") else "web/shop/counter.html"
    return render(request, template, {"shop": shop, "context_unit": shop.org, "query": query, "rows": rows})


def _quantities(request: HttpRequest, goods: list) -> tuple[dict[int, int], list[str]]:
    quantities: dict[int, int] = {}
    bad: list[str] = []
    for good, _level in goods:
        raw = request.POST.get(f"qty_{good.pk}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or len(raw) > 6:
            bad.append(good.name)
            continue
        if int(raw) > 0:
            quantities[good.pk] = int(raw)
    return quantities, bad


@login_required
@require_http_methods(["GET", "POST"])
def shop_redeem(request: HttpRequest, shop_id: int, subject_id: int) -> HttpResponse:
    shop = _shop(request, shop_id)
    subject = get_object_or_404(Subject.objects.select_related("org"), pk=subject_id, is_active=True)
    today = clock.now().astimezone(SHANGHAI).date()
    goods = selectors.goods_on_offer(shop=shop, on=today)
    key = request.POST.get("key") or uuid.uuid4().hex
    quantities: dict[int, int] = {}
    error = ""
    if request.method == "POST":
        quantities, bad = _quantities(request, goods)
        by_id = {g.pk: g for g, _ in goods}
        if bad:
            error = _("数量应为整数：%(names)s") % {"names": "、".join(bad)}
        elif not quantities:
            error = _("请至少选择一件商品。")
        else:
            try:
                redemption = services.redemption_create(
                    actor=request.user, shop=shop, subject=subject,
                    lines=[(by_id[pk], q) for pk, q in quantities.items()], idempotency_key=f"web:{key}",
                )
            except JifenError as exc:
                error = exc.message(get_language())
            else:
                messages.success(request, _("兑换成功，小票号 %(no)s") % {"no": redemption.receipt_no})
                return redirect("shop_receipt", redemption_id=redemption.pk)
    rows = [(good, level, quantities.get(good.pk, "")) for good, level in goods]
    context = {
        "shop": shop, "context_unit": shop.org, "subject": subject, "rows": rows, "key": key, "error": error,
        "balance": selectors.balance_at_shop(shop=shop, subject=subject),
    }
    return render(request, "web/shop/redeem.html", context, status=422 if error else 200)


def _redemption(request: HttpRequest, redemption_id: int) -> tuple[Redemption, Shop]:
    redemption = get_object_or_404(Redemption.objects.select_related("shop__org", "subject"), pk=redemption_id)
    return redemption, _shop(request, redemption.shop_id)


@login_required
def shop_receipt(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption, shop = _redemption(request, redemption_id)
    receipt = selectors.redemption_receipt(redemption=redemption)
    deadline = redemption.redeemed_at + dt.timedelta(minutes=shop.cancel_window_minutes)
    can_cancel = redemption.status == Redemption.Status.COMPLETED and clock.now() <= deadline
    context = {
        "shop": shop, "context_unit": shop.org, "redemption": redemption, "receipt": receipt, "can_cancel": can_cancel,
        "deadline": deadline, "key": uuid.uuid4().hex,
    }
    return render(request, "web/shop/receipt.html", context)


@login_required
@require_POST
def shop_cancel(request: HttpRequest, redemption_id: int) -> HttpResponse:
    redemption, _shop_row = _redemption(request, redemption_id)
    reason = request.POST.get("reason", "").strip()
    try:
        services.redemption_cancel(
            actor=request.user, redemption=redemption, reason=reason, idempotency_key=f"web:{request.POST.get('key') or uuid.uuid4().hex}"
        )
    except JifenError as exc:
        messages.error(request, exc.message(get_language()))
    else:
        messages.success(request, _("已撤销，积分与库存已退回。"))
    return redirect("shop_receipt", redemption_id=redemption.pk)
