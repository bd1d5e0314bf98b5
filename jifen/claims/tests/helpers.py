"""Shortcuts the claims tests share: walk a claim along the road to a given state."""

from __future__ import annotations

from jifen.claims import services
from jifen.claims.models import Claim
from jifen.claims.services import Decision
from jifen.claims.testing import local, photo
from jifen.core import clock


def declared(setup, *, subject=None, item=None, actor=None, points=None, day=5, origin="self", **kw) -> Claim:
    w = setup.world
    item = item or setup.mediate
    if item == setup.help:
        kw.setdefault("evidence", [photo()])
    if points is None and item == setup.mediate:
        points = 20
    return services.claim_declare(
        actor=actor or w.member, scheme=setup.scheme, subject=subject or w.zhangsan.subject, item=item, points=points,
        occurred_at=local(2026, 3, day, 9), description="好人好事", place="沙河村", origin=origin, **kw,
    )


def pre_approved(setup, *, checker=None, **kw) -> Claim:
    claim = declared(setup, **kw)
    return services.claim_pre_approve(actor=checker or setup.world.recorder, claim=claim)


def approved(setup, **kw) -> Claim:
    claim = pre_approved(setup, **kw)
    return services.claim_review(actor=setup.world.reviewer, claim=claim, outcome="approve")


def meeting(setup, decisions, *, actor=None, held_on=None):
    w = setup.world
    return services.meeting_record(
        actor=actor or w.reviewer, scheme=setup.scheme, org=w.shahe, held_on=held_on or clock.now().date(),
        decisions=decisions, attendees=[w.recorder], attendee_names="老党员 王大爷", minutes="三月审核会",
    )


def approve(claim, outcome="approve", **kw) -> Decision:
    return Decision(claim=claim, outcome=outcome, **kw)
