"""Posting runs of rule-granted points (fixed monthly, base yearly), once per subject and period.

Idempotency per (subject, period) is kept twice over: the run records which subjects it
posted (PointsRunLine), and the ledger batch carries a `scope` ("fixed:2026-10") in which the
ledger refuses a second line for the same subject. A run posts only the subjects no earlier,
unreversed run of the period posted; if that leaves nothing, nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.ledger.services import postings_bulk
from jifen.rankings.models import PointsRun, PointsRunLine
from jifen.rules.models import Scheme


@dataclass
class RunResult:
    """What a run did. `run` is None when every subject had already been posted (or none was due)."""

    kind: str
    period: str
    run: PointsRun | None = None
    posted: int = 0
    total: int = 0  # units
    already: int = 0  # subjects posted by an earlier run of the period
    left_out: list[dict[str, Any]] = field(default_factory=list)

    def describe(self) -> str:
        what = {"fixed": "固定积分 / fixed points", "base": "基础分 / base points"}[self.kind]
        parts = [f"{what} {self.period}: 入账/posted {self.posted}", f"此前已入账/already {self.already}"]
        if self.left_out:
            parts.append(f"未入账/left out {len(self.left_out)}")
        return ", ".join(parts)


def posted_subjects(*, scheme: Scheme, kind: str, periods: list[str]) -> set[int]:
    """Subjects with a line in a run of these periods whose ledger transaction was not reversed."""
    return set(
        PointsRunLine.objects.filter(
            run__scheme=scheme, run__kind=kind, run__period__in=periods, run__transaction__reversed_by__isnull=True
        ).values_list("subject_id", flat=True)
    )


def post_run(
    *,
    scheme: Scheme,
    kind: str,
    period: str,
    scope: str,
    lines: list[tuple[int, int, dict[str, Any]]],
    occurred_at: dt.datetime,
    reason: str,
    actor: Any,
    result: RunResult,
    item_version_id: int | None = None,
) -> RunResult:
    """Post (subject id, units, detail) lines as one ledger batch and record the run. Call inside a transaction."""
    if not lines:
        return result
    number = (PointsRun.objects.filter(scheme=scheme, kind=kind, period=period).aggregate(n=Max("number"))["n"] or 0) + 1
    batch = postings_bulk(
        scheme=scheme,
        key=f"{kind}:{period}:{number}",
        kind=kind,
        lines=[(subject_id, units) for subject_id, units, _ in lines],
        occurred_at=occurred_at,
        reason=reason,
        actor=actor,
        source_type=kind,
        source_id=period,
        item_version_id=item_version_id,
        scope=scope,
        # Our own records already left out what was posted; a clash means they and the ledger disagree.
        on_duplicate="refuse",
    )
    assert batch.transaction is not None
    run = PointsRun.objects.create(
        scheme=scheme, kind=kind, period=period, number=number, transaction=batch.transaction, posted=len(lines),
        total=sum(units for _, units, _ in lines), left_out=result.left_out[:1000],
        actor=actor if getattr(actor, "pk", None) else None, created_at=clock.now(),
    )
    PointsRunLine.objects.bulk_create(
        [PointsRunLine(run=run, subject_id=s, amount=units, detail=detail) for s, units, detail in lines], batch_size=2000
    )
    audit_record(
        actor=actor, action=f"rankings.{kind}_points_post", obj=run, org_path=scheme.org.path,
        summary=f"{scheme.code} {period}: {len(lines)} subjects, {run.total} units",
        after={"period": period, "number": number, "posted": len(lines), "total": run.total,
               "left_out": len(result.left_out), "transaction": batch.transaction.pk},
    )
    result.run = run
    result.posted = len(lines)
    result.total = run.total
    return result
