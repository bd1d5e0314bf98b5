"""The demonstration-village programme (篇1): thin over jifen.programme services and selectors.
Attachments are uploaded on the pages (multipart); money is integer fen."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.programme import (
    ApplicationFilter,
    ApplicationIn,
    ApplicationOut,
    DeclineIn,
    NoteIn,
    ObjectionIn,
    ObjectionOut,
    ObjectionResolveIn,
    ProgrammeCreateIn,
    ProgrammeDetailOut,
    ProgrammeOut,
    PublishIn,
    ScoresIn,
)
from jifen.api.scoping import actor, visible, visible_org
from jifen.core.errors import field_error
from jifen.programme import selectors, services
from jifen.programme.models import Application, Objection, Programme

router = Router(tags=["programme 示范村项目"])

PROGRAMME_FIELDS = (
    "id", "code", "name", "org_id", "budget_fen", "awards", "shortlist_limit", "opens_at", "closes_at", "period_start",
    "period_end", "state", "published_at", "objections_until", "awarded_at",
)


def programme_out(programme: Programme) -> dict[str, Any]:
    return {**{f: getattr(programme, f) for f in PROGRAMME_FIELDS}, "award_fen": programme.award_fen}


def application_out(app: Application) -> dict[str, Any]:
    return {
        "id": app.pk, "programme_id": app.programme_id, "village_id": app.village_id, "village_name": app.village.name,
        "county_id": app.county_id, "state": app.state, "contact_name": app.contact_name, "contact_phone": app.contact_phone,
        "summary": app.summary, "statements": app.statements, "facts": app.facts, "facts_at": app.facts_at,
        "shortlist_slot": app.shortlist_slot, "county_note": app.county_note, "score_total": app.score_total,
        "scores": {str(s.criterion.number): s.score for s in app.scores.all()}, "rank": app.rank,
        "award_fen": app.award_fen, "awarded_at": app.awarded_at,
        "attachments": [a.name for a in app.attachments.all()], "submitted_at": app.submitted_at,
    }


def objection_out(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.pk, "programme_id": objection.programme_id, "application_id": objection.application_id,
        "text": objection.text, "raised_at": objection.raised_at, "upheld": objection.upheld,
        "resolution": objection.resolution, "resolved_at": objection.resolved_at,
    }


def _programme(request: HttpRequest, programme_id: int) -> Programme:
    return visible(selectors.programmes_visible_to(user=request.auth), programme_id, what="项目", what_en="programme")  # type: ignore[attr-defined]


def _application(request: HttpRequest, application_id: int) -> Application:
    qs = selectors.applications_visible_to(user=request.auth).prefetch_related("scores__criterion", "attachments")  # type: ignore[attr-defined]
    return visible(qs, application_id, what="申报", what_en="application")


def _fresh(app: Application) -> dict[str, Any]:
    return application_out(
        Application.objects.select_related("village").prefetch_related("scores__criterion", "attachments").get(pk=app.pk)
    )


@router.get("/programmes", response=Page[ProgrammeOut])
def programmes_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    """调用者所在地区的示范村项目 / programmes run above or within the caller's units."""
    qs = selectors.programmes_visible_to(user=request.auth)  # type: ignore[attr-defined]
    return page_of(qs.order_by("-opens_at", "id"), page, programme_out)


@router.get("/programmes/{programme_id}", response=ProgrammeDetailOut)
def programme_detail(request: HttpRequest, programme_id: Id) -> Any:
    """项目、评审条件和公示后的结果 / a programme, its criteria and its published result."""
    programme = _programme(request, programme_id)
    criteria = [
        {"number": c.number, "name": c.name, "description": c.description, "max_score": c.max_score}
        for c in programme.criteria.all()
    ]
    result = [
        {"application_id": a.pk, "village_id": a.village_id, "village_name": a.village.name, "county_id": a.county_id,
         "rank": a.rank, "score_total": a.score_total, "state": a.state, "award_fen": a.award_fen}
        for a in selectors.published_result(programme)
    ]
    return {**programme_out(programme), "criteria": criteria, "result": result}


@router.post("/programmes", response={201: ProgrammeOut})
def programme_create(request: HttpRequest, payload: ProgrammeCreateIn) -> Any:
    """设立项目（主办单位的组织管理员）；评审条件为六项申报条件 / create a programme (org admins of the organiser)."""
    org = visible_org(request, payload.org_id)
    programme = services.programme_create(
        actor=actor(request), org=org, code=payload.code, name=payload.name, budget_fen=payload.budget_fen,
        awards=payload.awards, shortlist_limit=payload.shortlist_limit, opens_at=payload.opens_at,
        closes_at=payload.closes_at, period_start=payload.period_start, period_end=payload.period_end,
    )
    return Status(201, programme_out(programme))


