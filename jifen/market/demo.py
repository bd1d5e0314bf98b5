"""Demo: a stocked points supermarket in each village, the funds behind it, and 2026's redemptions.

Runs after the orgs, rules, claims and rankings steps (INSTALLED_APPS order), so villagers hold
their 2026 base points. Everything goes through the services, at frozen times from January to
the demo's fixed date, so a seed always gives the same result:

- a county fund (fiscal subsidy and a 示范村 programme award) allocated to every village for
  2026 (篇5: 2–3万 yuan a village a year), plus the village's own collective income and, in
  the first village, a donation from 乡贤;
- in every village a supermarket with goods, a voucher and a service, stocked in January from
  the village's allocation and restocked when a shelf runs out; the first village also has a
  partner shop (兑换点) in its 便民超市;
- about 40 % of households redeem one to three times during the year (篇1 wants ≥ 30 %), a
  few redemptions are cancelled at the counter;
- the company's cash reward lists (篇6 rank tables) are paid out of the company's reward fund.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo

from jifen.core import clock
from jifen.core.demo import DemoContext
from jifen.core.errors import JifenError
from jifen.ledger.models import Account
from jifen.ledger.selectors import balances_units
from jifen.market import selectors, services
from jifen.market.models import Good, Shop
from jifen.orgs.models import HouseholdMember, OrgUnit, Person, Role, RoleBinding, Unit, subtree_q
from jifen.rules.models import Scheme

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026

# code, name, unit, points, cost in fen, category, kind, limit per household, limit period
CATALOGUE = (
    ("oil", "食用油 5L", "桶", 50, 4500, "粮油", "goods", 2, "month"),
    ("rice", "大米 10斤", "袋", 30, 2600, "粮油", "goods", None, "month"),
    ("noodles", "挂面", "把", 5, 450, "粮油", "goods", None, "month"),
    ("detergent", "洗衣粉", "袋", 15, 1200, "日用品", "goods", None, "month"),
    ("dish-soap", "洗洁精", "瓶", 10, 800, "日用品", "goods", None, "month"),
    ("towel", "毛巾", "条", 8, 600, "日用品", "goods", None, "month"),
    ("toothpaste", "牙膏", "支", 8, 650, "日用品", "goods", None, "month"),
    ("health-check", "健康体检券", "张", 30, 8000, "服务", "voucher", 1, "year"),
    ("library-card", "图书借阅卡", "张", 10, 500, "服务", "voucher", 1, "year"),
    ("haircut", "理发服务", "次", 10, 1000, "服务", "service", None, "month"),
)
FIRST_STOCK = {"oil": 40, "rice": 40, "noodles": 80, "detergent": 50, "dish-soap": 50, "towel": 50, "toothpaste": 50}
RESTOCK = 30
SHARE_REDEEMING = 0.42
CANCEL_EVERY = 40


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def _village_schemes(ctx: DemoContext) -> list[Scheme]:
    return [s for s in (ctx.data.get("village_schemes") or []) if isinstance(s, Scheme)]


def build(ctx: DemoContext) -> None:
    schemes = _village_schemes(ctx)
    today = ctx.data.get("today") if isinstance(ctx.data.get("today"), dt.date) else clock.now().date()
    admin = ctx.data.get("admin")
    root = ctx.data.get("root")
    if not schemes or not isinstance(root, OrgUnit):
        ctx.say("  积分超市 / market: 没有村级积分方案，跳过 / no village schemes, skipped")
        return
    started = time.monotonic()
    cap = None if ctx.size == "small" else 25  # redemptions per village beyond the small demo
    jan2 = _local(dt.date(YEAR, 1, 2), 9)
    with clock.frozen(jan2):
        county_fund = services.fund_create(actor=admin, org=root, code="market-subsidy", name="积分超市奖补资金")
        per_village = [ctx.rng.randrange(2_000_000, 3_000_001, 100_000) for _ in schemes]
        services.fund_receive(
            actor=admin, fund=county_fund, amount_fen=sum(per_village), source_kind="fiscal_subsidy",
            reason=f"{YEAR}年县财政积分制管理补贴", idempotency_key=f"demo:fund:{YEAR}:subsidy",
        )
        services.fund_receive(
            actor=admin, fund=county_fund, amount_fen=10_000_000, source_kind="programme_award",
            reason=f"{YEAR}年省级积分制管理示范村奖补", idempotency_key=f"demo:fund:{YEAR}:programme",
        )
    totals = {"redemptions": 0, "cancelled": 0, "purchases": 0, "refused": 0}
    for index, (scheme, amount) in enumerate(zip(schemes, per_village, strict=True)):
        village = scheme.org
        with clock.frozen(jan2):
            allocation = services.fund_allocate(
                actor=admin, fund=county_fund, org=village, year=YEAR, amount_fen=amount,
                reason=f"{YEAR}年{village.name}积分超市经费", idempotency_key=f"demo:alloc:{village.pk}:{YEAR}",
            )
            own = services.fund_create(actor=admin, org=village, code="collective", name=f"{village.name}集体经济积分奖励金")
            services.fund_receive(
                actor=admin, fund=own, amount_fen=ctx.rng.randrange(300_000, 800_001, 50_000), source_kind="collective_income",
                reason=f"{YEAR}年村集体经济收入提取", idempotency_key=f"demo:collective:{village.pk}",
            )
            if index == 0:
                services.fund_receive(
                    actor=admin, fund=own, amount_fen=500_000, source_kind="donation", reason="乡贤捐赠（在外经商村民）",
                    idempotency_key=f"demo:donation:{village.pk}",
                )
        _village(ctx, scheme, allocation, admin, today, index, cap, totals)
    _company_rewards(ctx, admin)
    rate = selectors.redemption_rate(org=root, start=dt.date(YEAR, 1, 1), end=dt.date(YEAR + 1, 1, 1))
    ctx.say(
        f"  积分超市 / market: {len(schemes)} 个超市，兑换 {totals['redemptions']} 笔（撤销 {totals['cancelled']}，"
        f"余额不足等拒绝 {totals['refused']}），补货 {totals['purchases']} 次；{YEAR} 年兑换率 户 {rate.household_rate:.1%} "
        f"（{rate.households_redeemed}/{rate.households_total}）人 {rate.person_rate:.1%} ({time.monotonic() - started:.1f}s)"
    )


def _shopkeeper(village: OrgUnit, admin: Any) -> Any:
    binding = RoleBinding.objects.filter(org=village, role=Role.SHOPKEEPER, is_active=True).select_related("user").first()
    return binding.user if binding else admin


def _village(
    ctx: DemoContext, scheme: Scheme, fund: Any, admin: Any, today: dt.date, index: int, cap: int | None, totals: dict[str, int]
) -> None:
    village = scheme.org
    keeper = _shopkeeper(village, admin)
    rng = ctx.rng
    jan2 = _local(dt.date(YEAR, 1, 2), 10)
    with clock.frozen(jan2):
        shop = services.shop_create(actor=admin, org=village, code="supermarket", name=f"{village.name}积分超市")
        goods: list[Good] = []
        for code, name, unit, points, cost, category, kind, limit, period in CATALOGUE:
            goods.append(
                services.good_create(
                    actor=keeper, shop=shop, code=code, name=name, unit=unit, price_points=points, cost_fen=cost, category=category,
                    kind=kind, limit_per_household=limit, limit_period=period,
                )
            )
        for good in goods:
            if good.code in FIRST_STOCK:
                services.stock_purchase(
                    actor=keeper, good=good, quantity=FIRST_STOCK[good.code], unit_cost_fen=good.cost_fen, fund=fund,
                    reason="年初进货", idempotency_key=f"demo:stock:{good.pk}:first",
                )
                totals["purchases"] += 1
        if index == 0:
            unit = Unit.objects.filter(org=village, kind=Unit.Kind.SHOP).first()
            if unit is not None:
                partner = services.shop_create(
                    actor=admin, org=village, code="partner", name=f"{unit.name}（兑换点）", kind=Shop.Kind.PARTNER, unit=unit
                )
                services.good_create(
                    actor=keeper, shop=partner, code="haircut", name="理发服务", unit="次", price_points=10, cost_fen=1000,
                    kind="service", category="服务",
                )

    # Who redeems: a share of households, through a member who holds points.
    stays = list(
        HouseholdMember.objects.filter(subtree_q(village.path, "household__org__path"), left_on__isnull=True)
        .order_by("household_id", "person_id")
        .values_list("household_id", "person__subject_id")
    )
    accounts = dict(
        Account.objects.filter(scheme=scheme, subject_id__in=[s for _, s in stays]).values_list("subject_id", "pk")
    )
    balances = balances_units(account_ids=list(accounts.values()))
    holders: dict[int, list[int]] = {}
    for household_id, subject_id in stays:
        if balances.get(accounts.get(subject_id, -1), 0) >= 20:
            holders.setdefault(household_id, []).append(subject_id)
    chosen = [h for h in sorted(holders) if rng.random() < SHARE_REDEEMING]
    last_day = today - dt.timedelta(days=1)
    span = (last_day - dt.date(YEAR, 1, 5)).days
    events: list[tuple[dt.datetime, int]] = []
    for household_id in chosen:
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            day = dt.date(YEAR, 1, 5) + dt.timedelta(days=rng.randrange(max(span, 1)))
            events.append((_local(day, rng.randrange(8, 18), rng.randrange(60)), rng.choice(holders[household_id])))
    events.sort()
    if cap is not None:
        events = events[:cap]
    people = {p.subject_id: p for p in Person.objects.filter(subject_id__in={s for _, s in events}).select_related("subject")}
    left = {s: balances[accounts[s]] for _, s in events}
    stocked = [g for g in goods if g.tracks_stock]
    others = [g for g in goods if not g.tracks_stock]
    for n, (at, subject_id) in enumerate(events, 1):
        person = people[subject_id]
        basket: list[tuple[Good, int]] = []
        budget = left[subject_id]
        for good in rng.sample(stocked, rng.choice((1, 2, 2, 3))) + ([rng.choice(others)] if rng.random() < 0.2 else []):
            quantity = 1 if good.price_points >= 20 else rng.choice((1, 2))
            if good.price_points * quantity <= budget:
                basket.append((good, quantity))
                budget -= good.price_points * quantity
        if not basket:
            continue
        with clock.frozen(at):
            for good, quantity in basket:
                if good.tracks_stock and selectors.stock_level(good=good) < quantity:
                    services.stock_purchase(
                        actor=keeper, good=good, quantity=RESTOCK, unit_cost_fen=good.cost_fen + rng.choice((-50, 0, 0, 50, 100)),
                        fund=fund, reason="补货", idempotency_key=f"demo:stock:{good.pk}:{n}",
                    )
                    totals["purchases"] += 1
            try:
                redemption = services.redemption_create(
                    actor=keeper, shop=shop, subject=person.subject, lines=basket, idempotency_key=f"demo:{village.pk}:{n}"
                )
            except JifenError:
                # A household limit or a veto: the shopkeeper says no, as at a real counter.
                totals["refused"] += 1
                continue
        totals["redemptions"] += 1
        left[subject_id] -= sum(g.price_points * q for g, q in basket)
        if n % CANCEL_EVERY == 0:
            with clock.frozen(at + dt.timedelta(minutes=10)):
                services.redemption_cancel(
                    actor=keeper, redemption=redemption, reason="顾客当场退换", idempotency_key=f"demo:cancel:{village.pk}:{n}"
                )
            left[subject_id] += sum(g.price_points * q for g, q in basket)
            totals["cancelled"] += 1


def _company_rewards(ctx: DemoContext, admin: Any) -> None:
    """Pay the company's cash reward lists (篇6 rank tables) out of its own reward fund."""
    from jifen.rankings.models import RewardLine, RewardList

    company = ctx.data.get("company_scheme")
    if not isinstance(company, Scheme):
        return
    lists = [
        rl for rl in RewardList.objects.filter(scheme=company).order_by("period_start", "rule_index")
        if RewardLine.objects.filter(reward_list=rl, outcome=RewardLine.Outcome.AWARDED, amount_fen__gt=0).exists()
    ]
    if not lists:
        return
    today = ctx.data.get("today") if isinstance(ctx.data.get("today"), dt.date) else clock.now().date()
    with clock.frozen(_local(today, 11)):
        fund = services.fund_create(actor=admin, org=company.org, code="rewards", name=f"{company.org.name}积分奖励基金")
        services.fund_receive(
            actor=admin, fund=fund, amount_fen=5_000_000, source_kind="other", reason="公司年度积分奖励预算",
            idempotency_key="demo:company:rewards",
        )
        paid = 0
        total = 0
        for rl in lists:
            result = services.reward_list_pay(actor=admin, reward_list=rl, fund=fund, idempotency_key=f"demo:pay:{rl.pk}")
            paid += result.paid
            total += result.total_fen
    ctx.say(f"  现金奖励 / cash rewards {company.org.name}: {len(lists)} 份名单 {paid} 人 {services.yuan(total)} 元")
