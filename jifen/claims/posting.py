"""Claims meet the ledger here: posting a claim, its leader's match, reversing both.

Idempotency keys come from the claim: `claim:<id>` for the subject, `claim:<id>:leader` for
the team leader's match (篇6 组长加奖/加扣), `claim:<id>:fraud` for a fraud penalty (its own
claim row points back at the false one), `activity:<id>:<subject>` for an activity line.
The counter side of every line is the scheme's issuance account.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from jifen.claims.models import Claim
from jifen.core.errors import zh
from jifen.ledger import services as ledger
from jifen.ledger.models import Account, Transaction
from jifen.ledger.periods import scheme_zone
from jifen.ledger.services import Leg
from jifen.orgs.models import Employment, Subject
from jifen.rules.models import ItemVersion, Scheme
from jifen.rules.settings_schema import scheme_settings


def amount(scheme: Scheme, units: int) -> int | Decimal:
    """Stored units as the points the ledger takes (whole points stay int)."""
    value = scheme.from_units(units)
    return int(value) if scheme.points_scale == 0 else value


def _kind(units: int) -> str:
    return "award" if units > 0 else "deduct"


def post_lines(
    *, scheme: Scheme, key: str, subjects: list[Subject], units: int, actor: Any, claim: Claim, reason: str,
    source_type: str = "claim", source_id: int | None = None,
) -> Transaction:
    """One balanced transaction: `units` to each subject, the sum against the issuance account."""
    counter = ledger.system_account(scheme=scheme, kind=Account.Kind.ISSUANCE)
    occurred_at, reason = _posting_time(scheme, claim, reason)
    each = amount(scheme, units)
    kind = _kind(units)
    legs = [Leg(account=ledger.account_for(scheme=scheme, subject=s), amount=each, kind=kind) for s in subjects]
    legs.append(Leg(account=counter, amount=-each * len(subjects), kind=kind))
    return ledger.transaction_post(
        scheme=scheme, key=key, source_type=source_type, source_id=source_id or claim.pk, actor=actor, occurred_at=occurred_at,
        reason=reason[:500], legs=legs, item_version_id=claim.item_version_id,
    )


def _posting_time(scheme: Scheme, claim: Claim, reason: str) -> tuple[dt.datetime, str]:
    """A claim posts at the deed's time, unless that year has already been cleared (篇7): a deed of
    late December is noticed in January and posts after the close. Posting it into the closed year
    would leave that year's balance non-zero after its clearing, so it posts at the first moment of
    the next year (fixed, so a retried posting has the same content), and the reason says which
    year the deed was in."""
    # Rankings builds on claims; this one read goes the other way, so it is imported here.
    from jifen.rankings.models import PeriodClose

    year = claim.occurred_at.astimezone(scheme_zone(scheme)).year
    if scheme.period_policy != Scheme.PeriodPolicy.YEAR_END_CLEAR or not PeriodClose.objects.filter(scheme=scheme, year=year).exists():
        return claim.occurred_at, reason
    opens = dt.datetime(year + 1, 1, 1, tzinfo=scheme_zone(scheme))
    return opens, f"{reason}（{year}年事项，该年已清零，计入本年 / a {year} deed, posted after that year was cleared）"


def claim_reason(claim: Claim) -> str:
    return f"{zh(claim.get_origin_display())} #{claim.pk}：{claim.item_version.name}"


def leader_matching_on(scheme: Scheme, version: ItemVersion, units: int) -> bool:
    """The item's own switch wins; otherwise the scheme's (on, and for this direction)."""
    if version.leader_matching is False:
        return False
    setting = scheme_settings(scheme).leader_matching
    if version.leader_matching is True:
        return True
    if setting is None or not setting.enabled:
        return False
    return _kind(units) in setting.applies_to


def team_leaders(subject: Subject) -> list[Subject]:
    """The active leaders of the subject's team, the subject excluded (a leader is not matched twice)."""
    if subject.kind != Subject.Kind.PERSON:
        return []
    job = Employment.objects.filter(person__subject=subject, is_active=True).select_related("org").first()
    if job is None:
        return []
    leaders = (
        Employment.objects.filter(org=job.org, is_leader=True, is_active=True, person__is_active=True)
        .exclude(person__subject=subject)
        .select_related("person__subject")
        .order_by("pk")
    )
    return [e.person.subject for e in leaders]


def post_claim(*, claim: Claim, actor: Any) -> tuple[Transaction | None, Transaction | None]:
    """Post a claim and, where the scheme says so, its leaders' match. Zero-point claims (a veto
    record) have nothing to post."""
    if claim.points == 0:
        return None, None
    scheme = claim.scheme
    tx = post_lines(
        scheme=scheme, key=claim.ledger_key, subjects=[claim.subject], units=claim.points, actor=actor, claim=claim,
        reason=claim_reason(claim),
    )
    leader_tx = None
    if leader_matching_on(scheme, claim.item_version, claim.points):
        leaders = team_leaders(claim.subject)
        if leaders:
            leader_tx = post_lines(
                scheme=scheme, key=f"{claim.ledger_key}:leader", subjects=leaders, units=claim.points, actor=actor,
                claim=claim, reason=f"组长加{'奖' if claim.points > 0 else '扣'}（{claim.subject.name}）#{claim.pk}：{claim.item_version.name}",
            )
    return tx, leader_tx


def reverse_claim(*, claim: Claim, actor: Any, reason: str) -> int:
    """Reverse whatever was posted for the claim (its line and its leaders' match); returns how many."""
    reversed_count = 0
    for key in (claim.ledger_key, f"{claim.ledger_key}:leader"):
        tx = Transaction.objects.filter(scheme=claim.scheme, key=key).first()
        if tx is None:
            continue
        ledger.transaction_reverse(transaction=tx, key=f"{key}:reversal", actor=actor, reason=reason[:500])
        reversed_count += 1
    return reversed_count
