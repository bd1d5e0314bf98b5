import pytest
from django.urls import reverse

from jifen.core.models import AuditEvent
from jifen.orgs.models import User
from jifen.orgs.testing import World


@pytest.mark.django_db
def test_account_page_needs_sign_in(client):
    response = client.get(reverse("account"))
    assert response.status_code == 302 and response["Location"] == "/login/?next=/account/"


@pytest.mark.django_db
def test_account_page_shows_own_data_unmasked_and_roles(client, world):
    client.force_login(world.member)
    page = client.get(reverse("account")).content.decode()
    assert "zhangsan" in page and "13800000001" in page and "SH-001 张三户" in page
    assert "<strong>成员</strong> · 沙河村" in page


@pytest.mark.django_db
def test_password_change_uses_the_service_and_keeps_the_session(client, world):
    client.force_login(world.member)
    response = client.post(
        reverse("password_change"),
        {"old_password": World.PASSWORD, "new_password1": "Qingshan-2027!", "new_password2": "Qingshan-2027!"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("account")
    assert User.objects.get(pk=world.member.pk).check_password("Qingshan-2027!")
    assert AuditEvent.objects.filter(action="orgs.user_set_password", object_id=str(world.member.pk)).count() == 1
    assert client.get(reverse("account")).status_code == 200  # still signed in


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong", "Qingshan-2027!", "Qingshan-2027!", "当前密码不正确。"),
        (World.PASSWORD, "Qingshan-2027!", "Qingshan-2028!", "两次输入的新密码不一致。"),
        (World.PASSWORD, "12345678", "12345678", "密码不符合要求"),
    ],
)
def test_a_refused_password_change_changes_nothing(client, world, old, new1, new2, message):
    client.force_login(world.member)
    response = client.post(reverse("password_change"), {"old_password": old, "new_password1": new1, "new_password2": new2})
    assert response.status_code == 200 and message in response.content.decode()
    assert User.objects.get(pk=world.member.pk).check_password(World.PASSWORD)
    assert not AuditEvent.objects.filter(action="orgs.user_set_password").exists()
