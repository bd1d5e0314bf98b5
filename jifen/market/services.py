"""Every write of the points supermarket and its funds.

Rules that hold on every path:
- a refused request writes nothing (all checks run before the first write, all in one
  database transaction);
- every retryable write takes an idempotency key: the same key with the same content returns
  what the first call made, the same key with other content raises IdempotencyMismatch;
- stock and fund movements are append-only; a stock level or fund balance never goes below
  zero (checked under the row lock, and by a database constraint);
- a redemption posts exactly one ledger transaction (kind redeem: balance lowered, score
  unchanged unless the scheme says otherwise) in the same transaction as its stock movements.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from jifen.claims.selectors import veto_active
from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import (
    Conflict,
    IdempotencyMismatch,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
    field_error,
)
from jifen.ledger import lock_objects as ledger_locks
from jifen.ledger.amounts import to_points
from jifen.ledger.models import Account
from jifen.ledger.periods import grain_days, local_date
from jifen.ledger.selectors import balance_units
from jifen.ledger.services import Leg, system_account, transaction_post, transaction_reverse
from jifen.market import lock_objects
from jifen.market import selectors as market_selectors
from jifen.market.models import (
    Fund,
    FundMovement,
    Good,
    Redemption,
    RedemptionLine,
    Shop,
    StockMovement,
)
from jifen.orgs.models import (
    ROLE_RANK,
    HouseholdMember,
    OrgUnit,
    Person,
    Role,
    Subject,
    Unit,
    ancestor_paths,
)
from jifen.orgs.selectors import user_role_rank
from jifen.rules.models import Scheme

MAX_QUANTITY = 100_000
MAX_FEN = 10**13  # 1000 亿元: far above any village fund, far below BIGINT
MAX_LINES = 50

# --------------------------------------------------------------------------- helpers


def _hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _clean_key(key: object) -> str:
    key = key.strip() if isinstance(key, str) else ""
    if not key:
        raise field_error("idempotency_key", "缺少幂等键", "an idempotency key is required")
    if len(key) > 150:
        raise field_error("idempotency_key", "幂等键过长（最多150字符）", "the idempotency key is too long (150 at most)")
    return key


def _clean_text(value: object, field: str, zh: str, *, required: bool, limit: int = 500) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise field_error(field, f"请填写{zh}", f"{field} is required")
    if len(text) > limit:
        raise field_error(field, f"{zh}过长（最多{limit}字）", f"{field} is too long ({limit} characters at most)")
    return text


_CODE = re.compile(r"[-a-zA-Z0-9_]{1,64}")


def _clean_code(value: object) -> str:
    """Codes go into URLs, xlsx sheets and idempotency keys: letters, digits, - and _ only."""
    code = _clean_text(value, "code", "编号", required=True, limit=64)
    if not _CODE.fullmatch(code):
        raise field_error(
            "code", f"编号「{code}」只能由字母、数字、- 和 _ 组成", f"code {code!r} may hold only letters, digits, - and _"
        )
    return code


def _clean_int(value: object, field: str, zh: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(field, f"{zh}应为整数", f"{field} must be an integer")
    if not low <= value <= high:
        raise field_error(field, f"{zh}应在 {low} 到 {high} 之间", f"{field} must be between {low} and {high}")
    return value


def _actor_row(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and bool(getattr(actor, "is_active", False))


def _require_role(actor: Any, org: OrgUnit, role: str, *, what_zh: str, what_en: str) -> None:
    """`actor` must hold `role` or a higher one over `org`. None is the system (commands, demo)."""
    if actor is None:
        return
    if not _signed_in(actor) or user_role_rank(user=actor, org=org) < ROLE_RANK[role]:
        role_zh = {Role.SHOPKEEPER: "兑换员", Role.ORG_ADMIN: "组织管理员", Role.REVIEWER: "审核人"}.get(role, role)
        raise PermissionDenied(
            f"只有「{org.name}」的{role_zh}（或更高权限）可以{what_zh}",
            f"only a {role} (or above) of {org.name!r} may {what_en}",
            code="forbidden",
            detail={"org": org.path, "role": role},
        )


def _within(inner: OrgUnit | str, outer: OrgUnit | str) -> bool:
    inner_path = inner if isinstance(inner, str) else inner.path
    outer_path = outer if isinstance(outer, str) else outer.path
    return inner_path == outer_path or inner_path.startswith(outer_path + "/")


def _today() -> dt.date:
    """Today in the platform's zone (funds belong to no scheme, so they use the default zone)."""
    return clock.now().astimezone(ZoneInfo(settings.JIFEN_DEFAULT_TIME_ZONE)).date()


