"""Grid pages (篇5): the grid worker's phone pages (my households, record a visit with photos,
record an issue, my overdue list), an issue's page, the township's and village's counts, and
each grid's printable contact sheet. Writes go through `jifen.grid.services`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from jifen.claims.evidence import evidence_path
from jifen.core import clock
from jifen.core.errors import JifenError, NotFound, PermissionDenied
from jifen.grid import authz, selectors, services
from jifen.grid.models import GridPost, Issue, IssueKind, IssueState, Visit
from jifen.orgs.models import Household, HouseholdMember, OrgUnit, Person, Role
from jifen.orgs.selectors import (
    access_for,
    org_by_path,
    org_roots_for,
    org_units_visible_to,
    user_has_role,
)
from jifen.web.forms import add_service_error

OVERVIEW_ROLES = (Role.RECORDER, Role.REVIEWER, Role.ORG_ADMIN)
LIST_LIMIT = 100


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe); the service checks their content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=gettext_lazy("走访日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    notes = forms.CharField(label=gettext_lazy("走访记录"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultipleFileField(
        label=gettext_lazy("照片"), required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
        help_text=gettext_lazy("最多9张，JPEG、PNG或WebP；位置等信息会被去除。"),
    )
    key = forms.CharField(widget=forms.HiddenInput)


class IssueForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=IssueKind.choices)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100)
    description = forms.CharField(label=gettext_lazy("详细情况"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    key = forms.CharField(widget=forms.HiddenInput)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=gettext_lazy("责任人"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=IssueKind.choices)
    deadline = forms.DateField(label=gettext_lazy("办结时限"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=500)


class CloseForm(forms.Form):
    action_taken = forms.CharField(label=gettext_lazy("办理结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    rating = forms.TypedChoiceField(
        label=gettext_lazy("群众评价"), required=False, coerce=int, empty_value=None,
        choices=[("", gettext_lazy("（尚未评价）"))] + [(str(n), str(n)) for n in range(5, 0, -1)],
    )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=gettext_lazy("评价（5分最满意）"), coerce=int, choices=[(str(n), str(n)) for n in range(5, 0, -1)])
    note = forms.CharField(label=gettext_lazy("评价说明"), required=False, max_length=200)


def _month(request: HttpRequest) -> tuple[int, int]:
    today = services.local_today()
    raw = request.GET.get("month", "")
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        dt.date(year, month, 1)
    except ValueError:
        return today.year, today.month
    return year, month


def _end_of_day(day: dt.date) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=ZoneInfo(services.TIME_ZONE))


# --- the grid worker's pages -------------------------------------------------------------------

@login_required
def home(request: HttpRequest) -> HttpResponse:
    """My grid work: my households with this month's visits, my open and overdue issues."""
    person_id = request.user.person_id
    today = services.local_today()
    posts = list(selectors.worker_posts_of(person_id))
    visited = set(
        Visit.objects.filter(
            grid__in=[p.grid_id for p in posts], visited_on__gte=today.replace(day=1), visited_on__lte=today
        ).values_list("household_id", flat=True)
    )
    worker_posts = []
    for post in posts:
        households = list(selectors.households_of_worker(post)) if post.post == GridPost.Post.WORKER else []
        worker_posts.append({"post": post, "households": [(h, h.pk in visited) for h in households],
                             "not_visited": sum(1 for h in households if h.pk not in visited)})
    now = clock.now()
    mine = (
        Issue.objects.filter(assignee_id=person_id or 0).exclude(state=IssueState.CLOSED)
        .select_related("grid", "household").order_by("deadline", "id")[:LIST_LIMIT]
    )
    roots = org_roots_for(user=request.user, roles=OVERVIEW_ROLES)
    own_household = _own_household(request)
    reported = (
        Issue.objects.filter(Q(reporter_id=person_id or 0) | Q(household=own_household))
        .select_related("grid", "household").order_by("-created_at", "-id")[:20]
        if person_id else []
    )
    context = {
        "posts": worker_posts, "reported": reported, "mine": mine, "overdue_count": selectors.issues_overdue_for(person_id, now=now).count(),
        "now": now, "roots": roots, "own_household": own_household,
    }
    return render(request, "web/grid/home.html", context)


def _own_household(request: HttpRequest) -> Household | None:
    stay = HouseholdMember.objects.filter(person_id=request.user.person_id or 0, left_on__isnull=True).select_related("household").first()
    return stay.household if stay else None


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    issues = selectors.issues_overdue_for(request.user.person_id, now=clock.now())[:LIST_LIMIT]
    return render(request, "web/grid/overdue.html", {"issues": issues, "now": clock.now()})


