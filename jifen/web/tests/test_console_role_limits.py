"""Points limits (分层分级授权) edited on the roles page."""

import pytest
from django.urls import reverse

from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.models import Role


def set_limit(client, binding, value, back="demo/zhangji/shahe"):
    return client.post(reverse("console_role_limit", args=[binding.pk]), {"points_limit": value, "back": back})


@pytest.mark.django_db
def test_an_admin_changes_a_recorders_points_limit(client, world):
    binding = world.recorder.role_bindings.get()
    client.force_login(world.admin)
    page = client.get(reverse("console_roles", args=["demo/zhangji/shahe"])).content.decode()
    assert f'action="/console/binding/{binding.pk}/limit/"' in page
    response = set_limit(client, binding, "30")
    assert response.status_code == 302 and response["Location"] == "/console/org/demo/zhangji/shahe/-/roles/"
    binding.refresh_from_db()
    assert binding.points_limit == 30
    event = AuditEvent.objects.get(action="orgs.role_binding_set_limit")
    assert (event.actor_id, event.before, event.after) == (world.admin.pk, {"points_limit": 10}, {"points_limit": 30})
    assert set_limit(client, binding, "").status_code == 302
    binding.refresh_from_db()
    assert binding.points_limit is None


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["-5", "abc", "1.5"])
def test_a_bad_limit_is_refused_and_nothing_changes(client, world, value):
    binding = world.recorder.role_bindings.get()
    before = binding.points_limit
    client.force_login(world.admin)
    response = set_limit(client, binding, value)
    assert response.status_code == 302
    assert "单次奖扣分上限应为不小于0的整数，或留空。" in client.get(response["Location"]).content.decode()
    binding.refresh_from_db()
    assert binding.points_limit == before
    assert not AuditEvent.objects.filter(action="orgs.role_binding_set_limit").exists()


@pytest.mark.django_db
def test_nobody_raises_their_own_limit(client, world):
    own = orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe, role=Role.ORG_ADMIN, points_limit=10)
    client.force_login(world.reviewer)
    response = set_limit(client, own, "1000")
    assert "不能修改自己的授权" in client.get(response["Location"]).content.decode()
    own.refresh_from_db()
    assert own.points_limit == 10


@pytest.mark.django_db
def test_an_admin_of_another_village_cannot_change_the_limit(client, world):
    orgs.role_binding_grant(actor=None, user=world.outsider, org=world.quanshui, role=Role.ORG_ADMIN)
    binding = world.recorder.role_bindings.get()
    before = binding.points_limit
    client.force_login(world.outsider)
    assert set_limit(client, binding, "99").status_code == 403
    assert client.get(reverse("console_role_limit", args=[binding.pk])).status_code == 405
    binding.refresh_from_db()
    assert binding.points_limit == before
