"""Reward periods by name: which days "2026-Q3" or "2025-2026-1" covers, in the scheme's calendar.

Labels:
- year ``2026``; quarter ``2026-Q3``; month ``2026-11``; ISO week ``2026-W05``;
- school year ``2025-2026`` (1 September 2025 to 31 August 2026);
- term ``2025-2026-1`` (first term: 1 September to 31 January) and ``2025-2026-2``
  (second term: 1 February to 31 August). The seeds (篇3) name terms but not their dates;
  these are the usual Chinese school calendar, cut on month starts so that every period
  is a whole number of ledger buckets.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from jifen.core.errors import IllegalTransition, InvalidInput
from jifen.ledger.periods import local_date

PERIOD_NAMES_ZH = {
    "week": "周",
    "month": "月",
    "quarter": "季度",
    "term": "学期",
    "year": "年",
    "school_year": "学年",
}

EXAMPLES = {
    "week": "2026-W05",
    "month": "2026-11",
    "quarter": "2026-Q3",
    "term": "2025-2026-1",
    "year": "2026",
    "school_year": "2025-2026",
}

_PATTERNS = (
    ("school_year", re.compile(r"^(\d{4})-(\d{4})$")),
    ("term", re.compile(r"^(\d{4})-(\d{4})-([12])$")),
    ("week", re.compile(r"^(\d{4})-W(\d{2})$")),
    ("quarter", re.compile(r"^(\d{4})-Q([1-4])$")),
    ("month", re.compile(r"^(\d{4})-(\d{2})$")),
    ("year", re.compile(r"^(\d{4})$")),
)


@dataclass(frozen=True)
class Period:
    kind: str  # week, month, quarter, term, year, school_year
    label: str
    start: dt.date
    end: dt.date  # exclusive

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _bad(label: str, kind: str | None) -> InvalidInput:
    if kind:
        zh = f"期间「{label}」格式不对，{PERIOD_NAMES_ZH[kind]}应写作 {EXAMPLES[kind]}"
        en = f"period {label!r} is not a {kind}; write it like {EXAMPLES[kind]}"
    else:
        examples = "、".join(EXAMPLES.values())
        zh = f"期间「{label}」格式不对，可写：{examples}"
        en = f"period {label!r} is not understood; examples: {', '.join(EXAMPLES.values())}"
    return InvalidInput(zh, en, code="bad_period", detail={"field": "period"})


def period_parse(label: str, *, kind: str | None = None) -> Period:
    """The period named by `label`; with `kind`, refuse a label of another kind."""
    text = (label or "").strip().upper().replace("Ｑ", "Q")
    for found, pattern in _PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        if kind is not None and found != kind:
            raise _bad(label, kind)
        numbers = [int(g) for g in match.groups()]
        try:
            start, end = _bounds(found, numbers)
        except ValueError:
            raise _bad(label, kind) from None
        return Period(kind=found, label=text, start=start, end=end)
    raise _bad(label, kind)


def _bounds(kind: str, numbers: list[int]) -> tuple[dt.date, dt.date]:
    if kind == "year":
        return dt.date(numbers[0], 1, 1), dt.date(numbers[0] + 1, 1, 1)
    if kind == "month":
        start = dt.date(numbers[0], numbers[1], 1)
        return start, _next_month(start)
    if kind == "quarter":
        start = dt.date(numbers[0], (numbers[1] - 1) * 3 + 1, 1)
        return start, _next_month(_next_month(_next_month(start)))
    if kind == "week":
        start = dt.date.fromisocalendar(numbers[0], numbers[1], 1)
        return start, start + dt.timedelta(days=7)
    first, second = numbers[0], numbers[1]
    if second != first + 1:
        raise ValueError("a school year spans two consecutive years")
    if kind == "school_year":
        return dt.date(first, 9, 1), dt.date(second, 9, 1)
    if numbers[2] == 1:
        return dt.date(first, 9, 1), dt.date(second, 2, 1)
    return dt.date(second, 2, 1), dt.date(second, 9, 1)


def month_parse(label: str) -> dt.date:
    """First day of the month named YYYY-MM."""
    return period_parse(label, kind="month").start


def require_ended(scheme: object, period: Period, *, what_zh: str, what_en: str) -> None:
    """Refuse to act on a period that has not ended yet in the scheme's time zone."""
    today = local_date(scheme, None)
    if today < period.end:
        raise IllegalTransition(
            f"{what_zh}：期间 {period.label} 到 {period.last_day:%Y-%m-%d} 才结束，结束后才能办理",
            f"{what_en}: period {period.label} ends on {period.last_day:%Y-%m-%d}; it can be done only after that",
            code="period_not_ended",
            detail={"period": period.label, "ends": period.last_day.isoformat()},
        )
