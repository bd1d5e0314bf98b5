"""Year-end clearing (篇7 年底清零，次年重新积分) and 篇8's zero-or-negative list.

Clearing posts, for every subject account of the scheme, the spendable balance it holds at
the end of the year (awards, deductions, redemptions and everything else posted up to then)
to the scheme's expiry account, as one ledger batch dated the year's last instant. A negative
balance is brought back to zero the same way. Scores are untouched: expiry does not count in
the score, so the year's leaderboards and reward lists read the same after the close. Then the
new year opens: where the scheme grants yearly base points they are posted for 1 January.

Lifetime schemes (篇6, 篇8 积分终身有效) never clear. Points posted into a year after it was
closed (a late approval dated in December) stay in the balance; the close is not repeated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import IllegalTransition, InvalidInput
from jifen.ledger.models import Account
from jifen.ledger.periods import scheme_zone
from jifen.ledger.services import postings_bulk
from jifen.orgs.models import Employment
from jifen.rankings.base_points import base_points_post
from jifen.rankings.models import PeriodClose
from jifen.rankings.points_runs import RunResult
from jifen.rankings.reward_locks import job_lock
from jifen.rankings.reward_periods import period_parse, require_ended
from jifen.rankings.reward_scores import all_time_scores, balances_before, staff_of
from jifen.rules.models import Scheme
from jifen.rules.settings_schema import scheme_settings


@dataclass
class CloseResult:
    close: PeriodClose
    created: bool  # False when the year had been closed before
    base: RunResult | None = None  # the new year's base points, where the scheme grants them

    def describe(self) -> str:
        c = self.close
        text = (
            f"{c.year} 年清零 / cleared {c.year}: 账户/accounts {c.accounts}, 清零/expired {c.expired}, "
            f"负分归零/reset {c.credited}" + ("" if self.created else "（此前已清零 / closed before）")
        )
        if self.base is not None:
            text += "; " + self.base.describe()
        return text


def _require_clearing(scheme: Scheme) -> None:
    if scheme.period_policy is None:
        raise InvalidInput(
            f"方案「{scheme.name}」尚未选择积分有效期（年底清零或终身有效），请先填写",
            f"scheme {scheme.code!r} has no period policy yet (year-end clearing or lifetime); fill it first",
            code="settings_incomplete",
        )
    if scheme.period_policy == Scheme.PeriodPolicy.LIFETIME:
        raise IllegalTransition(
            f"方案「{scheme.name}」积分终身有效，不做年底清零",
            f"scheme {scheme.code!r} keeps points for life; it is never cleared",
            code="lifetime_scheme",
        )


@transaction.atomic
def period_close(*, scheme: Scheme, year: int, actor: Any = None) -> CloseResult:
    """Clear every balance at the end of `year` and open the next year. Closing again returns the first close."""
    _require_clearing(scheme)
    period = period_parse(str(year), kind="year")
    existing = PeriodClose.objects.filter(scheme=scheme, year=year).first()
    if existing is not None:
        return CloseResult(close=existing, created=False)
    require_ended(scheme, period, what_zh="年底清零", what_en="year-end clearing")
    job_lock(scheme_id=scheme.pk, job=f"close:{year}")
    existing = PeriodClose.objects.filter(scheme=scheme, year=year).first()
    if existing is not None:
        return CloseResult(close=existing, created=False)
    balances = balances_before(scheme=scheme, day=period.end)
    lines = [(subject_id, -units) for subject_id, units in sorted(balances.items()) if units != 0]
    tx = None
    if lines:
        batch = postings_bulk(
            scheme=scheme, key=f"close:{year}", kind="expire", lines=lines, counter_account_kind=Account.Kind.EXPIRY,
            occurred_at=dt.datetime.combine(period.last_day, dt.time.max, tzinfo=scheme_zone(scheme)),
            reason=f"{year}年底积分清零", actor=actor, source_type="period_close", source_id=str(year),
            scope=f"close:{year}", on_duplicate="refuse",
        )
        tx = batch.transaction
    close = PeriodClose.objects.create(
        scheme=scheme, year=year, transaction=tx, accounts=len(lines),
        expired=sum(-units for _, units in lines if units < 0), credited=sum(units for _, units in lines if units > 0),
        actor=actor if getattr(actor, "pk", None) else None, closed_at=clock.now(),
    )
    audit_record(
        actor=actor, action="rankings.period_close", obj=close, org_path=scheme.org.path,
        summary=f"{scheme.code} {year}: {close.accounts} accounts cleared",
        after={"year": year, "accounts": close.accounts, "expired": close.expired, "credited": close.credited,
               "transaction": tx.pk if tx else None},
    )
    result = CloseResult(close=close, created=True)
    base = scheme_settings(scheme).base_points
    if base is not None and base.frequency == "yearly" and base.amount:
        result.base = base_points_post(scheme=scheme, year=year + 1, actor=actor)
    return result


def closed_years(*, scheme: Scheme) -> list[int]:
    return list(PeriodClose.objects.filter(scheme=scheme).order_by("year").values_list("year", flat=True))


# --------------------------------------------------------------------------- 篇8 zero or negative


@dataclass(frozen=True)
class ZeroOrNegative:
    subject_id: int
    employee_no: str
    name: str
    org_name: str
    position: str
    score: int  # units, lifetime


def zero_or_negative_list(*, scheme: Scheme) -> list[ZeroOrNegative]:
    """Active employees whose lifetime score is zero or below (篇8: resign, or ask for one more chance).

    Employees with no points at all are on it too: their score is zero.
    """
    rule = scheme_settings(scheme).zero_or_negative
    if rule is None or not rule.enabled:
        raise InvalidInput(
            f"方案「{scheme.name}」没有“零分或负分”规则", f"scheme {scheme.code!r} has no zero-or-negative rule",
            code="no_zero_or_negative",
        )
    scores = all_time_scores(scheme=scheme)
    out = []
    for job in Employment.objects.filter(staff_of(scheme)).select_related("person", "org").order_by("org__path", "employee_no"):
        score = scores.get(job.person.subject_id, 0)
        if score <= 0:
            out.append(
                ZeroOrNegative(subject_id=job.person.subject_id, employee_no=job.employee_no, name=job.person.name,
                               org_name=job.org.name, position=job.position, score=score)
            )
    return out
