import datetime as dt

import pytest
from django.urls import reverse

from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.models import Role, RoleBinding


def grant(client, path="demo/zhangji/shahe", **data):
    form = {"login": "wangwu", "role": "recorder", "org_path": "demo/zhangji/shahe/g2", "points_limit": "", "title": "", "level": "0"}
    form.update(data)
    return client.post(reverse("console_roles", args=[path]), form)


@pytest.mark.django_db
def test_roles_page_lists_bindings_in_the_subtree(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("console_roles", args=["demo/zhangji/shahe"])).content.decode()
    assert page.count('action="/console/role/') == 4  # the reviewer, the grid's recorder and two members
    assert "陈审核" in page and "赵六" not in page


@pytest.mark.django_db
def test_granting_a_recorder_with_a_points_limit_title_and_level(client, world):
    client.force_login(world.admin)
    response = grant(client, login="13800000003", points_limit="20", title="网格员", level="2", valid_from="2026-01-01", valid_until="2026-12-31")
    assert response.status_code == 302 and response["Location"] == "/console/org/demo/zhangji/shahe/-/roles/"
    binding = RoleBinding.objects.get(user=world.neighbour, role=Role.RECORDER)
    assert (binding.org, binding.points_limit, binding.title, binding.level) == (world.shahe_grid2, 20, "网格员", 2)
    assert (binding.valid_from, binding.valid_until) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert AuditEvent.objects.filter(action="orgs.role_binding_grant", actor_id=world.admin.pk).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"login": "nobody"}, "找不到账户「nobody」"),
        ({"points_limit": "-5"}, "确保该值大于或等于0"),
        ({"valid_from": "2026-12-31", "valid_until": "2026-01-01"}, "截止日期不能早于生效日期。"),
        ({"role": "platform_admin"}, "选择一个有效的选项"),
    ],
)
def test_refused_grants_write_nothing(client, world, data, message):
    client.force_login(world.admin)
    before = RoleBinding.objects.count()
    response = grant(client, **data)
    assert response.status_code == 422 and message in response.content.decode()
    assert RoleBinding.objects.count() == before


@pytest.mark.django_db
def test_an_admin_cannot_grant_outside_their_tree(client, world):
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe, role=Role.ORG_ADMIN)
    client.force_login(world.reviewer)
    before = RoleBinding.objects.count()
    response = grant(client, org_path="demo/zhangji/quanshui")
    assert response.status_code == 422 and "您不是「泉水河村」的管理员" in response.content.decode()
    assert RoleBinding.objects.count() == before


@pytest.mark.django_db
def test_the_role_choices_stop_at_the_admins_own_rank(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("console_roles", args=["demo/zhangji"])).content.decode()
    assert 'value="org_admin"' in page and 'value="platform_admin"' not in page


@pytest.mark.django_db
def test_revoking_a_binding(client, world):
    binding = world.recorder.role_bindings.get()
    client.force_login(world.admin)
    response = client.post(reverse("console_role_revoke", args=[binding.pk]), {"back": "demo/zhangji/shahe"})
    assert response.status_code == 302 and response["Location"] == "/console/org/demo/zhangji/shahe/-/roles/"
    binding.refresh_from_db()
    assert binding.is_active is False
    page = client.get(reverse("console_roles", args=["demo/zhangji/shahe"]), {"all": "1"}).content.decode()
    assert '<tr class="inactive">' in page


@pytest.mark.django_db
def test_revoking_needs_post_and_an_admin_over_the_binding(client, world):
    binding = world.outsider.role_bindings.get()
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe, role=Role.ORG_ADMIN)
    client.force_login(world.reviewer)
    assert client.get(reverse("console_role_revoke", args=[binding.pk])).status_code == 405
    assert client.post(reverse("console_role_revoke", args=[binding.pk])).status_code == 403
    binding.refresh_from_db()
    assert binding.is_active is True


@pytest.mark.django_db
def test_an_org_admin_cannot_revoke_a_platform_admin(client, world):
    platform = orgs.role_binding_grant(actor=None, user=world.recorder, org=world.shahe, role=Role.PLATFORM_ADMIN)
    client.force_login(world.admin)
    response = client.post(reverse("console_role_revoke", args=[platform.pk]))
    assert response.status_code == 403 and "不能撤销高于自己的角色" in response.content.decode()
    platform.refresh_from_db()
    assert platform.is_active is True


@pytest.mark.django_db
def test_the_roles_list_costs_the_same_queries_for_many_bindings(client, world, django_assert_num_queries):
    client.force_login(world.admin)
    url = reverse("console_roles", args=["demo/zhangji"])
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for i in range(10):
        user = orgs.user_create(actor=None, username=f"helper{i}")
        orgs.role_binding_grant(actor=None, user=user, org=world.shahe_grid2, role=Role.RECORDER, points_limit=5)
    with django_assert_num_queries(7):
        page = client.get(url).content.decode()
    assert page.count("helper") == 10


@pytest.mark.django_db
def test_the_org_page_costs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    client.force_login(world.admin)
    url = reverse("console_org", args=["demo/zhangji"])
    client.get(url)
    with django_assert_num_queries(12):
        client.get(url)
    for i in range(5):
        orgs.org_unit_create(actor=None, parent=world.township, code=f"v{i}", name=f"新村{i}", kind="village")
    with django_assert_num_queries(12):
        client.get(url)
