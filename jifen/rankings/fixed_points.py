"""Fixed points (篇6, 篇8 固定积分): monthly points from a factor table, pro-rated by attendance.

A scheme's `settings.fixed_points.factors` map an employee's attributes to monthly points:
position, education, title (职称), skill level and speciality by a label → points table,
seniority by points per full year of service at the month's last day. Catalog items of kind
`fixed_monthly` in force that month are added too (篇6: 组长每月固定加50分 — an item whose
name begins with 组长 goes to team leaders only). With `prorate_by_attendance` (篇8) the
month's points are multiplied by days worked / days due and rounded half up to the scheme's
units; an employee without attendance for the month waits for a later run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import IllegalTransition, InvalidInput, field_error
from jifen.ledger.periods import scheme_zone
from jifen.orgs.models import Employment, Subject
from jifen.rankings.models import Attendance, PointsRun
from jifen.rankings.points_runs import RunResult, post_run, posted_subjects
from jifen.rankings.reward_locks import job_lock
from jifen.rankings.reward_periods import Period, period_parse, require_ended
from jifen.rankings.reward_scores import staff_of
from jifen.rules.models import ItemVersion, Scheme
from jifen.rules.settings_schema import FixedPoints, scheme_settings

LABEL_ATTRIBUTES = ("position", "education", "title", "skill_level", "speciality")
LEADER_PREFIX = "组长"
MAX_DAYS = Decimal(31)


def month_period(month: str | dt.date) -> Period:
    label = month.strftime("%Y-%m") if isinstance(month, dt.date) else month
    return period_parse(label, kind="month")


def fixed_settings(scheme: Scheme) -> FixedPoints:
    """The scheme's fixed-point rule, refused until every number it needs is filled."""
    fixed = scheme_settings(scheme).fixed_points
    if fixed is None or not fixed.factors:
        raise InvalidInput(
            f"方案「{scheme.name}」没有固定积分设置", f"scheme {scheme.code!r} has no fixed points", code="no_fixed_points"
        )
    missing = []
    for factor in fixed.factors:
        if factor.attribute == "seniority_years":
            if factor.per_year is None:
                missing.append((f"「{factor.name}」每满一年的月分值", f"{factor.name}: points per year of service"))
        elif not factor.values:
            missing.append((f"「{factor.name}」分值表", f"{factor.name}: the label → points table"))
    if missing:
        raise InvalidInput(
            "请先填写固定积分设置：" + "；".join(zh for zh, _ in missing),
            "fill the fixed points settings first: " + "; ".join(en for _, en in missing),
            code="settings_incomplete",
            detail={"missing": [en for _, en in missing]},
        )
    return fixed


def full_years(since: dt.date, on: dt.date) -> int:
    years = on.year - since.year - ((on.month, on.day) < (since.month, since.day))
    return max(years, 0)


@dataclass(frozen=True)
class MonthlyItem:
    version_id: int
    name: str
    units: int  # signed
    leaders_only: bool


def monthly_items(scheme: Scheme, on: dt.date) -> list[MonthlyItem]:
    """Catalog items of kind fixed_monthly in force on `on`; refused while one lacks its points."""
    versions = list(
        ItemVersion.objects.in_force(on).filter(item__scheme=scheme, kind=ItemVersion.Kind.FIXED_MONTHLY).order_by("item__order", "pk")
    )
    empty = [v.name for v in versions if v.points is None]
    if empty:
        raise InvalidInput(
            f"请先填写每月固定分事项的分值：{'、'.join(empty)}",
            f"fill the points of the monthly fixed items first: {', '.join(empty)}",
            code="settings_incomplete",
        )
    return [
        MonthlyItem(version_id=v.pk, name=v.name, units=v.sign * int(v.points or 0), leaders_only=v.name.startswith(LEADER_PREFIX))
        for v in versions
    ]


