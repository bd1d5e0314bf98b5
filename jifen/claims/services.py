"""Every write of the claim workflow (一事一记录、一月一审核、一季一公示).

declare → preliminary review (recorder) → committee review (meeting) → public notice →
objections and second check → posting (tick). Slips, activities, spot checks, fraud and
veto enter the same road at their own point. Each service runs in one transaction and
writes the claim's event, the audit row, the notifications and any ledger posting inside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.crypto import salted_hmac

from jifen.claims import authz, caps, lock_objects, workflow
from jifen.claims.evidence import MAX_PER_CLAIM, evidence_store
from jifen.claims.models import (
    DECLARATION_ORIGINS,
    Activity,
    ActivityAttendance,
    Claim,
    ClaimChannel,
    ClaimEvidence,
    ClaimOrigin,
    ClaimState,
    Evidence,
    Meeting,
    MeetingDecision,
    Notice,
    NoticeAmendment,
    NoticeEntry,
    Objection,
    SpotCheck,
    Veto,
)
from jifen.core import clock
from jifen.core import context as request_context
from jifen.core.audit import audit_record
from jifen.core.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    JifenError,
    NotFound,
    PermissionDenied,
    RateLimited,
    field_error,
    zh,
)
from jifen.core.notify import notify_each
from jifen.orgs.models import OrgUnit, Role, RoleBinding, Subject, User, ancestor_paths, subtree_q
from jifen.orgs.validators import normalize_mobile
from jifen.rules.models import Item, ItemVersion, Scheme
from jifen.rules.selectors import item_version_on, points_for
from jifen.rules.settings_schema import scheme_settings

S = ClaimState
Origin = ClaimOrigin
FUTURE_SLACK = dt.timedelta(minutes=10)
MAX_DESCRIPTION = 2000

# ------------------------------------------------------------------ helpers


def _text(value: str | None, *, field_name: str, zh: str, en: str, max_len: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise field_error(field_name, f"请填写{zh}", f"{en} is required")
    if len(value) > max_len:
        raise field_error(field_name, f"{zh}太长（最多 {max_len} 字）", f"{en} is too long ({max_len} characters at most)")
    return value


def _aware(value: Any, field_name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise field_error(field_name, "时间须带时区", "a time with a time zone is required")
    return value


def _not_future(value: dt.datetime, field_name: str) -> None:
    if value > clock.now() + FUTURE_SLACK:
        raise field_error(field_name, "发生时间不能晚于现在", "the time cannot be in the future")


def _require_active(scheme: Scheme) -> None:
    if not scheme.is_active:
        raise InvalidInput(f"积分方案「{scheme.name}」已停用", f"scheme {scheme.code!r} is inactive", code="scheme_inactive")


def _version_for(scheme: Scheme, item: Item, at: dt.datetime) -> ItemVersion:
    """The version of `item` in force on the local date of `at`."""
    if not isinstance(item, Item) or item.scheme_id != scheme.pk:
        raise field_error("item", "事项不属于这个积分方案", "the item belongs to another scheme")
    day = caps.local_date(scheme, at)
    version = item_version_on(item, day)
    if version is None:
        raise field_error("item", f"事项「{item.code}」在 {day} 不在有效期内", f"item {item.code!r} is not in force on {day}")
    return ItemVersion.objects.select_related("item__category").get(pk=version.pk)


def _claim_points(version: ItemVersion, chosen: int | None) -> int:
    """Signed points (scheme units) for a claim under `version`; a veto record carries none."""
    K = ItemVersion.Kind
    if version.kind == K.VETO:
        if chosen not in (None, 0):
            raise field_error("points", "一票否决事项不记分值", "a veto item carries no points")
        return 0
    if version.kind == K.FRAUD:
        raise InvalidInput(
            "弄虚作假的扣分由审核人认定后按倍数自动计算，不能直接申报",
            "a fraud deduction follows a reviewer's finding and is computed from the scheme's multiplier; it cannot be claimed",
            code="item_not_claimable",
        )
    if version.kind in (K.BASE, K.FIXED_MONTHLY):
        raise InvalidInput(
            f"「{version.name}」是基础分或每月固定分，由系统按规则发放，不能申报",
            f"{version.name!r} is base or fixed monthly points, granted by rule, not by claim",
            code="item_not_claimable",
        )
    if chosen is not None and (isinstance(chosen, bool) or not isinstance(chosen, int)):
        raise field_error("points", "分值应为整数", "points must be a whole number of the scheme's units")
    return points_for(version, chosen=chosen)


def _changed_points(version: ItemVersion, chosen: int | None) -> int:
    if version.points is not None:
        raise field_error(
            "points", f"「{version.name}」是固定分值 {version.points}，不能调整", f"{version.name!r} has fixed points and cannot be changed"
        )
    if chosen is None:
        raise field_error("points", "调整分值须填写新分值", "a change needs the new points")
    return _claim_points(version, chosen)


def subject_users(subject_ids: Iterable[int]) -> dict[int, set[int]]:
    """Accounts that speak for each subject: the person, the household's current members, the unit's contact."""
    ids = list(set(subject_ids))
    found: dict[int, set[int]] = {i: set() for i in ids}
    for user_id, sid in User.objects.filter(is_active=True, person__subject_id__in=ids).values_list("pk", "person__subject_id"):
        found[sid].add(user_id)
    for user_id, sid in User.objects.filter(
        is_active=True, person__household_stays__household__subject_id__in=ids, person__household_stays__left_on__isnull=True
    ).values_list("pk", "person__household_stays__household__subject_id"):
        found[sid].add(user_id)
    for user_id, sid in User.objects.filter(is_active=True, person__contact_for_units__subject_id__in=ids).values_list(
        "pk", "person__contact_for_units__subject_id"
    ):
        found[sid].add(user_id)
    return found


def _link(claim: Claim) -> str:
    return f"/claims/{claim.pk}/"


def _lit(text: str) -> str:
    """User text placed inside a `_tell` body template, braces escaped."""
    return text.replace("{", "{{").replace("}", "}}")


def _tell(
    claims: Iterable[Claim], *, kind: str, title: str, body: str, also: Iterable[Any] = (), subject: bool = True,
    declarer: bool = True, actor: Any = None,
) -> int:
    """Notify the people concerned by each claim: the subject's accounts, the declarer, and `also`.

    `body` is a template: {name} (subject), {item}, {points} and {claim} are filled per claim.
    The `actor` is left out: nobody needs a message about what they have just done themselves
    (a recorder awarding fifty attendees would otherwise get fifty).
    """
    claims = list(claims)
    users = subject_users(c.subject_id for c in claims) if subject else {}
    extra = {u.pk for u in also if u is not None}
    messages = []
    for claim in claims:
        recipients = set(users.get(claim.subject_id, set())) | extra
        if declarer and claim.declared_by_id:
            recipients.add(claim.declared_by_id)
        recipients.discard(getattr(actor, "pk", None))
        text = body.format(claim=claim, name=claim.subject.name, item=claim.item_version.name, points=claim.scheme.from_units(claim.points))
        messages.extend((uid, kind, title, text, _link(claim)) for uid in sorted(recipients))
    return notify_each(messages)


def _role_users(org: OrgUnit, roles: Sequence[str]) -> list[User]:
    """Active holders of `roles` at the unit or above it (who should hear of a new claim)."""
    today = clock.now().date()
    ids = (
        RoleBinding.objects.filter(org__path__in=ancestor_paths(org.path), role__in=list(roles), is_active=True)
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today), Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("user_id", flat=True)
    )
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _attach_evidence(claim: Claim, evidence: Sequence[Any], *, actor: Any, start: int = 0) -> int:
    rows = []
    for index, item in enumerate(evidence, start=start + 1):
        stored = item if isinstance(item, Evidence) else evidence_store(actor=actor, upload=item, time_zone=claim.scheme.time_zone, index=index)
        rows.append(stored)
    unique = list({e.pk: e for e in rows}.values())
    ClaimEvidence.objects.bulk_create(
        [ClaimEvidence(claim=claim, evidence=e, order=start + n, added_by=actor, added_at=clock.now()) for n, e in enumerate(unique)]
    )
    return len(unique)


def _check_evidence_count(version: ItemVersion, evidence: Sequence[Any], *, already: int = 0) -> None:
    if already + len(evidence) > MAX_PER_CLAIM:
        raise field_error("evidence", f"每条申报最多 {MAX_PER_CLAIM} 张照片", f"a claim takes at most {MAX_PER_CLAIM} photos")
    if version.evidence_required and already + len(evidence) == 0:
        raise field_error(
            "evidence", f"「{version.name}」须提供照片等证据", f"{version.name!r} requires evidence (a photo)"
        )


def _new_claim(
    *, actor: Any, scheme: Scheme, subject: Subject, version: ItemVersion, origin: str, occurred_at: dt.datetime,
    points: int, description: str = "", place: str = "", channel: str = ClaimChannel.APP, **extra: Any,
) -> Claim:
    now = clock.now()
    return Claim.objects.create(
        scheme=scheme, subject=subject, item_id=version.item_id, item_version=version, origin=origin, channel=channel,
        state=workflow.INITIAL[origin], declared_by=actor if getattr(actor, "pk", None) else None, declared_at=now,
        occurred_at=occurred_at, place=place, description=description, points=points, declared_points=points,
        state_changed_at=now, **extra,
    )


# ------------------------------------------------------------------ declare


@transaction.atomic
def claim_declare(
    *,
    actor: Any,
    scheme: Scheme,
    subject: Subject,
    item: Item,
    occurred_at: dt.datetime,
    description: str,
    place: str,
    points: int | None = None,
    origin: str = ClaimOrigin.SELF,
    channel: str = ClaimChannel.APP,
    evidence: Sequence[Any] = (),
) -> Claim:
    """Declare a deed (or report a fault): by the subject, by a recorder for them, or by a third party.

    `points` is the chosen value (scheme units, unsigned) for a ranged item; fixed items need none.
    `evidence` holds stored `Evidence` rows or uploads (bytes / files) to check and store.
    """
    authz.require_signed_in(actor)
    _require_active(scheme)
    if origin not in DECLARATION_ORIGINS:
        raise field_error("origin", "申报方式应为 本人 / 代为 / 他人反映", "origin must be self, on_behalf or third_party")
    if channel not in ClaimChannel.values:
        raise field_error("channel", "未知的申报渠道", f"unknown channel {channel!r}")
    occurred_at = _aware(occurred_at, "occurred_at")
    _not_future(occurred_at, "occurred_at")
    version = _version_for(scheme, item, occurred_at)
    authz.require_subject_fits(scheme=scheme, version=version, subject=subject)
    own = subject.pk in authz.own_subject_ids(actor)
    if origin == Origin.SELF and not own:
        raise PermissionDenied(
            "本人申报只能为自己、本户或自己负责的单位申报；为他人申报请选「他人反映」",
            "a self-declaration is for yourself, your household or a unit you run; report others as a third party",
            code="not_own_subject",
        )
    if origin == Origin.THIRD_PARTY:
        if own:
            raise field_error("origin", "为本人或本户申报请选「本人申报」", "declare for yourself or your household as self")
        if authz.rank_over(actor, subject.org) < 0:
            raise PermissionDenied(
                f"只有「{subject.org.name}」的村（居）民或工作人员可以反映", f"only people of {subject.org.path} may report here",
                code="forbidden",
            )
    if origin == Origin.ON_BEHALF:
        authz.require_rank(actor, subject.org, authz.RECORDER, what_zh="代为申报", what_en="declaring on someone's behalf")
    place = _text(place, field_name="place", zh="地点", en="the place", max_len=200, required=True)
    description = _text(description, field_name="description", zh="事由", en="what happened", max_len=MAX_DESCRIPTION, required=True)
    units = _claim_points(version, points)
    evidence = list(evidence)
    _check_evidence_count(version, evidence)
    caps.check_caps(scheme=scheme, subject=subject, version=version, occurred_at=occurred_at)
    caps.check_records_per_day(scheme=scheme, subject=subject, occurred_at=occurred_at)

    claim = _new_claim(
        actor=actor, scheme=scheme, subject=subject, version=version, origin=origin, occurred_at=occurred_at,
        points=units, description=description, place=place, channel=channel,
    )
    _attach_evidence(claim, evidence, actor=actor)
    workflow.record_creation(claim, actor=actor, reason=f"{zh(claim.get_origin_display())}：{description}"[:500], action="claims.claim_declare")
    if origin == Origin.ON_BEHALF and not own:
        # The recorder heard it and wrote it down: that is the preliminary check (篇5 网格员初步审核).
        claim.pre_reviewed_by = actor
        workflow.transition(
            claim, to=S.PRE_APPROVED, actor=actor, reason="记录员代为申报，视为初审通过", action="claims.claim_pre_approve",
            fields=["pre_reviewed_by"],
        )
        _tell(
            [claim], kind="claims.declared_for_you", title="有人为您申报了积分", body="{item}（{points} 分）已由记录员代为申报，待审核",
            declarer=False,
        )
    else:
        recorders = [u for u in _role_users(subject.org, [Role.RECORDER]) if u.pk != actor.pk]
        _tell(
            [claim], kind="claims.declared", title="新的积分申报待初审", body="{name}：{item}（{points} 分）",
            also=recorders, subject=False, declarer=False,
        )
        if origin != Origin.SELF:
            _tell([claim], kind="claims.reported", title="有人为您反映了积分事项", body="{item}（{points} 分），待审核", declarer=False)
    return claim


@transaction.atomic
def claim_evidence_add(*, actor: Any, claim: Claim, evidence: Sequence[Any]) -> int:
    """Add photos to a claim that has not yet been decided."""
    authz.require_signed_in(actor)
    locked = lock_objects.claim_locked(claim.pk)
    if locked is None:
        raise NotFound(f"找不到申报 #{claim.pk}", f"claim #{claim.pk} does not exist", code="claim_not_found")
    if locked.state not in (S.DECLARED, S.PRE_APPROVED):
        raise IllegalTransition(
            f"申报 #{locked.pk} 已「{workflow.state_zh(locked.state)}」，不能再补充证据",
            f"claim #{locked.pk} is {workflow.state_en(locked.state)}; evidence can no longer be added",
            code="illegal_transition",
        )
    _require_speaks_for(actor, locked)
    evidence = list(evidence)
    if not evidence:
        raise field_error("evidence", "请选择照片", "no photo given")
    already = locked.evidence_links.count()
    _check_evidence_count(locked.item_version, evidence, already=already)
    added = _attach_evidence(locked, evidence, actor=actor, start=already)
    audit_record(actor=actor, action="claims.claim_evidence_add", obj=locked, org_path=locked.subject.org.path, after={"added": added})
    return added


def _require_speaks_for(actor: Any, claim: Claim) -> None:
    """The declarer, the subject (or their household), or a recorder over them."""
    if claim.declared_by_id == actor.pk or claim.subject_id in authz.own_subject_ids(actor):
        return
    authz.require_rank(actor, claim.subject.org, authz.RECORDER, what_zh="处理他人的申报", what_en="acting on someone else's claim")


@transaction.atomic
def claim_withdraw(*, actor: Any, claim: Claim, reason: str = "") -> Claim:
    authz.require_signed_in(actor)
    locked = workflow.lock(claim, to=S.WITHDRAWN)
    _require_speaks_for(actor, locked)
    reason = _text(reason, field_name="reason", zh="理由", en="the reason", max_len=500, required=False)
    workflow.transition(locked, to=S.WITHDRAWN, actor=actor, reason=reason or "申报人撤回", action="claims.claim_withdraw")
    return locked


# ------------------------------------------------------------------ preliminary review


@transaction.atomic
def claim_pre_approve(*, actor: Any, claim: Claim, reason: str = "", points: int | None = None) -> Claim:
    """初审: a recorder of the subject's grid or group checks the facts (and may set a ranged value)."""
    authz.require_signed_in(actor)
    locked = workflow.lock(claim, to=S.PRE_APPROVED)
    authz.require_rank(actor, locked.subject.org, authz.RECORDER, what_zh="初审", what_en="preliminary review")
    authz.refuse_own(actor, locked.subject, what_zh="初审", what_en="pre-review")
    new_points = _changed_points(locked.item_version, points) if points is not None else None
    reason = _text(reason, field_name="reason", zh="意见", en="the remark", max_len=500, required=new_points is not None)
    locked.pre_reviewed_by = actor
    workflow.transition(
        locked, to=S.PRE_APPROVED, actor=actor, reason=reason or "初审通过", points=new_points,
        action="claims.claim_pre_approve", fields=["pre_reviewed_by"],
    )
    _tell([locked], kind="claims.pre_approved", title="积分申报初审通过", body="{item}（{points} 分）初审通过，待审核", actor=actor)
    return locked


