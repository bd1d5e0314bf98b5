"""Reads of the supermarket and its funds: stock, receipts, statistics, fund statements, member lookup."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum

from jifen.claims.models import Veto
from jifen.claims.selectors import veto_in_force
from jifen.ledger.amounts import Points, to_points
from jifen.ledger.models import Account, Balance
from jifen.ledger.periods import grain_days
from jifen.ledger.selectors import balances_units, statement, subject_accounts
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
    Household,
    HouseholdMember,
    OrgUnit,
    Person,
    Subject,
    ancestor_paths,
    subtree_q,
)
from jifen.orgs.selectors import people_search
from jifen.rules.models import Scheme

RATE_PLACES = Decimal("0.0001")


def _rate(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0).quantize(RATE_PLACES)
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- redemption rate


@dataclass(frozen=True)
class RedemptionRate:
    """Share of households and of people in an org's subtree who redeemed at least once (篇1: ≥ 30%)."""

    households_total: int
    households_redeemed: int
    people_total: int
    people_redeemed: int
    household_rate: Decimal  # 0.3000 = 30 %
    person_rate: Decimal


def redemption_rate(*, org: OrgUnit, start: dt.date, end: dt.date) -> RedemptionRate:
    """Redemption rate for redemptions dated in [start, end) — `end` is exclusive, as in the
    rankings' periods (a year is start=1 Jan, end=1 Jan of the next year).

    Totals are the active households and people registered in the subtree today. A household
    has redeemed when any redemption counted against it (its own, or a member's); a person has
    redeemed when they came to the counter themself (the `person` of a redemption). Cancelled
    redemptions do not count.
    """
    households = Household.objects.filter(subtree_q(org.path, "org__path"), is_active=True, subject__is_active=True)
    people = Person.objects.filter(subtree_q(org.path, "org__path"), is_active=True, subject__is_active=True)
    done = Redemption.objects.filter(status=Redemption.Status.COMPLETED, day__gte=start, day__lt=end)
    households_redeemed = (
        done.filter(household_id__in=households.values("subject_id")).values("household_id").distinct().count()
    )
    people_redeemed = done.filter(person_id__in=people.values("pk")).values("person_id").distinct().count()
    households_total = households.count()
    people_total = people.count()
    return RedemptionRate(
        households_total=households_total, households_redeemed=households_redeemed, people_total=people_total,
        people_redeemed=people_redeemed, household_rate=_rate(households_redeemed, households_total),
        person_rate=_rate(people_redeemed, people_total),
    )


# --------------------------------------------------------------------------- stock


def stock_level(*, good: Good) -> int:
    """The stock level: the sum of the good's movements (0 for services and vouchers)."""
    return int(StockMovement.objects.filter(good=good).aggregate(total=Sum("quantity"))["total"] or 0)


def average_cost_fen(*, good: Good) -> int:
    """Average purchase cost per unit in fen (rounded half up); the catalogue cost when never bought."""
    row = StockMovement.objects.filter(good=good, kind=StockMovement.Kind.PURCHASE).aggregate(
        cost=Sum("total_cost_fen"), qty=Sum("quantity")
    )
    cost, qty = int(row["cost"] or 0), int(row["qty"] or 0)
    return (2 * cost + qty) // (2 * qty) if qty else good.cost_fen


@dataclass(frozen=True)
class StockRow:
    good: Good
    level: int
    average_cost_fen: int
    value_fen: int  # level × average cost


