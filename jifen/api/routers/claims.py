"""Claims (declare, evidence, pre-approve, review, meetings, slips), activities, objections,
second checks and notices: thin over jifen.claims services and selectors.

Public endpoints (`/public/...`, no sign-in) show notices and take objections; every name and
phone in them is masked on the server.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import FileResponse, HttpRequest
from ninja import File, Query, Router, Status, UploadedFile

from jifen.api.routers.rules import visible_scheme
from jifen.api.schemas.claims import (
    ActivityCreateIn,
    ActivityDetailOut,
    ActivityFilter,
    ActivityOut,
    AttendanceIn,
    AttendanceOut,
    AwardOut,
    ClaimDeclareIn,
    ClaimDetailOut,
    ClaimFilter,
    ClaimOut,
    EvidenceAddIn,
    EvidenceOut,
    MeetingIn,
    MeetingOut,
    NoticeDetailOut,
    NoticeFilter,
    NoticeOut,
    NoticePublishIn,
    ObjectionFilter,
    ObjectionIn,
    ObjectionOut,
    PreApproveIn,
    PublicNoticeDetailOut,
    ReasonIn,
    RejectIn,
    ReviewIn,
    SecondCheckIn,
    SlipIssueIn,
)
from jifen.api.schemas.common import Bool, Id, Page, PageIn, page_of
from jifen.api.scoping import access, actor, visible, visible_org
from jifen.claims import selectors, services
from jifen.claims.authz import RECORDER_UP, REVIEWER_UP, own_subject_ids
from jifen.claims.evidence import evidence_path, evidence_store
from jifen.claims.models import Activity, Claim, Evidence, Meeting, Notice, NoticeEntry, Objection
from jifen.core.errors import NotFound, field_error
from jifen.orgs.models import Role, Subject, subtree_q
from jifen.orgs.privacy import mask_mobile
from jifen.orgs.selectors import Access, subjects_visible_to
from jifen.rules.models import Item, Scheme

router = Router(tags=["claims 申报、审核与公示"])

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


# --- converters ----------------------------------------------------------------------------------

def claim_out(claim: Claim) -> dict[str, Any]:
    subject = claim.subject
    return {
        "id": claim.pk, "scheme_id": claim.scheme_id, "subject_id": claim.subject_id, "subject_name": subject.name,
        "subject_kind": subject.kind, "org_id": subject.org_id, "org_path": subject.org.path, "item_id": claim.item_id,
        "item_version_id": claim.item_version_id, "item_name": claim.item_version.name, "origin": claim.origin,
        "channel": claim.channel, "state": claim.state, "declared_by_id": claim.declared_by_id,
        "declared_at": claim.declared_at, "occurred_at": claim.occurred_at, "place": claim.place,
        "description": claim.description, "points": claim.points, "declared_points": claim.declared_points,
        "meeting_id": claim.meeting_id, "activity_id": claim.activity_id, "state_changed_at": claim.state_changed_at,
        "posted_at": claim.posted_at,
    }


def evidence_out(evidence: Evidence) -> dict[str, Any]:
    return {
        "id": evidence.pk, "format": evidence.format, "width": evidence.width, "height": evidence.height,
        "size": evidence.size, "captured_at": evidence.captured_at, "uploaded_at": evidence.uploaded_at,
    }


def claim_detail_out(claim: Claim) -> dict[str, Any]:
    history = [
        {"at": e.at, "actor_name": e.actor_name, "from_state": e.from_state, "to_state": e.to_state, "reason": e.reason,
         "points_before": e.points_before, "points_after": e.points_after}
        for e in selectors.claim_history(claim=claim)
    ]
    evidence = [evidence_out(e) for e in selectors.claim_evidence(claim=claim)]
    return {**claim_out(claim), "history": history, "evidence": evidence}


def activity_out(activity: Activity) -> dict[str, Any]:
    return {
        "id": activity.pk, "scheme_id": activity.scheme_id, "org_id": activity.org_id, "org_path": activity.org.path,
        "item_version_id": activity.item_version_id, "title": activity.title, "held_at": activity.held_at,
        "place": activity.place, "description": activity.description, "points": activity.points,
        "organised_by_id": activity.organised_by_id, "awarded_at": activity.awarded_at,
    }


def objection_out(scope: Access, objection: Objection) -> dict[str, Any]:
    own = objection.filed_by_id is not None and scope.user is not None and objection.filed_by_id == scope.user.pk
    see = own or scope.covers(objection.claim.subject.org.path, REVIEWER_UP)
    person = getattr(objection.filed_by, "person", None) if objection.filed_by_id else None
    name = objection.name or (person.name if person is not None else "")
    return {
        "id": objection.pk, "claim_id": objection.claim_id, "notice_id": objection.notice_id, "filed_at": objection.filed_at,
        "name": name if see else selectors.mask_name(name), "phone": objection.phone if see else mask_mobile(objection.phone),
        "reason": objection.reason, "status": objection.status, "resolved_at": objection.resolved_at,
        "resolution": objection.resolution,
    }


def notice_out(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.pk, "scheme_id": notice.scheme_id, "org_id": notice.org_id, "org_name": notice.org.name,
        "title": notice.title, "period_start": notice.period_start, "period_end": notice.period_end,
        "published_at": notice.published_at, "window_closes_at": notice.window_closes_at, "revision": notice.revision,
        "closed_at": notice.closed_at,
    }


def _entries(notice: Notice, show_name: Any) -> list[dict[str, Any]]:
    return [
        {"claim_id": e.claim_id, "subject_name": e.claim.subject.name if show_name(e) else selectors.mask_name(e.claim.subject.name),
         "item_name": e.claim.item_version.name, "occurred_at": e.claim.occurred_at, "points": e.points,
         "published_points": e.published_points, "state": e.state}
        for e in selectors.notice_entries(notice=notice)
    ]


# --- lookups: everything through a *_visible_to selector → 404 outside the caller's reach -------

def visible_claim(request: HttpRequest, claim_id: int) -> Claim:
    return visible(selectors.claims_visible_to(user=access(request)), claim_id, what="申报", what_en="claim")


def visible_subject(request: HttpRequest, subject_id: int) -> Subject:
    # Anyone with a role in a unit may name its people (a villager reports a neighbour's deed);
    # the service then checks what they may do about them.
    subjects = subjects_visible_to(access=access(request), roles=Role.values)
    return visible(subjects, subject_id, what="积分对象", what_en="subject")


def scheme_item(scheme: Scheme, item_id: int) -> Item:
    item = Item.objects.filter(scheme=scheme, pk=item_id).first()
    if item is None:
        raise field_error("item_id", "该方案没有这个事项", "the scheme has no such item")
    return item


def own_evidence(request: HttpRequest, ids: list[int]) -> list[Evidence]:
    if len(set(ids)) != len(ids):
        raise field_error("evidence_ids", "同一张照片只能用一次", "a photo is listed twice")
    found = {e.pk: e for e in selectors.evidence_visible_list(access=access(request)).filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound("找不到照片", "no such photo", code="not_found", detail={"field": "evidence_ids", "ids": missing})
    return [found[i] for i in ids]


def _claim_again(pk: int) -> dict[str, Any]:
    return claim_out(Claim.objects.select_related(*selectors.CLAIM_RELATED).get(pk=pk))


# --- claims ----------------------------------------------------------------------------------------

@router.get("/claims", response=Page[ClaimOut])
def claims_list(request: HttpRequest, page: Query[PageIn], filters: Query[ClaimFilter]) -> Any:
    """申报：工作人员看到其下级的，其他人看到本人、本户与自己申报的 / staff: their subtrees; others: their own and household's."""
    scope = access(request)
    if filters.awaiting == "pre_review":
        qs = selectors.claims_awaiting_pre_review(user=scope)
    elif filters.awaiting == "review":
        qs = selectors.claims_awaiting_review(user=scope)
    else:
        qs = selectors.claims_visible_to(user=scope)
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(visible_org(request, filters.org_id).path, "subject__org__path"))
    for name in ("scheme_id", "subject_id", "item_id", "state"):
        if getattr(filters, name) is not None:
            qs = qs.filter(**{name: getattr(filters, name)})
    return page_of(qs.order_by("-declared_at", "-pk"), page, claim_out)


