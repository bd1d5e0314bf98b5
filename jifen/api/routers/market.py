"""The points supermarket: shops, goods, stock, redemptions, funds and statistics, thin over
jifen.market services and selectors (which check who may do what and keep stock and funds
append-only). The API's Idempotency-Key, scoped to the caller, is passed on as the service's
own key, so a retry can never redeem or buy twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, Sum
from django.http import HttpRequest
from ninja import Query, Router, Status

from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.market import (
    AdjustIn,
    FundFilter,
    FundMovementOut,
    FundOut,
    FundReceiveIn,
    GoodCreateIn,
    GoodFilter,
    GoodOut,
    GoodUpdateIn,
    LiabilityFilter,
    LiabilityOut,
    PurchaseIn,
    RateOut,
    RedeemedOut,
    RedemptionCancelIn,
    RedemptionDetailOut,
    RedemptionFilter,
    RedemptionIn,
    RedemptionOut,
    ShopFilter,
    ShopOut,
    StatsFilter,
    StockMovementOut,
    StockRowOut,
    StockTakeIn,
)
from jifen.api.scoping import access, actor, visible, visible_org
from jifen.core import clock
from jifen.core.errors import PermissionDenied, field_error
from jifen.ledger.amounts import to_points
from jifen.market import selectors, services
from jifen.market.models import Fund, FundMovement, Good, Redemption, Shop
from jifen.orgs.models import Role, ancestor_paths, subtree_q
from jifen.orgs.selectors import ADMIN_ROLES, STAFF_ROLES, subjects_visible_to
from jifen.rules.selectors import schemes_visible_to

router = Router(tags=["market 积分超市与资金"])
SHOP_STAFF = (Role.SHOPKEEPER, Role.ORG_ADMIN, Role.PLATFORM_ADMIN)


def service_key(request: HttpRequest) -> str:
    """The caller's Idempotency-Key as the service's key: scoped to the caller and the path."""
    return f"api:{request.auth.pk}:{request.path}:{request.headers['Idempotency-Key']}"[:200]  # type: ignore[attr-defined]


# --- converters --------------------------------------------------------------------------------

def shop_out(shop: Shop) -> dict[str, Any]:
    return {"id": shop.pk, "org_id": shop.org_id, "org_path": shop.org.path, "code": shop.code, "name": shop.name,
            "kind": shop.kind, "address": shop.address, "is_active": shop.is_active}


GOOD_FIELDS = ("code", "name", "kind", "category", "unit", "price_points", "cost_fen", "tracks_stock", "limit_per_household",
               "limit_period", "active_from", "active_until", "is_active")


def good_out(good: Good) -> dict[str, Any]:
    return {"id": good.pk, "shop_id": good.shop_id, **{f: getattr(good, f) for f in GOOD_FIELDS}}


def redemption_out(r: Redemption) -> dict[str, Any]:
    return {
        "id": r.pk, "receipt_no": r.receipt_no, "shop_id": r.shop_id, "shop_name": r.shop.name, "scheme_id": r.scheme_id,
        "subject_id": r.subject_id, "subject_name": r.subject.name, "status": r.status, "redeemed_at": r.redeemed_at,
        "total_points": str(to_points(r.total_units, r.scheme.points_scale)), "total_cost_fen": r.total_cost_fen,
    }


def redemption_detail(r: Redemption) -> dict[str, Any]:
    receipt = selectors.redemption_receipt(redemption=r)
    lines = [{"name": line.name, "unit": line.unit, "quantity": line.quantity, "unit_points": str(line.unit_points),
              "points": str(line.points)} for line in receipt.lines]
    return {**redemption_out(r), "lines": lines, "balance_now": str(receipt.balance_now)}


def fund_out(fund: Fund) -> dict[str, Any]:
    return {"id": fund.pk, "org_id": fund.org_id, "org_path": fund.org.path, "code": fund.code, "name": fund.name,
            "parent_id": fund.parent_id, "year": fund.year, "is_active": fund.is_active,
            "balance_fen": int(getattr(fund, "balance_fen", None) or 0)}


# --- lookups -------------------------------------------------------------------------------------

def visible_shop(request: HttpRequest, shop_id: int) -> Shop:
    return visible(selectors.shops_visible_to(access=access(request)), shop_id, what="兑换点", what_en="shop")


def visible_good(request: HttpRequest, good_id: int) -> Good:
    return visible(selectors.goods_visible_to(access=access(request)), good_id, what="商品", what_en="good")


def staff_good(request: HttpRequest, good_id: int) -> Good:
    good = visible_good(request, good_id)
    if not access(request).covers(good.shop.org.path, SHOP_STAFF):
        raise PermissionDenied("只有兑换员可以管理库存", "only shopkeepers manage stock", code="forbidden")
    return good


def visible_fund(request: HttpRequest, fund_id: int) -> Fund:
    return visible(selectors.funds_visible_to(access=access(request)), fund_id, what="资金", what_en="fund")


# --- shops and goods -------------------------------------------------------------------------------

@router.get("/shops", response=Page[ShopOut])
def shops_list(request: HttpRequest, page: Query[PageIn], filters: Query[ShopFilter]) -> Any:
    """调用者所在组织（及上级）的兑换点 / shops serving where the caller holds a role."""
    qs = selectors.shops_visible_to(access=access(request))
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(visible_org(request, filters.org_id).path, "org__path"))
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    return page_of(qs.order_by("org__path", "code"), page, shop_out)


@router.get("/shops/{shop_id}", response=ShopOut)
def shop_detail(request: HttpRequest, shop_id: Id) -> Any:
    return shop_out(visible_shop(request, shop_id))


@router.get("/goods", response=Page[GoodOut])
def goods_list(request: HttpRequest, page: Query[PageIn], filters: Query[GoodFilter]) -> Any:
    qs = selectors.goods_visible_to(access=access(request))
    if filters.shop_id is not None:
        qs = qs.filter(shop_id=filters.shop_id)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return page_of(qs.order_by("shop_id", "category", "code"), page, good_out)


@router.get("/goods/{good_id}", response=GoodOut)
def good_detail(request: HttpRequest, good_id: Id) -> Any:
    return good_out(visible_good(request, good_id))


@router.post("/shops/{shop_id}/goods", response={201: GoodOut})
def good_create(request: HttpRequest, shop_id: Id, payload: GoodCreateIn) -> Any:
    """上架商品（兑换员） / list a good (shopkeepers)."""
    good = services.good_create(actor=actor(request), shop=visible_shop(request, shop_id), **payload.model_dump())
    return Status(201, good_out(good))


@router.patch("/goods/{good_id}", response=GoodOut)
def good_update(request: HttpRequest, good_id: Id, payload: GoodUpdateIn) -> Any:
    """只改所传字段；已兑换的保持原价 / change only the fields sent; past redemptions keep their prices."""
    changes = payload.model_dump(exclude_unset=True)
    for name in ("name", "price_points", "unit", "category", "cost_fen", "limit_period", "is_active"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    good = services.good_update(actor=actor(request), good=visible_good(request, good_id), **changes)
    return good_out(good)


# --- stock -----------------------------------------------------------------------------------------

@router.get("/shops/{shop_id}/stock", response=list[StockRowOut])
def shop_stock(request: HttpRequest, shop_id: Id) -> Any:
    """库存与按平均成本计的价值（兑换员） / stock levels and value at average cost (shopkeepers)."""
    shop = visible_shop(request, shop_id)
    if not access(request).covers(shop.org.path, SHOP_STAFF):
        raise PermissionDenied("只有兑换员可以查看库存", "only shopkeepers see the stock", code="forbidden")
    return [{"good_id": r.good.pk, "name": r.good.name, "level": r.level, "average_cost_fen": r.average_cost_fen,
             "value_fen": r.value_fen} for r in selectors.stock_levels(shop=shop)]


@router.get("/goods/{good_id}/stock-movements", response=Page[StockMovementOut])
def stock_movements(request: HttpRequest, good_id: Id, page: Query[PageIn]) -> Any:
    good = staff_good(request, good_id)
    return page_of(selectors.stock_movements(good=good).order_by("-pk"), page, lambda m: {
        "id": m.pk, "kind": m.kind, "quantity": m.quantity, "level_after": m.level_after, "unit_cost_fen": m.unit_cost_fen,
        "total_cost_fen": m.total_cost_fen, "counted": m.counted, "reason": m.reason, "at": m.at,
    })


def _movement(m: Any) -> dict[str, Any]:
    return {"id": m.pk, "kind": m.kind, "quantity": m.quantity, "level_after": m.level_after, "unit_cost_fen": m.unit_cost_fen,
            "total_cost_fen": m.total_cost_fen, "counted": m.counted, "reason": m.reason, "at": m.at}


@router.post("/goods/{good_id}/stock/purchase", response={201: StockMovementOut})
def stock_purchase(request: HttpRequest, good_id: Id, payload: PurchaseIn) -> Any:
    """采购入库，从资金支出 / goods bought into stock, paid from a fund."""
    good = staff_good(request, good_id)
    fund = None
    if payload.fund_id is not None:
        # A shop spends from a fund held at its unit or above (the service checks the allocation).
        payable = Fund.objects.filter(org__path__in=ancestor_paths(good.shop.org.path))
        fund = visible(payable, payload.fund_id, what="资金", what_en="fund")
    movement = services.stock_purchase(
        actor=actor(request), good=good, quantity=payload.quantity, unit_cost_fen=payload.unit_cost_fen, fund=fund,
        reason=payload.reason, idempotency_key=service_key(request),
    )
    return Status(201, _movement(movement))


@router.post("/goods/{good_id}/stock/adjust", response={201: StockMovementOut})
def stock_adjust(request: HttpRequest, good_id: Id, payload: AdjustIn) -> Any:
    movement = services.stock_adjust(
        actor=actor(request), good=staff_good(request, good_id), quantity=payload.quantity, reason=payload.reason,
        idempotency_key=service_key(request),
    )
    return Status(201, _movement(movement))


@router.post("/goods/{good_id}/stock/take", response={201: StockMovementOut})
def stock_take(request: HttpRequest, good_id: Id, payload: StockTakeIn) -> Any:
    movement = services.stock_take(
        actor=actor(request), good=staff_good(request, good_id), counted=payload.counted, reason=payload.reason,
        idempotency_key=service_key(request),
    )
    return Status(201, _movement(movement))


# --- redemptions -------------------------------------------------------------------------------------

@router.get("/redemptions", response=Page[RedemptionOut])
def redemptions_list(request: HttpRequest, page: Query[PageIn], filters: Query[RedemptionFilter]) -> Any:
    """兑换记录：兑换员看到其兑换点的，成员看到本人与本户的 / shopkeepers: their shops; members: own and household."""
    qs = selectors.redemptions_visible_to(access=access(request))
    if filters.shop_id is not None:
        qs = qs.filter(shop_id=filters.shop_id)
    if filters.subject_id is not None:
        qs = qs.filter(Q(subject_id=filters.subject_id) | Q(household_id=filters.subject_id))
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    return page_of(qs.order_by("-redeemed_at", "-pk"), page, redemption_out)


@router.get("/redemptions/{redemption_id}", response=RedemptionDetailOut)
def redemption_detail_view(request: HttpRequest, redemption_id: Id) -> Any:
    """兑换小票 / the receipt."""
    r = visible(selectors.redemptions_visible_to(access=access(request)), redemption_id, what="兑换记录", what_en="redemption")
    return redemption_detail(r)


@router.post("/redemptions", response={201: RedemptionDetailOut})
def redemption_create(request: HttpRequest, payload: RedemptionIn) -> Any:
    """兑换（兑换员，或本人/本户自助）：核对余额、一票否决、限兑与库存，记一笔账 / redeem a basket."""
    shop = visible_shop(request, payload.shop_id)
    subject = visible(subjects_visible_to(access=access(request), roles=Role.values), payload.subject_id,
                      what="积分对象", what_en="subject")
    goods = {g.pk: g for g in Good.objects.filter(shop=shop, pk__in=[line.good_id for line in payload.lines])}
    missing = [line.good_id for line in payload.lines if line.good_id not in goods]
    if missing:
        raise field_error("lines", f"兑换点没有商品 {missing}", f"the shop has no goods {missing}")
    scheme = None
    if payload.scheme_id is not None:
        scheme = visible(schemes_visible_to(access=access(request)), payload.scheme_id, what="积分方案", what_en="scheme")
    redemption = services.redemption_create(
        actor=actor(request), shop=shop, subject=subject, lines=[(goods[line.good_id], line.quantity) for line in payload.lines],
        idempotency_key=service_key(request), scheme=scheme,
    )
    return Status(201, redemption_detail(Redemption.objects.select_related("shop", "subject", "scheme").get(pk=redemption.pk)))


@router.post("/redemptions/{redemption_id}/cancel", response=RedemptionDetailOut)
def redemption_cancel(request: HttpRequest, redemption_id: Id, payload: RedemptionCancelIn) -> Any:
    """撤销兑换（期限内；积分与库存退回） / cancel within the shop's window: points and stock come back."""
    r = visible(selectors.redemptions_visible_to(access=access(request)), redemption_id, what="兑换记录", what_en="redemption")
    services.redemption_cancel(actor=actor(request), redemption=r, reason=payload.reason, idempotency_key=service_key(request))
    return redemption_detail(Redemption.objects.select_related("shop", "subject", "scheme").get(pk=r.pk))


