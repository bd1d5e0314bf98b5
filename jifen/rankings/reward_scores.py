"""Reads the reward services need: period scores, year-end balances, vetoes, rank-table standings.

Scores come from the ledger's per-bucket balance rows (a period is a contiguous run of
buckets), one grouped query per call, never a walk over an account's postings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, Sum

from jifen.claims.selectors import vetoes_in_force
from jifen.core.errors import InvalidInput
from jifen.ledger.models import Account, Balance
from jifen.ledger.periods import buckets_between
from jifen.ledger.selectors import subject_accounts
from jifen.orgs.models import Employment, Subject, subtree_q
from jifen.rankings.reward_periods import Period
from jifen.rules.models import Scheme


@dataclass(frozen=True)
class Participant:
    """A subject holding an account in the scheme, with its score for one period (scheme units)."""

    subject_id: int
    name: str
    kind: str  # person, household, unit
    score: int


def participants(*, scheme: Scheme, period: Period, subject_ids: Iterable[int] | None = None) -> list[Participant]:
    """Active subjects with an account in the scheme and their score in `period` (0 when none)."""
    accounts = Account.objects.filter(scheme=scheme, subject__isnull=False, subject__is_active=True)
    if subject_ids is not None:
        accounts = accounts.filter(subject_id__in=list(subject_ids))
    rows = list(accounts.values_list("subject_id", "subject__name", "subject__kind"))
    scores = period_scores(scheme=scheme, start=period.start, end=period.end)
    return [Participant(subject_id=s, name=name, kind=kind, score=scores.get(s, 0)) for s, name, kind in rows]


def period_scores(*, scheme: Scheme, start: dt.date, end: dt.date) -> dict[int, int]:
    """subject id → score (units) over [start, end) for every subject account with postings in it."""
    buckets = buckets_between(start, end)
    if not buckets:
        return {}
    rows = (
        Balance.objects.filter(bucket__in=buckets, account_id__in=subject_accounts(scheme))
        .values("account__subject_id")
        .annotate(total=Sum("score"))
    )
    return {row["account__subject_id"]: int(row["total"]) for row in rows}


def balances_before(*, scheme: Scheme, day: dt.date) -> dict[int, int]:
    """subject id → spendable balance (units) from everything that occurred before `day`."""
    rows = (
        Balance.objects.filter(bucket__lt=day, account_id__in=subject_accounts(scheme))
        .values("account__subject_id")
        .annotate(total=Sum("balance"))
    )
    return {row["account__subject_id"]: int(row["total"]) for row in rows}


def all_time_scores(*, scheme: Scheme) -> dict[int, int]:
    """subject id → score (units) over the scheme's whole history."""
    rows = (
        Balance.objects.filter(account_id__in=subject_accounts(scheme))
        .values("account__subject_id")
        .annotate(total=Sum("score"))
    )
    return {row["account__subject_id"]: int(row["total"]) for row in rows}


def staff_of(scheme: Scheme) -> Q:
    """Active employments inside the scheme's org unit (as a filter on Employment)."""
    return Q(subtree_q(scheme.org.path, "org__path"), is_active=True, person__subject__is_active=True)


# --------------------------------------------------------------------------- vetoes


def vetoes_on(*, scheme: Scheme, on: dt.date, bar: str | None = None) -> dict[int, dt.date]:
    """Subjects barred on `on` by a veto (一票否决), when the scheme has the rule: id → last day barred.

    With `bar` ("rewards", "honours", "redemption"), only vetoes that bar it. Read through
    jifen.claims.selectors.vetoes_in_force, the one statement of the rule.
    """
    barred: dict[int, dt.date] = {}
    for veto in vetoes_in_force(scheme, on, bar=bar):
        barred[veto.subject_id] = max(veto.ends_on, barred.get(veto.subject_id, veto.ends_on))
    return barred


# --------------------------------------------------------------------------- rank tables


@dataclass(frozen=True)
class Standing:
    subject_id: int
    name: str
    score: int  # units


GROUPS_ZH = {"": "全体", "leaders": "组长组", "staff": "员工组"}


def group_standings(*, scheme: Scheme, period: Period, group: str) -> list[Standing]:
    """Everyone in a rank table's group with their score for the period, best first.

    Groups (篇6): "leaders" = team leaders (Employment.is_leader), "staff" = other employees,
    "" = every subject with an account. Ties keep a stable order (name, then id); ranks are
    given by the caller, which first removes vetoed subjects.
    """
    if group not in GROUPS_ZH:
        raise InvalidInput(
            f"不认识的排名组别「{group}」（可用：leaders 组长组、staff 员工组，或留空表示全体）",
            f"unknown rank-table group {group!r} (leaders, staff, or empty for everyone)",
            code="bad_group",
        )
    if group:
        jobs = Employment.objects.filter(staff_of(scheme), is_leader=(group == "leaders"))
        ids: list[int] | None = list(jobs.values_list("person__subject_id", flat=True))
        scores = period_scores(scheme=scheme, start=period.start, end=period.end)
        names = dict(Subject.objects.filter(pk__in=ids).values_list("pk", "name"))
        rows = [Standing(subject_id=s, name=names[s], score=scores.get(s, 0)) for s in ids or []]
    else:
        rows = [Standing(p.subject_id, p.name, p.score) for p in participants(scheme=scheme, period=period)]
    return sorted(rows, key=lambda r: (-r.score, r.name, r.subject_id))