@router.get("/claims/{claim_id}", response=ClaimDetailOut)
def claim_detail(request: HttpRequest, claim_id: Id) -> Any:
    """申报详情、流转记录与证据 / a claim with its history and photos."""
    return claim_detail_out(visible_claim(request, claim_id))


@router.post("/claims", response={201: ClaimDetailOut})
def claim_declare(request: HttpRequest, payload: ClaimDeclareIn) -> Any:
    """申报（本人 / 代为 / 他人反映）；照片先用 POST /evidence 上传 / declare a deed; upload photos first."""
    scheme = visible_scheme(request, payload.scheme_id)
    subject = visible_subject(request, payload.subject_id)
    item = scheme_item(scheme, payload.item_id)
    evidence = own_evidence(request, payload.evidence_ids)
    claim = services.claim_declare(
        actor=actor(request), scheme=scheme, subject=subject, item=item, occurred_at=payload.occurred_at,
        description=payload.description, place=payload.place, points=payload.points, origin=payload.origin,
        channel=payload.channel, evidence=evidence,
    )
    return Status(201, claim_detail_out(Claim.objects.select_related(*selectors.CLAIM_RELATED).get(pk=claim.pk)))


@router.post("/claims/{claim_id}/evidence", response=ClaimDetailOut)
def claim_evidence_add(request: HttpRequest, claim_id: Id, payload: EvidenceAddIn) -> Any:
    """补充照片（审核前） / add photos before the claim is decided."""
    claim = visible_claim(request, claim_id)
    services.claim_evidence_add(actor=actor(request), claim=claim, evidence=own_evidence(request, payload.evidence_ids))
    return claim_detail_out(visible_claim(request, claim_id))


@router.post("/claims/{claim_id}/withdraw", response=ClaimOut)
def claim_withdraw(request: HttpRequest, claim_id: Id, payload: ReasonIn) -> Any:
    claim = services.claim_withdraw(actor=actor(request), claim=visible_claim(request, claim_id), reason=payload.reason)
    return _claim_again(claim.pk)


@router.post("/claims/{claim_id}/pre-approve", response=ClaimOut)
def claim_pre_approve(request: HttpRequest, claim_id: Id, payload: PreApproveIn) -> Any:
    """初审通过（记录员） / preliminary approval (recorders)."""
    claim = services.claim_pre_approve(
        actor=actor(request), claim=visible_claim(request, claim_id), reason=payload.reason, points=payload.points
    )
    return _claim_again(claim.pk)


@router.post("/claims/{claim_id}/reject", response=ClaimOut)
def claim_reject(request: HttpRequest, claim_id: Id, payload: RejectIn) -> Any:
    claim = services.claim_reject(actor=actor(request), claim=visible_claim(request, claim_id), reason=payload.reason)
    return _claim_again(claim.pk)


@router.post("/claims/{claim_id}/review", response=ClaimOut)
def claim_review(request: HttpRequest, claim_id: Id, payload: ReviewIn) -> Any:
    """审核（一事一议，审核人） / one committee decision (reviewers)."""
    claim = services.claim_review(
        actor=actor(request), claim=visible_claim(request, claim_id), outcome=payload.outcome, points=payload.points,
        reason=payload.reason,
    )
    return _claim_again(claim.pk)


@router.post("/claims/{claim_id}/second-check", response=ClaimOut)
def claim_second_check(request: HttpRequest, claim_id: Id, payload: SecondCheckIn) -> Any:
    """异议后的二次核查：维持 / 调整 / 撤销 / the second check after an objection."""
    claim = services.claim_second_check(
        actor=actor(request), claim=visible_claim(request, claim_id), outcome=payload.outcome, reason=payload.reason,
        points=payload.points,
    )
    return _claim_again(claim.pk)


@router.post("/meetings", response={201: MeetingOut})
def meeting_record(request: HttpRequest, payload: MeetingIn) -> Any:
    """审核会议：一次决定多条申报，全部成功或全部不写 / a meeting deciding many claims, all or nothing."""
    scheme = visible_scheme(request, payload.scheme_id)
    org = visible_org(request, payload.org_id)
    claims = {}
    for line in payload.decisions:
        claims[line.claim_id] = visible_claim(request, line.claim_id)
    decisions = [
        services.Decision(claim=claims[d.claim_id], outcome=d.outcome, points=d.points, reason=d.reason)
        for d in payload.decisions
    ]
    meeting = services.meeting_record(
        actor=actor(request), scheme=scheme, org=org, held_on=payload.held_on, decisions=decisions,
        attendee_names=payload.attendee_names, minutes=payload.minutes,
    )
    return Status(201, meeting_out(meeting))


def meeting_out(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk, "scheme_id": meeting.scheme_id, "org_id": meeting.org_id, "held_on": meeting.held_on,
        "chair_id": meeting.chair_id, "attendee_names": meeting.attendee_names, "minutes": meeting.minutes,
        "decisions": [
            {"claim_id": d.claim_id, "outcome": d.outcome, "points_before": d.points_before, "points_after": d.points_after}
            for d in meeting.decisions.order_by("pk")
        ],
    }


@router.get("/meetings/{meeting_id}", response=MeetingOut)
def meeting_detail(request: HttpRequest, meeting_id: Id) -> Any:
    return meeting_out(visible(selectors.meetings_visible_to(access=access(request)), meeting_id, what="会议", what_en="meeting"))


@router.post("/slips", response={201: ClaimDetailOut})
def slip_issue(request: HttpRequest, payload: SlipIssueIn) -> Any:
    """奖扣分通知单（有授权的工作人员；直接通过，进入公示） / an award or deduction slip."""
    scheme = visible_scheme(request, payload.scheme_id)
    subject = visible_subject(request, payload.subject_id)
    item = scheme_item(scheme, payload.item_id)
    claim = services.slip_issue(
        actor=actor(request), scheme=scheme, subject=subject, item=item, occurred_at=payload.occurred_at,
        description=payload.description, points=payload.points, place=payload.place,
        evidence=own_evidence(request, payload.evidence_ids),
    )
    return Status(201, claim_detail_out(Claim.objects.select_related(*selectors.CLAIM_RELATED).get(pk=claim.pk)))


# --- evidence ----------------------------------------------------------------------------------------

@router.post("/evidence", response={201: EvidenceOut})
def evidence_upload(request: HttpRequest, file: File[UploadedFile]) -> Any:
    """上传一张照片（JPEG/PNG/WebP，按内容判断，≤10 MB；去除 EXIF/GPS） / upload one photo, judged by content."""
    scheme_zone = "Asia/Shanghai"
    evidence = evidence_store(actor=actor(request), upload=file, time_zone=scheme_zone)
    return Status(201, evidence_out(evidence))


@router.get(
    "/evidence/{evidence_id}", response={200: None},
    openapi_extra={"responses": {"200": {"description": "照片 / the photo", "content": {
        t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/jpeg", "image/png", "image/webp")
    }}}},
)
def evidence_download(request: HttpRequest, evidence_id: Id, thumb: Bool = False) -> Any:
    """照片（仅上传者与能查看其申报的人） / a photo, only for its uploader and those who may see its claim."""
    evidence = visible(selectors.evidence_visible_list(access=access(request)), evidence_id, what="照片", what_en="photo")
    path = evidence_path(evidence, thumb=thumb)
    if not path.is_file():
        raise NotFound("照片文件不存在", "the photo file is missing", code="evidence_file_missing")
    content_type = "image/jpeg" if thumb else CONTENT_TYPES.get(evidence.format.upper(), "application/octet-stream")
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- activities ----------------------------------------------------------------------------------------

def visible_activity(request: HttpRequest, activity_id: int) -> Activity:
    return visible(selectors.activities_visible_to(access=access(request)), activity_id, what="活动", what_en="activity")


def activity_detail_out(activity: Activity) -> dict[str, Any]:
    rows = activity.attendance.select_related("subject").order_by("pk")
    return {**activity_out(activity), "attendance": [{"subject_id": a.subject_id, "name": a.subject.name, "added_at": a.added_at} for a in rows]}


@router.get("/activities", response=Page[ActivityOut])
def activities_list(request: HttpRequest, page: Query[PageIn], filters: Query[ActivityFilter]) -> Any:
    qs = selectors.activities_visible_to(access=access(request))
    if filters.scheme_id is not None:
        qs = qs.filter(scheme_id=filters.scheme_id)
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(visible_org(request, filters.org_id).path, "org__path"))
    return page_of(qs.order_by("-held_at", "-pk"), page, activity_out)


@router.get("/activities/{activity_id}", response=ActivityDetailOut)
def activity_detail(request: HttpRequest, activity_id: Id) -> Any:
    return activity_detail_out(visible_activity(request, activity_id))


@router.post("/activities", response={201: ActivityDetailOut})
def activity_create(request: HttpRequest, payload: ActivityCreateIn) -> Any:
    scheme = visible_scheme(request, payload.scheme_id)
    org = visible_org(request, payload.org_id)
    activity = services.activity_create(
        actor=actor(request), scheme=scheme, org=org, item=scheme_item(scheme, payload.item_id), held_at=payload.held_at,
        title=payload.title, points=payload.points, place=payload.place, description=payload.description,
    )
    return Status(201, activity_detail_out(Activity.objects.select_related("org").get(pk=activity.pk)))


@router.post("/activities/{activity_id}/attendance", response=AttendanceOut)
def activity_attendance_add(request: HttpRequest, activity_id: Id, payload: AttendanceIn) -> Any:
    """登记参加者（已登记的跳过） / add attendees (those already listed are skipped)."""
    activity = visible_activity(request, activity_id)
    subjects = [visible_subject(request, pk) for pk in dict.fromkeys(payload.subject_ids)]
    return {"added": services.activity_attendance_add(actor=actor(request), activity=activity, subjects=subjects)}


@router.post("/activities/{activity_id}/award", response=AwardOut)
def activity_award(request: HttpRequest, activity_id: Id) -> Any:
    """为参加者记分（再次执行不重复） / award every attendee not yet awarded."""
    result = services.activity_award(actor=actor(request), activity=visible_activity(request, activity_id))
    return {"posted": result.posted, "skipped": [{k: v for k, v in s.items() if isinstance(v, int | str)} for s in result.skipped]}


# --- objections ------------------------------------------------------------------------------------------

@router.get("/objections", response=Page[ObjectionOut])
def objections_list(request: HttpRequest, page: Query[PageIn], filters: Query[ObjectionFilter]) -> Any:
    """异议：工作人员看到其下级的，其他人看到自己提出的 / staff: their subtrees; others: their own."""
    scope = access(request)
    qs = selectors.objections_visible_to(access=scope)
    for name in ("claim_id", "notice_id", "status"):
        if getattr(filters, name) is not None:
            qs = qs.filter(**{name: getattr(filters, name)})
    return page_of(qs.order_by("-filed_at", "-pk"), page, lambda o: objection_out(scope, o))


@router.get("/objections/{objection_id}", response=ObjectionOut)
def objection_detail(request: HttpRequest, objection_id: Id) -> Any:
    scope = access(request)
    return objection_out(scope, visible(selectors.objections_visible_to(access=scope), objection_id, what="异议", what_en="objection"))


def _noticed_claim(claims: Any, claim_id: int) -> Claim:
    return visible(claims.filter(notice_entry__isnull=False), claim_id, what="公示中的申报", what_en="claim on notice")


@router.post("/claims/{claim_id}/objections", response={201: ObjectionOut})
def objection_file(request: HttpRequest, claim_id: Id, payload: ObjectionIn) -> Any:
    """对本组织公示中的积分提出异议 / object to a claim on a notice the caller can see."""
    scope = access(request)
    notices = selectors.notices_visible_to(access=scope)
    claim = _noticed_claim(Claim.objects.filter(notice_entry__notice__in=notices), claim_id)
    objection = services.objection_file(claim=claim, reason=payload.reason, user=actor(request), name=payload.name, phone=payload.phone)
    return Status(201, objection_out(scope, Objection.objects.select_related("claim__subject__org", "filed_by__person").get(pk=objection.pk)))


