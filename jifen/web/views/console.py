"""The admin console for org units, people, households and role bindings.

Open to org admins over the unit's subtree and to platform admins; every write goes through
`jifen.orgs.services`, every read through `jifen.orgs.selectors`.
"""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jifen.core import clock
from jifen.core.errors import JifenError, NotFound, PermissionDenied
from jifen.core.models import AuditEvent
from jifen.orgs import importing, selectors
from jifen.orgs import services as orgs
from jifen.orgs.models import (
    ROLE_RANK,
    Household,
    HouseholdMember,
    OrgUnit,
    Person,
    Role,
    RoleBinding,
)
from jifen.web.forms import (
    AccountCreateForm,
    OrgUnitCreateForm,
    OrgUnitMoveForm,
    PasswordResetForm,
    PeopleImportForm,
    RoleGrantForm,
    add_service_error,
)
from jifen.web.permissions import admin_org, require_org_admin

PEOPLE_PER_PAGE = 30


def _roots(request: HttpRequest) -> list[OrgUnit]:
    roots = selectors.org_roots_for(user=request.user, roles=[Role.ORG_ADMIN])
    if not roots:
        raise PermissionDenied("您没有管理任何组织", "you do not administer any org unit", code="not_org_admin")
    return roots


def _breadcrumb(request: HttpRequest, org: OrgUnit) -> list[tuple[OrgUnit, bool]]:
    """Ancestors of `org`, each with whether the viewer may open it (their own roots and below)."""
    roots = [r.path for r in _roots(request)]
    return [
        (unit, any(unit.path == r or unit.path.startswith(r + "/") for r in roots))
        for unit in selectors.org_ancestors(org).select_related("kind")
    ]


@login_required
def console(request: HttpRequest) -> HttpResponse:
    roots = _roots(request)
    if len(roots) == 1:
        return redirect("console_org", path=roots[0].path)
    return render(request, "web/console/index.html", {"roots": roots})


@login_required
def people_home(request: HttpRequest) -> HttpResponse:
    roots = _roots(request)
    if len(roots) == 1:
        return redirect("console_people", path=roots[0].path)
    return render(request, "web/console/index.html", {"roots": roots})


@login_required
def roles_home(request: HttpRequest) -> HttpResponse:
    roots = _roots(request)
    if len(roots) == 1:
        return redirect("console_roles", path=roots[0].path)
    return render(request, "web/console/index.html", {"roots": roots})


