import datetime as dt

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.models import AuditEvent
from jifen.orgs import services
from jifen.orgs.models import Role


def actions(response):
    assert response.status_code == 200, response.content
    return [row["action"] for row in response.json()["items"]]


def test_admin_sees_audit_rows_of_their_subtree_newest_first(as_user, world):
    as_user(world.admin).patch(f"/people/{world.wangwu.pk}", {"address": "沙河村2组"})
    rows = as_user(world.admin).get("/audit", {"limit": 1}).json()
    row = rows["items"][0]
    assert (row["action"], row["actor_id"], row["channel"], row["ip"]) == ("orgs.person_update", world.admin.pk, "api", "127.0.0.1")
    assert (row["before"], row["after"]) == ({"address": ""}, {"address": "沙河村2组"})
    # Rows outside every org (a superuser's account changes) are for platform admins only.
    assert "orgs.user_create" not in actions(as_user(world.admin).get("/audit", {"limit": 200}))


def test_village_admin_does_not_see_another_villages_rows(as_user, world):
    village_admin = services.user_create(actor=None, username="shahe_admin")
    services.role_binding_grant(actor=None, user=village_admin, org=world.shahe, role=Role.ORG_ADMIN)
    rows = as_user(village_admin).get("/audit", {"limit": 200}).json()["items"]
    assert rows and all(row["org_path"].startswith("demo/zhangji/shahe") for row in rows)
    assert as_user(village_admin).get("/audit", {"org_id": world.quanshui.pk}).status_code == 404


def test_filters(as_user, world):
    client = as_user(world.admin)
    assert set(actions(client.get("/audit", {"action": "orgs.household_*", "limit": 200}))) == {
        "orgs.household_create", "orgs.household_member_add"
    }
    only = client.get("/audit", {"object_type": "orgs.person", "object_id": str(world.zhaoliu.pk)}).json()["items"]
    assert [(r["action"], r["object_id"]) for r in only] == [("orgs.person_create", str(world.zhaoliu.pk))]
    later = clock.now() + dt.timedelta(days=1)
    with clock.frozen(later):
        audit_record(actor=world.admin, action="test.later", org_path=world.shahe.path)
    assert actions(client.get("/audit", {"since": (later - dt.timedelta(seconds=1)).isoformat()})) == ["test.later"]
    assert "test.later" not in actions(client.get("/audit", {"until": later.isoformat(), "limit": 200}))
    assert actions(client.get("/audit", {"actor_id": world.admin.pk, "org_id": world.shahe.pk})) == ["test.later"]


def test_naive_times_are_refused_by_name(as_user, world):
    response = as_user(world.admin).get("/audit", {"since": "2026-01-01T00:00:00"})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "since", "message": "时间须带时区，例如 +08:00"}]


def test_members_and_reviewers_cannot_read_the_audit_log(as_user, world):
    assert as_user(world.member).get("/audit").status_code == 403
    assert as_user(world.reviewer).get("/audit").status_code == 403


def test_the_audit_log_offers_no_way_to_change_it(as_user, world):
    client = as_user(world.admin).client
    count = AuditEvent.objects.count()
    for method in ("put", "patch", "delete", "post"):
        assert getattr(client, method)("/api/v1/audit", HTTP_IDEMPOTENCY_KEY="audit-key-1").status_code == 405
    assert AuditEvent.objects.count() == count


def test_times_must_be_written_as_times(as_user, world):
    # pydantic alone would read 0.5 as a Unix timestamp
    for value in ("0.5", "1234567890", "2026-01-01"):
        response = as_user(world.admin).get("/audit", {"until": value})
        assert response.status_code == 422, value
        assert response.json()["detail"][0]["field"] == "until"


def test_far_off_years_read_as_the_ends_of_time(as_user, world):
    client = as_user(world.admin)
    everything = client.get("/audit", {"limit": 1}).json()["total"]
    assert client.get("/audit", {"since": "0001-01-01T00:00:00+05:00", "limit": 1}).json()["total"] == everything
    assert client.get("/audit", {"until": "9999-12-31T23:59:59-14:00", "limit": 1}).json()["total"] == everything