# --- notices -------------------------------------------------------------------------------------------------

def visible_notice(request: HttpRequest, notice_id: int) -> Notice:
    return visible(selectors.notices_visible_to(access=access(request)), notice_id, what="公示", what_en="notice")


@router.get("/notices", response=Page[NoticeOut])
def notices_list(request: HttpRequest, page: Query[PageIn], filters: Query[NoticeFilter]) -> Any:
    qs = selectors.notices_visible_to(access=access(request))
    if filters.scheme_id is not None:
        qs = qs.filter(scheme_id=filters.scheme_id)
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(visible_org(request, filters.org_id).path, "org__path"))
    return page_of(qs.order_by("-published_at", "-pk"), page, notice_out)


@router.get("/notices/{notice_id}", response=NoticeDetailOut)
def notice_detail(request: HttpRequest, notice_id: Id) -> Any:
    """公示详情；姓名对本组织工作人员可见，其他人只见本户 / names shown to staff and for one's own household."""
    scope = access(request)
    notice = visible_notice(request, notice_id)
    staff = scope.covers(notice.org.path, RECORDER_UP)
    own = own_subject_ids(scope.user)
    return {**notice_out(notice), "entries": _entries(notice, lambda e: staff or e.claim.subject_id in own)}


@router.post("/notices", response={201: NoticeDetailOut})
def notice_publish(request: HttpRequest, payload: NoticePublishIn) -> Any:
    """立即发布本期公示（审核人） / publish the current period's notice now (reviewers)."""
    scheme = visible_scheme(request, payload.scheme_id)
    org = visible_org(request, payload.org_id) if payload.org_id is not None else None
    notice = services.notice_publish(actor=actor(request), scheme=scheme, org=org)
    return Status(201, {**notice_out(notice), "entries": _entries(Notice.objects.select_related("org").get(pk=notice.pk), lambda e: True)})


# --- public (no sign-in): masked ------------------------------------------------------------------------------

@router.get("/public/notices", response=Page[NoticeOut], auth=None)
def public_notices_list(request: HttpRequest, page: Query[PageIn], filters: Query[NoticeFilter]) -> Any:
    """公开的公示栏（姓名打码） / the public notice board (names masked)."""
    qs = selectors.notices_public()
    if filters.scheme_id is not None:
        qs = qs.filter(scheme_id=filters.scheme_id)
    if filters.org_id is not None:
        qs = qs.filter(Q(org_id=filters.org_id) | Q(org__parent_id=filters.org_id))
    return page_of(qs.order_by("-published_at", "-pk"), page, notice_out)


@router.get("/public/notices/{notice_id}", response=PublicNoticeDetailOut, auth=None)
def public_notice_detail(request: HttpRequest, notice_id: Id) -> Any:
    notice = visible(selectors.notices_public(), notice_id, what="公示", what_en="notice")
    objections = [
        {"claim_id": o["claim"], "filed_at": o["filed_at"], "name": o["name"], "phone": o["phone"],
         "status": o["status"], "resolution": o["resolution"]}
        for o in selectors.objections_public(notice=notice)
    ]
    return {**notice_out(notice), "entries": _entries(notice, lambda e: False), "objections": objections}


@router.post("/public/claims/{claim_id}/objections", response={201: PublicNoticeDetailOut}, auth=None)
def public_objection_file(request: HttpRequest, claim_id: Id, payload: ObjectionIn) -> Any:
    """任何人可对公示中的积分提出异议（无须登录；公开时打码） / anyone may object to a noticed claim."""
    claim = _noticed_claim(Claim.objects.all(), claim_id)
    services.objection_file(claim=claim, reason=payload.reason, name=payload.name, phone=payload.phone)
    entry = NoticeEntry.objects.select_related("notice").get(claim=claim)
    return Status(201, public_notice_detail(request, entry.notice_id))
