from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.core.models import AuditEvent
from jifen.orgs import services
from jifen.orgs.models import Person, User
from jifen.orgs.privacy import can_see_personal_data
from jifen.orgs.selectors import access_for
from jifen.orgs.testing import make_id_number


def by_name(response):
    assert response.status_code == 200, response.content
    return {item["name"]: item for item in response.json()["items"]}


def test_org_admin_sees_personal_data_unmasked(as_user, world):
    row = by_name(as_user(world.admin).get("/people"))["张三"]
    assert row["id_number"] == world.zhangsan.id_number
    assert row["mobile"] == "13800000001"
    assert row["birth_date"] == "1980-01-01"
    assert row["personal_data_masked"] is False


def test_reviewer_sees_id_and_mobile_masked_and_no_birth_date(as_user, world):
    row = by_name(as_user(world.reviewer).get("/people"))["张三"]
    assert row["id_number"] == world.zhangsan.id_number[:3] + "*" * 11 + world.zhangsan.id_number[-4:]
    assert row["mobile"] == "138****0001"
    assert row["birth_date"] is None
    assert row["personal_data_masked"] is True


def test_member_sees_only_themself_and_their_household(as_user, world):
    rows = by_name(as_user(world.member).get("/people"))
    assert sorted(rows) == ["张三", "李梅"]
    assert rows["张三"]["id_number"] == world.zhangsan.id_number  # their own, unmasked
    assert rows["李梅"]["mobile"] == "138****0002"  # the wife's, masked


def test_member_cannot_open_a_neighbour(as_user, world):
    response = as_user(world.member).get(f"/people/{world.wangwu.pk}")
    assert response.status_code == 404
    assert "王五" not in response.content.decode()


def test_outsider_sees_nothing_of_another_village(as_user, world):
    client = as_user(world.outsider)
    assert sorted(by_name(client.get("/people"))) == ["赵六"]
    assert client.get(f"/people/{world.zhangsan.pk}").status_code == 404


def test_search_and_filters(as_user, world):
    client = as_user(world.admin)
    assert sorted(by_name(client.get("/people", {"q": "张"}))) == ["张三"]
    assert sorted(by_name(client.get("/people", {"org_id": world.quanshui.pk}))) == ["赵六"]


def test_batch_masking_agrees_with_the_privacy_rule(world):
    for user in User.objects.all():
        scope = access_for(user)
        for person in Person.objects.select_related("org"):
            assert scope.can_see_personal_data(person) == can_see_personal_data(user, person), (user, person)


def test_people_list_costs_the_same_queries_for_more_people(as_user, world):
    client = as_user(world.reviewer)
    client.get("/people")  # warm the token's last-used stamp
    with CaptureQueriesContext(connection) as few:
        assert client.get("/people").status_code == 200
    for i in range(10):
        services.person_create(actor=None, org=world.shahe_grid2, name=f"新人{i}", mobile=f"1370000{i:04d}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/people").json()["total"] == 15
    assert len(many) == len(few) <= 5


def test_admin_creates_a_person(as_user, world):
    response = as_user(world.admin).post(
        "/people",
        {"org_id": world.shahe_grid2.pk, "name": "新村民", "id_number": make_id_number("420881", "19900202", 40, True),
         "mobile": "13712345678"},
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert (person.name, person.org, person.gender, str(person.birth_date)) == ("新村民", world.shahe_grid2, "M", "1990-02-02")
    assert AuditEvent.objects.filter(action="orgs.person_create", object_id=str(person.pk), actor_id=world.admin.pk).count() == 1


def test_recorder_cannot_create_people(as_user, world):
    before = Person.objects.count()
    response = as_user(world.recorder).post("/people", {"org_id": world.shahe_grid1.pk, "name": "新村民"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Person.objects.count() == before


def test_fields_the_caller_may_not_set_are_refused_by_name(as_user, world):
    before = Person.objects.count()
    for field, value in (("owner", world.admin.pk), ("subject_id", 1), ("balance", 100), ("role", "org_admin")):
        response = as_user(world.admin).post("/people", {"org_id": world.shahe.pk, "name": "越权", field: value})
        assert response.status_code == 422
        assert response.json()["detail"] == [{"field": field, "message": "不允许设置此字段"}]
    assert Person.objects.count() == before


def test_admin_updates_only_the_fields_sent(as_user, world):
    response = as_user(world.admin).patch(f"/people/{world.wangwu.pk}", {"mobile": "13911112222"})
    assert response.status_code == 200, response.content
    world.wangwu.refresh_from_db()
    assert (world.wangwu.mobile, world.wangwu.name, world.wangwu.org) == ("13911112222", "王五", world.shahe_grid1)
    event = AuditEvent.objects.get(action="orgs.person_update", object_id=str(world.wangwu.pk))
    assert (event.before, event.after) == ({"mobile": "13800000003"}, {"mobile": "13911112222"})


def test_reviewer_cannot_update_people(as_user, world):
    response = as_user(world.reviewer).patch(f"/people/{world.wangwu.pk}", {"mobile": "13911112222"})
    assert response.status_code == 403
    world.wangwu.refresh_from_db()
    assert world.wangwu.mobile == "13800000003"


def test_moving_a_person_needs_admin_rights_over_the_new_unit(as_user, world):
    village_admin = services.user_create(actor=None, username="shahe_admin")
    services.role_binding_grant(actor=None, user=village_admin, org=world.shahe, role="org_admin")
    response = as_user(village_admin).patch(f"/people/{world.wangwu.pk}", {"org_id": world.quanshui.pk})
    assert response.status_code == 404
    world.wangwu.refresh_from_db()
    assert world.wangwu.org == world.shahe_grid1


def test_unmasked_export_is_for_admins_and_always_audited(as_user, world):
    response = as_user(world.admin).get("/people/export", {"org_id": world.shahe.pk})
    assert response.status_code == 200
    rows = {r["name"]: r for r in response.json()["items"]}
    assert rows["李梅"]["id_number"] == world.limei.id_number
    event = AuditEvent.objects.get(action="orgs.people_export")
    assert event.actor_id == world.admin.pk
    assert sorted(event.after["people"]) == sorted(r["id"] for r in response.json()["items"])
    assert event.org_path == "demo/zhangji/shahe"


def test_reviewer_cannot_export_and_nothing_is_logged_as_exported(as_user, world):
    response = as_user(world.reviewer).get("/people/export", {"org_id": world.shahe.pk})
    assert response.status_code == 403
    assert world.limei.id_number not in response.content.decode()
    assert not AuditEvent.objects.filter(action="orgs.people_export").exists()
