"""The villager's own points supermarket (积分超市, self-service): the shops that serve me and my
household, what each offers today, a basket to redeem, and my household's receipts.

Reads go through `jifen.market.selectors`, the one write through `services.redemption_create`,
which decides (actor, veto, limits, stock, balance) and refuses with a message in Chinese and
English; nothing here repeats its rules. The basket form carries an idempotency key made when
the market page was shown and kept through the confirmation step, so a double tap or a retry
after a dropped connection redeems once and shows the same receipt.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jifen.core import clock
from jifen.core.errors import IdempotencyMismatch, JifenError
from jifen.ledger.periods import local_date
from jifen.market import selectors, services
from jifen.market.models import Good, Redemption
from jifen.web.views import flow

RECEIPTS_PER_PAGE = 20
MAX_QUANTITY = 999
_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Offer:
    """One good on the shelf as the member sees it, with what they typed in the basket."""

    good: Good
    level: int | None  # stock level; None for services and vouchers (no stock kept)
    taken: int | None  # counted against the household this period, for a limited good
    quantity: int | str = ""

    @property
    def sold_out(self) -> bool:
        return self.level == 0


@dataclass
class ShopPage:
    """A shop's section of the market page: its accounts, its goods and the basket form's state."""

    entry: selectors.MemberShop
    offers: list[Offer]
    key: str
    chosen: int | None  # the account the basket spends
    error: str = ""

    @property
    def shop(self) -> Any:
        return self.entry.shop

    @property
    def vetoed(self) -> bool:
        return all(a.veto is not None for a in self.entry.accounts)


def _new_key() -> str:
    return uuid.uuid4().hex


def _member_shops(own: flow.Mine) -> list[selectors.MemberShop]:
    if own.person is None:
        return []
    return selectors.shops_for_member(person=own.person, household=own.household, on=clock.now())


def _shop_page(own: flow.Mine, entry: selectors.MemberShop, *, key: str | None = None, chosen: int | None = None,
               quantities: dict[int, int] | None = None, error: str = "") -> ShopPage:
    today = local_date(entry.accounts[0].scheme, clock.now())
    goods = selectors.goods_on_offer(shop=entry.shop, on=today)
    holder = own.household.subject if own.household is not None else own.person.subject  # type: ignore[union-attr]
    taken = selectors.limits_taken(goods=[g for g, _level in goods], subject=holder, on=today)
    quantities = quantities or {}
    offers = [Offer(good=g, level=level, taken=taken.get(g.pk), quantity=quantities.get(g.pk, "")) for g, level in goods]
    return ShopPage(entry=entry, offers=offers, key=key or _new_key(), chosen=chosen or entry.accounts[0].account.pk, error=error)


@login_required
def market(request: HttpRequest) -> HttpResponse:
    """The supermarkets that serve me and my household, each with today's goods and a basket."""
    own = flow.mine(request.user)
    pages = [_shop_page(own, entry) for entry in _member_shops(own)]
    return render(request, "web/mall/market.html", {"own": own, "pages": pages})


def _quantities(request: HttpRequest, offers: list[Offer]) -> tuple[dict[int, int], list[str]]:
    quantities: dict[int, int] = {}
    bad: list[str] = []
    for offer in offers:
        raw = request.POST.get(f"qty_{offer.good.pk}", "").strip()
        if not raw:
            continue
        if not raw.isdigit() or int(raw) > MAX_QUANTITY:
            bad.append(offer.good.name)
        elif int(raw) > 0:
            quantities[offer.good.pk] = int(raw)
    return quantities, bad


@dataclass
class Line:
    good: Good
    quantity: int
    points: int


@login_required
@require_POST
def redeem(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The basket: first shown back for confirmation (nothing written), then, confirmed, redeemed.
    A refusal is shown on the page and nothing is written; the same key again shows the same receipt."""
    own = flow.mine(request.user)
    entry = next((e for e in _member_shops(own) if e.shop.pk == shop_id), None)
    if entry is None:
        raise Http404(_("找不到这个积分超市。"))
    key = request.POST.get("key", "")
    accounts = {a.account.pk: a for a in entry.accounts}
    chosen = flow.int_or_none(request.POST.get("account"))
    page = _shop_page(own, entry, key=key if _KEY.match(key) else None, chosen=chosen)
    quantities, bad = _quantities(request, page.offers)
    for offer in page.offers:
        offer.quantity = quantities.get(offer.good.pk, "")
    if bad:
        page.error = _("数量应为 0 到 %(max)s 的整数：%(names)s") % {"max": MAX_QUANTITY, "names": "、".join(bad)}
    elif not quantities:
        page.error = _("请至少选择一件商品。")
    elif chosen not in accounts:
        page.error = _("请选择用哪个积分账户兑换。")
    elif not _KEY.match(key):
        page.error = _("兑换单已过期，请重新提交。")
    if page.error:
        return render(request, "web/mall/market.html", {"own": own, "pages": [page], "single": True}, status=422)

    spend = accounts[chosen]  # type: ignore[index]
    by_id = {o.good.pk: o.good for o in page.offers}
    lines = [Line(good=by_id[pk], quantity=q, points=by_id[pk].price_points * q) for pk, q in quantities.items()]
    total = sum(line.points for line in lines)
    context = {
        "own": own, "shop": entry.shop, "spend": spend, "lines": lines, "total": total, "after": spend.balance - total,
        "key": key, "error": "",
    }
    if request.POST.get("confirm") != "1":
        return render(request, "web/mall/confirm.html", context)
    try:
        redemption = services.redemption_create(
            actor=request.user, shop=entry.shop, subject=spend.subject, scheme=spend.scheme, person=own.person,
            lines=[(by_id[pk], q) for pk, q in quantities.items()], idempotency_key=f"me:{request.user.pk}:{key}",
        )
    except IdempotencyMismatch:
        context["error"] = _("这张兑换单已经提交过，不能再改动。请回到积分超市重新选择。")
    except JifenError as exc:
        context["error"] = exc.message(get_language())
    else:
        messages.success(request, _("兑换成功，请凭小票 %(no)s 到超市领取。") % {"no": redemption.receipt_no})
        return redirect("mall_receipt", pk=redemption.pk)
    return render(request, "web/mall/confirm.html", context, status=422)


@login_required
def receipts(request: HttpRequest) -> HttpResponse:
    """My household's receipts, newest first (mine, the household's and every member's)."""
    own = flow.mine(request.user)
    qs = selectors.redemptions_of_member(person=own.person, household=own.household) if own.person else Redemption.objects.none()
    page = Paginator(qs, RECEIPTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/mall/receipts.html", {"own": own, "page": page})


@login_required
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """One receipt of my household; any other is not found (its existence stays hidden)."""
    own = flow.mine(request.user)
    redemption = None
    if own.person is not None:
        redemption = selectors.redemptions_of_member(person=own.person, household=own.household).filter(pk=pk).first()
    if redemption is None:
        raise Http404(_("找不到这张小票。"))
    context = {
        "own": own, "redemption": redemption, "receipt": selectors.redemption_receipt(redemption=redemption),
        "balance_after": selectors.redemption_balance_after(redemption=redemption), "context_unit": redemption.shop.org,
    }
    return render(request, "web/mall/receipt.html", context)


def home_box(own: flow.Mine) -> list[selectors.ShopAccount]:
    """What the member home's supermarket box shows: each account some shop serves, once."""
    seen: dict[int, selectors.ShopAccount] = {}
    for entry in _member_shops(own):
        for account in entry.accounts:
            seen.setdefault(account.account.pk, account)
    return list(seen.values())