def yuan(fen: int) -> str:
    """Fen as a yuan string for messages: 123456 → "1234.56"."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


# --------------------------------------------------------------------------- shops and goods


@transaction.atomic
def shop_create(
    *,
    actor: Any,
    org: OrgUnit,
    code: str,
    name: str,
    kind: str = Shop.Kind.SUPERMARKET,
    unit: Unit | None = None,
    address: str = "",
    cancel_window_minutes: int = 24 * 60,
) -> Shop:
    """Open a redemption point at `org`; it serves the schemes covering `org` and those below it."""
    _require_role(actor, org, Role.ORG_ADMIN, what_zh="开设积分超市或兑换点", what_en="open a shop")
    code = _clean_code(code)
    name = _clean_text(name, "name", "名称", required=True, limit=100)
    if kind not in Shop.Kind.values:
        raise field_error("kind", "类型应为积分超市或兑换点", "kind must be supermarket or partner")
    if unit is not None and not _within(unit.org.path, org):
        raise field_error("unit", "合作商户不在该组织范围内", "the partner unit lies outside the org unit")
    window = _clean_int(cancel_window_minutes, "cancel_window_minutes", "撤销时限（分钟）", low=0, high=60 * 24 * 90)
    if Shop.objects.filter(org=org, code=code).exists():
        raise Conflict(f"「{org.name}」已有编号为「{code}」的兑换点", f"{org.name!r} already has a shop {code!r}", code="shop_exists")
    shop = Shop.objects.create(
        org=org, code=code, name=name, kind=kind, unit=unit, address=_clean_text(address, "address", "地址", required=False, limit=200),
        cancel_window_minutes=window, created_at=clock.now(),
    )
    audit_record(
        actor=actor, action="market.shop_create", obj=shop, org_path=org.path, summary=f"{name} ({kind})",
        after={"code": code, "kind": kind, "cancel_window_minutes": window},
    )
    return shop


_GOOD_FIELDS = (
    "name", "kind", "category", "unit", "price_points", "cost_fen", "tracks_stock", "limit_per_household",
    "limit_period", "active_from", "active_until", "is_active", "picture",
)


def _clean_good_fields(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in _GOOD_FIELDS:
            raise field_error(name, f"不能修改「{name}」", f"{name} cannot be set")
        if name == "name":
            out[name] = _clean_text(value, "name", "名称", required=True, limit=100)
        elif name == "kind":
            if value not in Good.Kind.values:
                raise field_error("kind", "类型应为实物、服务或券", "kind must be goods, service or voucher")
            out[name] = value
        elif name == "category":
            out[name] = _clean_text(value, "category", "类别", required=False, limit=32)
        elif name == "unit":
            out[name] = _clean_text(value, "unit", "单位", required=True, limit=16)
        elif name == "price_points":
            out[name] = _clean_int(value, "price_points", "所需积分", low=1, high=10**7)
        elif name == "cost_fen":
            out[name] = _clean_int(value, "cost_fen", "成本（分）", low=0, high=10**9)
        elif name in ("tracks_stock", "is_active"):
            if not isinstance(value, bool):
                raise field_error(name, f"{name} 应为是或否", f"{name} must be true or false")
            out[name] = value
        elif name == "limit_per_household":
            out[name] = None if value is None else _clean_int(value, name, "每户限兑数量", low=1, high=MAX_QUANTITY)
        elif name == "limit_period":
            if value not in Good.LimitPeriod.values:
                raise field_error(name, "限兑周期应为 day/week/month/quarter/year", "limit_period must be day, week, month, quarter or year")
            out[name] = value
        elif name in ("active_from", "active_until"):
            if value is not None and (not isinstance(value, dt.date) or isinstance(value, dt.datetime)):
                raise field_error(name, "日期无效", f"{name} must be a date")
            out[name] = value
        elif name == "picture":
            out[name] = value or ""
    return out


def _check_good_dates(active_from: dt.date | None, active_until: dt.date | None) -> None:
    if active_from and active_until and active_until < active_from:
        raise field_error("active_until", "下架日期早于上架日期", "active_until is before active_from")


@transaction.atomic
def good_create(
    *,
    actor: Any,
    shop: Shop,
    code: str,
    name: str,
    price_points: int,
    unit: str = "件",
    kind: str = Good.Kind.GOODS,
    category: str = "",
    cost_fen: int = 0,
    tracks_stock: bool | None = None,
    limit_per_household: int | None = None,
    limit_period: str = Good.LimitPeriod.MONTH,
    active_from: dt.date | None = None,
    active_until: dt.date | None = None,
    picture: Any = "",
) -> Good:
    """Put a good, service or voucher on a shop's list. Services and vouchers track no stock by default."""
    _require_role(actor, shop.org, Role.SHOPKEEPER, what_zh="上架商品", what_en="list goods")
    code = _clean_code(code)
    if tracks_stock is None:
        tracks_stock = kind == Good.Kind.GOODS
    fields = _clean_good_fields(
        {
            "name": name, "kind": kind, "category": category, "unit": unit, "price_points": price_points, "cost_fen": cost_fen,
            "tracks_stock": tracks_stock, "limit_per_household": limit_per_household, "limit_period": limit_period,
            "active_from": active_from, "active_until": active_until, "picture": picture,
        }
    )
    _check_good_dates(fields["active_from"], fields["active_until"])
    if Good.objects.filter(shop=shop, code=code).exists():
        raise Conflict(f"「{shop.name}」已有编号为「{code}」的商品", f"{shop.name!r} already lists {code!r}", code="good_exists")
    good = Good.objects.create(shop=shop, code=code, created_at=clock.now(), **fields)
    audit_record(
        actor=actor, action="market.good_create", obj=good, org_path=shop.org.path, summary=f"{shop.name}: {good.name}",
        after={k: v for k, v in fields.items() if k != "picture"} | {"code": code},
    )
    return good


@transaction.atomic
def good_update(*, actor: Any, good: Good, **changes: Any) -> Good:
    """Change a good's price, cost, limits, dates or listing. Past redemptions keep their prices."""
    shop = good.shop
    _require_role(actor, shop.org, Role.SHOPKEEPER, what_zh="修改商品", what_en="change goods")
    fields = _clean_good_fields(changes)
    locked = lock_objects.goods_lock([good.pk])[good.pk]
    _check_good_dates(fields.get("active_from", locked.active_from), fields.get("active_until", locked.active_until))
    before = {k: getattr(locked, k) for k in fields if k != "picture"}
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(fields))
    audit_record(
        actor=actor, action="market.good_update", obj=locked, org_path=shop.org.path, summary=f"{shop.name}: {locked.name}",
        before=before, after={k: v for k, v in fields.items() if k != "picture"},
    )
    return locked


# --------------------------------------------------------------------------- stock


def _stock_level_locked(good_id: int) -> int:
    """The level after the good's latest movement; read only while holding the good's row lock."""
    level = StockMovement.objects.filter(good_id=good_id).order_by("-id").values_list("level_after", flat=True).first()
    return int(level or 0)


def _replay_stock(key: str, content_hash: str) -> StockMovement | None:
    existing = StockMovement.objects.filter(key=key).first()
    if existing is None:
        return None
    if existing.content_hash != content_hash:
        raise IdempotencyMismatch(
            f"幂等键「{key}」已用于另一笔内容不同的库存变动", f"idempotency key {key!r} was used for a different stock movement",
            detail={"key": key},
        )
    return existing


def _require_tracked(good: Good) -> None:
    if not good.tracks_stock:
        raise InvalidInput(
            f"「{good.name}」是服务或券，不管理库存", f"{good.name!r} is a service or voucher without stock", code="no_stock_kept"
        )


def _stock_write(
    *, actor: Any, good: Good, kind: str, quantity: int, level_after: int, reason: str, key: str, content_hash: str, **extra: Any
) -> StockMovement:
    movement = StockMovement.objects.create(
        good=good, kind=kind, quantity=quantity, level_after=level_after, reason=reason, key=key, content_hash=content_hash,
        actor=_actor_row(actor), at=clock.now(), **extra,
    )
    return movement