# --- funds ------------------------------------------------------------------------------------------

@router.get("/funds", response=Page[FundOut])
def funds_list(request: HttpRequest, page: Query[PageIn], filters: Query[FundFilter]) -> Any:
    """资金及余额（组织管理员） / funds and their balances (org admins)."""
    qs = selectors.funds_visible_to(access=access(request)).annotate(balance_fen=Sum("movements__amount_fen", default=0))
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(visible_org(request, filters.org_id).path, "org__path"))
    return page_of(qs.order_by("org__path", "code"), page, fund_out)


@router.get("/funds/{fund_id}", response=FundOut)
def fund_detail(request: HttpRequest, fund_id: Id) -> Any:
    qs = selectors.funds_visible_to(access=access(request)).annotate(balance_fen=Sum("movements__amount_fen", default=0))
    return fund_out(visible(qs, fund_id, what="资金", what_en="fund"))


@router.get("/funds/{fund_id}/movements", response=Page[FundMovementOut])
def fund_movements(request: HttpRequest, fund_id: Id, page: Query[PageIn]) -> Any:
    """资金流水，新的在前 / the fund's movements, newest first."""
    fund = visible_fund(request, fund_id)
    return page_of(FundMovement.objects.filter(fund=fund).order_by("-pk"), page, lambda m: {
        "id": m.pk, "at": m.at, "kind": m.kind, "amount_fen": m.amount_fen, "balance_after_fen": m.balance_after_fen,
        "reason": m.reason, "source_kind": m.source_kind, "counterpart_id": m.counterpart_id,
    })


