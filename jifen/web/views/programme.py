"""Demonstration-village programme pages (篇1): the city sets up, scores, publishes and awards; a
village applies with attachments; its county shortlists at most 3. Writes go through
`jifen.programme.services`; who may see what is `jifen.programme.selectors`."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from jifen.claims.evidence import media_root
from jifen.core import clock
from jifen.core.errors import JifenError, NotFound, PermissionDenied
from jifen.orgs.models import Role
from jifen.orgs.selectors import org_by_path, org_roots_for, user_has_role
from jifen.programme import selectors, services
from jifen.programme.models import Application, Objection, Programme
from jifen.web.forms import add_service_error
from jifen.web.views.grid import MultipleFileField

TZ = ZoneInfo("Asia/Shanghai")
S = Application.State


class ProgrammeForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("项目代码"), max_length=64)
    name = forms.CharField(label=gettext_lazy("项目名称"), max_length=200)
    budget_yuan = forms.DecimalField(label=gettext_lazy("资金（元）"), min_value=Decimal("0.01"), max_digits=13, decimal_places=2)
    awards = forms.IntegerField(label=gettext_lazy("奖补村数"), min_value=1, max_value=1000)
    shortlist_limit = forms.IntegerField(label=gettext_lazy("每县推荐上限"), min_value=1, max_value=3, initial=3)
    opens_on = forms.DateField(label=gettext_lazy("申报开始"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    closes_on = forms.DateField(label=gettext_lazy("申报截止"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    period_start = forms.DateField(label=gettext_lazy("统计期起"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    period_end = forms.DateField(label=gettext_lazy("统计期止"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class ApplyForm(forms.Form):
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=50)
    contact_phone = forms.CharField(label=gettext_lazy("联系电话"), max_length=32)
    summary = forms.CharField(label=gettext_lazy("申报说明"), max_length=8000, widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(
        label=gettext_lazy("附件"), required=False, help_text=gettext_lazy("最多10个，PDF或JPEG、PNG、WebP图片，每个不超过10 MB。"),
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, criteria: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"statement_{criterion.number}"] = forms.CharField(
                label=f"{criterion.number}. {criterion.name}", required=False, max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}), help_text=criterion.description,
            )


class ScoreForm(forms.Form):
    def __init__(self, *args: Any, criteria: list[Any], initial_scores: dict[int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in criteria:
            self.fields[f"score_{criterion.number}"] = forms.IntegerField(
                label=f"{criterion.number}. {criterion.name}（0–{criterion.max_score}）", min_value=0,
                max_value=criterion.max_score, initial=initial_scores.get(criterion.number),
            )


class NoteForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("初审意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("异议内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=gettext_lazy("异议是否成立"), coerce=lambda v: v == "1",
        choices=[("0", gettext_lazy("不成立，维持结果")), ("1", gettext_lazy("成立，撤回结果重新评审"))],
    )
    resolution = forms.CharField(label=gettext_lazy("处理意见"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=TZ)


def _programme(request: HttpRequest, code: str) -> Programme:
    programme = selectors.programmes_visible_to(user=request.user).filter(code=code).first()
    if programme is None:
        raise NotFound("找不到该项目", "no such programme", code="not_found")
    return programme


def _application(request: HttpRequest, pk: int) -> Application:
    app = selectors.applications_visible_to(user=request.user).filter(pk=pk).first()
    if app is None:
        raise NotFound("找不到该申报", "no such application", code="not_found")
    return app


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    roots = org_roots_for(user=request.user, roles=[Role.ORG_ADMIN])
    context = {"programmes": selectors.programmes_visible_to(user=request.user).select_related("org"), "admin_roots": roots}
    return render(request, "web/programme/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: HttpRequest, path: str) -> HttpResponse:
    org = org_by_path(path)
    if not user_has_role(user=request.user, org=org, roles=[Role.ORG_ADMIN]):
        raise PermissionDenied(f"您不是「{org.name}」的管理员", f"you are not an administrator of {org.name}", code="not_org_admin")
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            budget_fen = int((data["budget_yuan"] * 100).to_integral_exact())
            programme = services.programme_create(
                actor=request.user, org=org, code=data["code"], name=data["name"], budget_fen=budget_fen,
                awards=data["awards"], shortlist_limit=data["shortlist_limit"], opens_at=_day_start(data["opens_on"]),
                closes_at=_day_start(data["closes_on"] + dt.timedelta(days=1)), period_start=_day_start(data["period_start"]),
                period_end=_day_start(data["period_end"] + dt.timedelta(days=1)),
            )
        except (JifenError, InvalidOperation) as exc:
            if isinstance(exc, JifenError):
                add_service_error(form, exc)
            else:
                form.add_error("budget_yuan", _("金额无效"))
        else:
            messages.success(request, _("项目已设立。"))
            return redirect("programme_detail", code=programme.code)
    return render(request, "web/programme/new.html", {"org": org, "form": form}, status=422 if form.errors else 200)


@login_required
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    user = request.user
    is_city = user_has_role(user=user, org=programme.org, roles=[Role.ORG_ADMIN])
    apps = list(selectors.applications_visible_to(user=user).filter(programme=programme).select_related("village", "county"))
    counties = selectors.counties_administered(user=user, programme=programme)
    villages = selectors.villages_user_may_apply_for(user=user, programme=programme)
    applied = {a.village_id for a in Application.objects.filter(programme=programme, village__in=villages)}
    now = clock.now()
    context = {
        "programme": programme, "criteria": list(programme.criteria.all()), "is_city": is_city, "now": now,
        "window_open": programme.state == Programme.State.OPEN and programme.opens_at <= now < programme.closes_at,
        "applications": apps, "counties": counties,
        "can_apply": [v for v in villages if v.pk not in applied],
        "published": selectors.published_result(programme),
        "objections": list(programme.objections.select_related("application__village").order_by("raised_at")) if is_city else [],
        "objection_form": ObjectionForm(), "resolve_form": ResolveForm(),
        "award_refusal": services.award_ready_refusal(programme, now=now) if is_city else None,
        "award_each": programme.award_fen,
    }
    return render(request, "web/programme/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def application_new(request: HttpRequest, code: str, path: str) -> HttpResponse:
    programme = _programme(request, code)
    village = org_by_path(path)
    if not user_has_role(user=request.user, org=village, roles=[Role.REVIEWER, Role.ORG_ADMIN]):
        raise PermissionDenied(f"只有「{village.name}」的村干部可以申报", f"only the cadres of {village.path} may apply", code="forbidden")
    criteria = list(programme.criteria.all())
    form = ApplyForm(request.POST or None, request.FILES or None, criteria=criteria, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            app = services.application_submit(
                actor=request.user, programme=programme, village=village, contact_name=data["contact_name"],
                contact_phone=data["contact_phone"], summary=data["summary"], key=data["key"],
                statements={str(c.number): data[f"statement_{c.number}"] for c in criteria if data.get(f"statement_{c.number}")},
                attachments=[(f.name, f) for f in data["attachments"]],
            )
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("申报已提交。"))
            return redirect("programme_application", pk=app.pk)
    context = {"programme": programme, "village": village, "form": form}
    return render(request, "web/programme/apply.html", context, status=422 if form.errors else 200)


def _scores(app: Application) -> dict[int, int]:
    return {s.criterion.number: s.score for s in app.scores.select_related("criterion")}


@login_required
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    return _application_page(request, app)


def _application_page(request: HttpRequest, app: Application, *, score_form: ScoreForm | None = None,
                      note_form: NoteForm | None = None, status: int = 200) -> HttpResponse:
    programme = app.programme
    criteria = list(programme.criteria.all())
    user = request.user
    is_county = user_has_role(user=user, org=app.county, roles=[Role.ORG_ADMIN])
    is_city = user_has_role(user=user, org=programme.org, roles=[Role.ORG_ADMIN])
    scores = _scores(app)
    rows = [(c, app.statements.get(str(c.number), ""), scores.get(c.number)) for c in criteria]
    open_ = programme.state == Programme.State.OPEN
    context = {
        "app": app, "programme": programme, "rows": rows, "facts": app.facts,
        "attachments": list(app.attachments.all()), "history": app.events.select_related("actor").order_by("at", "id"),
        "note_form": (note_form or NoteForm()) if is_county and open_ and app.state in (S.SUBMITTED, S.SHORTLISTED, S.DECLINED) else None,
        "score_form": (score_form or ScoreForm(criteria=criteria, initial_scores=scores)) if is_city and open_ and app.state == S.SHORTLISTED else None,
    }
    return render(request, "web/programme/application.html", context, status=status)


@login_required
@require_POST
def application_review(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    app = _application(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            if decision == "shortlist":
                services.application_shortlist(actor=request.user, application=app, note=form.cleaned_data["note"])
            else:
                services.application_decline(actor=request.user, application=app, note=form.cleaned_data["note"])
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已推荐。") if decision == "shortlist" else _("已退回。"))
            return redirect("programme_application", pk=app.pk)
    return _application_page(request, app, note_form=form, status=422)


@login_required
@require_POST
def application_score(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application(request, pk)
    criteria = list(app.programme.criteria.all())
    form = ScoreForm(request.POST, criteria=criteria, initial_scores={})
    if form.is_valid():
        try:
            services.application_score(
                actor=request.user, application=app, scores={c.number: form.cleaned_data[f"score_{c.number}"] for c in criteria}
            )
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("评分已保存。"))
            return redirect("programme_application", pk=app.pk)
    return _application_page(request, app, score_form=form, status=422)


def _act(request: HttpRequest, programme: Programme, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except JifenError as exc:
        messages.error(request, exc.message(request.LANGUAGE_CODE))
    else:
        messages.success(request, done)
    return redirect("programme_detail", code=programme.code)


@login_required
@require_POST
def programme_publish(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    return _act(request, programme, lambda: services.programme_publish(actor=request.user, programme=programme), _("评审结果已公示。"))


@login_required
@require_POST
def programme_award(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    return _act(request, programme, lambda: services.programme_award(actor=request.user, programme=programme), _("奖补资金已兑现。"))


@login_required
@require_POST
def objection_raise(request: HttpRequest, code: str) -> HttpResponse:
    programme = _programme(request, code)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写异议内容。"))
        return redirect("programme_detail", code=programme.code)
    return _act(request, programme, lambda: services.objection_raise(actor=request.user, programme=programme, text=form.cleaned_data["text"]),
                _("异议已提交。"))


@login_required
@require_POST
def objection_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    objection = Objection.objects.select_related("programme").filter(pk=pk).first()
    if objection is None or not selectors.programmes_visible_to(user=request.user).filter(pk=objection.programme_id).exists():
        raise NotFound("找不到该异议", "no such objection", code="not_found")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写处理意见。"))
        return redirect("programme_detail", code=objection.programme.code)
    return _act(request, objection.programme, lambda: services.objection_resolve(
        actor=request.user, objection=objection, upheld=form.cleaned_data["upheld"], resolution=form.cleaned_data["resolution"]),
        _("异议已处理。"))


@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    app = _application(request, pk)
    attachment = app.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("找不到该附件", "no such attachment", code="not_found")
    content_type = "application/pdf" if attachment.kind == "pdf" else f"image/{attachment.evidence.format if attachment.evidence else 'jpeg'}"
    response = FileResponse((media_root() / attachment.path).open("rb"), content_type=content_type)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{_quote(attachment.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
