"""Simplified Chinese by default; the English switch really renders English."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_and_login_are_chinese_by_default(client):
    home = client.get("/").content.decode()
    login = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-Hans">' in home
    assert "<h1>积分制管理平台</h1>" in home and "做好事、攒积分、换实惠。" in home
    assert "手机号或用户名" in login and "Sign in" not in login


@pytest.mark.django_db
def test_the_english_switch_renders_english_on_home_and_login(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    home = client.get("/").content.decode()
    login = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in home
    assert "<h1>Points management platform</h1>" in home
    assert "Do good deeds, earn points, take home rewards." in home
    assert "Mobile number or username" in login and "<h1>Sign in</h1>" in login
    # The switch offers the way back, in its own language.
    assert 'value="zh-hans" lang="zh-hans">简体中文</button>' in login
    assert "手机号或用户名" not in login


@pytest.mark.django_db
def test_signed_in_pages_follow_the_switch(client, world):
    client.force_login(world.admin)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("account")).content.decode()
    assert "<h1>My account</h1>" in page and "Org admin" in page and "up to 1000 points at a time" in page