@router.post("/funds/{fund_id}/receive", response={201: FundOut})
def fund_receive(request: HttpRequest, fund_id: Id, payload: FundReceiveIn) -> Any:
    """资金收入（财政补贴、乡贤捐赠…） / money into a fund."""
    fund = visible_fund(request, fund_id)
    services.fund_receive(
        actor=actor(request), fund=fund, amount_fen=payload.amount_fen, source_kind=payload.source_kind,
        reason=payload.reason, idempotency_key=service_key(request),
    )
    qs = selectors.funds_visible_to(access=access(request)).annotate(balance_fen=Sum("movements__amount_fen", default=0))
    return Status(201, fund_out(qs.get(pk=fund.pk)))


# --- statistics ----------------------------------------------------------------------------------------

def _stats_org(request: HttpRequest, filters: StatsFilter) -> tuple[Any, dt.date, dt.date]:
    if filters.org_id is None:
        raise field_error("org_id", "请指定组织", "org_id is required")
    org = visible_org(request, filters.org_id)
    if not access(request).covers(org.path, STAFF_ROLES):
        raise PermissionDenied("只有工作人员可以查看统计", "only staff see statistics", code="forbidden")
    start = filters.start or dt.date(clock.now().year, 1, 1)
    end = filters.end or (dt.date(start.year + 1, 1, 1) if start.year < 9999 else dt.date(9999, 12, 31))
    if end <= start:
        raise field_error("end", "截止日期须晚于开始日期", "end must be after start")
    return org, start, end


