"""The recorder's (记录员/网格员) workbench: the pre-review queue, finding a person fast,
declaring on someone's behalf, activities with ticked attendance, spot checks, and the grid's
households with those who have not taken part yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.claims import caps
from jifen.claims import selectors as claims_sel
from jifen.claims import services as claims
from jifen.claims.authz import RECORDER_UP
from jifen.claims.models import DEAD_STATES, Activity, ActivityAttendance, Claim, ClaimOrigin
from jifen.core.errors import JifenError, PermissionDenied
from jifen.orgs.models import Household, OrgUnit, Person, Subject
from jifen.orgs.selectors import Access, access_for, people_search_q, person_current_household
from jifen.rules.models import ItemVersion, Scheme
from jifen.web.forms import add_service_error
from jifen.web.forms_flow import ActivityForm, DeclareForm, SpotCheckForm, points_units
from jifen.web.views import flow

FIND_LIMIT = 30
HOUSEHOLDS_PER_PAGE = 50
FINDING_ROWS = 5


def _staff(request: HttpRequest) -> Access:
    access = access_for(request.user)
    if access.roots(RECORDER_UP) == []:
        raise PermissionDenied("您不是记录员，不能使用记录工作台", "you are not a recorder here", code="not_recorder")
    return access


def _my_units(access: Access) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(access.org_q(RECORDER_UP)).select_related("kind").order_by("path")[:500])


def _home_unit(access: Access) -> OrgUnit:
    roots = access.roots(RECORDER_UP)
    if roots:
        return OrgUnit.objects.get(path=roots[0])
    return OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()  # platform admin


def _scheme_for(request: HttpRequest, org: OrgUnit) -> tuple[Scheme | None, list[Scheme]]:
    schemes = flow.schemes_of(org)
    return flow.pick_scheme(schemes, request.POST.get("scheme") or request.GET.get("scheme")), schemes


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The recorder's start page: claims waiting for the preliminary check (初审), with their photos."""
    _staff(request)
    queue = flow.with_evidence(claims_sel.claims_awaiting_pre_review(user=request.user))[:100]
    return render(request, "web/recorder/index.html", {"queue": queue})


def _people(access: Access, query: str) -> list[Person]:
    qs = Person.objects.filter(access.org_q(RECORDER_UP, "org__path"), is_active=True).select_related("org")
    if query:
        qs = qs.filter(people_search_q(query))
    return list(qs.order_by("org__path", "name_initials", "pk")[:FIND_LIMIT])


@login_required
def find(request: HttpRequest) -> HttpResponse:
    """Find a person by name, pinyin initials ("zs"), household number or phone tail; htmx swaps the list."""
    access = _staff(request)
    query = request.GET.get("q", "").strip()[:50]
    people = _people(access, query) if query else []
    template = "web/recorder/_people.html" if request.headers.get("HX-Request") else "web/recorder/find.html"
    return render(request, template, {"query": query, "people": people, "limit": FIND_LIMIT})


def _person_in_scope(access: Access, pk: int) -> Person:
    person = Person.objects.filter(access.org_q(RECORDER_UP, "org__path"), pk=pk).select_related("subject", "org").first()
    if person is None:
        raise Http404(_("找不到此人，或不在您负责的范围内。"))
    return person


