"""A villager's own pages: my points, my history, declaring a good deed with photos, my
household, notices about me and my objections; also a claim's own page and its photos."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.claims import selectors as claims_sel
from jifen.claims import services as claims
from jifen.claims.authz import RECORDER, REVIEWER, own_subject_ids
from jifen.claims.evidence import evidence_path
from jifen.claims.models import (
    Claim,
    ClaimOrigin,
    ClaimState,
    Evidence,
    MeetingDecision,
    NoticeEntry,
    Objection,
)
from jifen.core.errors import JifenError
from jifen.ledger import selectors as ledger
from jifen.ledger.models import Account
from jifen.orgs.selectors import access_for, household_members
from jifen.rankings.selectors import OwnRank, own_rank
from jifen.web.forms import add_service_error
from jifen.web.forms_flow import DeclareForm, SecondCheckForm, points_units
from jifen.web.views import flow, mall

HISTORY_PER_PAGE = 20
TREND_MONTHS = 12


@dataclass
class AccountCard:
    account: Account
    score_year: int
    balance: int


def _cards(subjects: list[Any]) -> list[AccountCard]:
    """Score this year and spendable balance of each account of `subjects` (a query per scheme)."""
    accounts = list(
        Account.objects.filter(subject__in=subjects).select_related("scheme", "subject").order_by("scheme__code", "subject__kind")
    )
    balances = ledger.balances_units(account_ids=[a.pk for a in accounts])
    scores: dict[int, int] = {}
    for scheme in {a.scheme_id: a.scheme for a in accounts}.values():
        rows = ledger.accounts_scores(scheme=scheme, grain="year").filter(pk__in=[a.pk for a in accounts if a.scheme_id == scheme.pk])
        scores.update({pk: int(score) for pk, score in rows.values_list("pk", "score")})
    return [AccountCard(account=a, score_year=scores.get(a.pk, 0), balance=balances[a.pk]) for a in accounts]


def trend_points(series: list[tuple[Any, int]], *, width: int = 320, height: int = 120, pad: int = 16) -> dict[str, Any]:
    """Coordinates of a small line chart (inline SVG, no script): one point per month."""
    values = [v for _m, v in series]
    low, high = min([0, *values]), max([0, *values])
    span = (high - low) or 1
    step = (width - 2 * pad) / max(len(series) - 1, 1)
    coords = []
    for n, (month, value) in enumerate(series):
        x = round(pad + n * step, 1)
        y = round(height - pad - (value - low) * (height - 2 * pad) / span, 1)
        coords.append({"x": x, "y": y, "month": month, "value": value})
    zero = round(height - pad - (0 - low) * (height - 2 * pad) / span, 1)
    return {
        "width": width, "height": height, "points": " ".join(f"{c['x']},{c['y']}" for c in coords), "dots": coords,
        "zero": zero, "high": high, "low": low,
    }


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """My points: score this year and spendable balance per scheme (me and my household), a trend."""
    own = flow.mine(request.user)
    cards = _cards(own.subjects)
    trend = None
    first_person = next((c for c in cards if c.account.subject_id == (own.person.subject_id if own.person else None)), None)
    if first_person is not None:
        series = ledger.monthly_scores(account=first_person.account, months=TREND_MONTHS)
        trend = {"scheme": first_person.account.scheme, **trend_points(series)}
    pending = claims_sel.claims_visible_to(user=request.user).filter(
        subject__in=own.subjects, state__in=[ClaimState.DECLARED, ClaimState.PRE_APPROVED, ClaimState.APPROVED, ClaimState.NOTICED, ClaimState.DISPUTED]
    ).count() if own.subjects else 0
    context = {
        "own": own, "cards": cards, "trend": trend, "pending": pending, "ranks": _ranks(own, first_person),
        "market": mall.home_box(own),
    }
    return render(request, "web/member/me.html", context)


def _ranks(own: flow.Mine, card: AccountCard | None) -> list[tuple[Any, OwnRank]]:
    """My rank this year in my village and in my group (grid), with the points to the next place."""
    if card is None or own.person is None:
        return []
    scheme = card.account.scheme
    year = str(flow.scheme_today(scheme).year)
    village = own.household.village if own.household is not None else scheme.org
    units = [village] + ([own.person.org] if own.person.org_id != village.pk and own.person.org.is_within(village) else [])
    out = []
    for unit in units:
        if not unit.is_within(scheme.org):
            continue
        found = own_rank(scheme=scheme, subject=own.person.subject_id, period=year, org=unit)
        if found is not None:
            out.append((unit, found))
    return out


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """My claims with their state, reasons and the notice each was published in; my ledger lines."""
    own = flow.mine(request.user)
    qs = (
        claims_sel.claims_visible_to(user=request.user)
        .filter(subject__in=own.subjects)
        .select_related("notice_entry__notice", "notice_entry__notice__org")
        .order_by("-declared_at", "-pk")
    )
    page = Paginator(qs, HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    statements = []
    if page.number == 1:
        for account in Account.objects.filter(subject__in=own.subjects).select_related("scheme", "subject").order_by("scheme__code"):
            statements.append((account, ledger.statement(account=account, limit=30)[::-1]))
    return render(request, "web/member/history.html", {"own": own, "page": page, "statements": statements})


def _subject_choices(own: flow.Mine) -> list[tuple[int, str]]:
    out = []
    if own.person is not None:
        out.append((own.person.subject_id, _("本人（%(name)s）") % {"name": own.person.name}))
    if own.household is not None:
        out.append((own.household.subject_id, _("本户（%(name)s）") % {"name": own.household.subject.name}))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest) -> HttpResponse:
    """Declare a good deed for myself or my household, with photos from the phone's camera."""
    own = flow.mine(request.user)
    schemes = flow.schemes_of(own.person.org if own.person else None)
    scheme = flow.pick_scheme(schemes, request.POST.get("scheme") or request.GET.get("scheme"))
    if own.person is None or scheme is None:
        return render(request, "web/member/declare.html", {"own": own, "scheme": None})
    today = flow.scheme_today(scheme)
    subjects = {s.pk: s for s in own.subjects}
    form = DeclareForm(
        request.POST or None, scheme=scheme, groups=flow.declarable_items(scheme, on=today), subjects=_subject_choices(own),
        initial={"occurred_on": today, "token": flow.form_token(), "subject": own.person.subject_id},
    )
    if request.method == "POST":
        done = flow.token_result(request, request.POST.get("token", ""))
        if done:
            return redirect(done)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = claims.claim_declare(
                    actor=request.user, scheme=scheme, subject=subjects[data["subject"]],
                    item=scheme.items.get(pk=data["item"]), occurred_at=flow.local_time(scheme, data["occurred_on"], data["occurred_time"]),
                    description=data["description"], place=data["place"], points=data["points"], origin=ClaimOrigin.SELF,
                    evidence=request.FILES.getlist("photos"),
                )
            except JifenError as exc:
                add_service_error(form, exc)
            else:
                url = f"/claims/{claim.pk}/"
                flow.token_remember(request, data["token"], url)
                messages.success(request, _("已提交申报 #%(pk)s，等待初审。") % {"pk": claim.pk})
                return redirect(url)
    status = 422 if request.method == "POST" else 200
    return render(request, "web/member/declare.html", {"own": own, "scheme": scheme, "schemes": schemes, "form": form}, status=status)