@transaction.atomic
def claim_reject(*, actor: Any, claim: Claim, reason: str) -> Claim:
    """Turn a claim down before the committee (recorder) or at it outside a meeting (reviewer)."""
    authz.require_signed_in(actor)
    locked = workflow.lock(claim, to=S.REJECTED)
    rank = authz.RECORDER if locked.state == S.DECLARED else authz.REVIEWER
    authz.require_rank(actor, locked.subject.org, rank, what_zh="驳回申报", what_en="rejecting a claim")
    authz.refuse_own(actor, locked.subject, what_zh="驳回", what_en="reject")
    reason = _text(reason, field_name="reason", zh="驳回理由", en="the reason", max_len=500, required=True)
    workflow.transition(locked, to=S.REJECTED, actor=actor, reason=reason, action="claims.claim_reject")
    _tell([locked], kind="claims.rejected", title="积分申报未通过", body="{item}：" + _lit(reason), actor=actor)
    return locked


# ------------------------------------------------------------------ committee review


@dataclass(frozen=True)
class Decision:
    """One line of a meeting: approve, reject or change (the new value, unsigned, for a ranged item)."""

    claim: Claim
    outcome: str
    points: int | None = None
    reason: str = ""


def _decide(locked: Claim, *, actor: Any, decision: Decision, meeting: Meeting | None) -> MeetingDecision | None:
    """Apply one committee decision to a locked claim (the caller checked the state)."""
    Outcome = MeetingDecision.Outcome
    if decision.outcome not in Outcome.values:
        raise field_error("outcome", "决定应为 通过 / 不通过 / 调整分值", "the outcome is approve, reject or change")
    version = locked.item_version
    org = locked.subject.org
    authz.require_item_role(actor, org, version, floor=authz.REVIEWER, what_zh="审核", what_en="reviewing")
    authz.refuse_own(actor, locked.subject, what_zh="审核", what_en="decide on")
    reason = _text(
        decision.reason, field_name="reason", zh="理由", en="the reason", max_len=500, required=decision.outcome != Outcome.APPROVE
    )
    before = locked.points
    if decision.outcome == Outcome.REJECT:
        locked.meeting = meeting
        workflow.transition(
            locked, to=S.REJECTED, actor=actor, reason=reason, action="claims.claim_review",
            extra={"meeting": meeting.pk if meeting else None}, fields=["meeting"],
        )
        _tell([locked], kind="claims.rejected", title="积分申报未通过审核", body="{item}：" + _lit(reason), actor=actor)
    else:
        new_points = _changed_points(version, decision.points) if decision.outcome == Outcome.CHANGE else before
        authz.require_points_authority(user=actor, scheme=locked.scheme, org=org, points=new_points)
        if version.kind == ItemVersion.Kind.VETO:
            _veto_create(
                actor=actor, scheme=locked.scheme, subject=locked.subject,
                starts_on=caps.local_date(locked.scheme, clock.now()), reason=f"{version.name}：{locked.description}", source_claim=locked,
            )
        locked.approved_by = actor
        locked.meeting = meeting
        workflow.transition(
            locked, to=S.APPROVED, actor=actor, reason=reason or "审核通过", points=new_points, action="claims.claim_review",
            extra={"meeting": meeting.pk if meeting else None}, fields=["approved_by", "meeting"],
        )
        _tell([locked], kind="claims.approved", title="积分申报审核通过", body="{item}（{points} 分）审核通过，将在公示后入账", actor=actor)
    if meeting is None:
        return None
    return MeetingDecision(meeting=meeting, claim=locked, outcome=decision.outcome, points_before=before, points_after=locked.points, reason=reason)


