"""Reads of grid management. The monthly report (jifen.reports) reads `visits_in_month` and
`issues_open_overdue`; both take an org unit and cover its whole subtree (see docs/grid.md).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from jifen.claims.models import Evidence
from jifen.grid.models import (
    GridPost,
    HouseholdLink,
    Issue,
    IssueEvent,
    IssueState,
    ServiceBoard,
    Visit,
)
from jifen.orgs.models import Household, HouseholdMember, OrgUnit, subtree_q
from jifen.orgs.selectors import STAFF_ROLES, Access


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    """First and last day of the month."""
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def visits_in_month(org: OrgUnit, year: int, month: int) -> QuerySet[Visit]:
    """Visits made in the month (by `visited_on`, a local date) to households in `org`'s subtree."""
    first, last = month_range(year, month)
    return Visit.objects.filter(subtree_q(org.path, "grid__path"), visited_on__gte=first, visited_on__lte=last)


@dataclass(frozen=True)
class OpenOverdue:
    open: int
    overdue: int


def issues_open_overdue(org: OrgUnit, on: dt.datetime) -> OpenOverdue:
    """Issues in `org`'s subtree open at the instant `on` (created before it, not closed by then),
    and how many of those were past their deadline then.

    "Past the deadline" reads the issue's current deadline: an issue escalated since `on` carries
    the new level's later deadline, so a count for a past instant can only be lower than it was.
    """
    qs = Issue.objects.filter(subtree_q(org.path, "grid__path"), created_at__lte=on).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=on)
    )
    counts = qs.aggregate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=on)))
    return OpenOverdue(open=counts["open"], overdue=counts["overdue"])


