"""`jifen import attendance FILE --scheme CODE --month YYYY-MM`: a month's attendance from HR's sheet.

Columns: 工号 (employee number, required), 姓名 (checked when given), 出勤天数 and 应出勤天数
(days worked and days due, half days allowed). Every row must be good or nothing is written.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import InvalidInput, JifenError
from jifen.core.excel import Column, DryRunRollback, ImportReport, read_rows
from jifen.orgs.models import Employment
from jifen.rankings.fixed_points import clean_days, fixed_settings, month_period
from jifen.rankings.models import Attendance, PointsRun
from jifen.rankings.points_runs import posted_subjects
from jifen.rankings.reward_scores import staff_of
from jifen.rules.models import Scheme
from jifen.rules.selectors import scheme_by_code

COLUMNS = (
    Column("employee_no", "工号", "employee no", required=True, aliases=("员工编号", "职工号")),
    Column("name", "姓名", "name"),
    Column("days_worked", "出勤天数", "days worked", required=True, aliases=("实际出勤天数", "出勤")),
    Column("days_due", "应出勤天数", "days due", required=True, aliases=("应出勤",)),
)


@transaction.atomic
def attendance_import(
    *, actor: Any, scheme: Scheme, month: str, rows: list[tuple[int, dict[str, str]]], report: ImportReport
) -> ImportReport:
    """Check every row, then write them all (or, with any error, nothing)."""
    period = month_period(month)
    fixed_settings(scheme)
    jobs = {
        job.employee_no.strip().upper(): job
        for job in Employment.objects.filter(staff_of(scheme)).select_related("person")
    }
    posted = posted_subjects(scheme=scheme, kind=PointsRun.Kind.FIXED, periods=[period.label])
    existing = {a.subject_id: a for a in Attendance.objects.filter(scheme=scheme, month=period.start)}
    seen: dict[int, int] = {}
    good: list[tuple[int, Decimal, Decimal]] = []
    for row_number, record in rows:
        report.rows += 1
        number = record["employee_no"].strip().upper()
        job = jobs.get(number)
        if job is None:
            report.add_error(row_number, "工号", f"方案范围内没有在职员工「{number}」", f"no active employee {number!r} in the scheme")
            continue
        subject_id = job.person.subject_id
        if record["name"] and record["name"].strip() != job.person.name:
            report.add_error(row_number, "姓名", f"工号 {number} 是「{job.person.name}」，不是「{record['name']}」",
                             f"employee {number} is {job.person.name!r}, not {record['name']!r}")
        if subject_id in seen:
            report.add_error(row_number, "工号", f"与第 {seen[subject_id]} 行重复", f"same employee as row {seen[subject_id]}")
        seen.setdefault(subject_id, row_number)
        try:
            worked = clean_days(record["days_worked"], "days_worked", "出勤天数")
            due = clean_days(record["days_due"], "days_due", "应出勤天数")
        except JifenError as exc:
            report.add_error(row_number, "出勤天数", exc.zh, exc.en)
            continue
        if due <= 0:
            report.add_error(row_number, "应出勤天数", "应出勤天数应大于0", "days due must be above zero")
            continue
        if worked > due:
            report.add_error(row_number, "出勤天数", f"出勤 {worked} 天多于应出勤 {due} 天", f"{worked} days worked exceed {due} due")
            continue
        if subject_id in posted:
            report.add_error(row_number, "工号", f"{period.label} 的固定积分已入账，出勤不能再改", f"fixed points for {period.label} are already posted")
            continue
        good.append((subject_id, worked, due))
    if not report.ok:
        return report
    now = clock.now()
    user = actor if getattr(actor, "pk", None) else None
    create, update = [], []
    for subject_id, worked, due in good:
        old = existing.get(subject_id)
        if old is None:
            create.append(Attendance(scheme=scheme, subject_id=subject_id, month=period.start, days_worked=worked,
                                     days_due=due, source=Attendance.Source.IMPORT, actor=user, updated_at=now))
        elif (old.days_worked, old.days_due) == (worked, due):
            report.unchanged += 1
        else:
            old.days_worked, old.days_due, old.source, old.actor, old.updated_at = worked, due, Attendance.Source.IMPORT, user, now
            update.append(old)
    Attendance.objects.bulk_create(create, batch_size=2000)
    Attendance.objects.bulk_update(update, ["days_worked", "days_due", "source", "actor", "updated_at"], batch_size=2000)
    report.created, report.updated = len(create), len(update)
    audit_record(
        actor=actor, action="rankings.attendance_import", object_type="rankings.attendance", object_id=period.label,
        org_path=scheme.org.path, summary=f"{scheme.code} {period.label}: {len(good)} rows",
        after={"month": period.label, "created": len(create), "updated": len(update), "unchanged": report.unchanged},
    )
    if report.dry_run:
        raise DryRunRollback
    return report


def import_attendance_command(*, path: Path, options: dict[str, Any]) -> ImportReport:
    if not options.get("scheme"):
        raise InvalidInput("请用 --scheme 指定积分方案", "name the scheme with --scheme", code="missing_option")
    if not options.get("month"):
        raise InvalidInput("请用 --month 指定月份（YYYY-MM）", "name the month with --month YYYY-MM", code="missing_option")
    scheme = scheme_by_code(options["scheme"])
    month_period(options["month"])
    report = ImportReport(kind="attendance", dry_run=bool(options.get("dry_run")))
    rows = read_rows(path, COLUMNS, report)
    if not report.ok:
        return report
    try:
        attendance_import(actor=None, scheme=scheme, month=options["month"], rows=rows, report=report)
    except DryRunRollback:
        pass
    return report