def _locked_for_decisions(claims: Sequence[Claim], *, to_states: dict[int, str]) -> dict[int, Claim]:
    """Lock every claim (id order) and check each may move; collect every refusal before raising."""
    locked = {c.pk: c for c in lock_objects.claims_locked([c.pk for c in claims])}
    for claim in claims:
        row = locked.get(claim.pk)
        if row is None:
            raise NotFound(f"找不到申报 #{claim.pk}", f"claim #{claim.pk} does not exist", code="claim_not_found")
        to = to_states[claim.pk]
        if not workflow.can_move(row.state, to) or (to == S.APPROVED and row.state != S.PRE_APPROVED):
            if row.state != claim.state:
                raise Conflict(
                    f"申报 #{claim.pk} 已被他人处理（现为「{workflow.state_zh(row.state)}」），请刷新后再操作",
                    f"claim #{claim.pk} was acted on by someone else (now {workflow.state_en(row.state)}); reload and try again",
                    code="claim_changed", detail={"claim": claim.pk, "state": row.state, "seen": claim.state},
                )
            if to == S.APPROVED and row.state == S.DECLARED:
                raise IllegalTransition(
                    f"申报 #{claim.pk} 尚未初审，不能提交审核", f"claim #{claim.pk} has not been pre-reviewed yet",
                    code="illegal_transition", detail={"claim": claim.pk, "from": row.state, "to": to},
                )
            raise workflow.illegal(row, to)
    return locked


def _target(outcome: str) -> str:
    return S.REJECTED if outcome == MeetingDecision.Outcome.REJECT else S.APPROVED


@transaction.atomic
def claim_review(*, actor: Any, claim: Claim, outcome: str, points: int | None = None, reason: str = "") -> Claim:
    """One committee decision outside a meeting (an authorised reviewer acting alone, 篇6/篇8 一事一议)."""
    authz.require_signed_in(actor)
    if outcome not in MeetingDecision.Outcome.values:
        raise field_error("outcome", "决定应为 通过 / 不通过 / 调整分值", "the outcome is approve, reject or change")
    locked = _locked_for_decisions([claim], to_states={claim.pk: _target(outcome)})[claim.pk]
    _decide(locked, actor=actor, decision=Decision(claim=claim, outcome=outcome, points=points, reason=reason), meeting=None)
    return locked