@transaction.atomic
def stock_purchase(
    *, actor: Any, good: Good, quantity: int, unit_cost_fen: int, fund: Fund | None, reason: str, idempotency_key: str
) -> StockMovement:
    """Goods bought into stock; the cost is spent from `fund` (None: donated in kind, cost recorded only)."""
    shop = good.shop
    _require_role(actor, shop.org, Role.SHOPKEEPER, what_zh="采购入库", what_en="receive stock")
    key = _clean_key(idempotency_key)
    quantity = _clean_int(quantity, "quantity", "数量", low=1, high=MAX_QUANTITY)
    unit_cost_fen = _clean_int(unit_cost_fen, "unit_cost_fen", "单价（分）", low=0, high=10**9)
    reason = _clean_text(reason, "reason", "事由", required=True)
    total = quantity * unit_cost_fen
    content_hash = _hash(
        {"op": "purchase", "good": good.pk, "quantity": quantity, "unit_cost": unit_cost_fen, "fund": getattr(fund, "pk", None), "reason": reason}
    )
    locked = lock_objects.goods_lock([good.pk])[good.pk]
    replayed = _replay_stock(key, content_hash)
    if replayed is not None:
        return replayed
    _require_tracked(locked)
    fund_movement = None
    if fund is not None:
        if total == 0:
            raise field_error("fund", "成本为 0 的入库不需要指定资金", "a purchase costing nothing needs no fund")
        fund_movement = _fund_spend(
            actor=actor, fund=fund, amount_fen=total, kind=FundMovement.Kind.PURCHASE, spender_org=shop.org,
            reason=f"{shop.name}采购：{locked.name} {quantity}{locked.unit}；{reason}"[:500], key=f"{key}#fund", content_hash=content_hash,
        )
    level = _stock_level_locked(locked.pk)
    movement = _stock_write(
        actor=actor, good=locked, kind=StockMovement.Kind.PURCHASE, quantity=quantity, level_after=level + quantity,
        reason=reason, key=key, content_hash=content_hash, unit_cost_fen=unit_cost_fen, total_cost_fen=total,
        fund_movement=fund_movement,
    )
    audit_record(
        actor=actor, action="market.stock_purchase", obj=movement, org_path=shop.org.path,
        summary=f"{shop.name}: {locked.name} +{quantity} @ {yuan(unit_cost_fen)} 元",
        after={"good": locked.pk, "quantity": quantity, "unit_cost_fen": unit_cost_fen, "fund": getattr(fund, "pk", None),
               "level_after": level + quantity},
    )
    return movement


def _refuse_negative_stock(good: Good, level: int, change: int) -> None:
    if level + change < 0:
        raise Conflict(
            f"「{good.name}」库存不足：现有 {level}{good.unit}，需要 {-change}{good.unit}",
            f"not enough {good.name!r} in stock: {level} on hand, {-change} needed",
            code="insufficient_stock",
            detail={"good": good.pk, "level": level, "needed": -change},
        )


@transaction.atomic
def stock_adjust(*, actor: Any, good: Good, quantity: int, reason: str, idempotency_key: str) -> StockMovement:
    """Correct the stock by `quantity` (negative for breakage, spoilage …) with a reason."""
    shop = good.shop
    _require_role(actor, shop.org, Role.SHOPKEEPER, what_zh="调整库存", what_en="adjust stock")
    key = _clean_key(idempotency_key)
    quantity = _clean_int(quantity, "quantity", "调整数量", low=-MAX_QUANTITY, high=MAX_QUANTITY)
    if quantity == 0:
        raise field_error("quantity", "调整数量不能为 0", "the adjustment is zero")
    reason = _clean_text(reason, "reason", "调整原因", required=True)
    content_hash = _hash({"op": "adjust", "good": good.pk, "quantity": quantity, "reason": reason})
    locked = lock_objects.goods_lock([good.pk])[good.pk]
    replayed = _replay_stock(key, content_hash)
    if replayed is not None:
        return replayed
    _require_tracked(locked)
    level = _stock_level_locked(locked.pk)
    _refuse_negative_stock(locked, level, quantity)
    movement = _stock_write(
        actor=actor, good=locked, kind=StockMovement.Kind.ADJUSTMENT, quantity=quantity, level_after=level + quantity,
        reason=reason, key=key, content_hash=content_hash,
    )
    audit_record(
        actor=actor, action="market.stock_adjust", obj=movement, org_path=shop.org.path,
        summary=f"{shop.name}: {locked.name} {quantity:+d}（{reason}）", after={"good": locked.pk, "quantity": quantity, "level_after": level + quantity},
    )
    return movement


@transaction.atomic
def stock_take(*, actor: Any, good: Good, counted: int, reason: str = "", idempotency_key: str) -> StockMovement:
    """Record a stock-take: the counted figure becomes the level; the difference is the movement."""
    shop = good.shop
    _require_role(actor, shop.org, Role.SHOPKEEPER, what_zh="盘点", what_en="take stock")
    key = _clean_key(idempotency_key)
    counted = _clean_int(counted, "counted", "盘点数量", low=0, high=10**9)
    reason = _clean_text(reason, "reason", "备注", required=False)
    content_hash = _hash({"op": "stocktake", "good": good.pk, "counted": counted, "reason": reason})
    locked = lock_objects.goods_lock([good.pk])[good.pk]
    replayed = _replay_stock(key, content_hash)
    if replayed is not None:
        return replayed
    _require_tracked(locked)
    level = _stock_level_locked(locked.pk)
    difference = counted - level
    if not reason:
        if difference < 0:
            reason = f"盘点短缺 {-difference}{locked.unit}"
        elif difference > 0:
            reason = f"盘点盈余 {difference}{locked.unit}"
        else:
            reason = "盘点相符"
    movement = _stock_write(
        actor=actor, good=locked, kind=StockMovement.Kind.STOCKTAKE, quantity=difference, level_after=counted,
        reason=reason, key=key, content_hash=content_hash, counted=counted,
    )
    audit_record(
        actor=actor, action="market.stock_take", obj=movement, org_path=shop.org.path,
        summary=f"{shop.name}: {locked.name} 账面 {level} 实盘 {counted}",
        after={"good": locked.pk, "book": level, "counted": counted, "difference": difference},
    )
    return movement


