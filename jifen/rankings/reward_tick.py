"""`jifen tick` tasks: fixed points when a month has ended, clearing and base points when a year begins.

Both are cheap when there is nothing to do (a couple of lookups per scheme) and safe to run
twice at once: the services take a per-scheme job lock and post only what is not yet posted.
A scheme whose settings are still incomplete is reported and skipped, never a crash.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max

from jifen.core.errors import JifenError
from jifen.ledger.periods import local_date
from jifen.rankings.base_points import base_points_post
from jifen.rankings.closing import period_close
from jifen.rankings.fixed_points import fixed_points_post
from jifen.rankings.models import Attendance, PeriodClose, PointsRun
from jifen.rules.models import Scheme
from jifen.rules.settings_schema import scheme_settings


def _previous_month(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def _fixed_due(scheme: Scheme, month: dt.date, prorate: bool) -> bool:
    label = month.strftime("%Y-%m")
    last_run = PointsRun.objects.filter(scheme=scheme, kind=PointsRun.Kind.FIXED, period=label).aggregate(at=Max("created_at"))["at"]
    if last_run is None:
        return True
    # Attendance entered after the last run may make more people due (篇8).
    return prorate and Attendance.objects.filter(scheme=scheme, month=month, updated_at__gt=last_run).exists()


def fixed_points_due(*, now: dt.datetime) -> str:
    """Post last month's fixed points for every scheme that has them, once the month is over."""
    done, skipped = [], []
    for scheme in Scheme.objects.filter(is_active=True).select_related("org").order_by("pk"):
        fixed = scheme_settings(scheme).fixed_points
        if fixed is None or not fixed.factors:
            continue
        month = _previous_month(local_date(scheme, now))
        if month < local_date(scheme, scheme.created_at).replace(day=1) or not _fixed_due(scheme, month, fixed.prorate_by_attendance):
            continue
        try:
            result = fixed_points_post(scheme=scheme, month=month)
        except JifenError as exc:
            skipped.append(f"{scheme.code}: {exc.zh}")
            continue
        if result.posted:
            done.append(f"{scheme.code} {result.period} +{result.posted}")
    return _summary("固定积分 / fixed points", done, skipped)


def year_start_due(*, now: dt.datetime) -> str:
    """At a new year: clear last year where the scheme clears (篇7), and grant this year's base points."""
    done, skipped = [], []
    for scheme in Scheme.objects.filter(is_active=True).select_related("org").order_by("pk"):
        settings = scheme_settings(scheme)
        today = local_date(scheme, now)
        started = local_date(scheme, scheme.created_at)
        try:
            if scheme.period_policy == Scheme.PeriodPolicy.YEAR_END_CLEAR and started.year < today.year:
                if not PeriodClose.objects.filter(scheme=scheme, year=today.year - 1).exists():
                    result = period_close(scheme=scheme, year=today.year - 1)
                    done.append(f"{scheme.code} {result.describe()}")
            base = settings.base_points
            if base is not None and base.amount and base.frequency in ("yearly", "once"):
                runs = PointsRun.objects.filter(scheme=scheme, kind=PointsRun.Kind.BASE)
                if base.frequency == "yearly":
                    runs = runs.filter(period=str(today.year))
                if not runs.exists():
                    run = base_points_post(scheme=scheme, year=today.year)
                    if run.posted:
                        done.append(f"{scheme.code} {run.describe()}")
        except JifenError as exc:
            skipped.append(f"{scheme.code}: {exc.zh}")
    return _summary("年初清零与基础分 / year start", done, skipped)


def _summary(what: str, done: list[str], skipped: list[str]) -> str:
    if not done and not skipped:
        return f"{what}: 无到期事项 / nothing due"
    parts = [f"{what}: 完成 {len(done)} / done {len(done)}"] + done[:20]
    if skipped:
        parts += [f"跳过 {len(skipped)} / skipped {len(skipped)}"] + skipped[:20]
    return "; ".join(parts)
