"""Figures for monthly reports and dashboards, computed for a whole subtree at once.

Every figure is a handful of grouped queries over the subtree (people, households, claims,
postings), folded per village in Python from one read of the subtree's org units: a township of
200 villages costs the same number of queries as one village.

Participation: a person takes part in a month when their own account has at least one award,
deduction or redemption posting dated in that month (base, fixed and expiry postings are written
by the system, not earned); a household takes part when its own account or one of its current
members does. Party members and cadres are people with a party membership or an active job
(村(社区)工作人员) in the village.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from jifen.claims.models import Claim, ClaimState
from jifen.core.errors import InvalidInput, NotFound
from jifen.ledger.models import Posting, PostingKind
from jifen.orgs.models import Household, HouseholdMember, OrgUnit, Person, ancestor_paths, subtree_q
from jifen.reports import sources
from jifen.reports.models import (
    DEFAULT_TARGETS,
    MonthlyReportSubmission,
    PilotVillage,
    ReportTargets,
)
from jifen.rules.models import ItemVersion, Scheme

VILLAGE_KINDS = ("village", "community")
PARTICIPATION_KINDS = (PostingKind.AWARD, PostingKind.DEDUCT, PostingKind.REDEEM)
HISTORY_MONTHS = 12
TOP_N = 5


# --- months -------------------------------------------------------------------------------------

def report_zone() -> ZoneInfo:
    return ZoneInfo(getattr(settings, "JIFEN_DEFAULT_TIME_ZONE", "Asia/Shanghai"))


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def previous_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def parse_month(value: str | dt.date | None, *, default: dt.date | None = None) -> dt.date:
    """'2026-03' (or a date) as the first day of that month; `default` when empty."""
    if value is None or value == "":
        if default is None:
            raise InvalidInput("请指定月份", "a month is needed", code="month_required")
        return default.replace(day=1)
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        year, month = str(value).strip().split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        raise InvalidInput(
            f"月份「{value}」无效（格式：2026-03）", f"{value!r} is not a month (expected YYYY-MM)", code="bad_month"
        ) from None


def last_complete_month(now: dt.datetime) -> dt.date:
    return previous_month(now.astimezone(report_zone()).date())


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Aware local midnights [first day, first day of the next month) in the report zone."""
    zone = report_zone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=zone)
    end_day = next_month(month)
    return start, dt.datetime(end_day.year, end_day.month, 1, tzinfo=zone)


# --- villages of a subtree ------------------------------------------------------------------------

@dataclass
class Subtree:
    root: OrgUnit
    villages: list[OrgUnit]
    village_of: dict[int, int]  # org unit id → id of the village it lies in


def subtree(root: OrgUnit) -> Subtree:
    """The villages at or under `root`, and for every unit in the subtree the village holding it (one query)."""
    units = list(OrgUnit.objects.filter(subtree_q(root.path)).select_related("kind").order_by("path"))
    villages = [u for u in units if u.kind.code in VILLAGE_KINDS and u.is_active]
    by_path = {v.path: v.pk for v in villages}
    village_of: dict[int, int] = {}
    for unit in units:
        for path in reversed(ancestor_paths(unit.path)):
            if path in by_path:
                village_of[unit.pk] = by_path[path]
                break
    return Subtree(root=root, villages=villages, village_of=village_of)


def require_village(org: OrgUnit) -> OrgUnit:
    if org.kind.code not in VILLAGE_KINDS:
        raise InvalidInput(
            f"「{org.name}」不是村（社区），月报由村（社区）填报", f"{org.path} is not a village; villages report monthly",
            code="not_a_village",
        )
    return org


# --- points helpers -----------------------------------------------------------------------------

