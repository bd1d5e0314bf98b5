from jifen.core.models import AuditEvent
from jifen.orgs import services
from jifen.orgs.models import OrgUnit, Role


def paths(response):
    assert response.status_code == 200, response.content
    return [item["path"] for item in response.json()["items"]]


def test_admin_lists_their_subtree_only(as_user, world):
    assert paths(as_user(world.admin).get("/orgs")) == [
        "demo/zhangji", "demo/zhangji/quanshui", "demo/zhangji/quanshui/g1",
        "demo/zhangji/shahe", "demo/zhangji/shahe/g1", "demo/zhangji/shahe/g2",
    ]


def test_member_lists_the_units_of_their_village(as_user, world):
    assert paths(as_user(world.member).get("/orgs")) == ["demo/zhangji/shahe", "demo/zhangji/shahe/g1", "demo/zhangji/shahe/g2"]


def test_list_filters_and_paginates(as_user, world):
    client = as_user(world.admin)
    assert paths(client.get("/orgs", {"parent_id": world.shahe.pk})) == ["demo/zhangji/shahe/g1", "demo/zhangji/shahe/g2"]
    assert paths(client.get("/orgs", {"org_id": world.quanshui.pk})) == ["demo/zhangji/quanshui", "demo/zhangji/quanshui/g1"]
    assert paths(client.get("/orgs", {"kind": "village"})) == ["demo/zhangji/quanshui", "demo/zhangji/shahe"]
    page = client.get("/orgs", {"limit": 2, "offset": 2}).json()
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 2)
    assert [i["path"] for i in page["items"]] == ["demo/zhangji/quanshui/g1", "demo/zhangji/shahe"]


def test_outsider_cannot_see_another_village(as_user, world):
    assert as_user(world.outsider).get(f"/orgs/{world.shahe.pk}").status_code == 404
    assert as_user(world.outsider).get("/orgs", {"org_id": world.shahe.pk}).status_code == 404


def test_org_admin_creates_a_unit_under_their_subtree(as_user, world):
    response = as_user(world.admin).post("/orgs", {"parent_id": world.shahe.pk, "code": "g3", "name": "第三网格", "kind": "grid"})
    assert response.status_code == 201, response.content
    assert response.json()["path"] == "demo/zhangji/shahe/g3"
    event = AuditEvent.objects.get(action="orgs.org_unit_create", object_id=str(response.json()["id"]))
    assert (event.actor_id, event.channel, event.ip) == (world.admin.pk, "api", "127.0.0.1")


def test_reviewer_cannot_create_units(as_user, world):
    before = OrgUnit.objects.count()
    response = as_user(world.reviewer).post("/orgs", {"parent_id": world.shahe.pk, "code": "g3", "name": "第三网格", "kind": "grid"})
    assert response.status_code == 403
    assert OrgUnit.objects.count() == before


def test_only_platform_admins_create_top_level_units(as_user, world):
    response = as_user(world.admin).post("/orgs", {"code": "other", "name": "别县", "kind": "county"})
    assert response.status_code == 403
    assert not OrgUnit.objects.filter(path="other").exists()


def test_admin_moves_a_grid_between_their_villages(as_user, world):
    response = as_user(world.admin).post(f"/orgs/{world.shahe_grid2.pk}/move", {"new_parent_id": world.quanshui.pk})
    assert response.status_code == 200, response.content
    assert response.json()["path"] == "demo/zhangji/quanshui/g2"


def test_village_admin_cannot_move_a_unit_out_of_their_village(as_user, world):
    village_admin = services.user_create(actor=None, username="shahe_admin")
    services.role_binding_grant(actor=None, user=village_admin, org=world.shahe, role=Role.ORG_ADMIN)
    client = as_user(village_admin)
    assert client.post(f"/orgs/{world.shahe_grid2.pk}/move", {"new_parent_id": world.quanshui.pk}).status_code == 404
    # Moving the village itself would need admin rights over the township.
    assert client.post(f"/orgs/{world.shahe.pk}/move", {"new_parent_id": world.shahe_grid1.pk}).status_code == 403
    world.shahe_grid2.refresh_from_db()
    assert world.shahe_grid2.path == "demo/zhangji/shahe/g2"


def test_org_kinds_are_listed(as_user, world):
    codes = [k["code"] for k in as_user(world.member).get("/org-kinds").json()]
    assert "village" in codes and "grid" in codes