@login_required
def org_detail(request: HttpRequest, path: str) -> HttpResponse:
    org = admin_org(request, path)
    context = {
        "org": org,
        "context_unit": org,
        "breadcrumb": _breadcrumb(request, org),
        "children": selectors.org_children_with_counts(org),
        "people_here": selectors.people_in_subtree(org).filter(org=org, is_active=True).count(),
    }
    return render(request, "web/console/org_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request: HttpRequest, path: str) -> HttpResponse:
    parent = admin_org(request, path)
    form = OrgUnitCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = orgs.org_unit_create(
                actor=request.user, parent=parent, code=data["code"], name=data["name"], kind=data["kind"].code,
                address=data["address"], phone=data["phone"],
            )
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已创建「%(name)s」。") % {"name": unit.name})
            return redirect("console_org", path=unit.path)
    return render(request, "web/console/org_create.html", {"org": parent, "context_unit": parent, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def org_move(request: HttpRequest, path: str) -> HttpResponse:
    unit = admin_org(request, path)
    form = OrgUnitMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            target = selectors.org_by_path(form.cleaned_data["new_parent"])
            require_org_admin(request, target)
            unit = orgs.org_unit_move(actor=request.user, unit=unit, new_parent=target)
        except JifenError as exc:
            exc.detail = exc.detail or {"field": "new_parent"}
            add_service_error(form, exc)
        else:
            messages.success(request, _("已移动到「%(path)s」。") % {"path": unit.path})
            return redirect("console_org", path=unit.path)
    return render(request, "web/console/org_move.html", {"org": unit, "context_unit": unit, "form": form})


@login_required
def people(request: HttpRequest, path: str) -> HttpResponse:
    org = admin_org(request, path)
    query = request.GET.get("q", "").strip()[:50]
    current_stays = HouseholdMember.objects.filter(left_on__isnull=True).select_related("household")
    found = selectors.people_search(org=org, query=query).prefetch_related(
        Prefetch("household_stays", queryset=current_stays, to_attr="current_stays")
    )
    page = Paginator(found, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    context = {"org": org, "context_unit": org, "query": query, "page": page}
    template = "web/console/people_results.html" if request.headers.get("HX-Request") else "web/console/people.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest, path: str) -> HttpResponse:
    """Upload a people file; the per-row error report is shown on the page. All or nothing."""
    org = admin_org(request, path)
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = importing.people_import(
                actor=request.user, org=org, source=upload, dry_run=form.cleaned_data["dry_run"], file_name=upload.name
            )
        except JifenError as exc:
            form.add_error("file", exc.message(get_language()))
        else:
            if report.ok and not report.dry_run:
                messages.success(request, _("导入完成：新增 %(created)s 人，更新 %(updated)s 人。") % {
                    "created": report.created, "updated": report.updated})
    context = {"org": org, "context_unit": org, "form": form, "report": report, "columns": importing.COLUMNS}
    status = 422 if form.errors or (report is not None and not report.ok) else 200
    return render(request, "web/console/people_import.html", context, status=status)


@login_required
@require_POST
def people_export(request: HttpRequest, path: str) -> HttpResponse:
    """The people of the unit as an .xlsx in the import layout; full numbers only when asked (audited)."""
    org = admin_org(request, path)
    unmasked = request.POST.get("unmasked") == "1"
    buffer = io.BytesIO()
    importing.people_export(actor=request.user, org=org, destination=buffer, unmasked=unmasked)
    name = f"people-{org.path.replace('/', '-')}-{clock.now().astimezone(ZoneInfo(settings.TIME_ZONE)):%Y%m%d}.xlsx"
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("org", "org__kind"), pk=pk)
    require_org_admin(request, person.org)
    return render(request, "web/console/person_detail.html", _person_context(person))


def _person_context(
    person: Person, account_form: AccountCreateForm | None = None, reset_form: PasswordResetForm | None = None
) -> dict[str, object]:
    user = getattr(person, "user", None)
    return {
        "person": person,
        "context_unit": person.org,
        "stays": person.household_stays.select_related("household").order_by("-joined_on", "-id"),
        "party": getattr(person, "party", None),
        "employment": getattr(person, "employment", None),
        "account": user,
        "bindings": selectors.role_bindings_of(user=user) if user else [],
        "account_form": account_form or AccountCreateForm(),
        "reset_form": reset_form or PasswordResetForm(),
    }


@login_required
@require_POST
def person_account_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("org", "org__kind"), pk=pk)
    require_org_admin(request, person.org)
    form = AccountCreateForm(request.POST)
    if form.is_valid():
        try:
            # One account with a checked password, or none at all.
            with transaction.atomic():
                user = orgs.user_create(actor=request.user, username=form.cleaned_data["username"], person=person)
                orgs.user_set_password(actor=request.user, user=user, password=form.cleaned_data["password"])
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已为%(name)s开通账户「%(username)s」。") % {"name": person.name, "username": user.username})
            return redirect("console_person", pk=person.pk)
    person.refresh_from_db()
    return render(request, "web/console/person_detail.html", _person_context(person, account_form=form), status=422)


@login_required
@require_POST
def person_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("org", "org__kind", "user"), pk=pk)
    require_org_admin(request, person.org)
    user = getattr(person, "user", None)
    if user is None:
        raise NotFound("此人尚未开通账户", "this person has no account", code="no_account")
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            orgs.user_set_password(actor=request.user, user=user, password=form.cleaned_data["password"])
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已为%(name)s重设密码，请当面告知本人。") % {"name": person.name})
            return redirect("console_person", pk=person.pk)
    return render(request, "web/console/person_detail.html", _person_context(person, reset_form=form), status=422)


@login_required
def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = get_object_or_404(
        Household.objects.select_related("org", "org__kind", "village", "head", "subject"), pk=pk
    )
    require_org_admin(request, household.org)
    history = AuditEvent.objects.filter(object_type="orgs.household", object_id=str(household.pk)).order_by("-at", "-id")[:50]
    context = {
        "household": household,
        "context_unit": household.org,
        "members": selectors.household_members(household, current=True),
        "past": selectors.household_members(household, current=False),
        "history": history,
    }
    return render(request, "web/console/household_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def roles(request: HttpRequest, path: str) -> HttpResponse:
    org = admin_org(request, path)
    max_rank = selectors.user_role_rank(user=request.user, org=org)
    form = RoleGrantForm(request.POST or None, max_rank=max_rank, initial={"org_path": org.path, "level": 0})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            target = require_org_admin(request, selectors.org_by_path(data["org_path"]))
            if ROLE_RANK[Role(data["role"])] > selectors.user_role_rank(user=request.user, org=target):
                raise PermissionDenied("不能授予高于自己的角色", "you cannot grant a role above your own", code="role_above_own")
            user = selectors.user_by_login(data["login"])
            orgs.role_binding_grant(
                actor=request.user, user=user, org=target, role=data["role"], points_limit=data["points_limit"],
                title=data["title"], level=data["level"] or 0, valid_from=data["valid_from"], valid_until=data["valid_until"],
            )
        except JifenError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("已授予%(user)s「%(role)s」。") % {"user": user, "role": Role(data["role"]).label})
            return redirect("console_roles", path=org.path)
    show_all = request.GET.get("all") == "1"
    context = {
        "org": org,
        "context_unit": org,
        "form": form,
        "bindings": selectors.bindings_in_subtree(org=org, include_inactive=show_all),
        "show_all": show_all,
    }
    return render(request, "web/console/roles.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    binding = get_object_or_404(RoleBinding.objects.select_related("org", "user"), pk=pk)
    require_org_admin(request, binding.org)
    if ROLE_RANK[Role(binding.role)] > selectors.user_role_rank(user=request.user, org=binding.org):
        raise PermissionDenied("不能撤销高于自己的角色", "you cannot revoke a role above your own", code="role_above_own")
    orgs.role_binding_revoke(actor=request.user, binding=binding)
    messages.success(request, _("已撤销%(user)s的「%(role)s」。") % {"user": binding.user, "role": binding.get_role_display()})
    # Back to the list the admin came from, which is the binding's unit or one above it.
    back = request.POST.get("back", "")
    if not (binding.org.path == back or binding.org.path.startswith(back + "/")):
        back = binding.org.path
    return redirect("console_roles", path=back)
