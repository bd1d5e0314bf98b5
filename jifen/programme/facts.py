"""What the platform measures about a village from its own data, shown next to what the village
states in its application (篇1: 积分过程全纪录, 村民积分兑换人数占本村总人数比例 ≥ 30%).

- participation: households and people with at least one award or redemption posting in the
  period (a household counts when its own account or any current member's account has one);
  base points, fixed points, clearing and reversals are bookkeeping, not taking part;
- redemption rate: from `jifen.market.selectors.redemption_rate` when the market app provides
  it, else "not available" (None);
- scheme in force: active schemes adopted by the village or any unit above it;
- records kept: ledger transactions in the period on the village's subjects' accounts.

Rates are Decimal percentages with two places, computed from integer counts.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from importlib import import_module
from typing import Any

from jifen.ledger.models import Posting, PostingKind
from jifen.orgs.models import Household, HouseholdMember, OrgUnit, Person, subtree_q
from jifen.rules.selectors import schemes_for_org

PARTICIPATION_KINDS = (PostingKind.AWARD, PostingKind.REDEEM)
TARGET_REDEMPTION_PERCENT = Decimal(30)


def percent(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _redemption_rate(village: OrgUnit, start: dt.datetime, end: dt.datetime) -> Any:
    try:
        market = import_module("jifen.market.selectors")
    except ImportError:
        return None
    fn = getattr(market, "redemption_rate", None)
    if fn is None:
        return None
    return fn(org=village, start=start, end=end)


def _rate_value(value: Any) -> str | None:
    """The market's answer as a percentage string (it may give a Decimal, or an object with `.percent`)."""
    if value is None:
        return None
    for attr in ("percent", "rate"):
        if hasattr(value, attr):
            value = getattr(value, attr)
            break
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def village_facts(village: OrgUnit, *, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """The measured facts as JSON-ready values (stored on the application when it comes in)."""
    households = Household.objects.filter(subtree_q(village.path, "org__path"), is_active=True)
    people = Person.objects.filter(subtree_q(village.path, "org__path"), is_active=True)
    active_subjects = set(
        Posting.objects.filter(
            subtree_q(village.path, "account__subject__org__path"),
            kind__in=PARTICIPATION_KINDS,
            transaction__occurred_at__gte=start,
            transaction__occurred_at__lt=end,
        ).values_list("account__subject_id", flat=True).distinct()
    )
    people_rows = list(people.values_list("pk", "subject_id"))
    active_people = {pk for pk, subject_id in people_rows if subject_id in active_subjects}
    household_rows = list(households.values_list("pk", "subject_id"))
    members: dict[int, set[int]] = {}
    for household_id, person_id in HouseholdMember.objects.filter(
        household__in=[pk for pk, _ in household_rows], left_on__isnull=True
    ).values_list("household_id", "person_id"):
        members.setdefault(household_id, set()).add(person_id)
    active_households = sum(
        1 for pk, subject_id in household_rows if subject_id in active_subjects or members.get(pk, set()) & active_people
    )
    records = (
        Posting.objects.filter(
            subtree_q(village.path, "account__subject__org__path"),
            transaction__occurred_at__gte=start,
            transaction__occurred_at__lt=end,
        ).values("transaction_id").distinct().count()
    )
    schemes = list(schemes_for_org(village).values_list("code", "name"))
    redemption = _rate_value(_redemption_rate(village, start, end))
    participation_households = percent(active_households, len(household_rows))
    participation_people = percent(len(active_people), len(people_rows))
    return {
        "households": len(household_rows),
        "households_active": active_households,
        "participation_households_percent": str(participation_households) if participation_households is not None else None,
        "people": len(people_rows),
        "people_active": len(active_people),
        "participation_people_percent": str(participation_people) if participation_people is not None else None,
        "redemption_percent": redemption,
        "redemption_meets_target": None if redemption is None else Decimal(redemption) >= TARGET_REDEMPTION_PERCENT,
        "schemes": [{"code": code, "name": name} for code, name in schemes],
        "scheme_in_force": bool(schemes),
        "records": records,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }
