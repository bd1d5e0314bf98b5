import pytest
from django.test import Client, override_settings
from django.urls import reverse

from jifen.orgs.models import User
from jifen.orgs.testing import World


def signed_in_user(client):
    return client.get(reverse("account")).wsgi_request.user


@pytest.mark.django_db
def test_sign_in_by_mobile_lands_on_home(client, world):
    response = client.post(reverse("login"), {"username": "13800000001", "password": World.PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user(client) == world.member
    assert "你好，张三" in client.get("/").content.decode()


@pytest.mark.django_db
def test_sign_in_by_username_follows_next(client, world):
    response = client.post(reverse("login"), {"username": "admin", "password": World.PASSWORD, "next": "/console/"})
    assert response.status_code == 302 and response["Location"] == "/console/"


@pytest.mark.django_db
def test_an_unsafe_next_is_ignored(client, world):
    response = client.post(reverse("login"), {"username": "admin", "password": World.PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.django_db
def test_a_wrong_password_says_so_and_signs_nobody_in(client, world):
    response = client.post(reverse("login"), {"username": "13800000001", "password": "wrong-password"})
    assert response.status_code == 200
    assert "手机号/用户名或密码不正确。" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_the_login_form_needs_a_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "admin", "password": World.PASSWORD})
    assert response.status_code == 403
    page = client.get(reverse("login")).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.django_db
def test_logout_is_a_post(client, world):
    client.force_login(world.member)
    assert client.get(reverse("logout")).status_code == 405
    assert signed_in_user(client).is_authenticated
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == "/"
    assert not signed_in_user(client).is_authenticated


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2_in_production_settings(world):
    from django.contrib.auth.hashers import get_hasher

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        assert get_hasher().algorithm == "argon2"
        user = User.objects.get(pk=world.member.pk)
        user.set_password("another-Password-1")
        assert user.password.startswith("argon2$")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_repeated_failures_show_our_lockout_page_in_the_readers_language(world):
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3, AXES_COOLOFF_TIME=0.5):
        client = Client()
        for _ in range(2):
            response = client.post(reverse("login"), {"username": "zhangsan", "password": "wrong"})
            assert response.status_code == 200
        response = client.post(reverse("login"), {"username": "zhangsan", "password": "wrong"})
        assert response.status_code == 429
        page = response.content.decode()
        assert "登录已暂时锁定" in page and "请 30 分钟后再试。" in page
        # Even the right password is refused while locked.
        response = client.post(reverse("login"), {"username": "zhangsan", "password": World.PASSWORD})
        assert response.status_code == 429
        assert not signed_in_user(client).is_authenticated
        client.cookies.load({"django_language": "en"})
        page = client.post(reverse("login"), {"username": "zhangsan", "password": "wrong"}).content.decode()
        assert "Sign-in temporarily locked" in page and "Please try again in 30 minutes." in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_failures_by_mobile_and_by_username_count_against_one_lock(world):
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3):
        client = Client()
        for login in ("13800000001", "zhangsan"):
            assert client.post(reverse("login"), {"username": login, "password": "wrong"}).status_code == 200
        response = client.post(reverse("login"), {"username": "13800000001", "password": "wrong"})
        assert response.status_code == 429
        response = client.post(reverse("login"), {"username": "zhangsan", "password": World.PASSWORD})
        assert response.status_code == 429 and not signed_in_user(client).is_authenticated
        # Someone else's account is not locked by it.
        response = client.post(reverse("login"), {"username": "wangwu", "password": World.PASSWORD})
        assert response.status_code == 302