def stock_levels(*, shop: Shop) -> list[StockRow]:
    """Every stock-keeping good of the shop with its level and value, in two queries."""
    goods = list(Good.objects.filter(shop=shop, tracks_stock=True).order_by("category", "code"))
    levels = dict(
        StockMovement.objects.filter(good__in=goods).values("good_id").annotate(total=Sum("quantity")).values_list("good_id", "total")
    )
    bought = {
        r["good_id"]: (int(r["cost"] or 0), int(r["qty"] or 0))
        for r in StockMovement.objects.filter(good__in=goods, kind=StockMovement.Kind.PURCHASE)
        .values("good_id")
        .annotate(cost=Sum("total_cost_fen"), qty=Sum("quantity"))
    }
    rows = []
    for good in goods:
        cost, qty = bought.get(good.pk, (0, 0))
        average = (2 * cost + qty) // (2 * qty) if qty else good.cost_fen
        level = int(levels.get(good.pk) or 0)
        rows.append(StockRow(good=good, level=level, average_cost_fen=average, value_fen=level * average))
    return rows


def stock_value(*, org: OrgUnit) -> int:
    """Value in fen of the stock on the shelves of every shop in the org's subtree, at average cost."""
    return sum(row.value_fen for shop in Shop.objects.filter(subtree_q(org.path, "org__path")) for row in stock_levels(shop=shop))


def stock_movements(*, good: Good) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(good=good).select_related("actor", "redemption").order_by("id")


# --------------------------------------------------------------------------- redemptions


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    unit: str
    quantity: int
    unit_points: Points
    points: Points


@dataclass(frozen=True)
class Receipt:
    receipt_no: str
    shop: str
    subject: str
    at: dt.datetime
    status: str
    lines: tuple[ReceiptLine, ...]
    total_points: Points
    balance_now: Points


def redemption_receipt(*, redemption: Redemption) -> Receipt:
    """What the shopkeeper prints or shows: the receipt number, the basket and the balance left."""
    r = Redemption.objects.select_related("shop", "subject", "scheme").get(pk=redemption.pk)
    scale = r.scheme.points_scale
    account = Account.objects.filter(scheme=r.scheme, subject=r.subject).first()
    balance = balances_units(account_ids=[account.pk])[account.pk] if account else 0
    lines = tuple(
        ReceiptLine(
            name=line.good.name, unit=line.good.unit, quantity=line.quantity, unit_points=to_points(line.unit_units, scale),
            points=to_points(line.units, scale),
        )
        for line in r.lines.select_related("good").order_by("line")
    )
    return Receipt(
        receipt_no=r.receipt_no, shop=r.shop.name, subject=r.subject.name, at=r.redeemed_at, status=r.status, lines=lines,
        total_points=to_points(r.total_units, scale), balance_now=to_points(balance, scale),
    )


def redemptions_of(*, shop: Shop | None = None, subject: Subject | None = None) -> QuerySet[Redemption]:
    qs = Redemption.objects.select_related("shop", "subject", "scheme", "person")
    if shop is not None:
        qs = qs.filter(shop=shop)
    if subject is not None:
        qs = qs.filter(Q(subject=subject) | Q(household=subject))
    return qs.order_by("-redeemed_at", "-pk")


@dataclass(frozen=True)
class RedeemedRow:
    key: int  # good id or shop id
    name: str
    quantity: int  # units of goods (0 for shops)
    redemptions: int
    points: Points
    cost_fen: int


def _completed_lines(org: OrgUnit, start: dt.date, end: dt.date) -> QuerySet[RedemptionLine]:
    return RedemptionLine.objects.filter(
        subtree_q(org.path, "redemption__shop__org__path"), redemption__status=Redemption.Status.COMPLETED,
        redemption__day__gte=start, redemption__day__lt=end,
    )


def _scale_for(lines: QuerySet[RedemptionLine]) -> int:
    """The points scale of the schemes redeemed (schemes of one subtree share one in practice;
    if they differ the largest is used, and sums are shown in its units)."""
    scales = set(lines.values_list("redemption__scheme__points_scale", flat=True).distinct())
    return max(scales, default=0)