@transaction.atomic
def meeting_record(
    *,
    actor: Any,
    scheme: Scheme,
    org: OrgUnit,
    held_on: dt.date,
    decisions: Sequence[Decision],
    attendees: Sequence[Any] = (),
    attendee_names: str = "",
    minutes: str = "",
) -> Meeting:
    """A committee meeting (一月一审核) deciding many claims in one transaction: all or nothing.

    Every refusal is collected; if there is any, nothing is written and the error lists them
    all in `detail["errors"]` (the first one's type and code are raised).
    """
    authz.require_signed_in(actor)
    _require_active(scheme)
    authz.require_rank(actor, org, authz.REVIEWER, what_zh="召开审核会议", what_en="recording a review meeting")
    if not (org.is_within(scheme.org) or scheme.org.is_within(org)):
        raise field_error("org", "会议所在组织与积分方案不相干", "the meeting's unit is outside the scheme")
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        raise field_error("held_on", "请填写会议日期", "the meeting date is required")
    if held_on > caps.local_date(scheme, clock.now()):
        raise field_error("held_on", "会议日期不能晚于今天", "the meeting date cannot be in the future")
    if not decisions:
        raise field_error("decisions", "会议至少要对一条申报作出决定", "a meeting decides at least one claim")
    ids = [d.claim.pk for d in decisions]
    if len(set(ids)) != len(ids):
        raise field_error("decisions", "同一条申报在一次会议中只能决定一次", "a claim can be decided once per meeting")
    minutes = _text(minutes, field_name="minutes", zh="会议纪要", en="the minutes", max_len=20000, required=False)
    attendee_names = _text(attendee_names, field_name="attendee_names", zh="参会人员", en="attendee names", max_len=500, required=False)
    locked = _locked_for_decisions([d.claim for d in decisions], to_states={d.claim.pk: _target(d.outcome) for d in decisions})
    for row in locked.values():
        if row.scheme_id != scheme.pk or not row.subject.org.is_within(org) and not org.is_within(row.subject.org):
            raise field_error("decisions", f"申报 #{row.pk} 不属于本次会议的方案或组织", f"claim #{row.pk} is outside this meeting's scheme or unit")

    meeting = Meeting.objects.create(
        scheme=scheme, org=org, held_on=held_on, chair=actor, attendee_names=attendee_names, minutes=minutes, created_at=clock.now(),
    )
    meeting.attendees.set([u.pk for u in {actor, *attendees} if u is not None])
    errors: list[tuple[int, JifenError]] = []
    rows = []
    for decision in decisions:
        try:
            with transaction.atomic():
                row = _decide(locked[decision.claim.pk], actor=actor, decision=decision, meeting=meeting)
                if row is not None:
                    rows.append(row)
        except JifenError as exc:
            errors.append((decision.claim.pk, exc))
    if errors:
        first_id, first = errors[0]
        more_zh = f"（共 {len(errors)} 条无法执行）" if len(errors) > 1 else ""
        more_en = f" ({len(errors)} decisions refused)" if len(errors) > 1 else ""
        raise type(first)(
            f"申报 #{first_id}：{first.zh}{more_zh}", f"claim #{first_id}: {first.en}{more_en}", code=first.code,
            detail={"claim": first_id, "errors": [{"claim": cid, "code": e.code, "zh": e.zh, "en": e.en, "detail": e.detail} for cid, e in errors]},
        )
    MeetingDecision.objects.bulk_create(rows)
    audit_record(
        actor=actor, action="claims.meeting_record", obj=meeting, org_path=org.path,
        summary=f"{held_on} 审核 {len(rows)} 条 / decided {len(rows)}",
        after={"held_on": held_on, "decisions": [[r.claim_id, r.outcome, r.points_after] for r in rows]},
    )
    return meeting


# ------------------------------------------------------------------ slips (奖扣分通知单)


@transaction.atomic
def slip_issue(
    *,
    actor: Any,
    scheme: Scheme,
    subject: Subject,
    item: Item,
    occurred_at: dt.datetime,
    description: str,
    points: int | None = None,
    place: str = "",
    evidence: Sequence[Any] = (),
) -> Claim:
    """An award or deduction slip signed by authorised staff: approved at once, then noticed like any claim."""
    authz.require_signed_in(actor)
    _require_active(scheme)
    occurred_at = _aware(occurred_at, "occurred_at")
    _not_future(occurred_at, "occurred_at")
    version = _version_for(scheme, item, occurred_at)
    authz.require_subject_fits(scheme=scheme, version=version, subject=subject)
    authz.require_item_role(actor, subject.org, version, floor=authz.RECORDER, what_zh="签发奖扣分通知单", what_en="issuing a slip for")
    authz.refuse_own(actor, subject, what_zh="签发", what_en="issue a slip for")
    units = _claim_points(version, points)
    authz.require_points_authority(user=actor, scheme=scheme, org=subject.org, points=units, roles=authz.RECORDER_UP, slip=True)
    description = _text(description, field_name="description", zh="事由", en="what happened", max_len=MAX_DESCRIPTION, required=True)
    place = _text(place, field_name="place", zh="地点", en="the place", max_len=200, required=False)
    evidence = list(evidence)
    _check_evidence_count(version, evidence)
    caps.check_caps(scheme=scheme, subject=subject, version=version, occurred_at=occurred_at)
    claim = _new_claim(
        actor=actor, scheme=scheme, subject=subject, version=version, origin=Origin.SLIP, occurred_at=occurred_at, points=units,
        description=description, place=place, approved_by=actor,
    )
    _attach_evidence(claim, evidence, actor=actor)
    workflow.record_creation(claim, actor=actor, reason=f"奖扣分通知单：{description}"[:500], action="claims.slip_issue")
    if version.kind == ItemVersion.Kind.VETO:
        _veto_create(
            actor=actor, scheme=scheme, subject=subject, starts_on=caps.local_date(scheme, clock.now()),
            reason=f"{version.name}：{description}", source_claim=claim,
        )
    _tell([claim], kind="claims.slip", title="奖扣分通知单", body="{item}（{points} 分），公示期满后入账", actor=actor)
    return claim


# ------------------------------------------------------------------ veto (一票否决)


def _veto_create(*, actor: Any, scheme: Scheme, subject: Subject, starts_on: dt.date, reason: str, source_claim: Claim | None) -> Veto:
    setting = scheme_settings(scheme).veto
    if setting is None or not setting.enabled:
        raise InvalidInput(
            f"方案「{scheme.name}」未启用一票否决", f"scheme {scheme.code!r} has no veto rule", code="veto_disabled"
        )
    if setting.period_days is None:
        raise InvalidInput(
            f"方案「{scheme.name}」未设置一票否决期限（settings.veto.period_days），请管理员先填写",
            f"scheme {scheme.code!r} has no veto period (settings.veto.period_days); an admin must fill it first",
            code="veto_period_missing",
        )
    veto = Veto.objects.create(
        scheme=scheme, subject=subject, starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=setting.period_days - 1),
        bars=list(setting.bars), reason=reason[:500], source_claim=source_claim,
        created_by=actor if getattr(actor, "pk", None) else None, created_at=clock.now(),
    )
    audit_record(
        actor=actor, action="claims.veto_record", obj=veto, org_path=subject.org.path, summary=reason,
        after={"subject": subject.pk, "starts_on": veto.starts_on, "ends_on": veto.ends_on, "bars": veto.bars,
               "source_claim": source_claim.pk if source_claim else None},
    )
    users = subject_users([subject.pk]).get(subject.pk, set())
    notify_each(
        (uid, "claims.veto", "一票否决", f"{veto.starts_on} 至 {veto.ends_on} 期间仍可积分，但不能参与积分兑换和奖励：{reason}", "")
        for uid in sorted(users)
    )
    return veto


@transaction.atomic
def veto_record(*, actor: Any, scheme: Scheme, subject: Subject, starts_on: dt.date, reason: str) -> Veto:
    """Record a violation directly (e.g. one reported by the authorities): the subject is barred for the scheme's period."""
    authz.require_signed_in(actor)
    authz.require_rank(actor, subject.org, authz.REVIEWER, what_zh="记录一票否决", what_en="recording a veto")
    authz.refuse_own(actor, subject, what_zh="记录", what_en="record a veto for")
    if not subject.org.is_within(scheme.org):
        raise InvalidInput(f"「{subject.name}」不在方案范围内", f"{subject.name!r} is outside the scheme", code="subject_outside_scheme")
    reason = _text(reason, field_name="reason", zh="违法违纪情况", en="the violation", max_len=500, required=True)
    return _veto_create(actor=actor, scheme=scheme, subject=subject, starts_on=starts_on, reason=reason, source_claim=None)


