"""Reads of claims, notices, evidence and vetoes, scoped to who is asking.

`veto_in_force` is the one selector the market and the rankings call to know whether a subject
is barred (篇7 一票否决); keep its name and signature (`veto_active` is the same function).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from jifen.claims import caps
from jifen.claims.authz import RECORDER_UP, own_subject_ids, signed_in
from jifen.claims.models import (
    Activity,
    ActivityAttendance,
    Claim,
    ClaimEvent,
    ClaimState,
    Evidence,
    Meeting,
    Notice,
    NoticeAmendment,
    NoticeEntry,
    Objection,
    Veto,
)
from jifen.core.errors import PermissionDenied
from jifen.orgs.models import Subject
from jifen.orgs.privacy import mask_mobile
from jifen.orgs.selectors import Access, access_for
from jifen.rules.models import Scheme
from jifen.rules.settings_schema import scheme_settings

CLAIM_RELATED = ("scheme", "subject", "subject__org", "item_version", "item", "declared_by", "approved_by", "meeting")


def _access(user: Any) -> Access:
    return user if isinstance(user, Access) else access_for(user)


def claims_visible_to(*, user: Any) -> QuerySet[Claim]:
    """Staff (recorder and above) see the claims of their subtrees; anyone signed in sees claims
    about themself, their household or a unit they run, and those they declared."""
    access = _access(user)
    if access.user is None:
        return Claim.objects.none()
    condition = access.org_q(RECORDER_UP, "subject__org__path") | Q(subject_id__in=own_subject_ids(access.user)) | Q(
        declared_by=access.user
    )
    return Claim.objects.filter(condition).select_related(*CLAIM_RELATED)


def claim_visible_to(*, user: Any, claim: Claim) -> bool:
    return claims_visible_to(user=user).filter(pk=claim.pk).exists()


def evidence_visible_to(*, user: Any, evidence: Evidence) -> bool:
    """Whether `user` may be served this photo: its uploader, or someone who may see a claim it belongs to."""
    if not signed_in(getattr(user, "user", user)):
        return False
    access = _access(user)
    if evidence.uploaded_by_id is not None and evidence.uploaded_by_id == access.user.pk:
        return True
    return claims_visible_to(user=access).filter(evidence_links__evidence=evidence).exists()


def claim_evidence(*, claim: Claim) -> QuerySet[Evidence]:
    return Evidence.objects.filter(claim_links__claim=claim).order_by("claim_links__order", "claim_links__id")


def claim_history(*, claim: Claim) -> QuerySet[ClaimEvent]:
    """Every state change of the claim, oldest first: who, when, from → to, why."""
    return ClaimEvent.objects.filter(claim=claim).select_related("actor").order_by("at", "id")


def claims_awaiting_pre_review(*, user: Any) -> QuerySet[Claim]:
    """Declared claims in the recorder's units, without those about the recorder's own household."""
    access = _access(user)
    if access.user is None:
        return Claim.objects.none()
    return (
        Claim.objects.filter(access.org_q(RECORDER_UP, "subject__org__path"), state=ClaimState.DECLARED)
        .exclude(subject_id__in=own_subject_ids(access.user))
        .select_related(*CLAIM_RELATED)
        .order_by("declared_at", "pk")
    )


def claims_awaiting_review(*, user: Any, scheme: Scheme | None = None) -> QuerySet[Claim]:
    """Pre-approved claims awaiting the committee in the reviewer's units (the meeting's agenda)."""
    from jifen.claims.authz import REVIEWER_UP

    access = _access(user)
    if access.user is None:
        return Claim.objects.none()
    qs = Claim.objects.filter(access.org_q(REVIEWER_UP, "subject__org__path"), state=ClaimState.PRE_APPROVED)
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    return qs.exclude(subject_id__in=own_subject_ids(access.user)).select_related(*CLAIM_RELATED).order_by("occurred_at", "pk")


def veto_in_force(
    scheme: Scheme, subject: Subject, on: dt.date | dt.datetime, *, bar: str | None = None
) -> Veto | None:
    """THE read of 一票否决 (篇7): the veto barring `subject` in `scheme` on `on`, or None.

    `on` is a date, or a time read in the scheme's zone. With `bar` ("redemption", "rewards",
    "honours") only a veto that bars it counts. A veto counts while the scheme's veto rule is
    enabled, not lifted, and `on` lies in [starts_on, ends_on]. The subject keeps earning
    points meanwhile. Redemption (market), rewards and honours (rankings) ask here, or through
    `require_not_vetoed`; many subjects at once go through `vetoes_in_force` (rankings'
    `vetoes_on`), which this reads too.
    """
    rows = vetoes_in_force(scheme, on, bar=bar, subject=subject)
    return rows[0] if rows else None


def vetoes_in_force(
    scheme: Scheme, on: dt.date | dt.datetime, *, bar: str | None = None, subject: Subject | None = None
) -> list[Veto]:
    """The vetoes in force in `scheme` on `on` (one subject's, or everyone's), longest first: the
    condition `veto_in_force` states, in one query for the many-subject readers too (rankings'
    reward lists, base points, dividends)."""
    setting = scheme_settings(scheme).veto
    if setting is None or not setting.enabled:
        return []
    day = caps.local_date(scheme, on) if isinstance(on, dt.datetime) else on
    rows = Veto.objects.filter(scheme=scheme, lifted_at__isnull=True, starts_on__lte=day, ends_on__gte=day)
    if subject is not None:
        rows = rows.filter(subject=subject)
    # `bars` is a JSON list, which SQLite cannot search inside: checked here.
    return [veto for veto in rows.order_by("-ends_on", "-pk") if bar is None or veto.bars_what(bar)]


# The name rankings first used; the same function.
veto_active = veto_in_force

BAR_ZH = {"redemption": "积分兑换", "rewards": "评先奖励", "honours": "评优荣誉"}


def require_not_vetoed(*, scheme: Scheme, subject: Subject, on: dt.date | dt.datetime, bar: str) -> None:
    """Refuse (PermissionDenied, zh + en) when a veto bars `subject` from `bar` on `on`."""
    veto = veto_in_force(scheme, subject, on, bar=bar)
    if veto is None:
        return
    raise PermissionDenied(
        f"「{subject.name}」处于一票否决期（{veto.starts_on} 至 {veto.ends_on}），不能参与{BAR_ZH.get(bar, bar)}",
        f"{subject.name!r} is under a veto from {veto.starts_on} to {veto.ends_on} and is barred from {bar}",
        code="vetoed",
        detail={"veto": veto.pk, "subject": subject.pk, "bar": bar, "ends_on": str(veto.ends_on)},
    )


def notices_for(*, scheme: Scheme) -> QuerySet[Notice]:
    return Notice.objects.filter(scheme=scheme).select_related("org").order_by("-published_at", "-pk")


def notice_entries(*, notice: Notice) -> QuerySet[NoticeEntry]:
    """The lines of a notice as published now (amended points and revoked lines included), for the notice board."""
    return (
        NoticeEntry.objects.filter(notice=notice)
        .select_related("claim", "claim__subject", "claim__item_version")
        .order_by("claim__subject__name", "claim__occurred_at", "pk")
    )


def notice_amendments(*, notice: Notice) -> QuerySet[NoticeAmendment]:
    return NoticeAmendment.objects.filter(notice=notice).select_related("entry__claim__subject", "actor").order_by("revision", "pk")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the public sees that someone objected, not who."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def objections_public(*, notice: Notice) -> list[dict[str, Any]]:
    """Objections to a notice as the public may see them: the objector's name and phone masked."""
    rows = Objection.objects.filter(notice=notice).select_related("filed_by__person").order_by("filed_at", "pk")
    out = []
    for row in rows:
        name = row.name or (row.filed_by.person.name if row.filed_by and row.filed_by.person else "")
        out.append(
            {
                "claim": row.claim_id, "filed_at": row.filed_at, "name": mask_name(name), "phone": mask_mobile(row.phone),
                "reason": row.reason, "status": row.status, "resolution": row.resolution,
            }
        )
    return out