def points_redeemed_by_good(*, org: OrgUnit, start: dt.date, end: dt.date) -> list[RedeemedRow]:
    """Points redeemed per good at the shops of the subtree in [start, end), most points first."""
    lines = _completed_lines(org, start, end)
    rows = (
        lines
        .values("good_id", "good__name")
        .annotate(qty=Sum("quantity"), n=Count("redemption_id", distinct=True), units=Sum("units"),
                  cost=Sum(F("unit_cost_fen") * F("quantity")))
        .order_by("-units", "good_id")
    )
    scale = _scale_for(lines)
    return [
        RedeemedRow(key=r["good_id"], name=r["good__name"], quantity=int(r["qty"]), redemptions=int(r["n"]),
                    points=to_points(int(r["units"]), scale), cost_fen=int(r["cost"]))
        for r in rows
    ]


def points_redeemed_by_shop(*, org: OrgUnit, start: dt.date, end: dt.date) -> list[RedeemedRow]:
    """Points redeemed per shop of the subtree in [start, end), most points first."""
    lines = _completed_lines(org, start, end)
    rows = (
        lines
        .values("redemption__shop_id", "redemption__shop__name")
        .annotate(qty=Sum("quantity"), n=Count("redemption_id", distinct=True), units=Sum("units"),
                  cost=Sum(F("unit_cost_fen") * F("quantity")))
        .order_by("-units", "redemption__shop_id")
    )
    scale = _scale_for(lines)
    return [
        RedeemedRow(key=r["redemption__shop_id"], name=r["redemption__shop__name"], quantity=int(r["qty"]),
                    redemptions=int(r["n"]), points=to_points(int(r["units"]), scale), cost_fen=int(r["cost"]))
        for r in rows
    ]


@dataclass(frozen=True)
class Liability:
    """Points members hold and may still redeem, valued at what a redeemed point has cost on average."""

    outstanding_points: Points  # sum of positive subject balances
    fen_per_point: Decimal  # average cost of a redeemed point, 4 places
    liability_fen: int  # rounded half up
    basis: str  # "redeemed" (history), "catalogue" (no redemption yet), "none"


