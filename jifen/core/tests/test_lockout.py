import datetime as dt

import pytest
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import RequestFactory, override_settings

from jifen.orgs.testing import World


def attempt(username, password, ip="10.0.0.1"):
    request = RequestFactory().post("/login/", REMOTE_ADDR=ip)
    return authenticate(request, username=username, password=password)


def test_lockout_is_five_failures_for_thirty_minutes_per_username_and_ip():
    assert settings.AXES_FAILURE_LIMIT == 5
    with override_settings(AXES_ENABLED=True):
        assert get_cool_off() == dt.timedelta(minutes=30)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.django_db
def test_the_sixth_attempt_is_refused_even_with_the_right_password(world):
    with override_settings(AXES_ENABLED=True):
        assert attempt("zhangsan", World.PASSWORD) == world.member
        for _ in range(5):
            assert attempt("zhangsan", "wrong-password") is None
        assert attempt("zhangsan", World.PASSWORD) is None
        # Per username and IP: the same account from another address, another account here.
        assert attempt("zhangsan", World.PASSWORD, ip="10.0.0.2") == world.member
        assert attempt("wangwu", World.PASSWORD) == world.neighbour


@pytest.mark.django_db
def test_four_failures_do_not_lock(world):
    with override_settings(AXES_ENABLED=True):
        for _ in range(4):
            assert attempt("zhangsan", "wrong-password") is None
        assert attempt("zhangsan", World.PASSWORD) == world.member
