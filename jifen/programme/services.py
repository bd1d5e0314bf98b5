"""Every write of the demonstration-village programme (篇1).

The city (org admins over the programme's unit) creates, scores, publishes and awards; a village's
cadres (reviewers and admins over it) apply; the county (org admins over it) shortlists at most
`shortlist_limit` (≤ 3) of its villages. Each write is atomic and writes its audit row and the
application's history row inside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from jifen.claims.evidence import _write_atomic, evidence_store, media_root, read_upload
from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import (
    Conflict,
    IdempotencyMismatch,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    field_error,
)
from jifen.orgs.models import OrgUnit, Role, ancestor_paths
from jifen.orgs.selectors import user_has_role
from jifen.programme.facts import village_facts
from jifen.programme.models import (
    SHORTLIST_LIMIT_MAX,
    Application,
    ApplicationEvent,
    Attachment,
    Criterion,
    Objection,
    Programme,
    Score,
)

S = Application.State
MAX_ATTACHMENTS = 10
MAX_BUDGET_FEN = 10**13  # 1000亿元: anything above is a typo
DEFAULT_OBJECTION_DAYS = 7

# 篇1 (二) 申报条件, scored by the city. Equal weights unless the programme says otherwise.
SIX_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("基础条件完善", "积分超市选址合理，交通便利，能容纳生活用品、衣服、文具、粮油等物品。"),
    ("管理体制健全", "村级党组织领导，纳入重要议事日程，积分申报、评定、结果运用等制度完善。"),
    ("积分设置合理", "结合重点工作设置动态管理、可操作性强的积分体系。"),
    ("群众发动充分", "村民参与积分制管理全过程；积分兑换人数占本村总人数比例原则上达到30%以上。"),
    ("实施效果明显", "乡村治理能力、人居环境整治、乡风文明水平等取得明显成效。"),
    ("积极探索创新", "通过电子化信息平台，运用智能化分析、大数据处理等信息技术。"),
)

Upload = bytes | IO[bytes] | Any


def _require_signed_in(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录", "sign in first", code="not_signed_in")


def _require_role(actor: Any, org: OrgUnit, roles: Sequence[str], zh: str, en: str) -> None:
    _require_signed_in(actor)
    if not user_has_role(user=actor, org=org, roles=roles):
        raise PermissionDenied(zh, en, code="forbidden")


def require_city(actor: Any, programme: Programme) -> None:
    _require_role(
        actor, programme.org, [Role.ORG_ADMIN],
        f"只有「{programme.org.name}」的管理员可以这样做", f"only an org admin over {programme.org.path} may do this",
    )


def _text(value: str, field: str, zh: str, en: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise field_error(field, f"{zh}含有非法字符", f"{en} contains a NUL character")
    if required and not value:
        raise field_error(field, f"{zh}不能为空", f"{en} is required")
    if len(value) > max_length:
        raise field_error(field, f"{zh}最多 {max_length} 个字", f"{en} is at most {max_length} characters")
    return value


def _event(app: Application, *, action: str, actor: Any, from_state: str, note: str = "") -> None:
    ApplicationEvent.objects.create(
        application=app, action=action, from_state=from_state, to_state=app.state,
        actor=actor if getattr(actor, "pk", None) else None, at=clock.now(), note=note,
    )


def county_of(village: OrgUnit) -> OrgUnit | None:
    return OrgUnit.objects.filter(path__in=ancestor_paths(village.path), kind__code="county").order_by("-depth").first()


# --- the programme -----------------------------------------------------------------------------

@transaction.atomic
def programme_create(
    *,
    actor: Any,
    org: OrgUnit,
    code: str,
    name: str,
    budget_fen: int,
    awards: int,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    period_start: dt.datetime,
    period_end: dt.datetime,
    shortlist_limit: int = SHORTLIST_LIMIT_MAX,
    criteria: Iterable[tuple[str, str, int]] | None = None,
) -> Programme:
    """Create a programme with its criteria (default: 篇1's six conditions, 100 points in all)."""
    _require_role(actor, org, [Role.ORG_ADMIN], f"只有「{org.name}」的管理员可以设立项目", f"only an org admin over {org.path} may create a programme")
    code = _text(code, "code", "项目代码", "code", max_length=64, required=True)
    name = _text(name, "name", "项目名称", "name", max_length=200, required=True)
    for value, field in ((budget_fen, "budget_fen"), (awards, "awards"), (shortlist_limit, "shortlist_limit")):
        if isinstance(value, bool) or not isinstance(value, int):
            raise field_error(field, "须为整数", "must be a whole number")
    if not 0 < budget_fen <= MAX_BUDGET_FEN:
        raise field_error("budget_fen", "资金须为正数（单位：分）", "the budget is a positive amount in fen")
    if not 1 <= awards <= 1000:
        raise field_error("awards", "奖补名额须为 1–1000", "awards is 1–1000")
    if not 1 <= shortlist_limit <= SHORTLIST_LIMIT_MAX:
        raise field_error("shortlist_limit", "每县推荐名额须为 1–3 个", "the per-county shortlist limit is 1–3")
    for value, field in ((opens_at, "opens_at"), (closes_at, "closes_at"), (period_start, "period_start"), (period_end, "period_end")):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise field_error(field, "须为带时区的时间", "must be an aware date-time")
    if closes_at <= opens_at:
        raise field_error("closes_at", "申报截止须晚于开始", "the window must close after it opens")
    if period_end <= period_start:
        raise field_error("period_end", "统计期末须晚于期初", "the period must end after it starts")
    if Programme.objects.filter(code=code).exists():
        raise Conflict(f"项目代码「{code}」已存在", f"programme code {code!r} already exists", code="programme_exists")
    programme = Programme.objects.create(
        code=code, name=name, org=org, budget_fen=budget_fen, awards=awards, opens_at=opens_at, closes_at=closes_at,
        shortlist_limit=shortlist_limit, period_start=period_start, period_end=period_end,
        created_by=actor, created_at=clock.now(),
    )
    rows = list(criteria) if criteria is not None else [
        (title, text, 20 if n in (3, 4) else 15) for n, (title, text) in enumerate(SIX_CONDITIONS, 1)
    ]
    if not rows:
        raise field_error("criteria", "至少要有一项评审条件", "a programme needs at least one criterion")
    for number, (title, text, max_score) in enumerate(rows, 1):
        if isinstance(max_score, bool) or not isinstance(max_score, int) or not 1 <= max_score <= 1000:
            raise field_error("criteria", "每项满分须为 1–1000", "each criterion's maximum is 1–1000")
        Criterion.objects.create(
            programme=programme, number=number, name=_text(title, "criteria", "条件名称", "criterion name", max_length=50, required=True),
            description=_text(text, "criteria", "条件说明", "criterion text", max_length=2000), max_score=max_score,
        )
    audit_record(
        actor=actor, action="programme.create", obj=programme, org_path=org.path,
        after={"code": code, "budget_fen": budget_fen, "awards": awards, "shortlist_limit": shortlist_limit},
    )
    return programme


def _locked_programme(programme: Programme) -> Programme:
    return Programme.objects.select_for_update().select_related("org").get(pk=programme.pk)


# --- applications ------------------------------------------------------------------------------

def _store_attachment(actor: Any, name: str, upload: Upload, index: int) -> dict[str, Any]:
    data = read_upload(upload, index=index)
    name = _text(name or f"附件{index}", "attachments", "附件名", "attachment name", max_length=200) or f"附件{index}"
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise InvalidInput(f"第 {index} 个附件不是完整的 PDF", f"attachment {index} is not a complete PDF", code="attachment_bad_type", detail={"field": "attachments", "index": index})
        digest = hashlib.sha256(data).hexdigest()
        rel = f"programme/{digest[:2]}/{digest}.pdf"
        _write_atomic(media_root() / rel, data)
        return {"name": name, "kind": "pdf", "sha256": digest, "size": len(data), "path": rel, "evidence": None}
    try:
        evidence = evidence_store(actor=actor, upload=data, index=index)
    except InvalidInput:
        raise InvalidInput(
            f"第 {index} 个附件只接受 PDF 或 JPEG、PNG、WebP 图片", f"attachment {index}: only PDF or JPEG, PNG, WebP images are accepted",
            code="attachment_bad_type", detail={"field": "attachments", "index": index},
        ) from None
    return {"name": name, "kind": "image", "sha256": evidence.sha256, "size": evidence.size, "path": evidence.path, "evidence": evidence}


def _hash(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    programme: Programme,
    village: OrgUnit,
    contact_name: str,
    contact_phone: str,
    summary: str,
    statements: Mapping[str, str] | None = None,
    attachments: Sequence[tuple[str, Upload]] = (),
    key: str | None = None,
) -> Application:
    """A village applies in the window; the platform's measured facts are stored beside its statements."""
    _require_role(
        actor, village, [Role.REVIEWER, Role.ORG_ADMIN],
        f"只有「{village.name}」的村干部可以申报", f"only the cadres of {village.path} may apply",
    )
    statements = dict(statements or {})
    contact_name = _text(contact_name, "contact_name", "联系人", "contact", max_length=50, required=True)
    contact_phone = _text(contact_phone, "contact_phone", "联系电话", "contact phone", max_length=32, required=True)
    summary = _text(summary, "summary", "申报说明", "summary", max_length=8000, required=True)
    numbers = {str(c.number) for c in programme.criteria.all()}
    clean_statements: dict[str, str] = {}
    for number, text in statements.items():
        if str(number) not in numbers:
            raise field_error("statements", f"没有第 {number} 项条件", f"there is no criterion {number}")
        clean_statements[str(number)] = _text(text, "statements", "条件说明", "statement", max_length=4000)
    content = _hash({"village": village.pk, "contact": [contact_name, contact_phone], "summary": summary, "statements": clean_statements})
    if key is not None:
        if not 8 <= len(key) <= 100:
            raise field_error("key", "幂等键长度须为 8–100 个字符", "an idempotency key is 8–100 characters")
        existing = Application.objects.filter(key=key).first()
        if existing is not None:
            if existing.content_hash != content or existing.submitted_by_id != actor.pk:
                raise IdempotencyMismatch("同一幂等键对应了不同的申报", "this key was used for another application", code="idempotency_mismatch")
            return existing
    programme = _locked_programme(programme)
    now = clock.now()
    if programme.state != Programme.State.OPEN or not programme.opens_at <= now < programme.closes_at:
        raise IllegalTransition("不在申报期内", "the application window is not open", code="window_closed")
    if village.kind.code not in ("village", "community") or not village.is_within(programme.org):
        raise field_error("village", "只有项目范围内的村（社区）可以申报", "only villages within the programme's area may apply")
    county = county_of(village)
    if county is None:
        raise field_error("village", "该村不属于任何县（区）", "the village belongs to no county")
    if Application.objects.filter(programme=programme, village=village).exists():
        raise Conflict("本村已申报过该项目", "this village has already applied", code="already_applied")
    attachments = list(attachments)
    if len(attachments) > MAX_ATTACHMENTS:
        raise field_error("attachments", f"最多 {MAX_ATTACHMENTS} 个附件", f"at most {MAX_ATTACHMENTS} attachments")
    stored = [_store_attachment(actor, name, upload, i) for i, (name, upload) in enumerate(attachments, 1)]
    app = Application.objects.create(
        programme=programme, village=village, county=county, contact_name=contact_name, contact_phone=contact_phone,
        summary=summary, statements=clean_statements,
        facts=village_facts(village, start=programme.period_start, end=programme.period_end), facts_at=now,
        submitted_by=actor, submitted_at=now, key=key, content_hash=content,
    )
    for row in stored:
        Attachment.objects.create(application=app, **row)
    _event(app, action="submit", actor=actor, from_state="")
    audit_record(
        actor=actor, action="programme.application_submit", obj=app, org_path=village.path,
        after={"programme": programme.code, "attachments": len(stored)},
    )
    return app


def _locked_app(app: Application) -> Application:
    return Application.objects.select_for_update(of=("self",)).select_related("programme", "programme__org", "county", "village").get(pk=app.pk)


def _require_county(actor: Any, app: Application) -> None:
    _require_role(
        actor, app.county, [Role.ORG_ADMIN],
        f"只有「{app.county.name}」的管理员可以初审", f"only an org admin over {app.county.path} may review this",
    )


@transaction.atomic
def application_shortlist(*, actor: Any, application: Application, note: str = "") -> Application:
    """The county recommends a village (初审推荐); at most `shortlist_limit` per county."""
    programme = _locked_programme(application.programme)  # serialises every county's shortlisting
    app = _locked_app(application)
    _require_county(actor, app)
    if programme.state != Programme.State.OPEN:
        raise IllegalTransition("评审结果已公示，不能再推荐", "the result is published; shortlists are closed", code="programme_published")
    if app.state == S.SHORTLISTED:
        return app
    if app.state not in (S.SUBMITTED, S.DECLINED):
        raise IllegalTransition("该申报不能推荐", "this application cannot be shortlisted", code="illegal_transition")
    taken = set(
        Application.objects.filter(programme=programme, county=app.county, shortlist_slot__isnull=False).values_list("shortlist_slot", flat=True)
    )
    free = [slot for slot in range(1, programme.shortlist_limit + 1) if slot not in taken]
    if not free:
        raise Conflict(
            f"「{app.county.name}」最多推荐 {programme.shortlist_limit} 个村，名额已满",
            f"{app.county.path} may shortlist at most {programme.shortlist_limit} villages; its places are taken",
            code="shortlist_full", detail={"limit": programme.shortlist_limit},
        )
    from_state = app.state
    app.state = S.SHORTLISTED
    app.shortlist_slot = free[0]
    app.county_note = _text(note, "note", "初审意见", "note", max_length=2000)
    try:
        with transaction.atomic():
            app.save(update_fields=["state", "shortlist_slot", "county_note"])
    except IntegrityError:
        raise Conflict("推荐名额刚被占用，请刷新后重试", "a place was just taken; reload and retry", code="shortlist_full") from None
    _event(app, action="shortlist", actor=actor, from_state=from_state, note=app.county_note)
    audit_record(actor=actor, action="programme.application_shortlist", obj=app, org_path=app.village.path, after={"slot": app.shortlist_slot})
    return app


@transaction.atomic
def application_decline(*, actor: Any, application: Application, note: str) -> Application:
    """The county does not recommend a village (or withdraws a recommendation, freeing its place)."""
    programme = _locked_programme(application.programme)
    app = _locked_app(application)
    _require_county(actor, app)
    if programme.state != Programme.State.OPEN:
        raise IllegalTransition("评审结果已公示，不能再变更", "the result is published", code="programme_published")
    if app.state not in (S.SUBMITTED, S.SHORTLISTED):
        raise IllegalTransition("该申报不能退回", "this application cannot be declined", code="illegal_transition")
    note = _text(note, "note", "初审意见", "note", max_length=2000, required=True)
    from_state = app.state
    app.state, app.shortlist_slot, app.county_note, app.score_total = S.DECLINED, None, note, None
    app.save(update_fields=["state", "shortlist_slot", "county_note", "score_total"])
    Score.objects.filter(application=app).delete()
    _event(app, action="decline", actor=actor, from_state=from_state, note=note)
    audit_record(actor=actor, action="programme.application_decline", obj=app, org_path=app.village.path, after={"note": note})
    return app


@transaction.atomic
def application_score(
    *, actor: Any, application: Application, scores: Mapping[int, int], notes: Mapping[int, str] | None = None
) -> Application:
    """The city scores a shortlisted village against every criterion (评审), replacing earlier scores."""
    app = _locked_app(application)
    programme = app.programme
    require_city(actor, programme)
    if programme.state != Programme.State.OPEN:
        raise IllegalTransition("评审结果已公示，不能再评分", "the result is published; scores are final", code="programme_published")
    if app.state != S.SHORTLISTED:
        raise IllegalTransition("只能为县级推荐的村评分", "only shortlisted villages are scored", code="not_shortlisted")
    criteria = {c.number: c for c in programme.criteria.all()}
    clean: dict[int, int] = {}
    for number, value in scores.items():
        criterion = criteria.get(int(number))
        if criterion is None:
            raise field_error("scores", f"没有第 {number} 项条件", f"there is no criterion {number}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= criterion.max_score:
            raise field_error("scores", f"第 {number} 项得分须为 0–{criterion.max_score}", f"criterion {number} is scored 0–{criterion.max_score}")
        clean[criterion.number] = value
    if set(clean) != set(criteria):
        missing = sorted(set(criteria) - set(clean))
        raise field_error("scores", f"还有第 {missing} 项未评分", f"criteria {missing} are not scored")
    now = clock.now()
    notes = notes or {}
    for number, value in clean.items():
        Score.objects.update_or_create(
            application=app, criterion=criteria[number],
            defaults={"score": value, "note": _text(notes.get(number, ""), "notes", "评分说明", "note", max_length=500), "scored_by": actor, "scored_at": now},
        )
    app.score_total = Score.objects.filter(application=app).aggregate(total=Sum("score"))["total"]
    app.save(update_fields=["score_total"])
    _event(app, action="score", actor=actor, from_state=app.state, note=str(app.score_total))
    audit_record(actor=actor, action="programme.application_score", obj=app, org_path=app.village.path, after={"scores": clean, "total": app.score_total})
    return app


@transaction.atomic
def programme_publish(*, actor: Any, programme: Programme, objection_days: int = DEFAULT_OBJECTION_DAYS) -> Programme:
    """Rank the scored villages and publish the result for objections (评审结果公示)."""
    programme = _locked_programme(programme)
    require_city(actor, programme)
    now = clock.now()
    if programme.state != Programme.State.OPEN:
        raise IllegalTransition("结果已公示", "the result is already published", code="programme_published")
    if now < programme.closes_at:
        raise IllegalTransition("申报期未结束", "the application window has not closed yet", code="window_open")
    if isinstance(objection_days, bool) or not isinstance(objection_days, int) or not 1 <= objection_days <= 60:
        raise field_error("objection_days", "公示期须为 1–60 天", "the objection window is 1–60 days")
    shortlisted = list(Application.objects.select_for_update().filter(programme=programme, state=S.SHORTLISTED))
    if not shortlisted:
        raise IllegalTransition("还没有县级推荐的村", "no village has been shortlisted", code="nothing_to_publish")
    unscored = [a for a in shortlisted if a.score_total is None]
    if unscored:
        raise IllegalTransition(f"还有 {len(unscored)} 个村未评分", f"{len(unscored)} shortlisted villages are not scored", code="not_scored")
    # Highest score first; a tie goes to the earlier application.
    ranked = sorted(shortlisted, key=lambda a: (-(a.score_total or 0), a.submitted_at, a.pk))
    for rank, app in enumerate(ranked, 1):
        from_state = app.state
        app.rank = rank
        app.state = S.SELECTED if rank <= programme.awards else S.NOT_SELECTED
        app.save(update_fields=["rank", "state"])
        _event(app, action="publish", actor=actor, from_state=from_state, note=f"{rank}")
    programme.state = Programme.State.PUBLISHED
    programme.published_at = now
    programme.objections_until = now + dt.timedelta(days=objection_days)
    programme.save(update_fields=["state", "published_at", "objections_until"])
    audit_record(
        actor=actor, action="programme.publish", obj=programme, org_path=programme.org.path,
        after={"selected": [a.village.path for a in ranked[: programme.awards]], "objections_until": programme.objections_until},
    )
    return programme


@transaction.atomic
def objection_raise(*, actor: Any, programme: Programme, text: str, application: Application | None = None) -> Objection:
    _require_signed_in(actor)
    programme = _locked_programme(programme)
    now = clock.now()
    if programme.state != Programme.State.PUBLISHED or programme.objections_until is None or now >= programme.objections_until:
        raise IllegalTransition("不在公示期内", "the objection window is not open", code="objection_window_closed")
    if application is not None and application.programme_id != programme.pk:
        raise field_error("application", "该申报不属于本项目", "the application is not in this programme")
    objection = Objection.objects.create(
        programme=programme, application=application, text=_text(text, "text", "异议内容", "objection", max_length=4000, required=True),
        raised_by=actor, raised_at=now,
    )
    audit_record(actor=actor, action="programme.objection_raise", obj=objection, org_path=programme.org.path)
    return objection


@transaction.atomic
def objection_resolve(*, actor: Any, objection: Objection, upheld: bool, resolution: str) -> Objection:
    """The city answers an objection; an upheld one reopens scoring (the result is withdrawn)."""
    objection = Objection.objects.select_for_update().select_related("programme", "programme__org").get(pk=objection.pk)
    require_city(actor, objection.programme)
    if objection.resolved_at is not None:
        raise IllegalTransition("该异议已处理", "this objection has been resolved", code="objection_resolved")
    if not isinstance(upheld, bool):
        raise field_error("upheld", "须说明异议是否成立", "say whether the objection is upheld")
    objection.upheld = upheld
    objection.resolution = _text(resolution, "resolution", "处理意见", "resolution", max_length=4000, required=True)
    objection.resolved_by = actor
    objection.resolved_at = clock.now()
    objection.save(update_fields=["upheld", "resolution", "resolved_by", "resolved_at"])
    audit_record(actor=actor, action="programme.objection_resolve", obj=objection, org_path=objection.programme.org.path, after={"upheld": upheld})
    if upheld:
        _reopen(actor=actor, programme=objection.programme, why=objection.resolution)
    return objection


def _reopen(*, actor: Any, programme: Programme, why: str) -> None:
    programme = _locked_programme(programme)
    if programme.state != Programme.State.PUBLISHED:
        return
    for app in Application.objects.select_for_update().filter(programme=programme, state__in=[S.SELECTED, S.NOT_SELECTED]):
        from_state = app.state
        app.state, app.rank = S.SHORTLISTED, None
        app.save(update_fields=["state", "rank"])
        _event(app, action="reopen", actor=actor, from_state=from_state, note=why)
    programme.state, programme.published_at, programme.objections_until = Programme.State.OPEN, None, None
    programme.save(update_fields=["state", "published_at", "objections_until"])
    audit_record(actor=actor, action="programme.reopen", obj=programme, org_path=programme.org.path, after={"why": why})


def award_ready_refusal(programme: Programme, *, now: dt.datetime) -> InvalidInput | IllegalTransition | None:
    """Why the programme's awards cannot be paid now (None: they can)."""
    if programme.state == Programme.State.AWARDED:
        return IllegalTransition("奖补资金已兑现", "the awards have been paid", code="programme_awarded")
    if programme.state != Programme.State.PUBLISHED or programme.objections_until is None:
        return IllegalTransition("评审结果尚未公示", "the result has not been published", code="programme_not_published")
    if now < programme.objections_until:
        return IllegalTransition("公示期未满", "the objection window is still open", code="objection_window_open")
    if programme.objections.filter(resolved_at__isnull=True).exists():
        return IllegalTransition("还有未处理的异议", "some objections are not resolved", code="objections_open")
    return None


def _pay_award(*, actor: Any, programme: Programme, app: Application, amount_fen: int, key: str) -> str:
    """Pay one winner's award into the village's fund account; returns the receipt's reference.

    Needs the market app's funds (`jifen.market.services.fund_receive`); until it is there the
    programme stops before paying anything.
    """
    raise IllegalTransition(
        "积分超市资金账户尚未启用，不能兑现奖补", "fund accounts (market) are not available yet; awards cannot be paid",
        code="funds_unavailable",
    )


@transaction.atomic
def programme_award(*, actor: Any, programme: Programme) -> Programme:
    """Pay each selected village its award (以奖代补) once the objection window has passed clean."""
    programme = _locked_programme(programme)
    require_city(actor, programme)
    now = clock.now()
    refusal = award_ready_refusal(programme, now=now)
    if refusal is not None:
        raise refusal
    selected = list(Application.objects.select_for_update().filter(programme=programme, state=S.SELECTED).select_related("village").order_by("rank"))
    amount = programme.award_fen
    for app in selected:
        key = f"programme:{programme.pk}:award:{app.pk}"
        reference = _pay_award(actor=actor, programme=programme, app=app, amount_fen=amount, key=key)
        app.award_fen, app.awarded_at, app.award_reference = amount, now, reference
        app.save(update_fields=["award_fen", "awarded_at", "award_reference"])
        _event(app, action="award", actor=actor, from_state=app.state, note=f"{amount}")
    programme.state, programme.awarded_at = Programme.State.AWARDED, now
    programme.save(update_fields=["state", "awarded_at"])
    audit_record(
        actor=actor, action="programme.award", obj=programme, org_path=programme.org.path,
        after={"villages": [a.village.path for a in selected], "each_fen": amount, "total_fen": amount * len(selected)},
    )
    return programme