def _average_costs_locked(goods: Sequence[Good]) -> dict[int, int]:
    """Average purchase cost per unit in fen (rounded half up) for tracked goods; catalogue cost otherwise."""
    tracked = [g.pk for g in goods if g.tracks_stock]
    rows = (
        StockMovement.objects.filter(good_id__in=tracked, kind=StockMovement.Kind.PURCHASE)
        .values("good_id")
        .annotate(cost=Sum("total_cost_fen"), qty=Sum("quantity"))
    )
    bought = {r["good_id"]: (int(r["cost"] or 0), int(r["qty"] or 0)) for r in rows}
    out = {}
    for g in goods:
        cost, qty = bought.get(g.pk, (0, 0))
        out[g.pk] = (2 * cost + qty) // (2 * qty) if qty else g.cost_fen
    return out


# --------------------------------------------------------------------------- redemption


def _schemes_served(shop: Shop, subject: Subject) -> list[Scheme]:
    """Active schemes covering the subject that the shop serves: adopted at or above the shop's
    unit (they cover it), or below it (the shop serves its whole subtree)."""
    subject_paths = ancestor_paths(subject.org.path)
    schemes = Scheme.objects.filter(is_active=True, org__path__in=subject_paths).select_related("org").order_by("org__depth", "pk")
    return [s for s in schemes if _within(shop.org, s.org) or _within(s.org, shop.org)]


def _resolve_scheme(shop: Shop, subject: Subject, scheme: Scheme | None) -> Scheme:
    served = _schemes_served(shop, subject)
    if scheme is not None:
        if scheme.pk not in {s.pk for s in served}:
            raise InvalidInput(
                f"「{shop.name}」不为「{subject.name}」兑换方案「{scheme.name}」的积分",
                f"{shop.name!r} does not redeem scheme {scheme.code!r} for {subject.name!r}",
                code="scheme_not_served",
            )
        return scheme
    if len(served) > 1:
        with_account = set(Account.objects.filter(subject=subject, scheme__in=served).values_list("scheme_id", flat=True))
        served = [s for s in served if s.pk in with_account] or served
    if not served:
        raise InvalidInput(
            f"「{subject.name}」不在「{shop.name}」服务的积分方案范围内",
            f"{subject.name!r} is not in any scheme {shop.name!r} serves",
            code="subject_not_served",
        )
    if len(served) > 1:
        raise InvalidInput(
            f"「{subject.name}」有多个积分方案（{'、'.join(s.name for s in served)}），请指定用哪个方案兑换",
            f"{subject.name!r} holds points in several schemes; name the scheme",
            code="scheme_ambiguous",
            detail={"schemes": [s.code for s in served]},
        )
    return served[0]


def _clean_lines(lines: object, shop: Shop) -> list[tuple[Good, int]]:
    if not isinstance(lines, (list, tuple)) or not lines:
        raise field_error("lines", "请选择要兑换的商品", "the basket is empty")
    if len(lines) > MAX_LINES:
        raise field_error("lines", f"一次最多兑换 {MAX_LINES} 种商品", f"at most {MAX_LINES} goods per basket")
    merged: dict[int, tuple[Good, int]] = {}
    for number, entry in enumerate(lines, 1):
        if not isinstance(entry, (list, tuple)) or len(entry) != 2 or not isinstance(entry[0], Good):
            raise field_error("lines", f"第 {number} 项无效", f"line {number} must be (good, quantity)")
        good, quantity = entry
        quantity = _clean_int(quantity, "lines", f"第 {number} 项的数量", low=1, high=MAX_QUANTITY)
        if good.shop_id != shop.pk:
            raise InvalidInput(
                f"「{good.name}」不是「{shop.name}」的商品", f"{good.name!r} is not sold at {shop.name!r}", code="good_other_shop"
            )
        if good.pk in merged:
            quantity += merged[good.pk][1]
        merged[good.pk] = (good, quantity)
    return [merged[pk] for pk in sorted(merged)]


def _limit_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if period == Good.LimitPeriod.DAY:
        return day, day + dt.timedelta(days=1)
    return grain_days(period, day)


_PERIOD_ZH = dict(Good.LimitPeriod.choices)


def _check_limits(*, goods: dict[int, Good], basket: list[tuple[Good, int]], holder_id: int, holder_field: str, day: dt.date) -> None:
    for good_ref, quantity in basket:
        good = goods[good_ref.pk]
        if good.limit_per_household is None:
            continue
        start, end = _limit_bounds(good.limit_period, day)
        taken = (
            RedemptionLine.objects.filter(
                good_id=good.pk, redemption__status=Redemption.Status.COMPLETED,
                redemption__day__gte=start, redemption__day__lt=end, **{f"redemption__{holder_field}": holder_id},
            ).aggregate(total=Sum("quantity"))["total"]
            or 0
        )
        if taken + quantity > good.limit_per_household:
            period_zh = str(_PERIOD_ZH[good.limit_period])
            raise Conflict(
                f"「{good.name}」每户{period_zh}限兑 {good.limit_per_household}{good.unit}，本期已兑 {taken}{good.unit}，"
                f"本次不能再兑 {quantity}{good.unit}",
                f"{good.name!r} is limited to {good.limit_per_household} per household per {good.limit_period}; "
                f"{taken} already redeemed this period, {quantity} more is too many",
                code="limit_exceeded",
                detail={"good": good.pk, "limit": good.limit_per_household, "taken": int(taken), "requested": quantity},
            )


def _next_receipt_no(shop: Shop) -> str:
    """Take the shop's next receipt number (the shop row is locked)."""
    number = shop.next_receipt
    Shop.objects.filter(pk=shop.pk).update(next_receipt=F("next_receipt") + 1)
    return f"{shop.pk:04d}-{number:06d}"