def prorate(units: int, worked: Decimal, due: Decimal) -> int:
    """units × worked / due, rounded half up to whole units."""
    return int((Decimal(units) * worked / due).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute(
    *, scheme: Scheme, fixed: FixedPoints, period: Period, jobs: list[Employment],
    attendance: dict[int, Attendance], items: list[MonthlyItem],
) -> tuple[list[tuple[int, int, dict[str, Any]]], list[dict[str, Any]]]:
    """(subject, units, detail) lines and the subjects left out, for one month. Pure but for reads of `jobs`."""
    last_day = period.last_day
    problems: dict[tuple[str, str], list[str]] = {}
    lines: list[tuple[int, int, dict[str, Any]]] = []
    left_out: list[dict[str, Any]] = []
    for job in jobs:
        subject_id = job.person.subject_id
        name = job.person.name
        if job.hire_date is not None and job.hire_date > last_day:
            left_out.append({"subject": subject_id, "name": name, "reason": "本月尚未入职 / not yet hired"})
            continue
        detail: dict[str, Any] = {}
        points = 0
        for factor in fixed.factors:
            if factor.attribute == "seniority_years":
                if job.hire_date is None:
                    problems.setdefault(("缺少入职日期（工龄）", "hire date missing (seniority)"), []).append(name)
                    continue
                years = full_years(job.hire_date, last_day)
                value = (factor.per_year or 0) * years
                detail["seniority_years"] = {"years": years, "points": value}
                points += value
                continue
            label = (getattr(job, factor.attribute) or "").strip()
            if not label:
                continue
            table = factor.values or {}
            if label not in table:
                problems.setdefault((f"「{factor.name}」分值表里没有「{label}」", f"{factor.name} has no points for {label!r}"), []).append(name)
                continue
            value = table[label]
            if value is None:
                problems.setdefault((f"「{factor.name}」中「{label}」的分值待填写", f"{factor.name}: {label!r} has no points yet"), []).append(name)
                continue
            detail[factor.attribute] = {"label": label, "points": value}
            points += value
        units = scheme.to_units(points)
        for item in items:
            if item.leaders_only and not job.is_leader:
                continue
            detail.setdefault("items", []).append({"item_version": item.version_id, "name": item.name, "units": item.units})
            units += item.units
        detail["monthly_units"] = units
        if fixed.prorate_by_attendance:
            record = attendance.get(subject_id)
            if record is None:
                left_out.append({"subject": subject_id, "name": name, "reason": "缺少本月出勤 / no attendance for the month"})
                continue
            detail["attendance"] = {"worked": str(record.days_worked), "due": str(record.days_due)}
            units = prorate(units, record.days_worked, record.days_due)
        if units <= 0:
            left_out.append({"subject": subject_id, "name": name, "reason": "本月固定积分为0 / no fixed points this month"})
            continue
        lines.append((subject_id, units, detail))
    if problems:
        shown = list(problems.items())[:10]
        raise InvalidInput(
            "请先补全固定积分所需信息，本月未入账：" + "；".join(f"{zh}（{'、'.join(names[:5])}{'等' if len(names) > 5 else ''}{len(names)}人）" for (zh, _), names in shown),
            "complete what fixed points need first; nothing was posted: " + "; ".join(f"{en} ({len(names)} people)" for (_, en), names in shown),
            code="fixed_points_incomplete",
            detail={"problems": [{"zh": zh, "en": en, "people": names[:50]} for (zh, en), names in problems.items()]},
        )
    return lines, left_out


def _month_end(scheme: Scheme, period: Period) -> dt.datetime:
    """The month's last second in the scheme's zone: the points belong to that month."""
    return dt.datetime.combine(period.last_day, dt.time(23, 59, 59), tzinfo=scheme_zone(scheme))


@transaction.atomic
def fixed_points_post(*, scheme: Scheme, month: str | dt.date, actor: Any = None) -> RunResult:
    """Credit the month's fixed points to every employee not yet credited for it. Safe to repeat."""
    period = month_period(month)
    fixed = fixed_settings(scheme)
    require_ended(scheme, period, what_zh="固定积分按月入账", what_en="fixed points are posted per month")
    job_lock(scheme_id=scheme.pk, job=f"fixed:{period.label}")
    result = RunResult(kind=PointsRun.Kind.FIXED, period=period.label)
    done = posted_subjects(scheme=scheme, kind=PointsRun.Kind.FIXED, periods=[period.label])
    jobs = [
        job for job in Employment.objects.filter(staff_of(scheme)).select_related("person").order_by("person__subject_id")
        if job.person.subject_id not in done
    ]
    result.already = len(done)
    if not jobs:
        return result
    attendance = {}
    if fixed.prorate_by_attendance:
        attendance = {
            a.subject_id: a
            for a in Attendance.objects.filter(scheme=scheme, month=period.start, subject_id__in=[j.person.subject_id for j in jobs])
        }
    items = monthly_items(scheme, period.last_day)
    lines, left_out = compute(scheme=scheme, fixed=fixed, period=period, jobs=jobs, attendance=attendance, items=items)
    result.left_out = left_out
    return post_run(
        scheme=scheme, kind=PointsRun.Kind.FIXED, period=period.label, scope=f"fixed:{period.label}", lines=lines,
        occurred_at=_month_end(scheme, period), reason=f"{period.start.year}年{period.start.month}月固定积分",
        actor=actor, result=result,
    )


# --------------------------------------------------------------------------- attendance


def clean_days(value: object, field: str, zh: str) -> Decimal:
    """Days as a Decimal with at most one decimal place (half days), 0–31."""
    if isinstance(value, bool) or isinstance(value, float):
        raise field_error(field, f"{zh}应为整数或一位小数", f"{field} must be a whole number or one decimal place")
    try:
        days = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error(field, f"{zh}不是数字：{value!r}", f"{field} is not a number: {value!r}") from None
    if not days.is_finite() or days != days.quantize(Decimal("0.1")):
        raise field_error(field, f"{zh}最多一位小数（半天）", f"{field} allows one decimal place (half days)")
    if days < 0 or days > MAX_DAYS:
        raise field_error(field, f"{zh}应在 0–31 之间", f"{field} must be between 0 and 31")
    return days.quantize(Decimal("0.1"))


def _check_attendance(scheme: Scheme, subject: Subject, period: Period, worked: Decimal, due: Decimal) -> None:
    if due <= 0:
        raise field_error("days_due", "应出勤天数应大于0", "days due must be above zero")
    if worked > due:
        raise field_error("days_worked", f"出勤天数 {worked} 多于应出勤天数 {due}", f"days worked {worked} exceed days due {due}")
    if not Employment.objects.filter(staff_of(scheme), person__subject=subject).exists():
        raise InvalidInput(
            f"「{subject.name}」不是方案「{scheme.name}」范围内的在职员工",
            f"{subject.name!r} is not an active employee within scheme {scheme.code!r}",
            code="not_staff",
        )
    if subject.pk in posted_subjects(scheme=scheme, kind=PointsRun.Kind.FIXED, periods=[period.label]):
        raise IllegalTransition(
            f"「{subject.name}」{period.label} 的固定积分已入账，出勤不能再改；如需更正，请先冲正该批固定积分",
            f"{subject.name!r} already has fixed points for {period.label}; reverse that batch before changing attendance",
            code="already_posted",
        )


@transaction.atomic
def attendance_record(
    *, actor: Any, scheme: Scheme, subject: Subject, month: str | dt.date, days_worked: object, days_due: object
) -> Attendance:
    """Enter one employee's attendance for a month (replacing an earlier entry before posting)."""
    period = month_period(month)
    fixed_settings(scheme)
    worked = clean_days(days_worked, "days_worked", "出勤天数")
    due = clean_days(days_due, "days_due", "应出勤天数")
    _check_attendance(scheme, subject, period, worked, due)
    before = Attendance.objects.filter(scheme=scheme, subject=subject, month=period.start).first()
    record, _ = Attendance.objects.update_or_create(
        scheme=scheme, subject=subject, month=period.start,
        defaults={"days_worked": worked, "days_due": due, "source": Attendance.Source.MANUAL,
                  "actor": actor if getattr(actor, "pk", None) else None, "updated_at": clock.now()},
    )
    audit_record(
        actor=actor, action="rankings.attendance_record", obj=record, org_path=scheme.org.path,
        summary=f"{scheme.code} {period.label} {subject.name}: {worked}/{due}",
        before=None if before is None else {"worked": before.days_worked, "due": before.days_due},
        after={"subject": subject.pk, "month": period.label, "worked": worked, "due": due},
    )
    return record