# --- What a viewer may list (the API starts every read here) ---------------------------------


def notices_visible_to(*, access: Access) -> QuerySet[Notice]:
    """Notices of units under any of the caller's bindings (a villager sees their village's
    notice board); the public sees them through `notice_public_entries`, masked."""
    from jifen.orgs.models import Role

    if access.user is None:
        return Notice.objects.none()
    return Notice.objects.filter(access.org_q(Role.values, "org__path")).select_related("org", "scheme")


def objections_visible_to(*, access: Access) -> QuerySet[Objection]:
    """Staff see objections to claims in their subtrees; anyone sees the objections they filed."""
    if access.user is None:
        return Objection.objects.none()
    condition = access.org_q(RECORDER_UP, "claim__subject__org__path") | Q(filed_by=access.user)
    return Objection.objects.filter(condition).select_related("claim", "claim__subject__org", "notice", "filed_by__person")


def activities_visible_to(*, access: Access) -> QuerySet[Activity]:
    """Staff see the activities of their subtrees; others those they (or their household) attended."""
    if access.user is None:
        return Activity.objects.none()
    attended = ActivityAttendance.objects.filter(subject_id__in=own_subject_ids(access.user)).values("activity_id")
    condition = access.org_q(RECORDER_UP, "org__path") | Q(pk__in=attended)
    return Activity.objects.filter(condition).select_related("org", "scheme", "item_version")


def meetings_visible_to(*, access: Access) -> QuerySet[Meeting]:
    if access.user is None:
        return Meeting.objects.none()
    return Meeting.objects.filter(access.org_q(RECORDER_UP, "org__path")).select_related("org", "scheme", "chair")


def notices_public() -> QuerySet[Notice]:
    """Every published notice: the public board (entries masked by the caller)."""
    return Notice.objects.select_related("org", "scheme")


def evidence_visible_list(*, access: Access) -> QuerySet[Evidence]:
    """Photos the caller uploaded, or attached to a claim the caller may see."""
    if access.user is None:
        return Evidence.objects.none()
    claims = claims_visible_to(user=access).values("pk")
    return Evidence.objects.filter(Q(uploaded_by=access.user) | Q(claim_links__claim__in=claims)).distinct()
