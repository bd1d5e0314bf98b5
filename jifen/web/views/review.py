"""The committee's pages (审核委员会): the review queue with filters and photos, a meeting that
decides the ticked claims at once (approve / reject / change points, with its record), the
objections inbox and the second check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.claims import selectors as claims_sel
from jifen.claims import services as claims
from jifen.claims.authz import REVIEWER_UP
from jifen.claims.models import ClaimOrigin, MeetingDecision, Objection
from jifen.core.errors import JifenError, PermissionDenied
from jifen.orgs.models import OrgUnit, subtree_q
from jifen.orgs.selectors import Access, access_for
from jifen.rules.models import Scheme
from jifen.web.forms import add_service_error
from jifen.web.forms_flow import MeetingForm, points_units
from jifen.web.views import flow

QUEUE_LIMIT = 200


def _reviewer(request: HttpRequest) -> Access:
    access = access_for(request.user)
    if access.roots(REVIEWER_UP) == []:
        raise PermissionDenied("您不是审核人，不能使用审核工作台", "you are not a reviewer here", code="not_reviewer")
    return access


def _filtered(request: HttpRequest, access: Access):  # noqa: ANN202 - a queryset of claims
    """The review queue narrowed by the filters in the query string (scheme, unit, origin, search)."""
    qs = flow.with_evidence(claims_sel.claims_awaiting_review(user=request.user))
    filters = {k: request.GET.get(k, "").strip() for k in ("scheme", "org", "origin", "q")}
    if filters["scheme"]:
        qs = qs.filter(scheme__code=filters["scheme"])
    if filters["org"]:
        qs = qs.filter(subtree_q(filters["org"], "subject__org__path"))
    if filters["origin"] in ClaimOrigin.values:
        qs = qs.filter(origin=filters["origin"])
    if filters["q"]:
        qs = qs.filter(Q(subject__name__icontains=filters["q"]) | Q(item_version__name__icontains=filters["q"]))
    return qs, filters


@login_required
@require_http_methods(["GET", "POST"])
def queue(request: HttpRequest) -> HttpResponse:
    """The meeting's agenda: tick claims, say what the meeting decided, record it in one go."""
    access = _reviewer(request)
    qs, filters = _filtered(request, access)
    rows = list(qs[:QUEUE_LIMIT])
    schemes = sorted({c.scheme for c in rows}, key=lambda s: s.code)
    units = list(OrgUnit.objects.filter(access.org_q(REVIEWER_UP)).order_by("path")[:200])
    form = MeetingForm(request.POST or None, initial={"token": flow.form_token(), "held_on": flow.scheme_today(schemes[0]) if schemes else None})
    if request.method == "POST":
        done = flow.token_result(request, request.POST.get("token", ""))
        if done:
            return redirect(done)
        if form.is_valid():
            meeting = _record(request, form, rows)
            if meeting is not None:
                flow.token_remember(request, form.cleaned_data["token"], "/review/")
                return redirect("review")
    publishable = list(Scheme.objects.filter(access.org_q(REVIEWER_UP, "org__path"), is_active=True).order_by("code")[:20])
    context = {
        "publishable": publishable,
        "rows": rows, "form": form, "filters": filters, "schemes": schemes, "units": units, "origins": ClaimOrigin.choices,
        "outcomes": MeetingDecision.Outcome.choices, "ticked": set(flow.ints(request.POST.getlist("claims"))), "limit": QUEUE_LIMIT,
    }
    return render(request, "web/review/queue.html", context, status=422 if request.method == "POST" else 200)


def _record(request: HttpRequest, form: MeetingForm, rows: list) -> object | None:
    """Turn the ticked rows into decisions and record the meeting; all or nothing."""
    data = form.cleaned_data
    by_pk = {c.pk: c for c in rows}
    ticked = [by_pk[pk] for pk in flow.ints(request.POST.getlist("claims")) if pk in by_pk]
    if not ticked:
        form.add_error(None, _("请至少勾选一条申报。"))
        return None
    schemes = {c.scheme_id for c in ticked}
    if len(schemes) > 1:
        form.add_error(None, _("一次会议只能审核同一积分方案的申报，请先按方案筛选。"))
        return None
    decisions = []
    for claim in ticked:
        outcome = request.POST.get(f"outcome-{claim.pk}") or data["outcome"]
        reason = request.POST.get(f"reason-{claim.pk}", "").strip() or data["reason"]
        try:
            points = points_units(claim.scheme, request.POST.get(f"points-{claim.pk}"))
        except ValidationError:
            form.add_error(None, _("申报 #%(pk)s 的分值格式不对。") % {"pk": claim.pk})
            return None
        if points is not None and outcome == MeetingDecision.Outcome.APPROVE:
            outcome = MeetingDecision.Outcome.CHANGE
        decisions.append(claims.Decision(claim=claim, outcome=outcome, points=points, reason=reason))
    scheme = ticked[0].scheme
    org = _meeting_org(ticked)
    try:
        meeting = claims.meeting_record(
            actor=request.user, scheme=scheme, org=org, held_on=data["held_on"], decisions=decisions,
            attendee_names=data["attendee_names"], minutes=data["minutes"],
        )
    except JifenError as exc:
        add_service_error(form, exc)
        for err in (exc.detail or {}).get("errors", [])[1:] if isinstance(exc.detail, dict) else []:
            form.add_error(None, f"#{err['claim']}: {err['en'] if request.LANGUAGE_CODE == 'en' else err['zh']}")
        return None
    messages.success(request, _("会议记录已保存：审核了 %(n)s 条申报。") % {"n": len(decisions)})
    return meeting


def _meeting_org(claims_: list) -> OrgUnit:
    """The smallest unit holding every ticked claim's subject (the committee's village)."""
    paths = [c.subject.org.path.split("/") for c in claims_]
    common = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    return OrgUnit.objects.get(path="/".join(common))


@login_required
def objections(request: HttpRequest) -> HttpResponse:
    """Open objections in my units (oldest first), each leading to its claim's second check."""
    access = _reviewer(request)
    show = request.GET.get("show", "open")
    qs = Objection.objects.filter(access.org_q(REVIEWER_UP, "claim__subject__org__path")).select_related(
        "claim__subject", "claim__item_version", "claim__scheme", "notice"
    )
    qs = qs.filter(status=Objection.Status.OPEN).order_by("filed_at", "pk") if show == "open" else qs.exclude(status=Objection.Status.OPEN).order_by("-resolved_at", "-pk")
    return render(request, "web/review/objections.html", {"rows": list(qs[:200]), "show": show})


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    """Publish the current period's notice now (ahead of the tick) for one scheme."""
    access = _reviewer(request)
    scheme = Scheme.objects.filter(access.org_q(REVIEWER_UP, "org__path"), code=request.POST.get("scheme", "")).first()
    if scheme is None:
        messages.error(request, _("找不到这个积分方案，或不在您负责的范围内。"))
        return redirect("review")
    try:
        notice = claims.notice_publish(actor=request.user, scheme=scheme)
    except JifenError as exc:
        flow.say_error(request, exc)
        return redirect("review")
    messages.success(request, _("已发布公示：%(title)s") % {"title": notice.title})
    return redirect("notice_detail", pk=notice.pk)