@login_required
def household(request: HttpRequest) -> HttpResponse:
    own = flow.mine(request.user)
    members = list(household_members(own.household, current=True)) if own.household else []
    cards = _cards([own.household.subject]) if own.household else []
    return render(request, "web/member/household.html", {"own": own, "members": members, "cards": cards})


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    """Notice lines about me and my household, objections to them, and objections I filed."""
    own = flow.mine(request.user)
    entries = list(
        NoticeEntry.objects.filter(claim__subject__in=own.subjects)
        .select_related("notice", "notice__org", "claim__item_version", "claim__scheme", "claim__subject")
        .order_by("-notice__published_at", "-pk")[:50]
    )
    about_me = [
        {"objection": o, "name": claims_sel.mask_name(o.name or (o.filed_by.person.name if o.filed_by and o.filed_by.person else ""))}
        for o in Objection.objects.filter(claim__subject__in=own.subjects).select_related("claim__item_version", "filed_by__person").order_by("-filed_at")[:50]
    ]
    filed = list(
        Objection.objects.filter(filed_by=request.user).select_related("claim__item_version", "claim__subject", "notice").order_by("-filed_at")[:50]
    )
    return render(request, "web/member/notices.html", {"own": own, "entries": entries, "about_me": about_me, "filed": filed})


# ------------------------------------------------------------------ one claim


def _claim_or_404(request: HttpRequest, pk: int) -> Claim:
    claim = flow.with_evidence(claims_sel.claims_visible_to(user=request.user)).filter(pk=pk).first()
    if claim is None:
        raise Http404(_("找不到这条申报。"))
    return claim


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_or_404(request, pk)
    entry = NoticeEntry.objects.filter(claim=claim).select_related("notice").first()
    # Which forms to offer; the services still decide (and refuse) on submit.
    rank = access_for(request.user).rank_over(claim.subject.org.path)
    mine = claim.declared_by_id == request.user.pk or claim.subject_id in own_subject_ids(request.user)
    S = ClaimState
    can = {
        "withdraw": mine and claim.state in (S.DECLARED, S.PRE_APPROVED),
        "pre_review": not mine and rank >= RECORDER and claim.state == S.DECLARED,
        "review": not mine and rank >= REVIEWER and claim.state == S.PRE_APPROVED,
        "second_check": not mine and rank >= REVIEWER and claim.state == S.DISPUTED,
    }
    context = {
        "can": can,
        "claim": claim, "events": claims_sel.claim_history(claim=claim), "entry": entry, "context_unit": claim.subject.org,
        "objections": claim.objections.all() if claim.state in (ClaimState.DISPUTED, ClaimState.NOTICED) else [],
        "second_check": SecondCheckForm() if can["second_check"] else None,
        "outcomes": MeetingDecision.Outcome.choices,
    }
    return render(request, "web/flow/claim.html", context)


@login_required
@require_POST
def claim_act(request: HttpRequest, pk: int) -> HttpResponse:
    """One action on a claim from its page: withdraw, pre-approve, reject, review, second check.
    The service checks who may; a refusal is shown and nothing changes."""
    claim = _claim_or_404(request, pk)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        points = points_units(claim.scheme, request.POST.get("points"))
    except ValidationError:
        messages.error(request, _("分值格式不对，请填写数字。"))
        return redirect("claim", pk=pk)
    try:
        if action == "withdraw":
            claims.claim_withdraw(actor=request.user, claim=claim, reason=reason)
            messages.success(request, _("申报已撤回。"))
        elif action == "pre_approve":
            claims.claim_pre_approve(actor=request.user, claim=claim, reason=reason, points=points)
            messages.success(request, _("初审通过，已提交审核。"))
        elif action == "reject":
            claims.claim_reject(actor=request.user, claim=claim, reason=reason)
            messages.success(request, _("已驳回。"))
        elif action in MeetingDecision.Outcome.values:
            claims.claim_review(actor=request.user, claim=claim, outcome=action, points=points, reason=reason)
            messages.success(request, _("审核决定已记录。"))
        elif action == "second_check":
            claims.claim_second_check(
                actor=request.user, claim=claim, outcome=request.POST.get("outcome", ""), reason=reason, points=points
            )
            messages.success(request, _("二次核查结果已记录，公示已更正。"))
        else:
            messages.error(request, _("未知的操作。"))
    except JifenError as exc:
        flow.say_error(request, exc)
    return redirect(_safe_next(request) or f"/claims/{pk}/")


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return None


@login_required
def evidence(request: HttpRequest, pk: int, thumb: bool = False) -> FileResponse:
    """A photo, served only to whom `evidence_visible_to` allows (404 to anyone else, so its existence stays hidden)."""
    photo = Evidence.objects.filter(pk=pk).first()
    if photo is None or not claims_sel.evidence_visible_to(user=request.user, evidence=photo):
        raise Http404(_("找不到这张照片。"))
    path = evidence_path(photo, thumb=thumb)
    if not path.exists():
        raise Http404(_("找不到这张照片。"))
    content_type = "image/jpeg" if thumb else f"image/{photo.format}"
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    return response