def points_text(value: Decimal) -> str:
    """A Decimal as stored in a snapshot: '12', '-3', '7.5'."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _categories_of(version_ids: Iterable[int | None]) -> dict[int, tuple[int, str]]:
    """item version id → (category order, category name), one query."""
    ids = {v for v in version_ids if v is not None}
    if not ids:
        return {}
    rows = ItemVersion.objects.filter(pk__in=ids).values_list("pk", "item__category__order", "item__category__name")
    return {pk: (order, name) for pk, order, name in rows}


def _scales(scheme_ids: Iterable[int]) -> dict[int, Scheme]:
    ids = set(scheme_ids)
    return {s.pk: s for s in Scheme.objects.filter(pk__in=ids).only("pk", "points_scale")} if ids else {}


def _score_postings(root: OrgUnit, first: dt.date, end: dt.date) -> QuerySet[Posting]:
    """Score postings (awards, deductions, fixed and base points, their reversals) of subjects in the subtree."""
    return Posting.objects.filter(
        subtree_q(root.path, "account__subject__org__path"), bucket__gte=first, bucket__lt=end, counts_in_score=True,
    ).exclude(kind=PostingKind.REDEEM)


def _active_subjects(first: dt.date, end: dt.date) -> QuerySet[Posting]:
    # Buckets never straddle a month, so a month's postings are exactly its buckets' postings.
    return Posting.objects.filter(bucket__gte=first, bucket__lt=end, kind__in=PARTICIPATION_KINDS).values("account__subject_id")


# --- the monthly figures of every village under a root ---------------------------------------------

def _blank(village: OrgUnit, month: dt.date) -> dict[str, Any]:
    return {
        "month": f"{month:%Y-%m}",
        "org": {"id": village.pk, "path": village.path, "name": village.name},
        "households": {"total": 0, "active": 0},
        "people": {"total": 0, "active": 0},
        "party_and_cadres": {"total": 0, "active": 0},
        "claims": {"declared": 0, "by_state": {state: 0 for state in ClaimState.values}},
        "points": [],
        "redemptions": None,
        "grid": None,
    }


def villages_figures(*, root: OrgUnit, month: dt.date, tree: Subtree | None = None) -> dict[int, dict[str, Any]]:
    """The monthly report figures of every village at or under `root`, keyed by village id."""
    tree = tree or subtree(root)
    month = month.replace(day=1)
    end_day = next_month(month)
    start, end = month_bounds(month)
    out = {v.pk: _blank(v, month) for v in tree.villages}
    if not out:
        return out
    active = _active_subjects(month, end_day)
    of = tree.village_of

    people = (
        Person.objects.filter(subtree_q(root.path, "org__path"), is_active=True)
        .values("org_id")
        .annotate(
            total=Count("pk"),
            active=Count("pk", filter=Q(subject_id__in=active)),
            party_total=Count("pk", filter=Q(party__isnull=False) | Q(employment__is_active=True)),
            party_active=Count(
                "pk", filter=(Q(party__isnull=False) | Q(employment__is_active=True)) & Q(subject_id__in=active)
            ),
        )
    )
    for row in people:
        village = of.get(row["org_id"])
        if village is None:
            continue
        figures = out[village]
        figures["people"]["total"] += row["total"]
        figures["people"]["active"] += row["active"]
        figures["party_and_cadres"]["total"] += row["party_total"]
        figures["party_and_cadres"]["active"] += row["party_active"]

    members_active = HouseholdMember.objects.filter(left_on__isnull=True, person__subject_id__in=active).values("household_id")
    households = (
        Household.objects.filter(subtree_q(root.path, "org__path"), is_active=True)
        .values("org_id")
        .annotate(total=Count("pk"), active=Count("pk", filter=Q(subject_id__in=active) | Q(pk__in=members_active)))
    )
    for row in households:
        village = of.get(row["org_id"])
        if village is not None:
            out[village]["households"]["total"] += row["total"]
            out[village]["households"]["active"] += row["active"]

    claims = (
        Claim.objects.filter(subtree_q(root.path, "subject__org__path"), declared_at__gte=start, declared_at__lt=end)
        .values("subject__org_id", "state")
        .annotate(n=Count("pk"))
    )
    for row in claims:
        village = of.get(row["subject__org_id"])
        if village is not None:
            out[village]["claims"]["by_state"][row["state"]] += row["n"]
            out[village]["claims"]["declared"] += row["n"]

    rows = list(
        _score_postings(root, month, end_day)
        .values("account__subject__org_id", "transaction__item_version_id", "account__scheme_id")
        .annotate(
            awarded=Coalesce(Sum(Case(When(amount__gt=0, then="amount"), default=0, output_field=IntegerField())), 0),
            deducted=Coalesce(Sum(Case(When(amount__lt=0, then="amount"), default=0, output_field=IntegerField())), 0),
        )
    )
    categories = _categories_of(r["transaction__item_version_id"] for r in rows)
    schemes = _scales(r["account__scheme_id"] for r in rows)
    sums: dict[int, dict[tuple[int, str], list[Decimal]]] = defaultdict(dict)
    for row in rows:
        village = of.get(row["account__subject__org_id"])
        if village is None:
            continue
        key = categories.get(row["transaction__item_version_id"], (1 << 30, ""))
        scheme = schemes[row["account__scheme_id"]]
        pair = sums[village].setdefault(key, [Decimal(0), Decimal(0)])
        pair[0] += scheme.from_units(int(row["awarded"]))
        pair[1] += scheme.from_units(int(row["deducted"]))
    for village, by_category in sums.items():
        out[village]["points"] = [
            {"category": name, "awarded": points_text(a), "deducted": points_text(d), "net": points_text(a + d)}
            for (_, name), (a, d) in sorted(by_category.items())
        ]

    redemptions = sources.redemptions(tree=tree, start=start, end=end)
    grid = sources.grid_work(tree=tree, start=start, end=end)
    for village_id, figures in out.items():
        if redemptions is not None:
            figures["redemptions"] = redemptions.get(village_id)
        if grid is not None:
            figures["grid"] = grid.get(village_id)
    return out


def monthly_figures(*, village: OrgUnit, month: dt.date) -> dict[str, Any]:
    """One village's monthly report figures, computed now from the data."""
    require_village(village)
    return villages_figures(root=village, month=month)[village.pk]


