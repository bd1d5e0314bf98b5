from jifen.core.models import AuditEvent
from jifen.orgs import services
from jifen.orgs.models import Role, RoleBinding


def grant(client, **fields):
    return client.post("/role-bindings", fields)


def test_admin_grants_a_role_in_their_subtree(as_user, world):
    response = grant(as_user(world.admin), user_id=world.neighbour.pk, org_id=world.shahe_grid1.pk, role="recorder", points_limit=20)
    assert response.status_code == 201, response.content
    binding = RoleBinding.objects.get(pk=response.json()["id"])
    assert (binding.user, binding.org, binding.role, binding.points_limit) == (world.neighbour, world.shahe_grid1, "recorder", 20)
    assert AuditEvent.objects.filter(action="orgs.role_binding_grant", object_id=str(binding.pk), actor_id=world.admin.pk).exists()


def test_nobody_grants_a_role_above_their_own(as_user, world):
    before = RoleBinding.objects.count()
    response = grant(as_user(world.admin), user_id=world.neighbour.pk, org_id=world.shahe.pk, role="platform_admin")
    assert response.status_code == 403
    assert response.json()["code"] == "role_above_own"
    assert RoleBinding.objects.count() == before


def test_nobody_grants_a_points_limit_above_their_own(as_user, world):
    response = grant(as_user(world.admin), user_id=world.neighbour.pk, org_id=world.shahe.pk, role="reviewer", points_limit=1001)
    assert response.status_code == 403
    assert response.json()["code"] == "points_limit_above_own"
    assert not RoleBinding.objects.filter(user=world.neighbour, role="reviewer").exists()


def test_reviewers_cannot_grant_at_all(as_user, world):
    response = grant(as_user(world.reviewer), user_id=world.neighbour.pk, org_id=world.shahe.pk, role="member")
    assert response.status_code == 403
    assert RoleBinding.objects.filter(user=world.neighbour).count() == 1


def test_nobody_grants_outside_their_subtree(as_user, world):
    village_admin = services.user_create(actor=None, username="shahe_admin")
    services.role_binding_grant(actor=None, user=village_admin, org=world.shahe, role=Role.ORG_ADMIN, points_limit=100)
    client = as_user(village_admin)
    assert grant(client, user_id=world.neighbour.pk, org_id=world.quanshui.pk, role="member").status_code == 404
    assert grant(client, user_id=world.neighbour.pk, org_id=world.township.pk, role="member").status_code == 404
    # A user from another village is not theirs to reach either.
    assert grant(client, user_id=world.outsider.pk, org_id=world.shahe.pk, role="member").status_code == 404
    assert not RoleBinding.objects.filter(org__in=[world.quanshui, world.township], user=world.neighbour).exists()


def test_unknown_roles_are_refused_by_name(as_user, world):
    response = grant(as_user(world.admin), user_id=world.neighbour.pk, org_id=world.shahe.pk, role="god")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "role"


def test_admin_revokes_a_binding_in_their_subtree(as_user, world):
    binding = RoleBinding.objects.get(user=world.reviewer)
    response = as_user(world.admin).post(f"/role-bindings/{binding.pk}/revoke")
    assert response.status_code == 200
    binding.refresh_from_db()
    assert binding.is_active is False


def test_nobody_revokes_a_role_above_their_own(as_user, world):
    boss = services.user_create(actor=None, username="boss")
    binding = services.role_binding_grant(actor=None, user=boss, org=world.township, role=Role.PLATFORM_ADMIN)
    response = as_user(world.admin).post(f"/role-bindings/{binding.pk}/revoke")
    assert response.status_code == 403
    binding.refresh_from_db()
    assert binding.is_active is True


def test_list_is_scoped(as_user, world):
    admin_rows = as_user(world.admin).get("/role-bindings").json()
    assert admin_rows["total"] == 6
    own = as_user(world.member).get("/role-bindings").json()
    assert [(b["username"], b["role"]) for b in own["items"]] == [("zhangsan", "member")]


def test_nobody_revokes_their_own_binding(as_user, world):
    binding = RoleBinding.objects.get(user=world.admin)
    response = as_user(world.admin).post(f"/role-bindings/{binding.pk}/revoke")
    assert response.status_code == 403
    assert response.json()["code"] == "own_binding"
    binding.refresh_from_db()
    assert binding.is_active is True
