"""Grid management (篇5): posts, household links, visits, villagers' issues, counts and boards —
thin over jifen.grid services and selectors. Photos of visits are added on the pages (multipart)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Status

from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.grid import (
    BoardOut,
    CountsOut,
    GridPostFilter,
    GridPostIn,
    GridPostOut,
    HouseholdLinkOut,
    HouseholdMoveIn,
    HouseholdRefOut,
    HouseholdWorkerIn,
    IssueAssignIn,
    IssueCloseIn,
    IssueDetailOut,
    IssueFilter,
    IssueIn,
    IssueOut,
    IssueRateIn,
    MonthFilter,
    OrgFilter,
    VisitFilter,
    VisitIn,
    VisitOut,
    WorkerGapOut,
)
from jifen.api.scoping import access, actor, visible, visible_org
from jifen.core import clock
from jifen.core.errors import PermissionDenied, field_error
from jifen.grid import selectors, services
from jifen.grid.models import GridPost, Issue, IssueState, Visit
from jifen.orgs.models import Household, OrgUnit, subtree_q
from jifen.orgs.selectors import households_visible_to, people_visible_to

router = Router(tags=["grid 网格化管理"])


def post_out(post: GridPost) -> dict[str, Any]:
    return {
        "id": post.pk, "grid_id": post.grid_id, "grid_path": post.grid.path, "person_id": post.person_id,
        "person_name": post.person.name, "post": post.post, "phone": post.phone, "duties": post.duties,
        "since": post.since, "until": post.until,
    }


def household_ref(household: Household) -> dict[str, Any]:
    return {"id": household.pk, "number": household.number, "village_id": household.village_id,
            "org_id": household.org_id, "org_path": household.org.path}


def visit_out(visit: Visit) -> dict[str, Any]:
    return {
        "id": visit.pk, "household_id": visit.household_id, "grid_id": visit.grid_id, "visitor_id": visit.visitor_id,
        "visitor_name": visit.visitor.name, "visited_on": visit.visited_on, "notes": visit.notes,
        "photo_ids": [link.evidence_id for link in visit.photo_links.all()], "recorded_at": visit.recorded_at,
    }


def issue_out(issue: Issue, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    return {
        "id": issue.pk, "grid_id": issue.grid_id, "household_id": issue.household_id, "channel": issue.channel,
        "kind": issue.kind, "title": issue.title, "description": issue.description, "state": issue.state,
        "level": issue.level, "assignee_id": issue.assignee_id, "assignee_name": issue.assignee.name if issue.assignee else None,
        "deadline": issue.deadline, "overdue": issue.state != IssueState.CLOSED and issue.deadline < now,
        "created_at": issue.created_at, "closed_at": issue.closed_at, "action_taken": issue.action_taken, "rating": issue.rating,
    }


def _month(value: str | None) -> tuple[int, int]:
    if not value:
        today = services.local_today()
        return today.year, today.month
    year, month = value.split("-")
    return int(year), int(month)


def _grid(request: HttpRequest, org_id: int | None) -> OrgUnit:
    if org_id is None:
        raise field_error("org_id", "请指定组织", "org_id is required")
    return visible_org(request, org_id)


def _household(request: HttpRequest, household_id: int) -> Household:
    return visible(households_visible_to(access=access(request)), household_id, what="户", what_en="household")


def _issue(request: HttpRequest, issue_id: int) -> Issue:
    return visible(selectors.issues_visible_to(access=access(request)), issue_id, what="民情", what_en="issue")


# --- posts, links, moves -----------------------------------------------------------------------

@router.get("/grid/posts", response=Page[GridPostOut])
def grid_posts_list(request: HttpRequest, page: Query[PageIn], filters: Query[GridPostFilter]) -> Any:
    """在岗的网格长、指导员、网格员（公示的联系方式） / serving grid posts (public contact details)."""
    qs = selectors.grid_posts_visible_to(access=access(request)).filter(until__isnull=True)
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(_grid(request, filters.org_id).path, "grid__path"))
    return page_of(qs.order_by("grid__path", "post", "id"), page, post_out)


@router.post("/grid/posts", response={201: GridPostOut})
def grid_post_assign(request: HttpRequest, payload: GridPostIn) -> Any:
    """任命网格职务（组织管理员）；新网格长、指导员替换原任 / put a person on a grid post (org admins)."""
    grid = _grid(request, payload.org_id)
    person = visible(people_visible_to(access=access(request)), payload.person_id, what="人员", what_en="person")
    post = services.grid_post_assign(
        actor=actor(request), grid=grid, person=person, post=payload.post, phone=payload.phone, duties=payload.duties
    )
    return Status(201, post_out(GridPost.objects.select_related("grid", "person").get(pk=post.pk)))


@router.post("/grid/posts/{grid_post_id}/end", response=GridPostOut)
def grid_post_end(request: HttpRequest, grid_post_id: Id) -> Any:
    """结束职务；网格员的联系户待重新分配 / end a post; a worker's households become unlinked."""
    post = visible(selectors.grid_posts_visible_to(access=access(request)), grid_post_id, what="网格职务", what_en="grid post")
    ended = services.grid_post_end(actor=actor(request), grid_post=post)
    return post_out(GridPost.objects.select_related("grid", "person").get(pk=ended.pk))


