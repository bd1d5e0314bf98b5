import pytest

from jifen.orgs import selectors
from jifen.orgs import services as orgs
from jifen.orgs.models import Role


@pytest.mark.django_db
def test_a_role_applies_to_the_whole_subtree(world):
    assert selectors.user_has_role(user=world.reviewer, org=world.shahe, roles=[Role.REVIEWER])
    assert selectors.user_has_role(user=world.reviewer, org=world.shahe_grid1, roles=[Role.REVIEWER])


@pytest.mark.django_db
def test_a_role_does_not_reach_siblings_or_ancestors(world):
    assert not selectors.user_has_role(user=world.reviewer, org=world.quanshui, roles=[Role.REVIEWER])
    assert not selectors.user_has_role(user=world.reviewer, org=world.township, roles=[Role.REVIEWER])
    assert not selectors.user_has_role(user=world.recorder, org=world.shahe_grid2, roles=[Role.RECORDER])


@pytest.mark.django_db
def test_township_admin_reaches_every_village_below(world):
    managed = set(selectors.orgs_managed_by(user=world.admin, roles=[Role.ORG_ADMIN]).values_list("path", flat=True))
    assert managed == {
        "demo/zhangji", "demo/zhangji/shahe", "demo/zhangji/shahe/g1", "demo/zhangji/shahe/g2",
        "demo/zhangji/quanshui", "demo/zhangji/quanshui/g1",
    }


@pytest.mark.django_db
def test_role_scope_follows_a_moved_subtree(world):
    other = orgs.org_unit_create(actor=None, parent=world.county, code="xinan", name="新安镇", kind="township")
    orgs.org_unit_move(actor=None, unit=world.shahe, new_parent=other)
    world.shahe.refresh_from_db()
    world.shahe_grid1.refresh_from_db()
    assert selectors.user_has_role(user=world.recorder, org=world.shahe_grid1, roles=[Role.RECORDER])
    assert not selectors.user_has_role(user=world.admin, org=world.shahe, roles=[Role.ORG_ADMIN])


@pytest.mark.django_db
def test_revoked_binding_no_longer_counts(world):
    binding = world.reviewer.role_bindings.get(role=Role.REVIEWER)
    orgs.role_binding_revoke(actor=world.admin, binding=binding)
    assert not selectors.user_has_role(user=world.reviewer, org=world.shahe, roles=[Role.REVIEWER])


@pytest.mark.django_db
def test_role_rank_is_the_highest_binding_over_the_unit(world):
    assert selectors.user_role_rank(user=world.recorder, org=world.shahe_grid1) == 2
    assert selectors.user_role_rank(user=world.recorder, org=world.quanshui) == -1
    assert selectors.user_role_rank(user=world.admin, org=world.shahe_grid1) == 4
