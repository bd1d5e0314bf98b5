import re

import pytest
from django.urls import reverse

from jifen.orgs import services as orgs
from jifen.orgs.models import Role


def names(page):
    return re.findall(r"<strong>(.+?)</strong></a>", page)


@pytest.mark.django_db
def test_people_list_searches_name_household_and_phone_tail(client, world):
    client.force_login(world.admin)
    url = reverse("console_people", args=["demo/zhangji/shahe"])
    assert names(client.get(url).content.decode()) == ["张三", "李梅", "王五", "刘记录", "陈审核"]
    assert names(client.get(url, {"q": "张"}).content.decode()) == ["张三"]
    assert names(client.get(url, {"q": "SH-002"}).content.decode()) == ["王五"]
    assert names(client.get(url, {"q": "0005"}).content.decode()) == ["刘记录"]
    page = client.get(url, {"q": "赵六"}).content.decode()
    assert names(page) == [] and "没有找到与「赵六」相符的人员。" in page


@pytest.mark.django_db
def test_an_org_admin_sees_phone_numbers_unmasked(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("console_people", args=["demo/zhangji/shahe"]), {"q": "张三"}).content.decode()
    assert "13800000001" in page and "户号 SH-001" in page


@pytest.mark.django_db
def test_an_admin_without_personal_data_rights_sees_masks(client, world, settings):
    # A platform-wide superuser sees everything; check the mask path with a gate that says no.
    from jifen.orgs import privacy

    client.force_login(world.admin)
    original = privacy.PersonalDataGate.can_see
    try:
        privacy.PersonalDataGate.can_see = lambda self, person: False
        page = client.get(reverse("console_people", args=["demo/zhangji/shahe"]), {"q": "张三"}).content.decode()
    finally:
        privacy.PersonalDataGate.can_see = original
    assert "138****0001" in page and "13800000001" not in page


@pytest.mark.django_db
def test_people_list_is_paginated_with_a_fixed_query_count(client, world, django_assert_num_queries):
    for i in range(35):
        orgs.person_create(actor=None, org=world.shahe_grid2, name=f"村民{i:02d}", mobile=f"137000000{i:02d}")
    client.force_login(world.admin)
    url = reverse("console_people", args=["demo/zhangji/shahe"])
    client.get(url)
    # The same queries for 30 people as for 10: nothing is fetched per row.
    with django_assert_num_queries(9):
        first = client.get(url).content.decode()
    assert len(names(first)) == 30 and "第 1 / 2 页" in first
    with django_assert_num_queries(9):
        second = client.get(url, {"page": 2}).content.decode()
    assert len(names(second)) == 10


@pytest.mark.django_db
def test_htmx_search_returns_only_the_results(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("console_people", args=["demo/zhangji/shahe"]), {"q": "王"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert names(page) == ["王五"] and "<html" not in page


@pytest.mark.django_db
def test_a_recorder_cannot_list_people_in_the_console(client, world):
    client.force_login(world.recorder)
    assert client.get(reverse("console_people", args=["demo/zhangji/shahe/g1"])).status_code == 403


@pytest.mark.django_db
def test_person_detail_shows_household_history_and_account(client, world):
    orgs.role_binding_grant(actor=None, user=world.neighbour, org=world.shahe, role=Role.ORG_ADMIN)
    client.force_login(world.admin)
    page = client.get(reverse("console_person", args=[world.zhangsan.pk])).content.decode()
    assert world.zhangsan.id_number in page and "13800000001" in page
    assert f'href="/console/household/{world.household.pk}/">SH-001</a> · 户主' in page
    assert "用户名：zhangsan" in page and "<strong>成员</strong> · 沙河村" in page


@pytest.mark.django_db
def test_opening_an_account_for_a_person(client, world):
    client.force_login(world.admin)
    url = reverse("console_person_account", args=[world.limei.pk])
    response = client.post(url, {"username": "limei", "password": "Limei-Shahe-2026"})
    assert response.status_code == 302
    world.limei.refresh_from_db()
    assert world.limei.user.username == "limei" and world.limei.user.check_password("Limei-Shahe-2026")


@pytest.mark.django_db
def test_a_weak_initial_password_opens_no_account(client, world):
    from jifen.orgs.models import User

    client.force_login(world.admin)
    before = User.objects.count()
    response = client.post(reverse("console_person_account", args=[world.limei.pk]), {"username": "limei", "password": "12345678"})
    assert response.status_code == 422 and "密码不符合要求" in response.content.decode()
    assert User.objects.count() == before


@pytest.mark.django_db
def test_household_detail_shows_members_history_and_changes(client, world):
    import datetime as dt

    orgs.household_member_add(actor=world.admin, household=world.neighbour_household, person=world.limei, relation="女", on=dt.date(2026, 3, 1))
    client.force_login(world.admin)
    page = client.get(reverse("console_household", args=[world.household.pk])).content.decode()
    assert "张三户" in page and "SH-001" in page
    members = page[page.index("家庭成员"):page.index("已迁出")]
    assert "张三" in members and "李梅" not in members
    past = page[page.index("已迁出"):page.index("变更记录")]
    assert "李梅" in past and "2026年3月1日" in past
    assert "建户" in page and "成员迁出" not in page and "成员入户" in page


@pytest.mark.django_db
def test_household_of_another_village_is_refused(client, world):
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe, role=Role.ORG_ADMIN)
    client.force_login(world.reviewer)
    assert client.get(reverse("console_household", args=[world.household.pk])).status_code == 200
    assert client.get(reverse("console_household", args=[world.outsider_household.pk])).status_code == 403
    assert client.get(reverse("console_person", args=[world.zhaoliu.pk])).status_code == 403


@pytest.mark.django_db
def test_an_admin_resets_a_forgotten_password(client, world):
    from jifen.core.models import AuditEvent
    from jifen.orgs.models import User

    client.force_login(world.admin)
    response = client.post(reverse("console_person_password", args=[world.zhangsan.pk]), {"password": "Shahe-New-2026"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.member.pk).check_password("Shahe-New-2026")
    assert AuditEvent.objects.filter(action="orgs.user_set_password", actor_id=world.admin.pk).count() == 1


@pytest.mark.django_db
def test_a_refused_reset_changes_nothing(client, world):
    from jifen.orgs.models import User
    from jifen.orgs.testing import World

    client.force_login(world.admin)
    response = client.post(reverse("console_person_password", args=[world.zhangsan.pk]), {"password": "zhangsan"})
    assert response.status_code == 422 and "密码不符合要求" in response.content.decode()
    assert User.objects.get(pk=world.member.pk).check_password(World.PASSWORD)
    assert client.post(reverse("console_person_password", args=[world.limei.pk]), {"password": "Shahe-New-2026"}).status_code == 404
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.quanshui, role=Role.ORG_ADMIN)
    client.force_login(world.reviewer)
    assert client.post(reverse("console_person_password", args=[world.zhangsan.pk]), {"password": "Shahe-New-2026"}).status_code == 403
    assert User.objects.get(pk=world.member.pk).check_password(World.PASSWORD)