def _spendable_by(user: Any) -> set[int]:
    """Whose points a member may spend themself: their own, their household's (shared), and a
    unit's they are the contact of; not another member's personal points (a spouse's, a child's)."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return set()
    ids = set(Person.objects.filter(pk=person_id).values_list("subject_id", flat=True))
    ids |= set(
        HouseholdMember.objects.filter(person_id=person_id, left_on__isnull=True).values_list("household__subject_id", flat=True)
    )
    ids |= set(Unit.objects.filter(contact_id=person_id).values_list("subject_id", flat=True))
    return ids


@transaction.atomic
def redemption_create(
    *,
    actor: Any,
    shop: Shop,
    subject: Subject,
    lines: Sequence[tuple[Good, int]],
    idempotency_key: str,
    scheme: Scheme | None = None,
    person: Person | None = None,
) -> Redemption:
    """Redeem a basket at a shop: balance, veto, limits and stock checked; one redeem posting.

    `scheme` is needed only when the subject holds points in several schemes the shop serves.
    `person` is who came to the counter for a household (default: the head), for the
    redemption rate. The actor is the shopkeeper (or above) of the shop's unit, or the member
    redeeming for themself or their household (self-service); None is the system.
    """
    key = _clean_key(idempotency_key)
    basket = _clean_lines(lines, shop)
    if actor is not None and not (
        _signed_in(actor)
        and (user_role_rank(user=actor, org=shop.org) >= ROLE_RANK[Role.SHOPKEEPER] or subject.pk in _spendable_by(actor))
    ):
        raise PermissionDenied(
            f"只有「{shop.name}」的兑换员或本人（本户）可以兑换", f"only the shopkeeper of {shop.name!r} or the member may redeem",
            code="forbidden",
        )
    content_hash = _hash(
        {"shop": shop.pk, "subject": subject.pk, "scheme": getattr(scheme, "pk", None), "person": getattr(person, "pk", None),
         "lines": [[g.pk, q] for g, q in basket]}
    )
    locked_shop = lock_objects.shop_lock(shop.pk)
    existing = Redemption.objects.filter(key=key).first()
    if existing is not None:
        if existing.content_hash != content_hash:
            raise IdempotencyMismatch(
                f"幂等键「{key}」已用于另一笔不同的兑换（小票 {existing.receipt_no}）",
                f"idempotency key {key!r} was used for a different redemption (receipt {existing.receipt_no})",
                detail={"key": key, "receipt": existing.receipt_no},
            )
        return existing
    if not locked_shop.is_active:
        raise IllegalTransition(f"「{shop.name}」已停用", f"{shop.name!r} is closed", code="shop_inactive")
    if not subject.is_active:
        raise InvalidInput(f"「{subject.name}」已注销", f"{subject.name!r} is no longer active", code="subject_inactive")
    subject = Subject.objects.select_related("org").get(pk=subject.pk)
    scheme = _resolve_scheme(locked_shop, subject, scheme)
    now = clock.now()
    day = local_date(scheme, now)
    parties = market_selectors.redemption_parties(subject=subject)
    household, counter_person, veto_subjects = parties.household, parties.person, parties.vetoed
    if person is not None:
        if person.subject_id not in veto_subjects:
            raise field_error("person", f"「{person.name}」不是「{subject.name}」的成员", f"{person.name!r} is not a member of {subject.name!r}")
        counter_person = person

    goods = lock_objects.goods_lock([g.pk for g, _ in basket])
    for good_ref, _quantity in basket:
        good = goods[good_ref.pk]
        if not good.is_active or (good.active_from and day < good.active_from) or (good.active_until and day > good.active_until):
            raise IllegalTransition(f"「{good.name}」当前不可兑换", f"{good.name!r} is not on offer today", code="good_inactive")

    for vetoed_id in veto_subjects:
        veto = veto_active(scheme=scheme, subject=Subject(pk=vetoed_id), on=now)
        if veto is not None and veto.bars_what("redemption"):
            whose = "" if vetoed_id == subject.pk else "（家庭成员）"
            raise PermissionDenied(
                f"「{subject.name}」{whose}处于一票否决期（至 {veto.ends_on:%Y-%m-%d}），暂停兑换：{veto.reason}",
                f"{subject.name!r} is barred from redemption by a veto until {veto.ends_on:%Y-%m-%d}",
                code="vetoed",
                detail={"veto": veto.pk, "subject": vetoed_id, "ends_on": veto.ends_on.isoformat()},
            )

    holder_field, holder_id = ("household_id", household.pk) if household is not None else ("subject_id", subject.pk)
    _check_limits(goods=goods, basket=basket, holder_id=holder_id, holder_field=holder_field, day=day)

    levels = {pk: _stock_level_locked(pk) for pk, g in goods.items() if g.tracks_stock}
    for good_ref, quantity in basket:
        good = goods[good_ref.pk]
        if good.tracks_stock:
            _refuse_negative_stock(good, levels[good.pk], -quantity)

    prices = {pk: scheme.to_units(g.price_points) for pk, g in goods.items()}
    total_units = sum(prices[g.pk] * q for g, q in basket)
    ledger_locks.scheme_posting_lock(scheme_id=scheme.pk, exclusive=False)
    account = Account.objects.filter(scheme=scheme, subject=subject).first()
    balance = 0
    if account is not None:
        list(ledger_locks.accounts_lock([account.pk]))
        balance = balance_units(account=account)
    if account is None or balance < total_units:
        scale = scheme.points_scale
        raise Conflict(
            f"「{subject.name}」积分余额不足：可用 {to_points(balance, scale)} 分，本次需要 {to_points(total_units, scale)} 分",
            f"insufficient balance for {subject.name!r}: {to_points(balance, scale)} available, {to_points(total_units, scale)} needed",
            code="insufficient_balance",
            detail={"balance": str(to_points(balance, scale)), "needed": str(to_points(total_units, scale))},
        )

    costs = _average_costs_locked(list(goods.values()))
    receipt_no = _next_receipt_no(locked_shop)
    summary = "、".join(f"{goods[g.pk].name}×{q}" for g, q in basket)
    tx = transaction_post(
        scheme=scheme, key=f"redemption:{receipt_no}", source_type="redemption", source_id=receipt_no, actor=actor,
        occurred_at=now, reason=f"{locked_shop.name}兑换（小票 {receipt_no}）：{summary}"[:500],
        legs=[
            Leg(account, scheme.from_units(-total_units) if scheme.points_scale else -total_units, "redeem"),
            Leg(system_account(scheme=scheme, kind=Account.Kind.SHOP),
                scheme.from_units(total_units) if scheme.points_scale else total_units, "redeem"),
        ],
    )
    try:
        with transaction.atomic():
            redemption = Redemption.objects.create(
                shop=locked_shop, scheme=scheme, subject=subject, household=household, person=counter_person,
                receipt_no=receipt_no, total_units=total_units, total_cost_fen=sum(costs[g.pk] * q for g, q in basket),
                transaction=tx, key=key, content_hash=content_hash, actor=_actor_row(actor), redeemed_at=now, day=day,
            )
    except IntegrityError:  # pragma: no cover - the shop lock serialises same-key requests
        raise Conflict("同一兑换请求正在处理，请稍后查看", "the same redemption is being processed", code="in_progress") from None
    RedemptionLine.objects.bulk_create(
        RedemptionLine(
            redemption=redemption, line=n, good_id=g.pk, quantity=q, unit_units=prices[g.pk], units=prices[g.pk] * q,
            unit_cost_fen=costs[g.pk],
        )
        for n, (g, q) in enumerate(basket, 1)
    )
    for n, (good_ref, quantity) in enumerate(basket, 1):
        good = goods[good_ref.pk]
        if not good.tracks_stock:
            continue
        levels[good.pk] -= quantity
        _stock_write(
            actor=actor, good=good, kind=StockMovement.Kind.REDEMPTION, quantity=-quantity, level_after=levels[good.pk],
            reason=f"兑换 {receipt_no}", key=f"redemption#{receipt_no}#{n}", content_hash=content_hash, redemption=redemption,
        )
    audit_record(
        actor=actor, action="market.redemption_create", obj=redemption, org_path=subject.org.path,
        summary=f"{locked_shop.name} {receipt_no}: {subject.name} {summary}"[:500],
        after={"receipt": receipt_no, "scheme": scheme.code, "subject": subject.pk, "units": total_units, "transaction": tx.pk,
               "lines": [[g.pk, q] for g, q in basket]},
    )
    return redemption


@transaction.atomic
def redemption_cancel(*, actor: Any, redemption: Redemption, reason: str, idempotency_key: str) -> Redemption:
    """Cancel a redemption within the shop's window: the points come back (a reversal) and so does the stock."""
    key = _clean_key(idempotency_key)
    reason = _clean_text(reason, "reason", "撤销原因", required=True)
    locked = lock_objects.redemption_lock(redemption.pk)
    shop = Shop.objects.select_related("org").get(pk=locked.shop_id)
    _require_role(actor, shop.org, Role.SHOPKEEPER, what_zh="撤销兑换", what_en="cancel a redemption")
    if locked.status == Redemption.Status.CANCELLED:
        if locked.cancel_key == key and locked.cancel_reason == reason:
            return locked
        if locked.cancel_key == key:
            raise IdempotencyMismatch(
                f"幂等键「{key}」已用于撤销原因不同的请求", f"idempotency key {key!r} was used with another reason", detail={"key": key}
            )
        raise IllegalTransition(
            f"小票 {locked.receipt_no} 已于 {locked.cancelled_at:%Y-%m-%d %H:%M} 撤销",
            f"receipt {locked.receipt_no} was already cancelled", code="already_cancelled",
        )
    now = clock.now()
    deadline = locked.redeemed_at + dt.timedelta(minutes=shop.cancel_window_minutes)
    if now > deadline:
        raise IllegalTransition(
            f"小票 {locked.receipt_no} 已超过撤销时限（兑换后 {shop.cancel_window_minutes} 分钟内）",
            f"receipt {locked.receipt_no} is past the cancellation window ({shop.cancel_window_minutes} minutes)",
            code="cancel_window_passed",
            detail={"deadline": deadline.isoformat()},
        )
    lines = list(locked.lines.order_by("line"))
    goods = lock_objects.goods_lock([line.good_id for line in lines])
    reversal = transaction_reverse(
        transaction=locked.transaction, key=f"redemption-cancel:{locked.receipt_no}", actor=actor,
        reason=f"撤销兑换（小票 {locked.receipt_no}）：{reason}"[:500],
    )
    for line in lines:
        good = goods[line.good_id]
        if not StockMovement.objects.filter(redemption=locked, good_id=good.pk, kind=StockMovement.Kind.REDEMPTION).exists():
            continue
        level = _stock_level_locked(good.pk)
        _stock_write(
            actor=actor, good=good, kind=StockMovement.Kind.CANCELLATION, quantity=line.quantity, level_after=level + line.quantity,
            reason=f"撤销兑换 {locked.receipt_no}", key=f"redemption-cancel#{locked.receipt_no}#{line.line}",
            content_hash=_hash({"cancel": locked.pk}), redemption=locked,
        )
    locked.status = Redemption.Status.CANCELLED
    locked.cancelled_at = now
    locked.cancelled_by = _actor_row(actor)
    locked.cancel_reason = reason
    locked.cancel_key = key
    locked.cancel_transaction = reversal
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "cancel_key", "cancel_transaction"])
    audit_record(
        actor=actor, action="market.redemption_cancel", obj=locked, org_path=shop.org.path,
        summary=f"{shop.name} {locked.receipt_no}: {reason}"[:500], before={"status": "completed"},
        after={"status": "cancelled", "reversal": reversal.pk},
    )
    return locked