def _veto_lift(veto: Veto, *, actor: Any, reason: str) -> None:
    veto.lifted_at = clock.now()
    veto.lifted_by = actor if getattr(actor, "pk", None) else None
    veto.lifted_reason = reason[:500]
    veto.save(update_fields=["lifted_at", "lifted_by", "lifted_reason"])
    audit_record(actor=actor, action="claims.veto_lift", obj=veto, org_path=veto.subject.org.path, summary=reason, after={"lifted_at": veto.lifted_at})


@transaction.atomic
def veto_lift(*, actor: Any, veto: Veto, reason: str) -> Veto:
    authz.require_signed_in(actor)
    veto = Veto.objects.select_for_update().select_related("subject__org").get(pk=veto.pk)
    authz.require_rank(actor, veto.subject.org, authz.REVIEWER, what_zh="解除一票否决", what_en="lifting a veto")
    if veto.lifted_at is not None:
        raise IllegalTransition("该一票否决已解除", "this veto was already lifted", code="veto_lifted")
    _veto_lift(veto, actor=actor, reason=_text(reason, field_name="reason", zh="理由", en="the reason", max_len=500, required=True))
    return veto


# ------------------------------------------------------------------ fraud (弄虚作假)


def _fraud_version(scheme: Scheme, fallback: ItemVersion) -> ItemVersion:
    day = caps.local_date(scheme, clock.now())
    version = ItemVersion.objects.in_force(day).filter(item__scheme=scheme, kind=ItemVersion.Kind.FRAUD).order_by("item__order").first()
    return version or fallback


@transaction.atomic
def claim_fraud_find(*, actor: Any, claim: Claim, reason: str, decision_record: str = "") -> Claim:
    """A claim found false: it is revoked (reversed if posted) and the subject loses multiplier × its points.

    Returns the penalty claim (origin fraud), posted at once under the key `claim:<id>:fraud`.
    """
    from jifen.claims import posting

    authz.require_signed_in(actor)
    locked = workflow.lock(claim, to=S.REVOKED)
    authz.require_rank(actor, locked.subject.org, authz.REVIEWER, what_zh="认定弄虚作假", what_en="finding fraud")
    authz.refuse_own(actor, locked.subject, what_zh="认定", what_en="find fraud in")
    if locked.origin == Origin.FRAUD or locked.points <= 0:
        raise InvalidInput(
            "只有加分申报才能认定弄虚作假；扣分记录有误请撤销", "only an award claim can be found false; revoke a wrong deduction instead",
            code="fraud_needs_award",
        )
    multiplier = scheme_settings(locked.scheme).fraud_multiplier
    if multiplier is None:
        raise InvalidInput(
            f"方案「{locked.scheme.name}」未设置弄虚作假扣分倍数（settings.fraud_multiplier），请管理员先填写",
            f"scheme {locked.scheme.code!r} has no fraud multiplier (settings.fraud_multiplier); an admin must fill it first",
            code="fraud_multiplier_missing",
        )
    reason = _text(reason, field_name="reason", zh="认定理由", en="the reason", max_len=500, required=True)
    decision_record = _text(decision_record, field_name="decision_record", zh="决定记录", en="the decision record", max_len=2000, required=False)
    # Half-up to whole scheme units: ×1.5 of 5 points is 8 (篇7's ×2 is always exact).
    penalty_units = -int((Decimal(locked.points) * multiplier).to_integral_value(rounding=ROUND_HALF_UP))
    authz.require_points_authority(user=actor, scheme=locked.scheme, org=locked.subject.org, points=penalty_units)

    was_posted = locked.state == S.POSTED
    if was_posted:
        posting.reverse_claim(claim=locked, actor=actor, reason=f"弄虚作假，冲正申报 #{locked.pk}")
    _close_objections(locked, actor=actor, status=Objection.Status.REVOKED, resolution=f"认定弄虚作假：{reason}")
    _amend_notice(locked, actor=actor, outcome="revoke", points_after=0, reason=f"认定弄虚作假：{reason}")
    locked.is_fraud = True
    workflow.transition(locked, to=S.REVOKED, actor=actor, reason=f"弄虚作假：{reason}", action="claims.claim_fraud_find", fields=["is_fraud"])

    version = _fraud_version(locked.scheme, locked.item_version)
    now = clock.now()
    penalty = _new_claim(
        actor=actor, scheme=locked.scheme, subject=locked.subject, version=version, origin=Origin.FRAUD, occurred_at=now,
        points=penalty_units, description=f"申报 #{locked.pk}「{locked.item_version.name}」弄虚作假，扣 {multiplier} 倍：{reason}"[:MAX_DESCRIPTION],
        source_claim=locked, approved_by=actor, decision_record=decision_record or reason, posted_at=now,
    )
    workflow.record_creation(penalty, actor=actor, reason=f"弄虚作假扣分（申报 #{locked.pk} × {multiplier}）", action="claims.claim_fraud_penalty")
    posting.post_lines(
        scheme=locked.scheme, key=f"{locked.ledger_key}:fraud", subjects=[locked.subject], units=penalty_units, actor=actor,
        claim=penalty, reason=f"弄虚作假扣分：申报 #{locked.pk} × {multiplier}",
    )
    _tell([penalty], kind="claims.fraud", title="申报被认定弄虚作假", body="扣 {points} 分：" + _lit(reason), actor=actor)
    return penalty


# ------------------------------------------------------------------ activities


@transaction.atomic
def activity_create(
    *, actor: Any, scheme: Scheme, org: OrgUnit, item: Item, held_at: dt.datetime, title: str, points: int | None = None,
    place: str = "", description: str = "",
) -> Activity:
    """An activity the unit organises (篇2 统一组织的活动); attendees are awarded by `activity_award`."""
    authz.require_signed_in(actor)
    _require_active(scheme)
    held_at = _aware(held_at, "held_at")
    if not org.is_within(scheme.org):
        raise field_error("org", "活动组织单位不在积分方案范围内", "the organising unit is outside the scheme")
    version = _version_for(scheme, item, held_at)
    if version.kind != ItemVersion.Kind.NORMAL:
        raise field_error("item", "活动只能登记普通积分事项", "an activity records a normal item")
    authz.require_item_role(actor, org, version, floor=authz.RECORDER, what_zh="登记活动积分", what_en="registering activity points for")
    units = _claim_points(version, points)
    authz.require_points_authority(user=actor, scheme=scheme, org=org, points=units, roles=authz.RECORDER_UP)
    title = _text(title, field_name="title", zh="活动名称", en="the title", max_len=200, required=True)
    activity = Activity.objects.create(
        scheme=scheme, org=org, item_version=version, title=title, held_at=held_at,
        place=_text(place, field_name="place", zh="地点", en="the place", max_len=200, required=False),
        description=_text(description, field_name="description", zh="说明", en="the description", max_len=MAX_DESCRIPTION, required=False),
        points=units, organised_by=actor, created_at=clock.now(),
    )
    audit_record(
        actor=actor, action="claims.activity_create", obj=activity, org_path=org.path,
        after={"title": title, "item_version": version.pk, "points": units, "held_at": held_at},
    )
    return activity


@transaction.atomic
def activity_attendance_add(*, actor: Any, activity: Activity, subjects: Sequence[Subject]) -> int:
    """Add people (or households, units) to the attendance list; those already on it are left as they are."""
    authz.require_signed_in(actor)
    activity = Activity.objects.select_for_update().select_related("org", "scheme__org", "item_version__item__category").get(pk=activity.pk)
    authz.require_rank(actor, activity.org, authz.RECORDER, what_zh="登记活动签到", what_en="recording attendance")
    for subject in subjects:
        authz.require_subject_fits(scheme=activity.scheme, version=activity.item_version, subject=subject)
    present = set(activity.attendance.values_list("subject_id", flat=True))
    new = list({s.pk: s for s in subjects if s.pk not in present}.values())
    now = clock.now()
    ActivityAttendance.objects.bulk_create(
        [ActivityAttendance(activity=activity, subject=s, added_by=actor, added_at=now) for s in new]
    )
    if new:
        audit_record(
            actor=actor, action="claims.activity_attendance_add", obj=activity, org_path=activity.org.path,
            after={"added": [s.pk for s in new]},
        )
    return len(new)