def _household_for_work(request: HttpRequest, pk: int) -> Household:
    household = get_object_or_404(Household.objects.select_related("org", "org__kind", "head", "subject"), pk=pk)
    authz.require_work_in(request.user, household.org)
    return household


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household_for_work(request, pk)
    form = VisitForm(request.POST or None, request.FILES or None, initial={"visited_on": services.local_today(), "key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                actor=request.user, household=household, visited_on=data["visited_on"], notes=data["notes"],
                photos=request.FILES.getlist("photos"), key=data["key"],
            )
        except JifenError as exc:
            if isinstance(exc.detail, dict) and exc.detail.get("field") == "evidence":
                exc.detail["field"] = "photos"
            add_service_error(form, exc)
        else:
            messages.success(request, _("已记录对「%(name)s」的走访。") % {"name": household.subject.name})
            return redirect("grid_home")
    recent = Visit.objects.filter(household=household).select_related("visitor")[:5]
    status = 422 if form.errors else 200
    return render(request, "web/grid/visit_new.html", {"household": household, "form": form, "recent": recent}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def issue_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an issue for a household: its grid's workers, or one of the household's own members."""
    household = get_object_or_404(Household.objects.select_related("org", "org__kind", "subject"), pk=pk)
    is_own = HouseholdMember.objects.filter(household=household, person_id=request.user.person_id or 0, left_on__isnull=True).exists()
    if not is_own:
        authz.require_work_in(request.user, household.org)
    form = IssueForm(request.POST or None, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            issue = services.issue_report(
                actor=request.user, household=household, kind=data["kind"], title=data["title"],
                description=data["description"], key=data["key"],
            )
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("民情已登记，办结时限：%(deadline)s。") % {"deadline": _local(issue.deadline)})
            return redirect("grid_issue", pk=issue.pk)
    return render(request, "web/grid/issue_new.html", {"household": household, "form": form}, status=422 if form.errors else 200)


@login_required
def issue_mine(request: HttpRequest) -> HttpResponse:
    """A villager's way in: the issue form for their own household."""
    household = _own_household(request)
    if household is None:
        raise NotFound("您不在任何家庭户中", "you are not in any household", code="no_household")
    return redirect("grid_issue_new", pk=household.pk)


def _local(value: dt.datetime) -> str:
    from zoneinfo import ZoneInfo

    return value.astimezone(ZoneInfo(services.TIME_ZONE)).strftime("%Y-%m-%d %H:%M")


def _visible_issue(request: HttpRequest, pk: int) -> Issue:
    issue = selectors.issues_visible_to(access=access_for(request.user)).filter(pk=pk).select_related("grid__parent").first()
    if issue is None:
        raise NotFound("找不到该民情", "no such issue", code="not_found")
    return issue


def _assign_form(issue: Issue, data: Any = None) -> AssignForm:
    form = AssignForm(data, initial={"kind": issue.kind, "assignee": issue.assignee_id, "deadline": services.local_today() + dt.timedelta(days=7)})
    village = issue.grid.parent or issue.grid
    posts = GridPost.objects.filter(grid__parent=village, until__isnull=True).values("person_id")
    form.fields["assignee"].queryset = Person.objects.filter(pk__in=posts).order_by("name", "id")
    return form


@login_required
def issue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issue = _visible_issue(request, pk)
    return _issue_page(request, issue)


def _issue_page(request: HttpRequest, issue: Issue, *, assign_form: AssignForm | None = None,
                close_form: CloseForm | None = None, rate_form: RateForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    is_assignee = issue.assignee_id is not None and issue.assignee_id == user.person_id
    manage = authz.can_manage(user, issue.grid)
    work = manage or authz.can_work_in(user, issue.grid)
    own = issue.reporter_id == user.person_id or HouseholdMember.objects.filter(
        household_id=issue.household_id or 0, person_id=user.person_id or 0, left_on__isnull=True
    ).exists()
    open_ = issue.state != IssueState.CLOSED
    context = {
        "issue": issue, "history": selectors.issue_history(issue), "now": clock.now(),
        "overdue": open_ and issue.deadline < clock.now(),
        "assign_form": (assign_form or _assign_form(issue)) if open_ and (manage or (work and issue.level == 0)) else None,
        "close_form": (close_form or CloseForm()) if open_ and (manage or is_assignee) else None,
        "rate_form": (rate_form or RateForm()) if not open_ and issue.rating is None and (own or work) else None,
    }
    return render(request, "web/grid/issue_detail.html", context, status=status)


@login_required
@require_POST
def issue_assign(request: HttpRequest, pk: int) -> HttpResponse:
    issue = _visible_issue(request, pk)
    form = _assign_form(issue, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.issue_assign(
                actor=request.user, issue=issue, assignee=data["assignee"], kind=data["kind"], note=data["note"],
                deadline=_end_of_day(data["deadline"]),
            )
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已分派。"))
            return redirect("grid_issue", pk=issue.pk)
    return _issue_page(request, issue, assign_form=form, status=422)


@login_required
@require_POST
def issue_close(request: HttpRequest, pk: int) -> HttpResponse:
    issue = _visible_issue(request, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.issue_close(
                actor=request.user, issue=issue, action_taken=form.cleaned_data["action_taken"], rating=form.cleaned_data["rating"]
            )
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已办结。"))
            return redirect("grid_issue", pk=issue.pk)
    return _issue_page(request, issue, close_form=form, status=422)


@login_required
@require_POST
def issue_rate(request: HttpRequest, pk: int) -> HttpResponse:
    issue = _visible_issue(request, pk)
    form = RateForm(request.POST)
    if form.is_valid():
        try:
            services.issue_rate(actor=request.user, issue=issue, rating=form.cleaned_data["rating"], note=form.cleaned_data["note"])
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("感谢您的评价。"))
            return redirect("grid_issue", pk=issue.pk)
    return _issue_page(request, issue, rate_form=form, status=422)


@login_required
def visit_photo(request: HttpRequest, pk: int, evidence_id: int, thumb: bool = False) -> HttpResponse:
    visit = selectors.visits_visible_to(access=access_for(request.user)).filter(pk=pk).first()
    link = visit.photo_links.filter(evidence_id=evidence_id).select_related("evidence").first() if visit else None
    if link is None:
        raise NotFound("找不到该照片", "no such photo", code="not_found")
    evidence = link.evidence
    content_type = "image/jpeg" if thumb else f"image/{evidence.format}"
    response = FileResponse(evidence_path(evidence, thumb=thumb).open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visits_visible_to(access=access_for(request.user)).filter(pk=pk).first()
    if visit is None:
        raise NotFound("找不到该走访记录", "no such visit", code="not_found")
    return render(request, "web/grid/visit_detail.html", {"visit": visit, "photos": list(visit.photo_links.all())})


# --- township, village and grid views ----------------------------------------------------------

def _overview_org(request: HttpRequest, path: str) -> OrgUnit:
    org = org_by_path(path)
    if not (user_has_role(user=request.user, org=org, roles=OVERVIEW_ROLES) or (
        org.kind.code == "grid" and authz.holds_post(request.user, org, tuple(GridPost.Post.values))
    )):
        raise PermissionDenied(f"您无权查看「{org.name}」的网格情况", f"you may not see the grids of {org.path}", code="forbidden")
    return org


@login_required
def overview_home(request: HttpRequest) -> HttpResponse:
    roots = org_roots_for(user=request.user, roles=OVERVIEW_ROLES)
    if len(roots) == 1:
        return redirect("grid_overview", path=roots[0].path)
    if not roots:
        raise PermissionDenied("您没有可查看的网格", "you have no grids to see", code="forbidden")
    return render(request, "web/grid/overview_index.html", {"roots": roots})


@login_required
def overview(request: HttpRequest, path: str) -> HttpResponse:
    """Counts for a township, village or grid: issues open/overdue per child, households in no
    grid or with no worker, and households not visited this month per grid worker."""
    org = _overview_org(request, path)
    year, month = _month(request)
    now = clock.now()
    total, children = selectors.issue_counts(org, now=now)
    without_grid = selectors.households_without_grid(org)
    without_worker = selectors.households_without_worker(org)
    gaps = selectors.households_not_visited(org, year, month)
    context = {
        "org": org, "context_unit": org, "total": total, "children": children,
        "without_grid": without_grid[:LIST_LIMIT], "without_grid_count": without_grid.count(),
        "without_worker": without_worker[:LIST_LIMIT], "without_worker_count": without_worker.count(),
        "gaps": gaps, "month": f"{year:04d}-{month:02d}", "visits": selectors.visits_in_month(org, year, month).count(),
        "grids": selectors.grids_in(org)[:LIST_LIMIT] if org.kind.code != "township" else [],
        "open_issues": selectors.issues_in(org).exclude(state=IssueState.CLOSED).order_by("deadline", "id")[:LIST_LIMIT],
        "now": now,
    }
    return render(request, "web/grid/overview.html", context)


@login_required
def board(request: HttpRequest, path: str) -> HttpResponse:
    """The printable service board (服务公示牌) of a grid, or of every grid in a village."""
    org = org_by_path(path)
    if not org_units_visible_to(access=access_for(request.user)).filter(pk=org.pk).exists() and not authz.holds_post(
        request.user, org, tuple(GridPost.Post.values)
    ):
        raise NotFound("找不到该组织", "no such org unit", code="not_found")
    grids = [org] if org.kind.code == "grid" else list(selectors.grids_in(org)[:LIST_LIMIT])
    sheets = [selectors.contact_sheet(grid) for grid in grids]
    return render(request, "web/grid/board.html", {"org": org, "context_unit": org, "sheets": sheets})