# --------------------------------------------------------------------------- funds


@transaction.atomic
def fund_create(*, actor: Any, org: OrgUnit, code: str, name: str, note: str = "") -> Fund:
    """Open a fund (专项资金) held by `org`; money comes in with fund_receive."""
    _require_role(actor, org, Role.ORG_ADMIN, what_zh="设立资金", what_en="open a fund")
    code = _clean_code(code)
    name = _clean_text(name, "name", "名称", required=True, limit=100)
    if Fund.objects.filter(org=org, code=code).exists():
        raise Conflict(f"「{org.name}」已有编号为「{code}」的资金", f"{org.name!r} already has a fund {code!r}", code="fund_exists")
    fund = Fund.objects.create(org=org, code=code, name=name, note=_clean_text(note, "note", "备注", required=False, limit=300), created_at=clock.now())
    audit_record(actor=actor, action="market.fund_create", obj=fund, org_path=org.path, summary=name, after={"code": code})
    return fund


def _fund_balance_locked(fund_id: int) -> int:
    value = FundMovement.objects.filter(fund_id=fund_id).order_by("-id").values_list("balance_after_fen", flat=True).first()
    return int(value or 0)


def _replay_fund(key: str, content_hash: str) -> FundMovement | None:
    existing = FundMovement.objects.filter(key=key).first()
    if existing is None:
        return None
    if existing.content_hash != content_hash:
        raise IdempotencyMismatch(
            f"幂等键「{key}」已用于另一笔内容不同的资金变动", f"idempotency key {key!r} was used for a different fund movement",
            detail={"key": key},
        )
    return existing