@dataclass
class AwardResult:
    posted: int = 0
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {"subject", "code", "zh", "en"}


@transaction.atomic
def activity_award(*, actor: Any, activity: Activity) -> AwardResult:
    """Award every attendee not yet awarded, each posted under `activity:<id>:<subject>`.

    Running it again posts nothing for those already awarded. An attendee over the item's
    cap, or the actor's own person or household, is not posted and is listed in `skipped`
    with the reason.
    """
    from jifen.claims import posting

    authz.require_signed_in(actor)
    activity = Activity.objects.select_for_update().select_related("org", "scheme__org", "item_version__item__category").get(pk=activity.pk)
    version = activity.item_version
    authz.require_item_role(actor, activity.org, version, floor=authz.RECORDER, what_zh="登记活动积分", what_en="registering activity points for")
    authz.require_points_authority(user=actor, scheme=activity.scheme, org=activity.org, points=activity.points, roles=authz.RECORDER_UP)
    if clock.now() < activity.held_at:
        raise IllegalTransition("活动尚未举行，不能登记积分", "the activity has not taken place yet", code="activity_not_held")
    done = Claim.objects.filter(activity=activity).values("subject_id")
    pending = list(
        ActivityAttendance.objects.filter(activity=activity).exclude(subject_id__in=done).select_related("subject__org").order_by("pk")
    )
    result = AwardResult()
    awarded: list[Claim] = []
    # The organiser often attends too: nobody awards themself or their household; someone else
    # runs the award again for them, which posts just those lines.
    own = authz.own_subject_ids(actor)
    for row in pending:
        if row.subject_id in own:
            result.skipped.append({
                "subject": row.subject_id, "code": "own_claim",
                "zh": f"「{row.subject.name}」是您本人或本户，须由其他人登记",
                "en": f"{row.subject.name!r} is you or your household; someone else must register it",
            })
            continue
        try:
            caps.check_caps(scheme=activity.scheme, subject=row.subject, version=version, occurred_at=activity.held_at)
        except InvalidInput as exc:
            result.skipped.append({"subject": row.subject_id, "code": exc.code, "zh": exc.zh, "en": exc.en})
            continue
        claim = _new_claim(
            actor=actor, scheme=activity.scheme, subject=row.subject, version=version, origin=Origin.ACTIVITY,
            occurred_at=activity.held_at, points=activity.points, description=activity.title, place=activity.place,
            activity=activity, approved_by=actor, posted_at=clock.now(),
        )
        workflow.record_creation(claim, actor=actor, reason=f"活动登记：{activity.title}", action="claims.activity_award")
        posting.post_lines(
            scheme=activity.scheme, key=f"activity:{activity.pk}:{row.subject_id}", subjects=[row.subject],
            units=activity.points, actor=actor, claim=claim, reason=f"活动「{activity.title}」", source_type="activity",
            source_id=activity.pk,
        )
        awarded.append(claim)
    result.posted = len(awarded)
    activity.awarded_at = clock.now()
    activity.save(update_fields=["awarded_at"])
    audit_record(
        actor=actor, action="claims.activity_award_run", obj=activity, org_path=activity.org.path,
        after={"posted": result.posted, "skipped": [s["subject"] for s in result.skipped]},
    )
    _tell(awarded, kind="claims.activity", title="活动积分已入账", body="参加「" + _lit(activity.title) + "」：{points} 分", actor=actor)
    return result


# ------------------------------------------------------------------ spot checks (抽检核查)


@dataclass(frozen=True)
class Finding:
    """One problem found in an inspection: whom, under which deduction item, what was seen."""

    subject: Subject
    item: Item
    description: str
    points: int | None = None


@transaction.atomic
def spot_check_record(
    *,
    actor: Any,
    scheme: Scheme,
    org: OrgUnit,
    held_on: dt.date,
    decision_record: str,
    findings: Sequence[Finding],
    inspectors: Sequence[Any] = (),
    inspector_names: str = "",
    households_checked: int = 0,
) -> SpotCheck:
    """An inspection (篇2 抽检核查): each finding becomes a deduction claim for the committee,
    carrying the collective decision it rests on (篇5 形成村集体决定)."""
    authz.require_signed_in(actor)
    _require_active(scheme)
    authz.require_rank(actor, org, authz.RECORDER, what_zh="记录抽检核查", what_en="recording a spot check")
    if not org.is_within(scheme.org):
        raise field_error("org", "抽检单位不在积分方案范围内", "the inspected unit is outside the scheme")
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        raise field_error("held_on", "请填写检查日期", "the inspection date is required")
    if held_on > caps.local_date(scheme, clock.now()):
        raise field_error("held_on", "检查日期不能晚于今天", "the inspection date cannot be in the future")
    decision_record = _text(decision_record, field_name="decision_record", zh="集体决定记录", en="the decision record", max_len=2000, required=True)
    if isinstance(households_checked, bool) or not isinstance(households_checked, int) or households_checked < 0:
        raise field_error("households_checked", "抽查户数应为非负整数", "households_checked is a whole number ≥ 0")
    # Noon local time: the finding's day is the inspection day whatever the zone.
    at = caps.day_start(scheme, held_on) + dt.timedelta(hours=12)
    prepared = []
    for n, finding in enumerate(findings, 1):
        version = _version_for(scheme, finding.item, at)
        if version.direction != ItemVersion.Direction.DEDUCT:
            raise field_error("findings", f"第 {n} 条：抽检发现只能登记扣分事项", f"finding {n}: a spot-check finding is a deduction item")
        if not finding.subject.org.is_within(org):
            raise field_error("findings", f"第 {n} 条：「{finding.subject.name}」不在抽检范围内", f"finding {n}: {finding.subject.name!r} is outside the inspected unit")
        authz.require_subject_fits(scheme=scheme, version=version, subject=finding.subject)
        units = _claim_points(version, finding.points)
        description = _text(finding.description, field_name="findings", zh=f"第 {n} 条的情况", en=f"finding {n}'s description", max_len=MAX_DESCRIPTION, required=True)
        caps.check_caps(scheme=scheme, subject=finding.subject, version=version, occurred_at=at)
        prepared.append((finding.subject, version, units, description))
    check = SpotCheck.objects.create(
        scheme=scheme, org=org, held_on=held_on, decision_record=decision_record, created_by=actor, created_at=clock.now(),
        inspector_names=_text(inspector_names, field_name="inspector_names", zh="检查人员", en="inspector names", max_len=500, required=False),
        households_checked=households_checked,
    )
    check.inspectors.set([u.pk for u in {actor, *inspectors} if u is not None])
    claims = []
    for subject, version, units, description in prepared:
        claim = _new_claim(
            actor=actor, scheme=scheme, subject=subject, version=version, origin=Origin.SPOT_CHECK, occurred_at=at, points=units,
            description=description, spot_check=check, decision_record=decision_record, pre_reviewed_by=actor,
        )
        workflow.record_creation(claim, actor=actor, reason=f"抽检核查 {held_on}：{description}"[:500], action="claims.spot_check_finding")
        claims.append(claim)
    audit_record(
        actor=actor, action="claims.spot_check_record", obj=check, org_path=org.path,
        after={"held_on": held_on, "findings": [c.pk for c in claims], "households_checked": households_checked},
    )
    _tell(claims, kind="claims.spot_check", title="抽检核查发现问题", body="{item}（{points} 分），待审核", actor=actor)
    return check


# ------------------------------------------------------------------ public notice (公示)