@router.put("/grid/households/{household_id}/worker", response=HouseholdLinkOut)
def household_worker_set(request: HttpRequest, household_id: Id, payload: HouseholdWorkerIn) -> Any:
    """指定联系该户的网格员（组织管理员） / link a household to its grid worker (org admins)."""
    household = _household(request, household_id)
    post = visible(selectors.grid_posts_visible_to(access=access(request)), payload.grid_post_id, what="网格职务", what_en="grid post")
    link = services.household_link_set(actor=actor(request), household=household, worker=post)
    return {"household_id": link.household_id, "grid_post_id": link.worker_id, "since": link.since}


@router.post("/grid/households/{household_id}/move", response=HouseholdRefOut)
def household_move(request: HttpRequest, household_id: Id, payload: HouseholdMoveIn) -> Any:
    """把户划入本村的某个网格（组织管理员） / put a household into a grid of its village (org admins)."""
    household = _household(request, household_id)
    moved = services.household_grid_move(actor=actor(request), household=household, grid=_grid(request, payload.org_id))
    return household_ref(Household.objects.select_related("org").get(pk=moved.pk))


@router.get("/grid/households-without-grid", response=Page[HouseholdRefOut])
def households_without_grid(request: HttpRequest, page: Query[PageIn], filters: Query[OrgFilter]) -> Any:
    """未划入任何网格的户（不漏户） / households in no grid."""
    org = _grid(request, filters.org_id)
    qs = selectors.households_without_grid(org).filter(pk__in=households_visible_to(access=access(request)).values("pk"))
    return page_of(qs, page, household_ref)


@router.get("/grid/households-without-worker", response=Page[HouseholdRefOut])
def households_without_worker(request: HttpRequest, page: Query[PageIn], filters: Query[OrgFilter]) -> Any:
    """在网格中但没有网格员联系的户 / households in a grid that no grid worker looks after."""
    org = _grid(request, filters.org_id)
    qs = selectors.households_without_worker(org).filter(pk__in=households_visible_to(access=access(request)).values("pk"))
    return page_of(qs, page, household_ref)


# --- visits ------------------------------------------------------------------------------------

@router.get("/grid/visits", response=Page[VisitOut])
def visits_list(request: HttpRequest, page: Query[PageIn], filters: Query[VisitFilter]) -> Any:
    """入户走访记录 / home visits."""
    qs = selectors.visits_visible_to(access=access(request))
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(_grid(request, filters.org_id).path, "grid__path"))
    if filters.household_id is not None:
        qs = qs.filter(household=_household(request, filters.household_id))
    if filters.month:
        first, last = selectors.month_range(*_month(filters.month))
        qs = qs.filter(visited_on__gte=first, visited_on__lte=last)
    return page_of(qs.order_by("-visited_on", "-id"), page, visit_out)


@router.get("/grid/visits/{visit_id}", response=VisitOut)
def visit_detail(request: HttpRequest, visit_id: Id) -> Any:
    return visit_out(visible(selectors.visits_visible_to(access=access(request)), visit_id, what="走访记录", what_en="visit"))


@router.post("/grid/visits", response={201: VisitOut})
def visit_record(request: HttpRequest, payload: VisitIn) -> Any:
    """记录入户走访（本网格工作人员） / record a home visit (the grid's workers)."""
    household = _household(request, payload.household_id)
    visit = services.visit_record(actor=actor(request), household=household, visited_on=payload.visited_on, notes=payload.notes)
    return Status(201, visit_out(selectors.visits_visible_to(access=access(request)).get(pk=visit.pk)))


@router.get("/grid/not-visited", response=list[WorkerGapOut])
def households_not_visited(request: HttpRequest, filters: Query[MonthFilter]) -> Any:
    """每个网格员本月未走访的联系户（每月至少走访1次） / per grid worker, households not visited in the month."""
    org = _grid(request, filters.org_id)
    if not access(request).covers(org.path, ("recorder", "reviewer", "org_admin")):
        raise PermissionDenied("只有网格工作人员可以查看", "only grid staff may see this", code="forbidden")
    return [
        {
            "grid_post_id": gap.post.pk, "person_id": gap.post.person_id, "person_name": gap.post.person.name,
            "grid_id": gap.post.grid_id, "households": gap.households,
            "not_visited": [household_ref(h) for h in gap.not_visited],
        }
        for gap in selectors.households_not_visited(org, *_month(filters.month))
    ]


# --- issues ------------------------------------------------------------------------------------