def _fund_write(*, actor: Any, fund: Fund, kind: str, amount_fen: int, balance_after: int, reason: str, key: str, content_hash: str, **extra: Any) -> FundMovement:
    return FundMovement.objects.create(
        fund=fund, kind=kind, amount_fen=amount_fen, balance_after_fen=balance_after, reason=reason, key=key,
        content_hash=content_hash, actor=_actor_row(actor), at=clock.now(), **extra,
    )


def _refuse_overdraw(fund: Fund, balance: int, amount_fen: int) -> None:
    if amount_fen > balance:
        raise Conflict(
            f"资金「{fund.name}」余额不足：余额 {yuan(balance)} 元，需支出 {yuan(amount_fen)} 元",
            f"fund {fund.name!r} has {yuan(balance)} yuan, {yuan(amount_fen)} needed; a fund never goes negative",
            code="fund_insufficient",
            detail={"fund": fund.pk, "balance_fen": balance, "needed_fen": amount_fen},
        )


def _require_spendable(actor: Any, fund: Fund, spender_org: OrgUnit, on: dt.date) -> None:
    """Who may spend a fund and on what. The spender holds shopkeeper rank or above over the
    fund's own unit: a village keeper spends the village's funds, while a township's subsidy is
    spent by the township's people or handed down with fund_allocate first. 专款专用: a fund pays
    only for its own unit's subtree, and an allocation only in its year."""
    fund_org = OrgUnit.objects.get(pk=fund.org_id)
    _require_role(actor, fund_org, Role.SHOPKEEPER, what_zh=f"动用资金「{fund.name}」", what_en=f"spend fund {fund.name!r}")
    if not fund.is_active:
        raise IllegalTransition(f"资金「{fund.name}」已停用", f"fund {fund.name!r} is closed", code="fund_inactive")
    if not _within(spender_org, fund_org):
        raise PermissionDenied(
            f"资金「{fund.name}」专款专用，不能用于「{spender_org.name}」",
            f"fund {fund.name!r} is earmarked for another unit and cannot pay for {spender_org.name!r}",
            code="fund_earmarked",
        )
    if fund.year is not None and on.year != fund.year:
        raise PermissionDenied(
            f"资金「{fund.name}」只能用于 {fund.year} 年", f"fund {fund.name!r} may only be spent in {fund.year}", code="fund_wrong_year"
        )


def _fund_spend(
    *, actor: Any, fund: Fund, amount_fen: int, kind: str, spender_org: OrgUnit, reason: str, key: str, content_hash: str,
    reward_line: Any = None,
) -> FundMovement:
    """Take `amount_fen` out of `fund` (inside the caller's transaction), refusing to overdraw it."""
    locked = lock_objects.funds_lock([fund.pk])[fund.pk]
    replayed = _replay_fund(key, content_hash)
    if replayed is not None:
        return replayed
    _require_spendable(actor, locked, spender_org, _today())
    balance = _fund_balance_locked(locked.pk)
    _refuse_overdraw(locked, balance, amount_fen)
    return _fund_write(
        actor=actor, fund=locked, kind=kind, amount_fen=-amount_fen, balance_after=balance - amount_fen, reason=reason,
        key=key, content_hash=content_hash, reward_line=reward_line,
    )


@transaction.atomic
def fund_receive(
    *, actor: Any, fund: Fund, amount_fen: int, source_kind: str, reason: str, idempotency_key: str
) -> FundMovement:
    """Money into a fund: a programme award, fiscal subsidy, collective income, a donation from 乡贤 …"""
    org = OrgUnit.objects.get(pk=fund.org_id)
    _require_role(actor, org, Role.ORG_ADMIN, what_zh="登记资金收入", what_en="record fund income")
    key = _clean_key(idempotency_key)
    amount_fen = _clean_int(amount_fen, "amount_fen", "金额（分）", low=1, high=MAX_FEN)
    if source_kind not in FundMovement.SourceKind.values:
        raise field_error(
            "source_kind", f"资金来源应为：{'、'.join(str(label) for _, label in FundMovement.SourceKind.choices)}",
            f"source_kind must be one of {', '.join(FundMovement.SourceKind.values)}",
        )
    reason = _clean_text(reason, "reason", "摘要", required=True)
    content_hash = _hash({"op": "receive", "fund": fund.pk, "amount": amount_fen, "source": source_kind, "reason": reason})
    locked = lock_objects.funds_lock([fund.pk])[fund.pk]
    replayed = _replay_fund(key, content_hash)
    if replayed is not None:
        return replayed
    if not locked.is_active:
        raise IllegalTransition(f"资金「{locked.name}」已停用", f"fund {locked.name!r} is closed", code="fund_inactive")
    balance = _fund_balance_locked(locked.pk)
    movement = _fund_write(
        actor=actor, fund=locked, kind=FundMovement.Kind.RECEIPT, amount_fen=amount_fen, balance_after=balance + amount_fen,
        reason=reason, key=key, content_hash=content_hash, source_kind=source_kind,
    )
    audit_record(
        actor=actor, action="market.fund_receive", obj=movement, org_path=org.path,
        summary=f"{locked.name} +{yuan(amount_fen)} 元（{FundMovement.SourceKind(source_kind).label}）",
        after={"fund": locked.pk, "amount_fen": amount_fen, "source_kind": source_kind, "balance_after_fen": balance + amount_fen},
    )
    return movement