def _subject_choices(person: Any, household: Any) -> tuple[dict[int, Subject], list[tuple[int, str]]]:
    """Whom a recorder may write a claim or slip for: the person, and their household if any."""
    subjects: dict[int, Subject] = {person.subject_id: person.subject}
    choices = [(person.subject_id, _("本人（%(name)s）") % {"name": person.name})]
    if household is not None:
        subjects[household.subject_id] = household.subject
        choices.append((household.subject_id, _("本户（%(name)s）") % {"name": household.subject.name}))
    return subjects, choices


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    """Declare on someone's behalf (代为申报): a verbal, phone or counter report written down."""
    access = _staff(request)
    person = _person_in_scope(access, pk)
    household = person_current_household(person)
    scheme, schemes = _scheme_for(request, person.org)
    if scheme is None:
        return render(request, "web/recorder/declare.html", {"person": person, "scheme": None})
    subjects, choices = _subject_choices(person, household)
    today = flow.scheme_today(scheme)
    form = DeclareForm(
        request.POST or None, scheme=scheme, groups=flow.declarable_items(scheme, on=today), subjects=choices, on_behalf=True,
        initial={"occurred_on": today, "token": flow.form_token(), "subject": person.subject_id},
    )
    if request.method == "POST":
        done = flow.token_result(request, request.POST.get("token", ""))
        if done:
            return redirect(done)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = claims.claim_declare(
                    actor=request.user, scheme=scheme, subject=subjects[data["subject"]], item=scheme.items.get(pk=data["item"]),
                    occurred_at=flow.local_time(scheme, data["occurred_on"], data["occurred_time"]), description=data["description"],
                    place=data["place"], points=data["points"], origin=ClaimOrigin.ON_BEHALF, channel=data["channel"],
                    evidence=request.FILES.getlist("photos"),
                )
            except JifenError as exc:
                add_service_error(form, exc)
            else:
                url = f"/claims/{claim.pk}/"
                flow.token_remember(request, data["token"], url)
                messages.success(request, _("已为%(name)s代为申报 #%(pk)s。") % {"name": person.name, "pk": claim.pk})
                return redirect(url)
    context = {"person": person, "scheme": scheme, "schemes": schemes, "form": form, "context_unit": person.org}
    return render(request, "web/recorder/declare.html", context, status=422 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def slip(request: HttpRequest, pk: int) -> HttpResponse:
    """An award or deduction slip (奖扣分通知单) signed by the recorder within their points limit:
    approved at once, then noticed like any claim."""
    access = _staff(request)
    person = _person_in_scope(access, pk)
    household = person_current_household(person)
    scheme, schemes = _scheme_for(request, person.org)
    if scheme is None:
        return render(request, "web/recorder/slip.html", {"person": person, "scheme": None})
    subjects, choices = _subject_choices(person, household)
    today = flow.scheme_today(scheme)
    form = DeclareForm(
        request.POST or None, scheme=scheme, groups=flow.declarable_items(scheme, on=today), subjects=choices,
        initial={"occurred_on": today, "token": flow.form_token(), "subject": person.subject_id},
    )
    if request.method == "POST":
        done = flow.token_result(request, request.POST.get("token", ""))
        if done:
            return redirect(done)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = claims.slip_issue(
                    actor=request.user, scheme=scheme, subject=subjects[data["subject"]], item=scheme.items.get(pk=data["item"]),
                    occurred_at=flow.local_time(scheme, data["occurred_on"], data["occurred_time"]), description=data["description"],
                    place=data["place"], points=data["points"], evidence=request.FILES.getlist("photos"),
                )
            except JifenError as exc:
                add_service_error(form, exc)
            else:
                url = f"/claims/{claim.pk}/"
                flow.token_remember(request, data["token"], url)
                messages.success(request, _("奖扣分通知单 #%(pk)s 已签发，公示期满后入账。") % {"pk": claim.pk})
                return redirect(url)
    context = {"person": person, "scheme": scheme, "schemes": schemes, "form": form, "context_unit": person.org}
    return render(request, "web/recorder/slip.html", context, status=422 if request.method == "POST" else 200)


# ------------------------------------------------------------------ activities


def _unit_choices(units: list[OrgUnit]) -> list[tuple[int, str]]:
    return [(u.pk, f"{'　' * max(u.depth - units[0].depth, 0)}{u.name}") for u in units] if units else []


@login_required
@require_http_methods(["GET", "POST"])
def activities(request: HttpRequest) -> HttpResponse:
    """Recent activities in my units, and a form to register a new one."""
    access = _staff(request)
    home = _home_unit(access)
    scheme, schemes = _scheme_for(request, home)
    units = _my_units(access)
    recent = list(Activity.objects.filter(access.org_q(RECORDER_UP, "org__path")).select_related("org", "scheme")[:30])
    form = None
    if scheme is not None:
        today = flow.scheme_today(scheme)
        form = ActivityForm(
            request.POST or None, scheme=scheme, groups=flow.declarable_items(scheme, on=today), orgs=_unit_choices(units),
            initial={"held_on": today, "token": flow.form_token(), "org": home.pk},
        )
        if request.method == "POST":
            done = flow.token_result(request, request.POST.get("token", ""))
            if done:
                return redirect(done)
            if form.is_valid():
                data = form.cleaned_data
                org = next((u for u in units if u.pk == data["org"]), None)
                try:
                    activity = claims.activity_create(
                        actor=request.user, scheme=scheme, org=org or home, item=scheme.items.get(pk=data["item"]),
                        held_at=flow.local_time(scheme, data["held_on"], data["held_time"]), title=data["title"],
                        points=data["points"], place=data["place"],
                    )
                except JifenError as exc:
                    add_service_error(form, exc)
                else:
                    url = f"/recorder/activities/{activity.pk}/"
                    flow.token_remember(request, data["token"], url)
                    messages.success(request, _("活动已登记，请勾选参加人员。"))
                    return redirect(url)
    context = {"recent": recent, "form": form, "scheme": scheme, "schemes": schemes}
    return render(request, "web/recorder/activities.html", context, status=422 if request.method == "POST" else 200)


def _activity_in_scope(access: Access, pk: int) -> Activity:
    activity = (
        Activity.objects.filter(access.org_q(RECORDER_UP, "org__path"), pk=pk)
        .select_related("org", "scheme", "item_version__item__category")
        .first()
    )
    if activity is None:
        raise Http404(_("找不到这个活动，或不在您负责的范围内。"))
    return activity


def _attendee_kind(activity: Activity) -> str:
    """Whom the activity's item scores: households when it scores households only, else people."""
    wanted = set(activity.item_version.item.category.subject_types or activity.scheme.subject_types or [])
    return Subject.Kind.HOUSEHOLD if wanted and "household" in wanted and not wanted & {"person", "party_member"} else Subject.Kind.PERSON


@login_required
@require_http_methods(["GET", "POST"])
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick who attended (one list of checkboxes, filterable), then award them all at once."""
    access = _staff(request)
    act = _activity_in_scope(access, pk)
    kind = _attendee_kind(act)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "award":
                result = claims.activity_award(actor=request.user, activity=act)
                messages.success(request, _("已为 %(n)s 人（户）记入活动积分。") % {"n": result.posted})
                for skipped in result.skipped:
                    messages.warning(request, skipped["en"] if request.LANGUAGE_CODE == "en" else skipped["zh"])
            else:
                ids = flow.ints(request.POST.getlist("subjects"))
                chosen = list(Subject.objects.filter(pk__in=ids).select_related("org"))
                if len(chosen) != len(set(ids)) or any(not s.org.is_within(act.org) for s in chosen):
                    raise PermissionDenied("所选人员不在活动范围内", "someone ticked is outside the activity's unit", code="forbidden")
                added = claims.activity_attendance_add(actor=request.user, activity=act, subjects=chosen)
                messages.success(request, _("已登记 %(n)s 名参加人员。") % {"n": added})
        except JifenError as exc:
            flow.say_error(request, exc)
        return redirect("recorder_activity", pk=act.pk)
    query = request.GET.get("q", "").strip()[:50]
    present = set(ActivityAttendance.objects.filter(activity=act).values_list("subject_id", flat=True))
    awarded = set(Claim.objects.filter(activity=act).values_list("subject_id", flat=True))
    if kind == Subject.Kind.HOUSEHOLD:
        rows = Household.objects.filter(Q(org__path=act.org.path) | Q(org__path__startswith=act.org.path + "/"), is_active=True)
        if query:
            rows = rows.filter(Q(number__istartswith=query) | Q(subject__name__icontains=query))
        candidates = [(h.subject_id, f"{h.number} {h.subject.name}") for h in rows.select_related("subject").order_by("number")[:300]]
    else:
        rows = Person.objects.filter(Q(org__path=act.org.path) | Q(org__path__startswith=act.org.path + "/"), is_active=True)
        if query:
            rows = rows.filter(people_search_q(query))
        candidates = [(p.subject_id, p.name) for p in rows.order_by("name_initials", "pk")[:300]]
    context = {
        "activity": act, "candidates": candidates, "present": present, "awarded": awarded, "query": query,
        "context_unit": act.org, "attendee_count": len(present),
    }
    return render(request, "web/recorder/activity.html", context)


# ------------------------------------------------------------------ spot checks


def _resolve(access: Access, org: OrgUnit, who: str) -> Subject | None:
    """A finding's subject from what the recorder typed: a household number, else one person's exact name."""
    household = Household.objects.filter(Q(org__path=org.path) | Q(org__path__startswith=org.path + "/"), number=who).select_related("subject").first()
    if household is not None:
        return household.subject
    people = list(Person.objects.filter(Q(org__path=org.path) | Q(org__path__startswith=org.path + "/"), name=who).select_related("subject")[:2])
    return people[0].subject if len(people) == 1 else None


@login_required
@require_http_methods(["GET", "POST"])
def spot_check(request: HttpRequest) -> HttpResponse:
    """Record an inspection: where, when, on what collective decision, and each problem found."""
    access = _staff(request)
    home = _home_unit(access)
    scheme, schemes = _scheme_for(request, home)
    units = _my_units(access)
    if scheme is None:
        return render(request, "web/recorder/spot_check.html", {"scheme": None})
    today = flow.scheme_today(scheme)
    deductions = [
        v for _c, versions in flow.declarable_items(scheme, on=today) for v in versions if v.direction == ItemVersion.Direction.DEDUCT
    ]
    form = SpotCheckForm(request.POST or None, orgs=_unit_choices(units), initial={"held_on": today, "token": flow.form_token(), "org": home.pk})
    rows = [
        {
            "n": n, "who": request.POST.get(f"f{n}-who", ""), "item": request.POST.get(f"f{n}-item", ""),
            "description": request.POST.get(f"f{n}-description", ""), "points": request.POST.get(f"f{n}-points", ""), "error": "",
        }
        for n in range(1, FINDING_ROWS + 1)
    ]
    if request.method == "POST":
        done = flow.token_result(request, request.POST.get("token", ""))
        if done:
            return redirect(done)
        if form.is_valid():
            data = form.cleaned_data
            org = next((u for u in units if u.pk == data["org"]), home)
            findings = []
            items = {v.item_id: v for v in deductions}
            for row in rows:
                if not (row["who"].strip() or row["description"].strip()):
                    continue
                subject = _resolve(access, org, row["who"].strip())
                item_id = flow.int_or_none(row["item"])
                if subject is None:
                    row["error"] = _("找不到「%(who)s」：请填写户号或准确的姓名。") % {"who": row["who"]}
                elif item_id not in items:
                    row["error"] = _("请选择扣分事项。")
                else:
                    try:
                        points = points_units(scheme, row["points"])
                    except ValidationError:
                        row["error"] = _("分值格式不对，请填写数字。")
                        continue
                    findings.append(claims.Finding(subject=subject, item=items[item_id].item, description=row["description"], points=points))
            if not any(r["error"] for r in rows):
                try:
                    check = claims.spot_check_record(
                        actor=request.user, scheme=scheme, org=org, held_on=data["held_on"], decision_record=data["decision_record"],
                        findings=findings, inspector_names=data["inspector_names"], households_checked=data["households_checked"],
                    )
                except JifenError as exc:
                    add_service_error(form, exc)
                else:
                    flow.token_remember(request, data["token"], "/recorder/")
                    messages.success(
                        request, _("抽检已记录：发现 %(n)s 个问题，已提交审核。") % {"n": check.claims.count()}
                    )
                    return redirect("recorder")
    context = {"form": form, "rows": rows, "deductions": deductions, "scheme": scheme, "schemes": schemes}
    return render(request, "web/recorder/spot_check.html", context, status=422 if request.method == "POST" else 200)


# ------------------------------------------------------------------ my grid's households


def households_with_participation(*, access: Access, since: dt.datetime) -> Any:
    """Households in the recorder's units, each with whether it or a current member has a live
    claim (declared, activity, slip … not rejected or withdrawn) since `since`; one query."""
    live = Claim.objects.exclude(state__in=DEAD_STATES).filter(occurred_at__gte=since)
    own = live.filter(subject=OuterRef("subject"))
    members = live.filter(
        subject__person__household_stays__household=OuterRef("pk"), subject__person__household_stays__left_on__isnull=True
    )
    return (
        Household.objects.filter(access.org_q(RECORDER_UP, "org__path"), is_active=True)
        .select_related("subject", "head", "org")
        .annotate(took_part=Exists(own) | Exists(members))
        .order_by("org__path", "number", "pk")
    )


@login_required
def households(request: HttpRequest) -> HttpResponse:
    access = _staff(request)
    home = _home_unit(access)
    scheme = flow.pick_scheme(flow.schemes_of(home), request.GET.get("scheme"))
    year_start = caps.day_start(scheme, dt.date(flow.scheme_today(scheme).year, 1, 1)) if scheme else None
    if year_start is None:
        return render(request, "web/recorder/households.html", {"page": None, "show": "", "absent": 0, "scheme": None})
    qs = households_with_participation(access=access, since=year_start)
    show = request.GET.get("show", "")
    if show == "absent":
        qs = qs.filter(took_part=False)
    page = Paginator(qs, HOUSEHOLDS_PER_PAGE).get_page(request.GET.get("page"))
    absent = qs.filter(took_part=False).count() if show != "absent" else page.paginator.count
    context = {"page": page, "show": show, "absent": absent, "total": page.paginator.count if show != "absent" else None, "scheme": scheme}
    return render(request, "web/recorder/households.html", context)


@login_required
@require_POST
def pre_approve_many(request: HttpRequest) -> HttpResponse:
    """Pre-approve the ticked claims of the queue, each on its own; refusals are listed."""
    _staff(request)
    ids = flow.ints(request.POST.getlist("claims"))
    visible = {c.pk: c for c in claims_sel.claims_awaiting_pre_review(user=request.user).filter(pk__in=ids)}
    done = 0
    for pk in ids:
        claim = visible.get(pk)
        if claim is None:
            messages.error(request, _("申报 #%(pk)s 已不在待初审列表中。") % {"pk": pk})
            continue
        try:
            claims.claim_pre_approve(actor=request.user, claim=claim)
            done += 1
        except JifenError as exc:
            messages.error(request, f"#{pk}: {exc.message(request.LANGUAGE_CODE)}")
    if done:
        messages.success(request, _("%(n)s 条申报初审通过。") % {"n": done})
    return redirect("recorder")