def outstanding_liability(*, scheme: Scheme) -> Liability:
    """Outstanding points as a liability in yuan at average cost (篇1: funds must cover what is owed)."""
    balances = (
        Balance.objects.filter(account_id__in=subject_accounts(scheme))
        .values("account_id")
        .annotate(total=Sum("balance"))
        .filter(total__gt=0)
    )
    outstanding = sum(int(r["total"]) for r in balances)
    spent = RedemptionLine.objects.filter(redemption__scheme=scheme, redemption__status=Redemption.Status.COMPLETED).aggregate(
        units=Sum("units"), cost=Sum(F("unit_cost_fen") * F("quantity"))
    )
    units, cost = int(spent["units"] or 0), int(spent["cost"] or 0)
    basis = "redeemed"
    if not units:
        goods = Good.objects.filter(
            Q(shop__org__path__in=[scheme.org.path]) | subtree_q(scheme.org.path, "shop__org__path"), is_active=True, price_points__gt=0
        ).values_list("cost_fen", "price_points")
        pairs = list(goods)
        cost, units = sum(c for c, _ in pairs), sum(scheme.to_units(p) for _, p in pairs)
        basis = "catalogue" if units else "none"
    per_unit = Decimal(cost) / Decimal(units) if units else Decimal(0)
    per_point = (per_unit * (10**scheme.points_scale)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    liability = int((Decimal(outstanding) * per_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Liability(
        outstanding_points=to_points(outstanding, scheme.points_scale), fen_per_point=per_point, liability_fen=liability, basis=basis
    )


# --------------------------------------------------------------------------- funds


def fund_balance(*, fund: Fund) -> int:
    """The fund's balance in fen: the sum of its movements."""
    return int(FundMovement.objects.filter(fund=fund).aggregate(total=Sum("amount_fen"))["total"] or 0)


@dataclass(frozen=True)
class FundStatementLine:
    movement: FundMovement
    at: dt.datetime
    kind: str
    kind_zh: str
    amount_fen: int
    balance_after_fen: int
    reason: str
    source_zh: str
    counterpart: str
    actor: str


def fund_statement(*, fund: Fund, since: dt.datetime | None = None, until: dt.datetime | None = None) -> list[FundStatementLine]:
    """Every movement of the fund, oldest first, with the balance after each (for audit)."""
    qs = FundMovement.objects.filter(fund=fund).select_related("counterpart", "actor", "reward_line")
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    kinds = dict(FundMovement.Kind.choices)
    sources = dict(FundMovement.SourceKind.choices)
    return [
        FundStatementLine(
            movement=m, at=m.at, kind=m.kind, kind_zh=str(kinds[m.kind]), amount_fen=m.amount_fen,
            balance_after_fen=m.balance_after_fen, reason=m.reason, source_zh=str(sources.get(m.source_kind, "")) if m.source_kind else "",
            counterpart=m.counterpart.name if m.counterpart else "", actor=m.actor.get_username() if m.actor else "",
        )
        for m in qs.order_by("id")
    ]


def funds_of(*, org: OrgUnit) -> QuerySet[Fund]:
    """Funds held in the org's subtree, with their balances (annotated `balance_fen`)."""
    return (
        Fund.objects.filter(subtree_q(org.path, "org__path"))
        .select_related("org", "parent")
        .annotate(balance_fen=Sum("movements__amount_fen", default=0))
        .order_by("org__path", "code")
    )


def funds_spendable_for(*, org: OrgUnit, on: dt.date, below: bool = False) -> QuerySet[Fund]:
    """Active funds that may pay for `org` on `on` (专款专用): held at the unit or above it, an
    allocation only in its year; with `below`, also those held in the unit's subtree (a reward
    list's cash may come from a fund of a unit under the scheme). Annotated `balance_fen`."""
    held = Q(org__path__in=ancestor_paths(org.path))
    if below:
        held |= subtree_q(org.path, "org__path")
    return (
        Fund.objects.filter(held, Q(year__isnull=True) | Q(year=on.year), is_active=True)
        .select_related("org")
        .annotate(balance_fen=Sum("movements__amount_fen", default=0))
        .order_by("org__path", "code")
    )


def shop_schemes(*, org: OrgUnit, shops: list[Shop]) -> dict[int, list[Scheme]]:
    """The active schemes each shop of `org`'s subtree redeems (adopted at or above the shop's
    unit, or below it), in one query."""
    schemes = list(
        Scheme.objects.filter(Q(org__path__in=ancestor_paths(org.path)) | subtree_q(org.path, "org__path"), is_active=True)
        .select_related("org")
        .order_by("org__depth", "org__path", "code")
    )
    out: dict[int, list[Scheme]] = {}
    for shop in shops:
        here = shop.org.path
        out[shop.pk] = [
            s for s in schemes if here == s.org.path or here.startswith(s.org.path + "/") or s.org.path.startswith(here + "/")
        ]
    return out


# --------------------------------------------------------------------------- member lookup


@dataclass(frozen=True)
class MemberMatch:
    person: Person
    household: Household | None
    subject: Subject  # who redeems: the household when there is one, else the person
    balance: Points | None  # in the scheme the shop serves for them (None when unclear)


def member_lookup(*, shop: Shop, query: str, limit: int = 20) -> list[MemberMatch]:
    """The shopkeeper's search: a name, a household number (SH-001) or the tail of a phone
    number (3–11 digits), among the people of the shop's unit and below."""
    query = (query or "").strip()
    if not query:
        return []
    people = list(people_search(org=shop.org, query=query).select_related("subject")[:limit])
    stays = {
        s.person_id: s.household
        for s in HouseholdMember.objects.filter(person__in=people, left_on__isnull=True).select_related("household__subject")
    }
    subjects = [stays[p.pk].subject if p.pk in stays else p.subject for p in people]
    accounts = Account.objects.filter(subject__in=subjects, scheme__is_active=True).select_related("scheme__org")
    served: dict[int, list[Account]] = {}
    for account in accounts:
        s_path, shop_path = account.scheme.org.path, shop.org.path
        if shop_path == s_path or shop_path.startswith(s_path + "/") or s_path.startswith(shop_path + "/"):
            served.setdefault(account.subject_id, []).append(account)
    balances = balances_units(account_ids=[a.pk for accs in served.values() for a in accs])
    out = []
    for person, subject in zip(people, subjects, strict=True):
        accs = served.get(subject.pk, [])
        balance = to_points(balances[accs[0].pk], accs[0].scheme.points_scale) if len(accs) == 1 else None
        out.append(MemberMatch(person=person, household=stays.get(person.pk), subject=subject, balance=balance))
    return out


def shops_kept_by(*, user: object) -> QuerySet[Shop]:
    """Active shops whose unit the user keeps (shopkeeper or above over it, or over an ancestor)."""
    from jifen.orgs.models import Role
    from jifen.orgs.selectors import orgs_managed_by

    roles = [Role.SHOPKEEPER, Role.RECORDER, Role.REVIEWER, Role.ORG_ADMIN, Role.PLATFORM_ADMIN]
    return (
        Shop.objects.filter(is_active=True, org__in=orgs_managed_by(user=user, roles=roles))
        .select_related("org")
        .order_by("org__path", "code")
    )


def goods_on_offer(*, shop: Shop, on: dt.date) -> list[tuple[Good, int | None]]:
    """The shop's goods on offer on `on`, with the stock level of those that keep stock (two queries)."""
    goods = list(
        Good.objects.filter(shop=shop, is_active=True)
        .filter(Q(active_from__isnull=True) | Q(active_from__lte=on), Q(active_until__isnull=True) | Q(active_until__gte=on))
        .order_by("category", "price_points", "code")
    )
    levels = dict(
        StockMovement.objects.filter(good__in=[g for g in goods if g.tracks_stock])
        .values("good_id")
        .annotate(total=Sum("quantity"))
        .values_list("good_id", "total")
    )
    return [(g, int(levels.get(g.pk) or 0) if g.tracks_stock else None) for g in goods]


def balance_at_shop(*, shop: Shop, subject: Subject) -> Points | None:
    """The subject's spendable balance in the one scheme the shop serves for them (None if none or several)."""
    accounts = [
        a for a in Account.objects.filter(subject=subject, scheme__is_active=True).select_related("scheme__org")
        if shop.org.path == a.scheme.org.path or shop.org.path.startswith(a.scheme.org.path + "/")
        or a.scheme.org.path.startswith(shop.org.path + "/")
    ]
    if len(accounts) != 1:
        return None
    return to_points(balances_units(account_ids=[accounts[0].pk])[accounts[0].pk], accounts[0].scheme.points_scale)


def market_verify() -> list[str]:
    """Every inconsistency between the market's tables and the ledger, in words (empty when all agree).

    - each good's movements: `level_after` is the running sum and never negative;
    - each fund's movements: `balance_after_fen` is the running sum and never negative;
    - each redemption: its ledger transaction takes exactly its total from the subject's account,
      its lines add up to its total, its stock-keeping lines have one stock movement each;
      a cancelled one has the reversal of that transaction and its stock back.
    """
    from jifen.ledger.models import Posting

    problems: list[str] = []
    running: dict[int, int] = {}
    for good_id, pk, quantity, level_after in StockMovement.objects.order_by("good_id", "id").values_list(
        "good_id", "pk", "quantity", "level_after"
    ):
        running[good_id] = running.get(good_id, 0) + quantity
        if running[good_id] != level_after or level_after < 0:
            problems.append(f"stock movement #{pk} of good #{good_id}: level_after {level_after}, running sum {running[good_id]}")
    balances: dict[int, int] = {}
    for fund_id, pk, amount, after in FundMovement.objects.order_by("fund_id", "id").values_list(
        "fund_id", "pk", "amount_fen", "balance_after_fen"
    ):
        balances[fund_id] = balances.get(fund_id, 0) + amount
        if balances[fund_id] != after or after < 0:
            problems.append(f"fund movement #{pk} of fund #{fund_id}: balance_after {after}, running sum {balances[fund_id]}")
    line_totals = dict(RedemptionLine.objects.values("redemption_id").annotate(t=Sum("units")).values_list("redemption_id", "t"))
    tracked_lines = Counter(
        RedemptionLine.objects.filter(good__tracks_stock=True).values_list("redemption_id", flat=True)
    )
    moved = Counter(StockMovement.objects.filter(kind="redemption").values_list("redemption_id", flat=True))
    returned = Counter(StockMovement.objects.filter(kind="cancellation").values_list("redemption_id", flat=True))
    accounts = dict(Account.objects.filter(subject__isnull=False).values_list("pk", "subject_id"))
    legs: dict[int, list[tuple[int, int]]] = {}
    tx_ids = list(Redemption.objects.values_list("transaction_id", flat=True))
    for tx_id, account_id, amount in Posting.objects.filter(transaction_id__in=tx_ids).values_list("transaction_id", "account_id", "amount"):
        legs.setdefault(tx_id, []).append((account_id, amount))
    for r in Redemption.objects.select_related("transaction", "cancel_transaction").order_by("pk"):
        mine = [(accounts.get(a), amount) for a, amount in legs.get(r.transaction_id, []) if a in accounts]
        if mine != [(r.subject_id, -r.total_units)]:
            problems.append(f"redemption {r.receipt_no}: ledger legs on subject accounts {mine}, expected [({r.subject_id}, {-r.total_units})]")
        if line_totals.get(r.pk) != r.total_units:
            problems.append(f"redemption {r.receipt_no}: lines add up to {line_totals.get(r.pk)}, total {r.total_units}")
        if moved.get(r.pk, 0) != tracked_lines.get(r.pk, 0):
            problems.append(f"redemption {r.receipt_no}: {moved.get(r.pk, 0)} stock movements for {tracked_lines.get(r.pk, 0)} stock lines")
        if r.status == Redemption.Status.CANCELLED:
            if r.cancel_transaction is None or r.cancel_transaction.reverses_id != r.transaction_id:
                problems.append(f"redemption {r.receipt_no}: cancelled without the reversal of its transaction")
            if returned.get(r.pk, 0) != moved.get(r.pk, 0):
                problems.append(f"redemption {r.receipt_no}: {returned.get(r.pk, 0)} of {moved.get(r.pk, 0)} stock movements returned")
        elif returned.get(r.pk):
            problems.append(f"redemption {r.receipt_no}: stock returned but not cancelled")
    return problems


# --------------------------------------------------------------------------- what a viewer may see (API)


def shops_visible_to(*, access: Any) -> QuerySet[Shop]:
    """Shops at, above or below any unit the caller holds a role at (a township's shop serves its villages)."""
    if access.user is None:
        return Shop.objects.none()
    if access.is_platform:
        return Shop.objects.select_related("org")
    condition = Q(pk__in=[])
    for _, path, _ in access.bindings:
        condition |= Q(org__path__in=ancestor_paths(path)) | subtree_q(path, "org__path")
    return Shop.objects.filter(condition).select_related("org")


def goods_visible_to(*, access: Any) -> QuerySet[Good]:
    return Good.objects.filter(shop__in=shops_visible_to(access=access)).select_related("shop__org")


def redemptions_visible_to(*, access: Any) -> QuerySet[Redemption]:
    """Staff of the shop's unit see its redemptions; anyone sees their own and their household's."""
    from jifen.orgs.selectors import STAFF_ROLES, own_subject_ids_for

    if access.user is None:
        return Redemption.objects.none()
    own = own_subject_ids_for(access)
    condition = access.org_q(STAFF_ROLES, "shop__org__path") | Q(subject_id__in=own) | Q(household_id__in=own)
    return Redemption.objects.filter(condition).select_related("shop", "subject", "scheme", "person")


def funds_visible_to(*, access: Any) -> QuerySet[Fund]:
    """Funds held in subtrees the caller administers (money is the admins' business)."""
    from jifen.orgs.selectors import ADMIN_ROLES

    if access.user is None:
        return Fund.objects.none()
    return Fund.objects.filter(access.org_q(ADMIN_ROLES, "org__path")).select_related("org", "parent")


# --------------------------------------------------------------------------- the member's own supermarket (self-service)


@dataclass(frozen=True)
class RedemptionParties:
    household: Subject | None  # whose household limits a redemption by the subject counts against
    person: Person | None  # who counts as redeeming (a household's head by default)
    vetoed: list[int]  # subjects whose veto bars the redemption


def redemption_parties(*, subject: Subject) -> RedemptionParties:
    """Who a redemption by `subject` involves: for a household, itself, its head, and the veto of
    any current member; for a person, their household (if any) and their own or its veto.
    The one reading `services.redemption_create` and the member's pages both use."""
    if subject.kind == Subject.Kind.HOUSEHOLD:
        household = Household.objects.select_related("head").get(subject=subject)
        members = HouseholdMember.objects.filter(household=household, left_on__isnull=True)
        return RedemptionParties(subject, household.head, [subject.pk, *members.values_list("person__subject_id", flat=True)])
    if subject.kind == Subject.Kind.PERSON:
        person = Person.objects.get(subject=subject)
        stay = HouseholdMember.objects.filter(person=person, left_on__isnull=True).select_related("household__subject").first()
        if stay is None:
            return RedemptionParties(None, person, [subject.pk])
        return RedemptionParties(stay.household.subject, person, [subject.pk, stay.household.subject_id])
    return RedemptionParties(None, None, [subject.pk])


def redemption_veto(*, scheme: Scheme, subject: Subject, on: dt.datetime) -> Veto | None:
    """The veto (一票否决) that would bar `subject` from redeeming in `scheme` at `on`, or None:
    the subject's own, or for a household a current member's, or for a person their household's.
    What `redemption_create` refuses with code "vetoed", known before the member tries."""
    for vetoed_id in redemption_parties(subject=subject).vetoed:
        veto = veto_in_force(scheme, Subject(pk=vetoed_id), on, bar="redemption")
        if veto is not None:
            return veto
    return None


def limits_taken(*, goods: list[Good], subject: Subject, on: dt.date) -> dict[int, int]:
    """How many of each limited good (`limit_per_household`) count as already redeemed in the
    good's current period (the day `on` falls in) by the household `subject` belongs to (or by
    `subject` alone when it has none); cancelled redemptions do not count. One query."""
    limited = [g for g in goods if g.limit_per_household is not None]
    if not limited:
        return {}
    bounds = {
        g.pk: (on, on + dt.timedelta(days=1)) if g.limit_period == Good.LimitPeriod.DAY else grain_days(g.limit_period, on)
        for g in limited
    }
    household = redemption_parties(subject=subject).household
    holder = {"redemption__household_id": household.pk} if household is not None else {"redemption__subject_id": subject.pk}
    rows = (
        RedemptionLine.objects.filter(
            good_id__in=list(bounds), redemption__status=Redemption.Status.COMPLETED,
            redemption__day__gte=min(start for start, _ in bounds.values()),
            redemption__day__lt=max(end for _, end in bounds.values()), **holder,
        )
        .order_by()
        .values_list("good_id", "redemption__day")
        .annotate(total=Sum("quantity"))
    )
    taken = dict.fromkeys(bounds, 0)
    for good_id, day, total in rows:
        start, end = bounds[good_id]
        if start <= day < end:
            taken[good_id] += int(total)
    return taken


@dataclass(frozen=True)
class ShopAccount:
    """Points a member may spend at a shop: their own or their household's account in a scheme the shop serves."""

    account: Account
    scheme: Scheme
    subject: Subject
    balance: Points
    veto: Veto | None  # in force now and barring redemption


@dataclass(frozen=True)
class MemberShop:
    shop: Shop
    accounts: tuple[ShopAccount, ...]


def shops_for_member(*, person: Person, household: Household | None, on: dt.datetime) -> list[MemberShop]:
    """The active shops that serve a member, supermarkets before partner shops and the nearest
    first: at, above or below their village (their household's village, else their own unit),
    serving a scheme in which they or their household hold an account (the scheme covers the
    subject; the shop lies within the scheme's unit or the scheme within the shop's, as
    `redemption_create` reads it). Each with the spendable balance of those accounts and any
    veto in force barring redemption."""
    subjects = [person.subject_id] + ([household.subject_id] if household is not None else [])
    accounts = list(
        Account.objects.filter(subject_id__in=subjects, subject__is_active=True, scheme__is_active=True)
        .select_related("scheme__org", "subject__org")
        .order_by("scheme__org__depth", "scheme_id", "subject__kind")  # "household" sorts before "person"
    )
    accounts = [a for a in accounts if a.scheme.org.path in ancestor_paths(a.subject.org.path)]
    if not accounts:
        return []
    home = household.village if household is not None else person.org
    shops = Shop.objects.filter(
        Q(org__path__in=ancestor_paths(home.path)) | subtree_q(home.path, "org__path"), is_active=True
    ).select_related("org").order_by("-kind", "-org__depth", "org__path", "code")  # "supermarket" sorts after "partner"
    balances = balances_units(account_ids=[a.pk for a in accounts])
    vetoes: dict[tuple[int, int], Veto | None] = {}
    out = []
    for shop in shops:
        served = []
        for a in accounts:
            s_path = a.scheme.org.path
            if not (shop.org.path == s_path or shop.org.path.startswith(s_path + "/") or s_path.startswith(shop.org.path + "/")):
                continue
            key = (a.scheme_id, a.subject_id)
            if key not in vetoes:
                vetoes[key] = redemption_veto(scheme=a.scheme, subject=a.subject, on=on)
            served.append(
                ShopAccount(account=a, scheme=a.scheme, subject=a.subject, balance=to_points(balances[a.pk], a.scheme.points_scale),
                            veto=vetoes[key])
            )
        if served:
            out.append(MemberShop(shop=shop, accounts=tuple(served)))
    return out


def redemptions_of_member(*, person: Person, household: Household | None) -> QuerySet[Redemption]:
    """A member's receipts: their own redemptions and every redemption counted against their
    household (any member's, or the household's own), newest first. Nothing of other households."""
    condition = Q(subject_id=person.subject_id)
    if household is not None:
        condition |= Q(subject_id=household.subject_id) | Q(household_id=household.subject_id)
    return Redemption.objects.filter(condition).select_related("shop__org", "subject", "scheme").order_by("-redeemed_at", "-pk")


def redemption_balance_after(*, redemption: Redemption) -> Points | None:
    """The subject's spendable balance right after a completed redemption, as the ledger reads
    now (a deed posted later but dated earlier counts); None for a cancelled one."""
    if redemption.status != Redemption.Status.COMPLETED:
        return None
    account = Account.objects.filter(scheme_id=redemption.scheme_id, subject_id=redemption.subject_id).first()
    if account is None:  # pragma: no cover - a redemption always posts to the subject's account
        return None
    lines = statement(account=account, until=redemption.redeemed_at + dt.timedelta(microseconds=1), limit=1)
    return lines[-1].balance_after if lines else None
