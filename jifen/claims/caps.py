"""Periods in the scheme's time zone, frequency caps and 一日一记录, checked on declaring and posting.

Caps count per subject and per item (all its versions) in the period of the deed's date:
- explicit caps: `cap_per_day`, `cap_per_month`, `cap_per_year`;
- the item's frequency implies one a period where the matching cap is empty:
  per_day → 1 a day, per_month → 1 a month, per_quarter → 1 a quarter, per_year → 1 a year,
  once → 1 ever (FORMAT: "当年积" is per_year with per_year cap 1).
On declaring, every live claim counts (declared … posted); on posting, only posted ones do.
`records_per_day` (篇7 一日一记录) counts the subject's declarations of the day, all items.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from jifen.claims.models import DEAD_STATES, DECLARATION_ORIGINS, Claim, ClaimOrigin, ClaimState
from jifen.core.errors import InvalidInput
from jifen.orgs.models import Subject
from jifen.rules.models import ItemVersion, Scheme
from jifen.rules.settings_schema import scheme_settings

PERIOD_ZH = {"day": "每天", "week": "每周", "month": "每月", "quarter": "每季度", "year": "每年", "ever": "累计"}


def zone(scheme: Scheme) -> ZoneInfo:
    return ZoneInfo(scheme.time_zone)


def local_date(scheme: Scheme, at: dt.datetime) -> dt.date:
    return at.astimezone(zone(scheme)).date()


def period_dates(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the day/week/month/quarter/year containing `day`."""
    if period == "day":
        return day, day
    if period == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
    elif period == "quarter":
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    elif period == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    else:
        raise ValueError(period)
    months = 1 if period == "month" else 3
    month = start.month - 1 + months
    following = dt.date(start.year + month // 12, month % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


CADENCE_PERIOD = {"weekly": "week", "monthly": "month", "quarterly": "quarter", "yearly": "year"}


def day_start(scheme: Scheme, day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the scheme's zone, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(), tzinfo=zone(scheme))


def period_bounds(scheme: Scheme, period: str, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the period containing `at`, cut in the scheme's zone."""
    first, last = period_dates(period, local_date(scheme, at))
    return day_start(scheme, first), day_start(scheme, last + dt.timedelta(days=1))


def cap_rules(version: ItemVersion) -> list[tuple[str, int]]:
    rules: list[tuple[str, int]] = []
    F = ItemVersion.Frequency
    for period, cap, implied in (
        ("day", version.cap_per_day, F.PER_DAY),
        ("month", version.cap_per_month, F.PER_MONTH),
        ("year", version.cap_per_year, F.PER_YEAR),
    ):
        if cap is not None:
            rules.append((period, cap))
        elif version.frequency == implied:
            rules.append((period, 1))
    if version.frequency == F.PER_QUARTER:
        rules.append(("quarter", 1))
    if version.frequency == F.ONCE:
        rules.append(("ever", 1))
    return rules


def check_caps(
    *, scheme: Scheme, subject: Subject, version: ItemVersion, occurred_at: dt.datetime, posting: bool = False,
    exclude: int | None = None, adding: int = 1,
) -> None:
    """Refuse when `adding` more claims of this item would pass one of its caps for the subject."""
    rules = cap_rules(version)
    if not rules:
        return
    qs = Claim.objects.filter(subject=subject, item_id=version.item_id).exclude(origin=ClaimOrigin.FRAUD)
    qs = qs.filter(state=ClaimState.POSTED) if posting else qs.exclude(state__in=DEAD_STATES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    for period, cap in rules:
        counted = qs
        if period != "ever":
            start, end = period_bounds(scheme, period, occurred_at)
            counted = qs.filter(occurred_at__gte=start, occurred_at__lt=end)
        used = counted.count()
        if used + adding > cap:
            raise InvalidInput(
                f"「{subject.name}」的「{version.name}」{PERIOD_ZH[period]}最多 {cap} 次，已有 {used} 次",
                f"{subject.name!r} already has {used} of at most {cap} {version.name!r} per {period}",
                code="cap_exceeded",
                detail={"period": period, "cap": cap, "used": used, "subject": subject.pk},
            )


def check_records_per_day(*, scheme: Scheme, subject: Subject, occurred_at: dt.datetime, exclude: int | None = None) -> None:
    """篇7 一日一记录: at most `records_per_day` declarations per subject per day (any item)."""
    limit = scheme_settings(scheme).records_per_day
    if limit is None:
        return
    start, end = period_bounds(scheme, "day", occurred_at)
    qs = Claim.objects.filter(
        scheme=scheme, subject=subject, origin__in=DECLARATION_ORIGINS, occurred_at__gte=start, occurred_at__lt=end
    ).exclude(state__in=DEAD_STATES)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    used = qs.count()
    if used >= limit:
        raise InvalidInput(
            f"「{subject.name}」{local_date(scheme, occurred_at)} 已有 {used} 条申报（方案规定每天最多 {limit} 条）",
            f"{subject.name!r} already has {used} declaration(s) on {local_date(scheme, occurred_at)} (the scheme allows {limit} a day)",
            code="records_per_day",
            detail={"limit": limit, "used": used},
        )
