"""The public notice board (公示栏), open without signing in: each unit's current and past notices
with personal data masked, an objection form, an A4 print layout with a QR code back to the
online notice; and the household points card (户积分卡) with its own QR."""

from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jifen.claims import selectors as claims_sel
from jifen.claims import services as claims
from jifen.claims.authz import RECORDER_UP
from jifen.claims.models import ClaimState, Notice
from jifen.core import clock
from jifen.core.errors import JifenError
from jifen.orgs.models import Household, OrgUnit, ancestor_paths, subtree_q
from jifen.orgs.selectors import access_for, household_members
from jifen.web.forms import add_service_error
from jifen.web.forms_flow import ObjectionForm
from jifen.web.views.member import _cards

CARD_SALT = "jifen.household-card"


def board(request: HttpRequest, path: str) -> HttpResponse:
    """The notices a unit's people see: the unit's own, those of the units above it, and below it."""
    unit = OrgUnit.objects.filter(path=path).first()
    if unit is None:
        raise Http404(_("找不到这个单位。"))
    qs = Notice.objects.filter(Q(org__path__in=ancestor_paths(unit.path)) | subtree_q(unit.path, "org__path")).select_related("org", "scheme")
    now = clock.now()
    notices = list(qs.order_by("-published_at", "-pk")[:60])
    current = [n for n in notices if n.window_closes_at > now]
    past = [n for n in notices if n.window_closes_at <= now]
    return render(request, "web/notice/board.html", {"unit": unit, "current": current, "past": past, "context_unit": unit})


def _notice(pk: int) -> Notice:
    notice = Notice.objects.filter(pk=pk).select_related("org", "scheme").first()
    if notice is None:
        raise Http404(_("找不到这份公示。"))
    return notice


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One notice, masked; while its window is open, anyone may object to a line of it."""
    notice = _notice(pk)
    entries = list(claims_sel.notice_entries(notice=notice).select_related("claim__scheme"))
    is_open = clock.now() < notice.window_closes_at
    open_entries = [e for e in entries if e.claim.state in (ClaimState.NOTICED, ClaimState.DISPUTED)] if is_open else []
    choices = [(e.claim_id, f"#{e.claim_id} {claims_sel.mask_name(e.claim.subject.name)} {e.claim.item_version.name}") for e in open_entries]
    form = ObjectionForm(request.POST or None, entries=choices, initial={"claim": request.GET.get("claim")}) if open_entries else None
    status = 200
    if request.method == "POST":
        if form is None:
            messages.error(request, _("公示期已结束，不能再提出异议。"))
            return redirect("notice_detail", pk=notice.pk)
        if form.is_valid():
            data = form.cleaned_data
            entry = next(e for e in open_entries if e.claim_id == data["claim"])
            try:
                # Limited per client address inside the service (RateLimited → 429).
                claims.objection_file(
                    claim=entry.claim, reason=data["reason"], user=request.user, name=data["name"], phone=data["phone"]
                )
            except JifenError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("异议已提交，审核委员会将进行二次核查。"))
                return redirect("notice_detail", pk=notice.pk)
        if status == 200:
            status = 422
    context = {
        "notice": notice, "entries": entries, "form": form, "is_open": is_open, "context_unit": notice.org,
        "objections": claims_sel.objections_public(notice=notice), "amendments": claims_sel.notice_amendments(notice=notice),
        "url": request.build_absolute_uri(reverse("notice_detail", args=[notice.pk])),
    }
    return render(request, "web/notice/detail.html", context, status=status)


def card_token(household: Household) -> str:
    """The unguessable part of the card's public URL: the household id, signed (the same every time,
    so a reprinted card keeps its QR)."""
    return signing.Signer(salt=CARD_SALT).sign(str(household.pk))


def _card(request: HttpRequest, household: Household, *, masked: bool) -> HttpResponse:
    members = list(household_members(household, current=True))
    context = {
        "household": household, "members": members, "cards": _cards([household.subject]), "masked": masked,
        "url": request.build_absolute_uri(reverse("household_card_public", args=[card_token(household)])),
        "context_unit": household.org,
    }
    return render(request, "web/notice/card.html", context)


def card(request: HttpRequest, pk: int) -> HttpResponse:
    """The household's card for printing: its members and staff over it see it in full."""
    household = Household.objects.filter(pk=pk).select_related("subject", "org", "head").first()
    if household is None or not request.user.is_authenticated:
        raise Http404(_("找不到这张户积分卡。"))
    access = access_for(request.user)
    member = household_members(household, current=True).filter(person_id=access.person_id or 0).exists()
    if not (member or access.covers(household.org.path, RECORDER_UP)):
        raise Http404(_("找不到这张户积分卡。"))
    return _card(request, household, masked=False)


def card_public(request: HttpRequest, token: str) -> HttpResponse:
    """What the card's QR code opens for anyone: the same card with names masked."""
    try:
        pk = int(signing.Signer(salt=CARD_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404(_("找不到这张户积分卡。")) from None
    household = Household.objects.filter(pk=pk).select_related("subject", "org", "head").first()
    if household is None:
        raise Http404(_("找不到这张户积分卡。"))
    return _card(request, household, masked=True)
