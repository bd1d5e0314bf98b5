"""The claim state machine, in one place: the allowed transitions and the one function that moves.

Every move writes a `ClaimEvent` (append-only) and an audit row in the caller's transaction.
Services lock the claim first (`lock`), which also tells a stale actor apart from an illegal
request: if someone else moved the claim since the caller loaded it, the caller gets
`Conflict`; if the claim is where the caller thought and the move is not allowed, it gets
`IllegalTransition`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from jifen.claims import lock_objects
from jifen.claims.models import Claim, ClaimEvent, ClaimOrigin, ClaimState
from jifen.core import clock, context
from jifen.core.audit import audit_record
from jifen.core.errors import Conflict, IllegalTransition, NotFound, zh
from jifen.core.models import AuditEvent

S = ClaimState

# from-state ("" = a new claim) → the states it may move to.
ALLOWED: dict[str, frozenset[str]] = {
    "": frozenset({S.DECLARED, S.PRE_APPROVED, S.APPROVED, S.POSTED}),
    S.DECLARED: frozenset({S.PRE_APPROVED, S.REJECTED, S.WITHDRAWN, S.REVOKED}),
    S.PRE_APPROVED: frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN, S.REVOKED}),
    S.APPROVED: frozenset({S.NOTICED, S.REVOKED}),
    S.NOTICED: frozenset({S.DISPUTED, S.POSTED, S.REVOKED}),
    S.DISPUTED: frozenset({S.NOTICED, S.REVOKED}),
    S.POSTED: frozenset({S.REVOKED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.REVOKED: frozenset(),
}

# Where each kind of claim starts.
INITIAL: dict[str, str] = {
    ClaimOrigin.SELF: S.DECLARED,
    ClaimOrigin.ON_BEHALF: S.DECLARED,
    ClaimOrigin.THIRD_PARTY: S.DECLARED,
    ClaimOrigin.SLIP: S.APPROVED,  # signed by authorised staff: it goes straight to the notice
    ClaimOrigin.SPOT_CHECK: S.PRE_APPROVED,  # the inspection team's finding awaits the committee
    ClaimOrigin.ACTIVITY: S.POSTED,  # 篇2: organised activities are registered directly
    ClaimOrigin.FRAUD: S.POSTED,  # the penalty follows the finding itself
}

STATE_EN = {
    S.DECLARED: "declared",
    S.PRE_APPROVED: "pre-approved",
    S.APPROVED: "approved",
    S.NOTICED: "on public notice",
    S.DISPUTED: "under second check",
    S.POSTED: "posted",
    S.REJECTED: "rejected",
    S.WITHDRAWN: "withdrawn",
    S.REVOKED: "revoked",
}


def state_zh(state: str) -> str:
    return zh(S(state).label) if state in S.values else state


def state_en(state: str) -> str:
    return STATE_EN.get(state, state)  # type: ignore[call-overload]


def illegal(claim: Claim, to: str) -> IllegalTransition:
    return IllegalTransition(
        f"申报 #{claim.pk} 当前为「{state_zh(claim.state)}」，不能改为「{state_zh(to)}」",
        f"claim #{claim.pk} is {state_en(claim.state)} and cannot become {state_en(to)}",
        code="illegal_transition",
        detail={"claim": claim.pk, "from": claim.state, "to": to},
    )


def can_move(state: str, to: str) -> bool:
    return to in ALLOWED.get(state, frozenset())


def lock(claim: Claim, *, to: str) -> Claim:
    """Lock the claim's row and check, under the lock, that it may move to `to`.

    `claim` is what the caller saw; if the row moved on since then and the move is no longer
    allowed, the caller was overtaken by someone else (Conflict).
    """
    locked = lock_objects.claim_locked(claim.pk)
    if locked is None:
        raise NotFound(f"找不到申报 #{claim.pk}", f"claim #{claim.pk} does not exist", code="claim_not_found")
    if not can_move(locked.state, to):
        if locked.state != claim.state:
            raise Conflict(
                f"申报 #{claim.pk} 已被他人处理（现为「{state_zh(locked.state)}」），请刷新后再操作",
                f"claim #{claim.pk} was acted on by someone else (now {state_en(locked.state)}); reload and try again",
                code="claim_changed",
                detail={"claim": claim.pk, "state": locked.state, "seen": claim.state},
            )
        raise illegal(locked, to)
    return locked


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "system"
    return (getattr(actor, "get_username", lambda: "")() or str(actor))[:150]


def _org_path(claim: Claim) -> str:
    return claim.subject.org.path


def transition(
    claim: Claim, *, to: str, actor: Any, reason: str = "", points: int | None = None, action: str = "claims.claim_transition",
    extra: dict[str, Any] | None = None, fields: Sequence[str] = (),
) -> ClaimEvent:
    """Move a locked claim to `to` (optionally changing its points), with its event and audit row.

    `fields` names other attributes the caller set on `claim` that must be saved with the move.
    """
    if not can_move(claim.state, to):
        raise illegal(claim, to)
    now = clock.now()
    before_state, before_points = claim.state, claim.points
    claim.state = to
    claim.state_changed_at = now
    if points is not None:
        claim.points = points
    claim.save(update_fields=["state", "state_changed_at", "points", *fields])
    event = ClaimEvent.objects.create(
        claim=claim, at=now, actor=actor if getattr(actor, "pk", None) else None, actor_name=_actor_name(actor),
        from_state=before_state, to_state=to, reason=reason[:500], points_before=before_points, points_after=claim.points,
    )
    audit_record(
        actor=actor, action=action, obj=claim, org_path=_org_path(claim), summary=reason,
        before={"state": before_state, "points": before_points}, after={"state": to, "points": claim.points, **(extra or {})},
    )
    return event


def record_creation(claim: Claim, *, actor: Any, reason: str, action: str) -> ClaimEvent:
    """The first event of a new claim (from "" to its initial state) and its audit row."""
    if not can_move("", claim.state):
        raise illegal(claim, claim.state)
    event = ClaimEvent.objects.create(
        claim=claim, at=claim.declared_at, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor), from_state="", to_state=claim.state, reason=reason[:500],
        points_before=None, points_after=claim.points,
    )
    audit_record(
        actor=actor, action=action, obj=claim, org_path=_org_path(claim), summary=reason,
        after={
            "state": claim.state, "origin": claim.origin, "scheme": claim.scheme_id, "subject": claim.subject_id,
            "item_version": claim.item_version_id, "points": claim.points, "occurred_at": claim.occurred_at,
        },
    )
    return event


def transition_many(
    claims: Iterable[Claim], *, to: str, actor: Any, reason: str, action: str, extra: dict[str, Any] | None = None,
) -> int:
    """Move many locked claims at once (a notice of hundreds): one UPDATE, bulk events and audit rows."""
    claims = list(claims)
    for claim in claims:
        if not can_move(claim.state, to):
            raise illegal(claim, to)
    if not claims:
        return 0
    now = clock.now()
    events = []
    audits = []
    ctx = context.current()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    name = _actor_name(actor)
    for claim in claims:
        events.append(
            ClaimEvent(
                claim=claim, at=now, actor_id=actor_id, actor_name=name, from_state=claim.state, to_state=to,
                reason=reason[:500], points_before=claim.points, points_after=claim.points,
            )
        )
        # Same row audit_record writes, built in bulk.
        audits.append(
            AuditEvent(
                at=now, actor_id=actor_id, actor_name=name, ip=ctx.ip, channel=ctx.channel, action=action,
                object_type=Claim._meta.label_lower, object_id=str(claim.pk), org_path=_org_path(claim),
                summary=reason[:500], before={"state": claim.state}, after={"state": to, **(extra or {})},
            )
        )
        claim.state = to
        claim.state_changed_at = now
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(state=to, state_changed_at=now)
    ClaimEvent.objects.bulk_create(events, batch_size=500)
    AuditEvent.objects.bulk_create(audits, batch_size=500)
    return len(claims)
