from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from jifen.orgs.models import User


class MobileOrUsernameBackend(ModelBackend):
    """Sign in with a username or with the mobile number of the person the account belongs to."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if not username or password is None:
            return None
        login = username.strip()
        user = User.objects.filter(username=login).first()
        if user is None and login.isdigit() and len(login) == 11:
            user = User.objects.filter(person__mobile=login).first()
        if user is None:
            # Run the hasher anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