def grids_in(org: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(subtree_q(org.path), kind__code="grid", is_active=True).order_by("path")


def households_without_grid(org: OrgUnit) -> QuerySet[Household]:
    """Active households in the subtree whose unit is not a grid (篇5: 不漏户)."""
    return (
        Household.objects.filter(subtree_q(org.path, "org__path"), is_active=True)
        .exclude(org__kind__code="grid")
        .select_related("org", "village", "head")
        .order_by("village__path", "number")
    )


def households_without_worker(org: OrgUnit) -> QuerySet[Household]:
    """Active households in a grid of the subtree that no serving grid worker looks after."""
    linked = HouseholdLink.objects.filter(until__isnull=True).values("household_id")
    return (
        Household.objects.filter(subtree_q(org.path, "org__path"), is_active=True, org__kind__code="grid")
        .exclude(pk__in=linked)
        .select_related("org", "village", "head")
        .order_by("org__path", "number")
    )


POST_ORDER = {GridPost.Post.LEADER: 0, GridPost.Post.GUIDE: 1, GridPost.Post.WORKER: 2}


def grid_posts(grid: OrgUnit) -> list[GridPost]:
    """Serving posts of the grid, leader first, then guide, then workers."""
    qs = GridPost.objects.filter(grid=grid, until__isnull=True).select_related("person")
    return sorted(qs, key=lambda p: (POST_ORDER[GridPost.Post(p.post)], p.pk))


def worker_posts_of(person_id: int | None) -> QuerySet[GridPost]:
    if person_id is None:
        return GridPost.objects.none()
    return GridPost.objects.filter(person_id=person_id, until__isnull=True).select_related("grid", "grid__parent")


def households_of_worker(post: GridPost) -> QuerySet[Household]:
    return (
        Household.objects.filter(grid_links__worker=post, grid_links__until__isnull=True, is_active=True)
        .select_related("head", "subject")
        .order_by("number")
    )


@dataclass
class WorkerGap:
    """A grid worker and their households not visited in a month."""

    post: GridPost
    households: int
    not_visited: list[Household] = field(default_factory=list)


def households_not_visited(org: OrgUnit, year: int, month: int) -> list[WorkerGap]:
    """Per serving grid worker in the subtree: their linked households with no visit in the month
    (篇5: 每月至少开展1次入户走访). Three queries whatever the size."""
    first, last = month_range(year, month)
    posts = list(
        GridPost.objects.filter(subtree_q(org.path, "grid__path"), post=GridPost.Post.WORKER, until__isnull=True)
        .select_related("person", "grid")
        .order_by("grid__path", "id")
    )
    links = (
        HouseholdLink.objects.filter(worker__in=posts, until__isnull=True, household__is_active=True)
        .select_related("household", "household__head")
        .order_by("household__number")
    )
    visited = set(
        Visit.objects.filter(subtree_q(org.path, "grid__path"), visited_on__gte=first, visited_on__lte=last)
        .values_list("household_id", flat=True)
    )
    by_post: dict[int, WorkerGap] = {p.pk: WorkerGap(post=p, households=0) for p in posts}
    for link in links:
        gap = by_post[link.worker_id]
        gap.households += 1
        if link.household_id not in visited:
            gap.not_visited.append(link.household)
    return list(by_post.values())


@dataclass
class UnitCounts:
    unit: OrgUnit
    open: int = 0
    overdue: int = 0
    closed: int = 0


def issue_counts(org: OrgUnit, *, now: dt.datetime) -> tuple[UnitCounts, list[UnitCounts]]:
    """Open, overdue and closed issue counts for `org` and each of its direct children (a township's
    villages, a village's grids), in two queries."""
    rows = (
        Issue.objects.filter(subtree_q(org.path, "grid__path"))
        .values("grid__path")
        .annotate(
            open=Count("id", filter=~Q(state=IssueState.CLOSED)),
            overdue=Count("id", filter=~Q(state=IssueState.CLOSED) & Q(deadline__lt=now)),
            closed=Count("id", filter=Q(state=IssueState.CLOSED)),
        )
    )
    children = list(org.children.filter(is_active=True).select_related("kind").order_by("path"))
    total = UnitCounts(unit=org)
    per = {c.path: UnitCounts(unit=c) for c in children}
    for row in rows:
        path = row["grid__path"]
        targets = [total] + [c for p, c in per.items() if path == p or path.startswith(p + "/")]
        for target in targets:
            target.open += row["open"]
            target.overdue += row["overdue"]
            target.closed += row["closed"]
    return total, list(per.values())


def issues_in(org: OrgUnit) -> QuerySet[Issue]:
    return Issue.objects.filter(subtree_q(org.path, "grid__path")).select_related("grid", "household", "assignee", "reporter")


def issues_overdue_for(person_id: int | None, *, now: dt.datetime) -> QuerySet[Issue]:
    """Open issues past their deadline that the person answers for: assigned to them, or in a grid
    where they are the grid worker of the household or the grid leader."""
    if person_id is None:
        return Issue.objects.none()
    led = GridPost.objects.filter(person_id=person_id, until__isnull=True, post=GridPost.Post.LEADER).values("grid_id")
    return (
        Issue.objects.filter(~Q(state=IssueState.CLOSED), deadline__lt=now)
        .filter(Q(assignee_id=person_id) | Q(grid_id__in=led))
        .select_related("grid", "household", "assignee")
        .order_by("deadline", "id")
    )


def issue_history(issue: Issue) -> QuerySet[IssueEvent]:
    return issue.events.select_related("actor", "assignee").order_by("at", "id")


def visit_photos(visit: Visit) -> QuerySet[Evidence]:
    return Evidence.objects.filter(visit_links__visit=visit).order_by("visit_links__order", "visit_links__id")


@dataclass
class ContactSheet:
    grid: OrgUnit
    village: OrgUnit | None
    posts: list[GridPost]
    board: ServiceBoard | None
    households: int


def contact_sheet(grid: OrgUnit) -> ContactSheet:
    """Everything the grid's printed service board shows (篇5 服务公示制度)."""
    return ContactSheet(
        grid=grid,
        village=grid.parent,
        posts=grid_posts(grid),
        board=ServiceBoard.objects.filter(grid=grid).first(),
        households=Household.objects.filter(org=grid, is_active=True).count(),
    )


# --- what a viewer may see (API and pages) -----------------------------------------------------

def _post_grid_ids(access: Access) -> list[int]:
    if access.person_id is None:
        return []
    return list(GridPost.objects.filter(person_id=access.person_id, until__isnull=True).values_list("grid_id", flat=True))


def _own_household_ids(access: Access) -> Any:
    return HouseholdMember.objects.filter(person_id=access.person_id or 0, left_on__isnull=True).values("household_id")


def visits_visible_to(*, access: Access) -> QuerySet[Visit]:
    """Staff over the grid and the grid's post holders see its visits; a villager their household's."""
    if access.user is None:
        return Visit.objects.none()
    condition = access.org_q(STAFF_ROLES, "grid__path") | Q(grid_id__in=_post_grid_ids(access)) | Q(
        household_id__in=_own_household_ids(access)
    )
    return Visit.objects.filter(condition).select_related("household", "visitor", "grid").prefetch_related(
        Prefetch("photo_links", queryset=_photo_links())
    )


def _photo_links() -> QuerySet[Any]:
    from jifen.grid.models import VisitPhoto

    return VisitPhoto.objects.select_related("evidence").order_by("order", "id")


def issues_visible_to(*, access: Access) -> QuerySet[Issue]:
    """Staff over the grid, its post holders, the assignee, the reporter and the household see an issue."""
    if access.user is None:
        return Issue.objects.none()
    person = access.person_id or 0
    condition = (
        access.org_q(STAFF_ROLES, "grid__path")
        | Q(grid_id__in=_post_grid_ids(access))
        | Q(assignee_id=person)
        | Q(reporter_id=person)
        | Q(household_id__in=_own_household_ids(access))
    )
    return Issue.objects.filter(condition).select_related("grid", "household", "assignee", "reporter")


def grid_posts_visible_to(*, access: Access) -> QuerySet[GridPost]:
    """Grid posts are public contact details (服务公示): anyone signed in with a binding over the grid sees them."""
    if access.user is None:
        return GridPost.objects.none()
    from jifen.orgs.models import Role

    condition = access.org_q(Role.values, "grid__path") | Q(grid_id__in=_post_grid_ids(access))
    return GridPost.objects.filter(condition).select_related("grid", "person")