@router.get("/grid/issues", response=Page[IssueOut])
def issues_list(request: HttpRequest, page: Query[PageIn], filters: Query[IssueFilter]) -> Any:
    """民情：投诉、纠纷、诉求、突发事件 / villagers' issues."""
    now = clock.now()
    qs = selectors.issues_visible_to(access=access(request))
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(_grid(request, filters.org_id).path, "grid__path"))
    if filters.household_id is not None:
        qs = qs.filter(household=_household(request, filters.household_id))
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.overdue is not None:
        late = ~Q(state=IssueState.CLOSED) & Q(deadline__lt=now)
        qs = qs.filter(late) if filters.overdue else qs.exclude(late)
    return page_of(qs.order_by("deadline", "id"), page, lambda i: issue_out(i, now))


@router.get("/grid/issues/{issue_id}", response=IssueDetailOut)
def issue_detail(request: HttpRequest, issue_id: Id) -> Any:
    """民情及其每一次状态变化 / an issue with every change of state."""
    issue = _issue(request, issue_id)
    history = [
        {"action": e.action, "at": e.at, "from_state": e.from_state, "to_state": e.to_state, "from_level": e.from_level,
         "to_level": e.to_level, "assignee_id": e.assignee_id, "deadline": e.deadline, "note": e.note}
        for e in selectors.issue_history(issue)
    ]
    return {**issue_out(issue), "history": history}


@router.post("/grid/issues", response={201: IssueOut})
def issue_report(request: HttpRequest, payload: IssueIn) -> Any:
    """登记民情（网格工作人员，或本户村民） / record an issue (grid staff, or the household's own members)."""
    household = _household(request, payload.household_id) if payload.household_id is not None else None
    grid = _grid(request, payload.org_id) if household is None and payload.org_id is not None else None
    issue = services.issue_report(
        actor=actor(request), kind=payload.kind, title=payload.title, description=payload.description,
        household=household, grid=grid,
    )
    return Status(201, issue_out(Issue.objects.select_related("assignee").get(pk=issue.pk)))


@router.post("/grid/issues/{issue_id}/assign", response=IssueOut)
def issue_assign(request: HttpRequest, issue_id: Id, payload: IssueAssignIn) -> Any:
    """分类并分派给责任人，明确办结时限 / classify and assign with a deadline."""
    issue = _issue(request, issue_id)
    assignee = visible(people_visible_to(access=access(request)), payload.assignee_id, what="人员", what_en="person")
    done = services.issue_assign(
        actor=actor(request), issue=issue, assignee=assignee, deadline=payload.deadline, kind=payload.kind, note=payload.note
    )
    return issue_out(Issue.objects.select_related("assignee").get(pk=done.pk))


@router.post("/grid/issues/{issue_id}/close", response=IssueOut)
def issue_close(request: HttpRequest, issue_id: Id, payload: IssueCloseIn) -> Any:
    """办结：办理结果与群众评价 / close with the action taken and the villager's rating."""
    issue = _issue(request, issue_id)
    done = services.issue_close(
        actor=actor(request), issue=issue, action_taken=payload.action_taken, rating=payload.rating, rating_note=payload.rating_note
    )
    return issue_out(Issue.objects.select_related("assignee").get(pk=done.pk))


@router.post("/grid/issues/{issue_id}/rate", response=IssueOut)
def issue_rate(request: HttpRequest, issue_id: Id, payload: IssueRateIn) -> Any:
    """村民评价办理结果（1–5） / the villager rates the result (1–5)."""
    issue = _issue(request, issue_id)
    done = services.issue_rate(actor=actor(request), issue=issue, rating=payload.rating, note=payload.note)
    return issue_out(Issue.objects.select_related("assignee").get(pk=done.pk))


@router.get("/grid/counts", response=CountsOut)
def issue_counts(request: HttpRequest, filters: Query[OrgFilter]) -> Any:
    """本单位及各下级的未办结、逾期、已办结民情数 / open, overdue and closed issues per child unit."""
    org = _grid(request, filters.org_id)
    if not access(request).covers(org.path, ("recorder", "reviewer", "org_admin")):
        raise PermissionDenied("只有网格工作人员可以查看", "only grid staff may see this", code="forbidden")
    total, children = selectors.issue_counts(org, now=clock.now())

    def row(c: selectors.UnitCounts) -> dict[str, Any]:
        return {"org_id": c.unit.pk, "org_path": c.unit.path, "name": c.unit.name, "open": c.open, "overdue": c.overdue, "closed": c.closed}

    return {"total": row(total), "children": [row(c) for c in children]}


@router.get("/grid/boards/{org_id}", response=list[BoardOut])
def boards(request: HttpRequest, org_id: Id) -> Any:
    """网格服务公示牌（一个网格，或一个村的全部网格） / service boards of a grid or of a village's grids."""
    org = _grid(request, org_id)
    grids = [org] if org.kind.code == "grid" else list(selectors.grids_in(org)[:200])
    out = []
    for grid in grids:
        sheet = selectors.contact_sheet(grid)
        out.append({
            "grid_id": grid.pk, "grid_path": grid.path, "grid_name": grid.name,
            "village_name": sheet.village.name if sheet.village else None,
            "posts": [post_out(p) for p in sheet.posts],
            "supervision_phone": sheet.board.supervision_phone if sheet.board else "",
            "work_content": sheet.board.work_content if sheet.board else "", "households": sheet.households,
        })
    return out