def _notice_rules(scheme: Scheme) -> tuple[str, int]:
    if not scheme.notice_cadence:
        raise InvalidInput(
            f"方案「{scheme.name}」未设置公示周期（notice_cadence），请管理员先填写",
            f"scheme {scheme.code!r} has no notice cadence (notice_cadence); an admin must fill it first",
            code="notice_cadence_missing",
        )
    if scheme.objection_days is None:
        raise InvalidInput(
            f"方案「{scheme.name}」未设置异议期天数（objection_days），公示无法发布，请管理员先填写",
            f"scheme {scheme.code!r} has no objection window (objection_days), so no notice can be published; an admin must fill it first",
            code="objection_days_missing",
        )
    return caps.CADENCE_PERIOD[scheme.notice_cadence], scheme.objection_days


def _period_title(org: OrgUnit, period: str, start: dt.date) -> str:
    label = {
        "week": f"{start:%Y年%m月%d日}起一周",
        "month": f"{start.year}年{start.month}月",
        "quarter": f"{start.year}年第{(start.month - 1) // 3 + 1}季度",
        "year": f"{start.year}年",
    }[period]
    return f"{org.name}{label}积分公示"


def _publish(*, actor: Any, scheme: Scheme, org: OrgUnit, period: str, start: dt.date, end: dt.date, cutoff: dt.datetime, days: int) -> tuple[Notice | None, bool]:
    """Gather the scheme's approved, unnoticed claims (approved before `cutoff`) into the notice
    for the period starting `start`. Returns (notice, created); (None, False) when there is nothing."""
    ids = list(
        Claim.objects.filter(scheme=scheme, state=S.APPROVED, state_changed_at__lt=cutoff)
        .filter(subtree_q(org.path, "subject__org__path"))
        .values_list("pk", flat=True)
    )
    if not ids:
        return None, False
    now = clock.now()
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                scheme=scheme, org=org, period_start=start, period_end=end, title=_period_title(org, period, start),
                published_at=now, published_by=actor if getattr(actor, "pk", None) else None,
                window_closes_at=now + dt.timedelta(days=days),
            )
    except IntegrityError:
        # Published for this period already (by hand earlier, or by a tick running at the same time).
        return Notice.objects.get(scheme=scheme, org=org, period_start=start), False
    claims = [c for c in lock_objects.claims_locked(ids) if c.state == S.APPROVED]
    workflow.transition_many(claims, to=S.NOTICED, actor=actor, reason=notice.title, action="claims.notice_publish", extra={"notice": notice.pk})
    NoticeEntry.objects.bulk_create(
        [NoticeEntry(notice=notice, claim=c, points=c.points, published_points=c.points) for c in claims], batch_size=500
    )
    audit_record(
        actor=actor, action="claims.notice_publish", obj=notice, org_path=org.path, summary=notice.title,
        after={"entries": len(claims), "window_closes_at": notice.window_closes_at, "period": [start, end]},
    )
    closes = notice.window_closes_at.astimezone(caps.zone(scheme))
    _tell(claims, kind="claims.noticed", title="积分进入公示", body="{item}（{points} 分）公示至 " + f"{closes:%Y-%m-%d %H:%M}", actor=actor)
    return notice, True


@transaction.atomic
def notice_publish(*, actor: Any, scheme: Scheme, org: OrgUnit | None = None) -> Notice:
    """Publish now, for the current period, every approved claim not yet noticed (by hand, ahead of the tick)."""
    authz.require_signed_in(actor)
    _require_active(scheme)
    org = org or scheme.org
    if not org.is_within(scheme.org):
        raise field_error("org", "公示单位不在积分方案范围内", "the notice's unit is outside the scheme")
    authz.require_rank(actor, org, authz.REVIEWER, what_zh="发布公示", what_en="publishing a notice")
    period, days = _notice_rules(scheme)
    now = clock.now()
    start, end = caps.period_dates(period, caps.local_date(scheme, now))
    notice, created = _publish(actor=actor, scheme=scheme, org=org, period=period, start=start, end=end, cutoff=now + dt.timedelta(microseconds=1), days=days)
    if notice is None:
        raise InvalidInput("没有待公示的积分", "there are no approved claims to publish", code="nothing_to_notice")
    if not created:
        raise Conflict(
            f"本期公示（{start} 起）已经发布，新审核通过的积分将进入下一期",
            f"the notice for the period from {start} is already published; newly approved claims go into the next one",
            code="notice_exists", detail={"notice": notice.pk},
        )
    return notice


def _amend_notice(claim: Claim, *, actor: Any, outcome: str, points_after: int, reason: str) -> NoticeAmendment | None:
    """Record a change to the claim's notice line; the previous values stay in the amendment history."""
    entry = NoticeEntry.objects.filter(claim=claim).first()
    if entry is None:
        return None
    notice = lock_objects.notice_locked(entry.notice_id)
    Notice.objects.filter(pk=notice.pk).update(revision=F("revision") + 1)
    notice.refresh_from_db(fields=["revision"])
    before = entry.points
    if outcome == "revoke":
        entry.state = NoticeEntry.State.REVOKED
    elif outcome == "change":
        entry.state = NoticeEntry.State.AMENDED
        entry.points = points_after
    entry.save(update_fields=["state", "points"])
    amendment = NoticeAmendment.objects.create(
        notice=notice, entry=entry, revision=notice.revision, at=clock.now(), actor=actor if getattr(actor, "pk", None) else None,
        outcome=outcome, points_before=before, points_after=entry.points if outcome != "revoke" else 0, reason=reason[:500],
    )
    audit_record(
        actor=actor, action="claims.notice_amend", obj=notice, org_path=notice.org.path, summary=reason,
        before={"claim": claim.pk, "points": before}, after={"claim": claim.pk, "outcome": outcome, "revision": notice.revision},
    )
    return amendment


# ------------------------------------------------------------------ objections and second check

# Objections need no account, so they are limited per client address (web form and API alike,
# counted in the database so that every server process sees the same count).
OBJECTIONS_PER_HOUR = 5


def _client_key() -> str:
    ip = request_context.current().ip
    if not ip:
        return ""
    return salted_hmac("jifen.objection-client", ip, algorithm="sha256").hexdigest()[:32]


@transaction.atomic
def objection_file(*, claim: Claim, reason: str, user: Any = None, name: str = "", phone: str = "") -> Objection:
    """Anyone's objection (异议) to a claim on public notice, inside the objection window.

    No account needed; name and phone are optional and only shown masked in public. At most
    OBJECTIONS_PER_HOUR from one client address in an hour (RateLimited, HTTP 429).
    """
    reason = _text(reason, field_name="reason", zh="异议理由", en="the reason", max_len=2000, required=True)
    name = _text(name, field_name="name", zh="姓名", en="the name", max_len=50, required=False)
    phone = normalize_mobile(phone, field="phone") if (phone or "").strip() else ""
    user = user if authz.signed_in(user) else None
    locked = lock_objects.claim_locked(claim.pk)
    if locked is None:
        raise NotFound(f"找不到申报 #{claim.pk}", f"claim #{claim.pk} does not exist", code="claim_not_found")
    if locked.state not in (S.NOTICED, S.DISPUTED):
        raise IllegalTransition(
            f"申报 #{locked.pk} 当前为「{workflow.state_zh(locked.state)}」，只能对公示中的积分提出异议",
            f"claim #{locked.pk} is {workflow.state_en(locked.state)}; objections are for claims on public notice",
            code="illegal_transition",
        )
    entry = NoticeEntry.objects.select_related("notice").get(claim=locked)
    now = clock.now()
    if now >= entry.notice.window_closes_at:
        raise IllegalTransition("公示期已结束，不能再提出异议", "the objection window has closed", code="window_closed")
    client = _client_key()
    if client and Objection.objects.filter(client=client, filed_at__gt=now - dt.timedelta(hours=1)).count() >= OBJECTIONS_PER_HOUR:
        raise RateLimited(
            f"同一地址一小时内最多提交 {OBJECTIONS_PER_HOUR} 条异议，请稍后再试",
            f"at most {OBJECTIONS_PER_HOUR} objections an hour from one address; please try again later",
        )
    objection = Objection.objects.create(
        claim=locked, notice=entry.notice, filed_at=now, filed_by=user, name=name, phone=phone, reason=reason, client=client
    )
    audit_record(actor=user, action="claims.objection_file", obj=objection, org_path=locked.subject.org.path, after={"claim": locked.pk})
    if locked.state == S.NOTICED:
        workflow.transition(locked, to=S.DISPUTED, actor=user, reason=f"收到异议：{reason}"[:500], action="claims.objection_file")
    reviewers = _role_users(locked.subject.org, [Role.REVIEWER])
    _tell(
        [locked], kind="claims.objection", title="公示积分收到异议，待二次核查", body="{name}：{item}（{points} 分）",
        also=[locked.approved_by, *reviewers], actor=user,
    )
    return objection