def figures_hash(figures: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# --- submissions and the township rollup ------------------------------------------------------------

def submissions_of(*, village: OrgUnit, month: dt.date) -> QuerySet[MonthlyReportSubmission]:
    return MonthlyReportSubmission.objects.filter(org=village, month=month.replace(day=1)).order_by("revision")


def latest_submission(*, village: OrgUnit, month: dt.date) -> MonthlyReportSubmission | None:
    return submissions_of(village=village, month=month).last()


def _add_counts(into: dict[str, Any], part: dict[str, Any]) -> None:
    """Add counts (ints) and points (decimal text, as snapshots keep them) key by key."""
    for key, value in part.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            into[key] = into.get(key, 0) + value
        elif isinstance(value, str):
            try:
                amount = Decimal(value)
            except ArithmeticError:
                continue
            into[key] = points_text(Decimal(into.get(key, "0")) + amount)


def sum_figures(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Sums of the numeric figures of several villages' reports (points by category summed by name)."""
    total: dict[str, Any] = {
        "households": {"total": 0, "active": 0},
        "people": {"total": 0, "active": 0},
        "party_and_cadres": {"total": 0, "active": 0},
        "claims": {"declared": 0, "by_state": {state: 0 for state in ClaimState.values}},
        "points": [],
        "redemptions": None,
        "grid": None,
    }
    points: dict[str, list[Decimal]] = {}
    for part in parts:
        for group in ("households", "people", "party_and_cadres"):
            _add_counts(total[group], part[group])
        total["claims"]["declared"] += part["claims"]["declared"]
        _add_counts(total["claims"]["by_state"], part["claims"]["by_state"])
        for row in part["points"]:
            pair = points.setdefault(row["category"], [Decimal(0), Decimal(0)])
            pair[0] += Decimal(row["awarded"])
            pair[1] += Decimal(row["deducted"])
        for extra in ("redemptions", "grid"):
            if part.get(extra):
                total[extra] = total[extra] or {}
                _add_counts(total[extra], part[extra])
    total["points"] = [
        {"category": name, "awarded": points_text(a), "deducted": points_text(d), "net": points_text(a + d)}
        for name, (a, d) in points.items()
    ]
    return total


@dataclass
class RollupRow:
    village: OrgUnit
    submission: MonthlyReportSubmission | None


@dataclass
class Rollup:
    org: OrgUnit
    month: dt.date
    rows: list[RollupRow]
    totals: dict[str, Any]

    @property
    def missing(self) -> list[OrgUnit]:
        return [row.village for row in self.rows if row.submission is None]

    @property
    def submitted(self) -> list[RollupRow]:
        return [row for row in self.rows if row.submission is not None]


def township_rollup(*, org: OrgUnit, month: dt.date) -> Rollup:
    """The villages under `org` with their latest submission for the month; sums over what was submitted."""
    month = month.replace(day=1)
    villages = [u for u in OrgUnit.objects.filter(subtree_q(org.path), is_active=True, kind__code__in=VILLAGE_KINDS).order_by("path")]
    latest: dict[int, MonthlyReportSubmission] = {}
    for submission in MonthlyReportSubmission.objects.filter(
        subtree_q(org.path, "org__path"), month=month
    ).select_related("submitted_by").order_by("org_id", "revision"):
        latest[submission.org_id] = submission
    rows = [RollupRow(village=v, submission=latest.get(v.pk)) for v in villages]
    totals = sum_figures([row.submission.figures for row in rows if row.submission is not None])
    return Rollup(org=org, month=month, rows=rows, totals=totals)


# --- targets ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Targets:
    party_and_cadres: Decimal
    pilot_households: Decimal
    other_households: Decimal
    redemption: Decimal
    set_at: str = ""  # path of the unit that set them; "" = the defaults

    def households_for(self, pilot: bool) -> Decimal:
        return self.pilot_households if pilot else self.other_households


DEFAULTS = Targets(**DEFAULT_TARGETS)


def _targets(row: ReportTargets | None) -> Targets:
    if row is None:
        return DEFAULTS
    return Targets(
        party_and_cadres=row.party_and_cadres, pilot_households=row.pilot_households,
        other_households=row.other_households, redemption=row.redemption, set_at=row.org.path,
    )


def targets_for(org: OrgUnit) -> Targets:
    """The targets set at `org` or the nearest unit above it; the 篇1/篇2 defaults otherwise."""
    rows = {r.org.path: r for r in ReportTargets.objects.filter(org__path__in=ancestor_paths(org.path)).select_related("org")}
    for path in reversed(ancestor_paths(org.path)):
        if path in rows:
            return _targets(rows[path])
    return DEFAULTS


def _targets_by_village(root: OrgUnit, villages: list[OrgUnit]) -> dict[int, Targets]:
    rows = {
        r.org.path: r
        for r in ReportTargets.objects.filter(
            Q(org__path__in=ancestor_paths(root.path)) | subtree_q(root.path, "org__path")
        ).select_related("org")
    }
    out = {}
    for village in villages:
        found = next((rows[p] for p in reversed(ancestor_paths(village.path)) if p in rows), None)
        out[village.pk] = _targets(found)
    return out


def is_pilot(village: OrgUnit) -> bool:
    return PilotVillage.objects.filter(org=village).exists()


# --- dashboards ---------------------------------------------------------------------------------

def share(part: int, whole: int) -> Decimal | None:
    """part / whole to four places, None when there is nobody to count."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


@dataclass
class VillageRow:
    village: OrgUnit
    pilot: bool
    households_total: int
    households_active: int
    household_rate: Decimal | None
    household_target: Decimal
    party_total: int
    party_active: int
    party_rate: Decimal | None
    party_target: Decimal
    people_total: int
    people_active: int
    net_points: Decimal
    redemption_rate: Decimal | None
    redemption_target: Decimal

    @property
    def meets_household_target(self) -> bool | None:
        return None if self.household_rate is None else self.household_rate >= self.household_target

    @property
    def meets_party_target(self) -> bool | None:
        return None if self.party_rate is None else self.party_rate >= self.party_target

    @property
    def meets_redemption_target(self) -> bool | None:
        return None if self.redemption_rate is None else self.redemption_rate >= self.redemption_target


@dataclass
class Dashboard:
    org: OrgUnit
    month: dt.date
    targets: Targets
    villages: list[VillageRow]
    households_total: int = 0
    households_active: int = 0
    party_total: int = 0
    party_active: int = 0
    redemption_available: bool = False
    redeemers: int = 0
    residents: int = 0
    months: list[str] = field(default_factory=list)
    category_series: list[dict[str, Any]] = field(default_factory=list)

    @property
    def household_rate(self) -> Decimal | None:
        return share(self.households_active, self.households_total)

    @property
    def party_rate(self) -> Decimal | None:
        return share(self.party_active, self.party_total)

    @property
    def redemption_rate(self) -> Decimal | None:
        return share(self.redeemers, self.residents) if self.redemption_available else None

    @property
    def villages_meeting_target(self) -> int:
        return sum(1 for v in self.villages if v.meets_household_target)

    @property
    def ranked(self) -> list[VillageRow]:
        return sorted(
            (v for v in self.villages if v.household_rate is not None),
            key=lambda v: (-v.household_rate, v.village.path),  # type: ignore[operator]
        )

    @property
    def top(self) -> list[VillageRow]:
        return self.ranked[:TOP_N]

    @property
    def bottom(self) -> list[VillageRow]:
        ranked = self.ranked
        rest = ranked[TOP_N:] if len(ranked) > TOP_N else []
        return list(reversed(rest[-TOP_N:]))

    def chart_data(self) -> dict[str, Any]:
        """What the charts draw (and the tables show without JavaScript); plain numbers for json_script."""
        def pct(value: Decimal | None) -> float | None:
            return None if value is None else float(value * 100)

        return {
            "villages": [v.village.name for v in self.villages],
            "household_rate": [pct(v.household_rate) for v in self.villages],
            "household_target": [pct(v.household_target) for v in self.villages],
            "party_rate": [pct(v.party_rate) for v in self.villages],
            "net_points": [float(v.net_points) for v in self.villages],
            "months": self.months,
            "categories": self.category_series,
        }


def _category_history(root: OrgUnit, month: dt.date) -> tuple[list[str], list[dict[str, Any]]]:
    """Net points per category name per month for the `HISTORY_MONTHS` months up to `month` (one grouped query)."""
    months = [month]
    for _ in range(HISTORY_MONTHS - 1):
        months.insert(0, previous_month(months[0]))
    rows = list(
        _score_postings(root, months[0], next_month(month))
        .values("bucket", "transaction__item_version_id", "account__scheme_id")
        .annotate(net=Sum("amount"))
    )
    categories = _categories_of(r["transaction__item_version_id"] for r in rows)
    schemes = _scales(r["account__scheme_id"] for r in rows)
    index = {m: i for i, m in enumerate(months)}
    series: dict[tuple[int, str], list[Decimal]] = {}
    for row in rows:
        bucket = row["bucket"]
        if isinstance(bucket, str):
            bucket = dt.date.fromisoformat(bucket)
        key = categories.get(row["transaction__item_version_id"], (1 << 30, ""))
        values = series.setdefault(key, [Decimal(0)] * len(months))
        values[index[bucket.replace(day=1)]] += schemes[row["account__scheme_id"]].from_units(int(row["net"]))
    merged: dict[str, list[Decimal]] = {}
    for (_, name), values in sorted(series.items()):
        target = merged.setdefault(name, [Decimal(0)] * len(months))
        for i, value in enumerate(values):
            target[i] += value
    return (
        [f"{m:%Y-%m}" for m in months],
        [{"name": name, "data": [float(v) for v in values], "points": [points_text(v) for v in values]} for name, values in merged.items()],
    )


def dashboard(*, org: OrgUnit, month: dt.date) -> Dashboard:
    """Participation against targets, redemption, points by category over time and villages compared."""
    month = month.replace(day=1)
    tree = subtree(org)
    figures = villages_figures(root=org, month=month, tree=tree)
    pilots = set(PilotVillage.objects.filter(subtree_q(org.path, "org__path")).values_list("org_id", flat=True))
    targets = _targets_by_village(org, tree.villages)
    result = Dashboard(org=org, month=month, targets=targets_for(org), villages=[])
    result.redemption_available = any(f["redemptions"] is not None for f in figures.values())
    for village in tree.villages:
        f = figures[village.pk]
        t = targets[village.pk]
        pilot = village.pk in pilots
        red = f["redemptions"] or {}
        row = VillageRow(
            village=village, pilot=pilot,
            households_total=f["households"]["total"], households_active=f["households"]["active"],
            household_rate=share(f["households"]["active"], f["households"]["total"]), household_target=t.households_for(pilot),
            party_total=f["party_and_cadres"]["total"], party_active=f["party_and_cadres"]["active"],
            party_rate=share(f["party_and_cadres"]["active"], f["party_and_cadres"]["total"]), party_target=t.party_and_cadres,
            people_total=f["people"]["total"], people_active=f["people"]["active"],
            net_points=sum((Decimal(p["net"]) for p in f["points"]), Decimal(0)),
            redemption_rate=share(red.get("people_redeemed", 0), f["people"]["total"]) if f["redemptions"] is not None else None,
            redemption_target=t.redemption,
        )
        result.villages.append(row)
        result.households_total += row.households_total
        result.households_active += row.households_active
        result.party_total += row.party_total
        result.party_active += row.party_active
        result.redeemers += red.get("people_redeemed", 0)
        result.residents += row.people_total
    result.months, result.category_series = _category_history(org, month)
    return result


def org_for_report(path: str) -> OrgUnit:
    unit = OrgUnit.objects.select_related("kind").filter(path=path).first()
    if unit is None:
        raise NotFound(f"找不到组织「{path}」", f"no org unit {path!r}", code="org_not_found")
    return unit