@transaction.atomic
def fund_allocate(
    *, actor: Any, fund: Fund, org: OrgUnit, year: int, amount_fen: int, reason: str, idempotency_key: str
) -> Fund:
    """Allocate part of a fund to an org unit of its subtree for one year (专款专用); returns the allocation fund."""
    source_org = OrgUnit.objects.get(pk=fund.org_id)
    _require_role(actor, source_org, Role.ORG_ADMIN, what_zh="下拨资金", what_en="allocate a fund")
    key = _clean_key(idempotency_key)
    amount_fen = _clean_int(amount_fen, "amount_fen", "金额（分）", low=1, high=MAX_FEN)
    year = _clean_int(year, "year", "年度", low=2000, high=2100)
    reason = _clean_text(reason, "reason", "摘要", required=True)
    if not _within(org, source_org):
        raise field_error("org", f"「{org.name}」不在资金「{fund.name}」的范围内", f"{org.name!r} is outside the fund's unit")
    content_hash = _hash({"op": "allocate", "fund": fund.pk, "org": org.pk, "year": year, "amount": amount_fen, "reason": reason})
    target = Fund.objects.filter(parent=fund, org=org, year=year).first()
    if target is None:
        code = f"alloc-{fund.pk}-{year}"
        try:
            with transaction.atomic():
                target = Fund.objects.create(
                    org=org, code=code, name=f"{fund.name}（{org.name} {year}年）"[:100], parent=fund, year=year, created_at=clock.now()
                )
        except IntegrityError:
            target = Fund.objects.get(parent=fund, org=org, year=year)
    locked = lock_objects.funds_lock([fund.pk, target.pk])
    source, child = locked[fund.pk], locked[target.pk]
    replayed = _replay_fund(key, content_hash)
    if replayed is not None:
        return child
    if not source.is_active:
        raise IllegalTransition(f"资金「{source.name}」已停用", f"fund {source.name!r} is closed", code="fund_inactive")
    balance = _fund_balance_locked(source.pk)
    _refuse_overdraw(source, balance, amount_fen)
    child_balance = _fund_balance_locked(child.pk)
    out = _fund_write(
        actor=actor, fund=source, kind=FundMovement.Kind.ALLOCATION_OUT, amount_fen=-amount_fen, balance_after=balance - amount_fen,
        reason=reason, key=key, content_hash=content_hash, counterpart=child,
    )
    _fund_write(
        actor=actor, fund=child, kind=FundMovement.Kind.ALLOCATION_IN, amount_fen=amount_fen, balance_after=child_balance + amount_fen,
        reason=reason, key=f"{key}#in", content_hash=content_hash, counterpart=source,
    )
    audit_record(
        actor=actor, action="market.fund_allocate", obj=out, org_path=source_org.path,
        summary=f"{source.name} → {org.name} {year}: {yuan(amount_fen)} 元",
        after={"from": source.pk, "to": child.pk, "org": org.pk, "year": year, "amount_fen": amount_fen},
    )
    return child


@dataclass(frozen=True)
class RewardPayResult:
    reward_list_id: int
    paid: int  # lines paid by this call (0 on a replay)
    total_fen: int
    movements: tuple[FundMovement, ...]
    replayed: bool


@transaction.atomic
def reward_list_pay(*, actor: Any, reward_list: Any, fund: Fund, idempotency_key: str) -> RewardPayResult:
    """Pay a reward list's cash lines (奖金) out of one fund: one fund movement and payment row per line.

    Only awarded lines with an amount are paid; excluded (vetoed) lines never are. Refused as a
    whole when the fund cannot cover every unpaid line.
    """
    from jifen.rankings.models import RewardLine, RewardList, RewardPayment

    fund_org = OrgUnit.objects.get(pk=fund.org_id)
    _require_role(actor, fund_org, Role.ORG_ADMIN, what_zh="发放现金奖励", what_en="pay cash rewards")
    key = _clean_key(idempotency_key)
    listed = RewardList.objects.select_for_update().select_related("scheme__org").filter(pk=getattr(reward_list, "pk", None)).first()
    if listed is None:
        raise NotFound("找不到奖励名单", "the reward list does not exist", code="reward_list_not_found")
    content_hash = _hash({"op": "reward_pay", "list": listed.pk, "fund": fund.pk})
    previous = list(FundMovement.objects.filter(key__startswith=f"{key}#line").order_by("id"))
    if previous:
        if any(m.content_hash != content_hash for m in previous):
            raise IdempotencyMismatch(
                f"幂等键「{key}」已用于另一次发放", f"idempotency key {key!r} was used for another payment", detail={"key": key}
            )
        return RewardPayResult(
            reward_list_id=listed.pk, paid=0, total_fen=-sum(m.amount_fen for m in previous), movements=tuple(previous), replayed=True
        )
    scheme_org = listed.scheme.org
    if not (_within(scheme_org, fund_org) or _within(fund_org, scheme_org)):
        raise PermissionDenied(
            f"资金「{fund.name}」专款专用，不能发放「{listed.scheme.name}」的奖励",
            f"fund {fund.name!r} is earmarked elsewhere and cannot pay rewards of {listed.scheme.code!r}",
            code="fund_earmarked",
        )
    lines = list(
        RewardLine.objects.filter(reward_list=listed, outcome=RewardLine.Outcome.AWARDED, amount_fen__gt=0, payment__isnull=True)
        .order_by("order")
    )
    if not lines:
        paid_before = RewardPayment.objects.filter(line__reward_list=listed).exists()
        raise IllegalTransition(
            "本名单的现金奖励已全部发放" if paid_before else "本名单没有现金奖励",
            "every cash reward of this list is already paid" if paid_before else "this list has no cash reward",
            code="nothing_to_pay",
        )
    total = sum(line.amount_fen for line in lines)
    locked = lock_objects.funds_lock([fund.pk])[fund.pk]
    _require_spendable(actor, locked, scheme_org if _within(scheme_org, fund_org) else fund_org, _today())
    balance = _fund_balance_locked(locked.pk)
    _refuse_overdraw(locked, balance, total)
    movements = []
    now = clock.now()
    for line in lines:
        balance -= line.amount_fen
        movement = _fund_write(
            actor=actor, fund=locked, kind=FundMovement.Kind.REWARD, amount_fen=-line.amount_fen, balance_after=balance,
            reason=f"{listed.period} 现金奖励：{line.name}{f'（第{line.rank}名）' if line.rank else ''}"[:500],
            key=f"{key}#line{line.pk}", content_hash=content_hash, reward_line=line,
        )
        RewardPayment.objects.create(line=line, fund_movement_id=movement.pk, amount_fen=line.amount_fen, actor=_actor_row(actor), paid_at=now)
        movements.append(movement)
    audit_record(
        actor=actor, action="market.reward_list_pay", obj=listed, org_path=fund_org.path,
        summary=f"{listed.scheme.code} {listed.period}: {len(lines)} 笔 {yuan(total)} 元 ← {locked.name}",
        after={"fund": locked.pk, "lines": len(lines), "total_fen": total},
    )
    return RewardPayResult(reward_list_id=listed.pk, paid=len(lines), total_fen=total, movements=tuple(movements), replayed=False)