def _close_objections(claim: Claim, *, actor: Any, status: str, resolution: str) -> list[Objection]:
    open_ = list(claim.objections.select_for_update().filter(status=Objection.Status.OPEN))
    now = clock.now()
    for objection in open_:
        objection.status = status
        objection.resolved_at = now
        objection.resolved_by = actor if getattr(actor, "pk", None) else None
        objection.resolution = resolution[:500]
        objection.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    return open_


SECOND_CHECK = {"uphold": Objection.Status.UPHELD, "change": Objection.Status.CHANGED, "revoke": Objection.Status.REVOKED}


@transaction.atomic
def claim_second_check(*, actor: Any, claim: Claim, outcome: str, reason: str, points: int | None = None) -> Claim:
    """二次核查 after an objection: uphold, change the points, or revoke. The notice is amended."""
    authz.require_signed_in(actor)
    if outcome not in SECOND_CHECK:
        raise field_error("outcome", "核查结果应为 维持 / 调整 / 撤销", "the outcome is uphold, change or revoke")
    to = S.REVOKED if outcome == "revoke" else S.NOTICED
    locked = workflow.lock(claim, to=to)
    if locked.state != S.DISPUTED:
        if locked.state != claim.state:
            raise Conflict(
                f"申报 #{locked.pk} 已被他人处理（现为「{workflow.state_zh(locked.state)}」）",
                f"claim #{locked.pk} was acted on by someone else (now {workflow.state_en(locked.state)})",
                code="claim_changed",
            )
        raise IllegalTransition(
            f"申报 #{locked.pk} 没有待核查的异议", f"claim #{locked.pk} has no objection awaiting a second check",
            code="illegal_transition",
        )
    version = locked.item_version
    authz.require_item_role(actor, locked.subject.org, version, floor=authz.REVIEWER, what_zh="二次核查", what_en="second-checking")
    authz.refuse_own(actor, locked.subject, what_zh="核查", what_en="second-check")
    reason = _text(reason, field_name="reason", zh="核查结论", en="the finding", max_len=500, required=True)
    new_points = None
    if outcome == "change":
        new_points = _changed_points(version, points)
        authz.require_points_authority(user=actor, scheme=locked.scheme, org=locked.subject.org, points=new_points)
    objections = _close_objections(locked, actor=actor, status=SECOND_CHECK[outcome], resolution=reason)
    _amend_notice(locked, actor=actor, outcome=outcome, points_after=new_points if new_points is not None else locked.points, reason=reason)
    if outcome == "revoke":
        for veto in Veto.objects.select_for_update().filter(source_claim=locked, lifted_at__isnull=True):
            _veto_lift(veto, actor=actor, reason=f"二次核查撤销：{reason}")
    workflow.transition(
        locked, to=to, actor=actor, reason=f"二次核查（{ {'uphold': '维持', 'change': '调整分值', 'revoke': '撤销'}[outcome] }）：{reason}",
        points=new_points, action="claims.claim_second_check",
    )
    objectors = [o.filed_by for o in objections]
    _tell([locked], kind="claims.second_check", title="异议核查结果", body="{item}：" + _lit(reason) + "（现为 {points} 分）", also=objectors, actor=actor)
    return locked


# ------------------------------------------------------------------ posting (tick)


def _post_one(pk: int, *, now: dt.datetime) -> str:
    """Post one claim whose window has closed. Returns "posted", "skipped" or "revoked" (cap)."""
    from jifen.claims import posting

    locked = lock_objects.claim_locked(pk)
    if locked is None or locked.state != S.NOTICED:
        return "skipped"  # another tick got there first, or an objection arrived
    entry = NoticeEntry.objects.select_related("notice").get(claim=locked)
    if entry.notice.window_closes_at > now:
        return "skipped"
    try:
        caps.check_caps(scheme=locked.scheme, subject=locked.subject, version=locked.item_version, occurred_at=locked.occurred_at, posting=True, exclude=locked.pk)
    except InvalidInput as exc:
        _amend_notice(locked, actor=None, outcome="revoke", points_after=0, reason=exc.zh)
        workflow.transition(locked, to=S.REVOKED, actor=None, reason=f"入账时超出频次上限：{exc.zh}", action="claims.claim_post")
        _tell([locked], kind="claims.revoked", title="积分未能入账", body="{item}：" + _lit(exc.zh))
        return "revoked"
    posting.post_claim(claim=locked, actor=None)
    locked.posted_at = now
    workflow.transition(locked, to=S.POSTED, actor=None, reason="公示期满无异议，记入积分账户", action="claims.claim_post", fields=["posted_at"])
    _tell([locked], kind="claims.posted", title="积分已入账", body="{item}：{points} 分")
    return "posted"


def claims_post_due(*, now: dt.datetime, limit: int | None = None) -> dict[str, int]:
    """Post every noticed claim whose window has closed; each in its own transaction so one bad
    claim cannot hold back the rest. Safe to run twice at once: the row lock and the ledger key
    make sure each claim is posted once."""
    ids = list(
        Claim.objects.filter(state=S.NOTICED, notice_entry__notice__window_closes_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"posted": 0, "skipped": 0, "revoked": 0, "failed": 0}
    for pk in ids:
        try:
            with transaction.atomic():
                counts[_post_one(pk, now=now)] += 1
        except JifenError:
            counts["failed"] += 1
    return counts


def notices_close(*, now: dt.datetime) -> int:
    """Mark notices whose window is over and whose every line is settled (posted or revoked)."""
    unsettled = NoticeEntry.objects.filter(claim__state__in=[S.NOTICED, S.DISPUTED]).values("notice_id")
    return Notice.objects.filter(closed_at__isnull=True, window_closes_at__lte=now).exclude(pk__in=unsettled).update(closed_at=now)


def notices_publish_due(*, now: dt.datetime) -> tuple[int, int, list[str]]:
    """For each scheme with approved claims from before the current period: publish the notice
    of the period just ended. Returns (notices, claims, problems)."""
    notices = entries = 0
    problems: list[str] = []
    scheme_ids = Claim.objects.filter(state=S.APPROVED).values_list("scheme_id", flat=True).distinct()
    for scheme in Scheme.objects.filter(pk__in=list(scheme_ids), is_active=True).select_related("org").order_by("pk"):
        try:
            period, days = _notice_rules(scheme)
        except InvalidInput as exc:
            problems.append(f"{scheme.code}: {exc.zh} / {exc.en}")
            continue
        current, _ = caps.period_dates(period, caps.local_date(scheme, now))
        start, end = caps.period_dates(period, current - dt.timedelta(days=1))
        try:
            with transaction.atomic():
                notice, created = _publish(
                    actor=None, scheme=scheme, org=scheme.org, period=period, start=start, end=end,
                    cutoff=caps.day_start(scheme, current), days=days,
                )
        except JifenError as exc:
            problems.append(f"{scheme.code}: {exc.zh} / {exc.en}")
            continue
        if created and notice is not None:
            notices += 1
            entries += notice.entries.count()
    return notices, entries, problems
