"""Writes for reports: a village submits its monthly report; counties and townships set targets and pilots."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import (
    Conflict,
    IdempotencyMismatch,
    InvalidInput,
    PermissionDenied,
    field_error,
)
from jifen.orgs.models import ROLE_RANK, OrgUnit, Role
from jifen.orgs.selectors import user_role_rank
from jifen.reports import selectors
from jifen.reports.models import MonthlyReportSubmission, PilotVillage, ReportTargets

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
MAX_NOTE = 500


# --- who may do what ------------------------------------------------------------------------------

def can_review_report(*, user: Any, village: OrgUnit) -> bool:
    """The village committee (reviewers) and admins over the village review and submit its report."""
    return user_role_rank(user=user, org=village) >= ROLE_RANK[Role.REVIEWER]


def require_report_reviewer(*, user: Any, village: OrgUnit) -> None:
    if not can_review_report(user=user, village=village):
        raise PermissionDenied(
            f"只有「{village.name}」的审核人或管理员可以审阅和上报月报",
            f"only reviewers and admins of {village.path} review and submit its monthly report",
            code="not_report_reviewer",
        )


def require_overseer(*, user: Any, org: OrgUnit) -> None:
    """Township and county admins see rollups and dashboards of their own subtree."""
    if user_role_rank(user=user, org=org) < ROLE_RANK[Role.ORG_ADMIN]:
        raise PermissionDenied(
            f"只有「{org.name}」的组织管理员可以查看汇总和看板", f"only org admins of {org.path} see its rollups and dashboards",
            code="not_org_admin",
        )


# --- submission ---------------------------------------------------------------------------------

def _month_over(month: dt.date) -> None:
    current = clock.now().astimezone(selectors.report_zone()).date().replace(day=1)
    if month >= current:
        raise InvalidInput(
            f"{month:%Y年%m月}尚未结束，月底后才能上报", f"{month:%Y-%m} is not over yet; report after the month ends",
            code="month_not_over",
        )


@transaction.atomic
def monthly_report_submit(
    *, actor: Any, village: OrgUnit, month: dt.date, key: str, reviewed_hash: str = "", note: str = ""
) -> MonthlyReportSubmission:
    """Freeze the village's figures for `month` as a submission to the township.

    Idempotent: the same key returns the first submission; submitting figures identical to the
    standing submission returns it unchanged. Changed figures make a new revision (the earlier
    ones stay). With `reviewed_hash`, refused when the data changed since the reviewer saw it.
    """
    selectors.require_village(village)
    require_report_reviewer(user=actor, village=village)
    month = month.replace(day=1)
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise field_error("key", "幂等键应为 8–100 个字母、数字或 _.:-", "the idempotency key is 8–100 of A-Z a-z 0-9 _ . : -")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise field_error("note", f"说明不能超过 {MAX_NOTE} 字", f"the note is at most {MAX_NOTE} characters")
    # Lock the village row: revisions of one village are numbered one submission at a time.
    OrgUnit.objects.select_for_update().filter(pk=village.pk).first()
    replay = MonthlyReportSubmission.objects.filter(org=village, key=key).first()
    if replay is not None:
        if replay.month != month or replay.note != note:
            raise IdempotencyMismatch(
                "同一幂等键已用于另一次上报", "this idempotency key was used for another submission", code="idempotency_mismatch"
            )
        return replay
    _month_over(month)
    figures = selectors.monthly_figures(village=village, month=month)
    digest = selectors.figures_hash(figures)
    if reviewed_hash and reviewed_hash != digest:
        raise Conflict(
            "您审阅后数据有了变化，请重新审阅再上报", "the figures changed since you reviewed them; review again before submitting",
            code="figures_changed",
        )
    latest = selectors.latest_submission(village=village, month=month)
    if latest is not None and latest.figures_hash == digest and latest.note == note:
        return latest
    submission = MonthlyReportSubmission.objects.create(
        org=village, month=month, revision=(latest.revision + 1) if latest else 1, figures=figures, figures_hash=digest,
        note=note, key=key, submitted_by=actor, submitted_by_name=(actor.get_full_name() or actor.get_username())[:150],
        submitted_at=clock.now(),
    )
    audit_record(
        actor=actor, action="reports.monthly_report_submit", obj=submission, org_path=village.path,
        summary=f"{village.name} {month:%Y-%m} 月报第 {submission.revision} 次上报",
        after={"month": f"{month:%Y-%m}", "revision": submission.revision, "figures_hash": digest},
    )
    return submission


# --- targets and pilots ---------------------------------------------------------------------------

def _share(value: Any, field: str) -> Decimal:
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise field_error(field, "目标应为 0 到 1 之间的比例", "a target is a share between 0 and 1") from None
    if isinstance(value, float) or not share.is_finite() or share < 0 or share > 1 or share != share.quantize(Decimal("0.01")):
        raise field_error(field, "目标应为 0 到 1 之间、最多两位小数的比例", "a target is a share between 0 and 1 with at most two decimals")
    return share


@transaction.atomic
def report_targets_set(
    *, actor: Any, org: OrgUnit, party_and_cadres: Any, pilot_households: Any, other_households: Any, redemption: Any
) -> ReportTargets:
    """Set the participation and redemption targets for `org`'s villages (org admins of `org`)."""
    require_overseer(user=actor, org=org)
    values = {
        "party_and_cadres": _share(party_and_cadres, "party_and_cadres"),
        "pilot_households": _share(pilot_households, "pilot_households"),
        "other_households": _share(other_households, "other_households"),
        "redemption": _share(redemption, "redemption"),
    }
    before = selectors.targets_for(org)
    row, _ = ReportTargets.objects.update_or_create(org=org, defaults={**values, "updated_at": clock.now(), "updated_by": actor})
    audit_record(
        actor=actor, action="reports.report_targets_set", obj=row, org_path=org.path,
        before={k: str(getattr(before, k)) for k in values}, after={k: str(v) for k, v in values.items()},
    )
    return row


@transaction.atomic
def pilot_village_set(*, actor: Any, village: OrgUnit, pilot: bool) -> bool:
    """Designate a village a pilot (or not): its household participation target follows."""
    selectors.require_village(village)
    if village.parent is None:
        raise field_error("village", "顶级组织不能设为试点村", "a top-level unit cannot be a pilot village")
    require_overseer(user=actor, org=village.parent)
    existing = PilotVillage.objects.filter(org=village).first()
    if pilot and existing is None:
        PilotVillage.objects.create(org=village, designated_at=clock.now(), designated_by=actor)
    elif not pilot and existing is not None:
        existing.delete()
    else:
        return pilot
    audit_record(actor=actor, action="reports.pilot_village_set", obj=village, org_path=village.path, after={"pilot": pilot})
    return pilot
