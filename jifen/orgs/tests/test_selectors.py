import datetime as dt

import pytest

from jifen.orgs import selectors
from jifen.orgs import services as orgs
from jifen.orgs.models import Role


@pytest.mark.django_db
def test_role_bindings_of_lists_only_bindings_in_force(world):
    orgs.role_binding_grant(actor=None, user=world.member, org=world.shahe_grid1, role=Role.RECORDER, valid_until=dt.date(2000, 1, 1))
    binding = world.member.role_bindings.get(role=Role.MEMBER)
    assert [(b.role, b.org.path) for b in selectors.role_bindings_of(user=world.member)] == [("member", "demo/zhangji/shahe")]
    orgs.role_binding_revoke(actor=None, binding=binding)
    assert list(selectors.role_bindings_of(user=world.member)) == []
    assert list(selectors.role_bindings_of(user=None)) == []


@pytest.mark.django_db
def test_org_roots_are_the_topmost_bound_units(world):
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe, role=Role.ORG_ADMIN)
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe_grid1, role=Role.ORG_ADMIN)
    orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.quanshui_grid1, role=Role.ORG_ADMIN)
    roots = selectors.org_roots_for(user=world.reviewer, roles=[Role.ORG_ADMIN])
    assert [u.path for u in roots] == ["demo/zhangji/quanshui/g1", "demo/zhangji/shahe"]
    assert selectors.org_roots_for(user=world.member, roles=[Role.ORG_ADMIN]) == []


@pytest.mark.django_db
def test_platform_admins_start_at_the_roots_of_the_tree(world):
    orgs.role_binding_grant(actor=None, user=world.recorder, org=world.shahe_grid1, role=Role.PLATFORM_ADMIN)
    assert [u.path for u in selectors.org_roots_for(user=world.recorder, roles=[Role.ORG_ADMIN])] == ["demo"]


@pytest.mark.django_db
def test_children_come_with_subtree_counts_in_four_queries(world, django_assert_num_queries):
    with django_assert_num_queries(4):
        rows = selectors.org_children_with_counts(world.township)
    assert [(r.unit.path, r.units, r.people, r.households) for r in rows] == [
        ("demo/zhangji/quanshui", 1, 1, 1),
        ("demo/zhangji/shahe", 2, 5, 2),
    ]


@pytest.mark.django_db
def test_people_search_by_name_household_number_and_phone_tail(world):
    def names(query, org=world.township):
        return [p.name for p in selectors.people_search(org=org, query=query)]

    assert names("张") == ["张三"]
    assert names("SH-001") == ["张三", "李梅"]
    assert names("sh-00") == ["张三", "李梅", "王五"]
    assert names("0006") == ["赵六"]
    assert names("0006", org=world.shahe) == []
    assert names("13800000003") == ["王五"]
    assert len(names("")) == 7


@pytest.mark.django_db
def test_household_members_lists_current_then_past(world):
    on = dt.date(2026, 3, 1)
    orgs.household_member_add(actor=None, household=world.neighbour_household, person=world.limei, relation="女", on=on)
    rows = [(m.person.name, m.left_on) for m in selectors.household_members(world.household)]
    assert rows == [("张三", None), ("李梅", on)]
    assert [m.person.name for m in selectors.household_members(world.household, current=False)] == ["李梅"]


@pytest.mark.django_db
def test_bindings_in_subtree_leave_out_revoked_unless_asked(world):
    binding = world.reviewer.role_bindings.get()
    orgs.role_binding_revoke(actor=None, binding=binding)
    active = [(b.user.username, b.role) for b in selectors.bindings_in_subtree(org=world.shahe)]
    assert active == [("wangwu", "member"), ("zhangsan", "member"), ("recorder", "recorder")]
    everything = selectors.bindings_in_subtree(org=world.shahe, include_inactive=True)
    assert len(everything) == 4


@pytest.mark.django_db
def test_user_by_login_takes_a_username_or_the_holders_mobile(world):
    from jifen.core.errors import NotFound

    assert selectors.user_by_login(" zhangsan ") == world.member
    assert selectors.user_by_login("13800000001") == world.member
    with pytest.raises(NotFound):
        selectors.user_by_login("13800000002")  # 李梅 has no account
