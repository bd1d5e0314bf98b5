"""Periods and balance buckets, cut in the scheme's time zone.

A bucket is the intersection of an ISO week and a calendar month, named by its first day:
max(Monday of the week, 1st of the month). A bucket therefore lies inside exactly one week,
month, quarter and year, and each of those periods is the contiguous set of buckets whose
first day falls inside it: a week holds 1–2 buckets, a month ≤ 6, a quarter ≤ 16, a year ≤ 64.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jifen.core import clock
from jifen.core.errors import InvalidInput

GRAINS = ("week", "month", "quarter", "year", "all")
GRAIN_NAMES_ZH = {"week": "周", "month": "月", "quarter": "季度", "year": "年", "all": "累计"}

ONE_DAY = dt.timedelta(days=1)


def scheme_zone(scheme: object) -> ZoneInfo:
    name = getattr(scheme, "time_zone", "") or "Asia/Shanghai"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"方案时区「{name}」无效", f"the scheme's time zone {name!r} is not valid", code="bad_time_zone"
        ) from None


def local_date(scheme: object, on: dt.date | dt.datetime | None) -> dt.date:
    """The calendar day `on` falls on in the scheme's zone (today when None)."""
    if on is None:
        on = clock.now()
    if isinstance(on, dt.datetime):
        if on.tzinfo is None:
            raise InvalidInput("时间缺少时区", "the time has no time zone", code="naive_datetime")
        return on.astimezone(scheme_zone(scheme)).date()
    if isinstance(on, dt.date):
        return on
    raise InvalidInput("日期无效", f"not a date: {on!r}", code="bad_date")


def bucket_of(day: dt.date) -> dt.date:
    monday = day - dt.timedelta(days=day.weekday())
    return max(monday, day.replace(day=1))


def bucket_for(scheme: object, at: dt.datetime) -> dt.date:
    return bucket_of(local_date(scheme, at))


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def grain_days(grain: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """[first day, day after the last day) of the period of `grain` that holds `day`."""
    if grain == "week":
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    if grain == "month":
        start = day.replace(day=1)
        return start, _next_month(start)
    if grain == "quarter":
        start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        end = start
        for _ in range(3):
            end = _next_month(end)
        return start, end
    if grain == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year + 1, 1, 1)
    raise InvalidInput(
        f"未知的周期「{grain}」（应为 week/month/quarter/year/all）",
        f"unknown grain {grain!r} (expected week, month, quarter, year or all)",
        code="bad_grain",
    )


def buckets_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """Every bucket whose first day lies in [start, end): each Monday and each 1st of a month."""
    out: list[dt.date] = []
    day = bucket_of(start)
    if day < start:
        day = _next_bucket(day)
    while day < end:
        out.append(day)
        day = _next_bucket(day)
    return out


def _next_bucket(bucket: dt.date) -> dt.date:
    next_monday = bucket + dt.timedelta(days=7 - bucket.weekday())
    return min(next_monday, _next_month(bucket))


def period_bounds(*, scheme: object, grain: str, on: dt.date | dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the week/month/quarter/year holding `on`, as aware datetimes at local midnight."""
    if grain == "all":
        raise InvalidInput("“累计”没有起止时间", "the all-time grain has no bounds", code="bad_grain")
    zone = scheme_zone(scheme)
    start, end = grain_days(grain, local_date(scheme, on))
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(end, dt.time(), tzinfo=zone),
    )