@router.get("/programmes/{programme_id}/applications", response=Page[ApplicationOut])
def applications_list(request: HttpRequest, programme_id: Id, page: Query[PageIn], filters: Query[ApplicationFilter]) -> Any:
    """调用者可见的申报（本村、本县、本市） / applications the caller may see."""
    programme = _programme(request, programme_id)
    qs = (
        selectors.applications_visible_to(user=request.auth)  # type: ignore[attr-defined]
        .filter(programme=programme)
        .prefetch_related("scores__criterion", "attachments")
    )
    if filters.county_id is not None:
        qs = qs.filter(county=visible_org(request, filters.county_id))
    if filters.state:
        qs = qs.filter(state=filters.state)
    return page_of(qs.order_by("county__path", "village__path"), page, application_out)


@router.post("/programmes/{programme_id}/applications", response={201: ApplicationOut})
def application_submit(request: HttpRequest, programme_id: Id, payload: ApplicationIn) -> Any:
    """村申报（村干部）；平台同时记录本村的参与率、兑换率等数据 / a village applies; measured facts are stored."""
    programme = _programme(request, programme_id)
    village = visible_org(request, payload.village_id)
    app = services.application_submit(
        actor=actor(request), programme=programme, village=village, contact_name=payload.contact_name,
        contact_phone=payload.contact_phone, summary=payload.summary, statements=payload.statements,
    )
    return Status(201, _fresh(app))


@router.get("/programme-applications/{application_id}", response=ApplicationOut)
def application_detail(request: HttpRequest, application_id: Id) -> Any:
    return application_out(_application(request, application_id))


@router.post("/programme-applications/{application_id}/shortlist", response=ApplicationOut)
def application_shortlist(request: HttpRequest, application_id: Id, payload: NoteIn) -> Any:
    """县级推荐（每县至多3个） / the county shortlists (at most 3 per county)."""
    app = services.application_shortlist(actor=actor(request), application=_application(request, application_id), note=payload.note)
    return _fresh(app)


@router.post("/programme-applications/{application_id}/decline", response=ApplicationOut)
def application_decline(request: HttpRequest, application_id: Id, payload: DeclineIn) -> Any:
    """县级不推荐（或撤回推荐） / the county declines (or withdraws a shortlisting)."""
    app = services.application_decline(actor=actor(request), application=_application(request, application_id), note=payload.note)
    return _fresh(app)


@router.post("/programme-applications/{application_id}/scores", response=ApplicationOut)
def application_score(request: HttpRequest, application_id: Id, payload: ScoresIn) -> Any:
    """市级按条件评分 / the city scores a shortlisted village against every criterion."""
    app = _application(request, application_id)
    try:
        scores = {int(number): value for number, value in payload.scores.items()}
    except ValueError:
        raise field_error("scores", "条件编号须为整数", "criterion numbers are whole numbers") from None
    return _fresh(services.application_score(actor=actor(request), application=app, scores=scores))


@router.post("/programmes/{programme_id}/publish", response=ProgrammeOut)
def programme_publish(request: HttpRequest, programme_id: Id, payload: PublishIn) -> Any:
    """排名并公示评审结果 / rank and publish the result for objections."""
    programme = services.programme_publish(
        actor=actor(request), programme=_programme(request, programme_id), objection_days=payload.objection_days
    )
    return programme_out(programme)


@router.post("/programmes/{programme_id}/objections", response={201: ObjectionOut})
def objection_raise(request: HttpRequest, programme_id: Id, payload: ObjectionIn) -> Any:
    """在公示期内提出异议 / object to the published result."""
    programme = _programme(request, programme_id)
    application = None
    if payload.application_id is not None:
        application = visible(Application.objects.filter(programme=programme, rank__isnull=False), payload.application_id,
                              what="申报", what_en="application")
    objection = services.objection_raise(actor=actor(request), programme=programme, text=payload.text, application=application)
    return Status(201, objection_out(objection))


@router.get("/programmes/{programme_id}/objections", response=list[ObjectionOut])
def objections_list(request: HttpRequest, programme_id: Id) -> Any:
    """项目的异议（主办单位管理员） / objections to the result (the organiser's admins)."""
    programme = _programme(request, programme_id)
    services.require_city(actor(request), programme)
    return [objection_out(o) for o in programme.objections.order_by("raised_at", "id")]


@router.post("/programme-objections/{programme_objection_id}/resolve", response=ObjectionOut)
def objection_resolve(request: HttpRequest, programme_objection_id: Id, payload: ObjectionResolveIn) -> Any:
    """处理异议；成立则撤回结果重新评审 / resolve an objection; an upheld one withdraws the result."""
    objection = visible(
        Objection.objects.filter(programme__in=selectors.programmes_visible_to(user=request.auth)),  # type: ignore[attr-defined]
        programme_objection_id, what="异议", what_en="objection",
    )
    done = services.objection_resolve(actor=actor(request), objection=objection, upheld=payload.upheld, resolution=payload.resolution)
    return objection_out(done)


@router.post("/programmes/{programme_id}/award", response=ProgrammeOut)
def programme_award(request: HttpRequest, programme_id: Id) -> Any:
    """公示无异议后兑现奖补资金到入选村的资金账户 / pay the awards once the objection window has passed clean."""
    return programme_out(services.programme_award(actor=actor(request), programme=_programme(request, programme_id)))
