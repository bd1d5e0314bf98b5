"""Signing in and out, the person's own account page and password change."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jifen.core.errors import JifenError
from jifen.orgs import selectors
from jifen.orgs import services as orgs
from jifen.orgs.selectors import person_current_household
from jifen.web import nav
from jifen.web.forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "web/account/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view(next_page="home")


def locked_out(request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None) -> HttpResponse:
    """django-axes calls this instead of its own page once a login is locked."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    return render(request, "web/account/locked_out.html", {"minutes": minutes}, status=429)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The account a sign-in attempt is for, so that failures by mobile number and by username
    count against the same lock (otherwise switching between them would double the tries)."""
    login = ((credentials or {}).get("username") or request.POST.get("username") or "").strip()
    try:
        return selectors.user_by_login(login).get_username()
    except JifenError:
        return login


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    person = user.person if user.person_id else None  # type: ignore[union-attr]
    context = {
        "person": person,
        "household": person_current_household(person) if person else None,
        "bindings": nav.bindings(request),
    }
    return render(request, "web/account/account.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            orgs.user_set_password(actor=request.user, user=request.user, password=form.cleaned_data["new_password1"])
        except JifenError as exc:
            form.add_error("new_password1", exc.message(get_language()))
        else:
            # Keep this session signed in; every other session of the account is signed out.
            update_session_auth_hash(request, request.user)
            messages.success(request, _("密码已修改。"))
            return redirect("account")
    return render(request, "web/account/password_change.html", {"form": form})