@router.get("/statistics/redemption-rate", response=RateOut)
def statistics_rate(request: HttpRequest, filters: Query[StatsFilter]) -> Any:
    """兑换率：兑换过的户数与人数占比（篇1：≥30%） / share of households and people who redeemed."""
    org, start, end = _stats_org(request, filters)
    rate = selectors.redemption_rate(org=org, start=start, end=end)
    return {"org_id": org.pk, "start": start, "end": end, "households": rate.households_total,
            "households_redeemed": rate.households_redeemed, "household_rate": str(rate.household_rate),
            "people": rate.people_total, "people_redeemed": rate.people_redeemed, "people_rate": str(rate.person_rate)}


@router.get("/statistics/redeemed", response=RedeemedOut)
def statistics_redeemed(request: HttpRequest, filters: Query[StatsFilter], by: str = "good") -> Any:
    """按商品或兑换点统计兑换积分，及库存价值 / points redeemed per good or shop, and stock value."""
    if by not in ("good", "shop"):
        raise field_error("by", "by 应为 good 或 shop", "by is good or shop")
    org, start, end = _stats_org(request, filters)
    rows = (selectors.points_redeemed_by_good if by == "good" else selectors.points_redeemed_by_shop)(org=org, start=start, end=end)
    return {"org_id": org.pk, "start": start, "end": end, "by": by, "stock_value_fen": selectors.stock_value(org=org),
            "rows": [{"id": r.key, "name": r.name, "quantity": r.quantity, "redemptions": r.redemptions,
                      "points": str(r.points), "cost_fen": r.cost_fen} for r in rows]}


@router.get("/statistics/liability", response=LiabilityOut)
def statistics_liability(request: HttpRequest, filters: Query[LiabilityFilter]) -> Any:
    """未兑换积分折合的负债（组织管理员） / outstanding points as a liability (org admins)."""
    if filters.scheme_id is None:
        raise field_error("scheme_id", "请指定积分方案", "scheme_id is required")
    scheme = visible(schemes_visible_to(access=access(request)), filters.scheme_id, what="积分方案", what_en="scheme")
    if not access(request).covers(scheme.org.path, ADMIN_ROLES):
        raise PermissionDenied("只有组织管理员可以查看", "only org admins see this", code="forbidden")
    liability = selectors.outstanding_liability(scheme=scheme)
    return {"scheme_id": scheme.pk, "outstanding_points": str(liability.outstanding_points),
            "fen_per_point": str(liability.fen_per_point), "liability_fen": liability.liability_fen, "basis": liability.basis}
