import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.core.errors import Conflict, InvalidInput
from jifen.orgs import selectors
from jifen.orgs import services as orgs
from jifen.orgs.models import OrgUnit


@pytest.mark.django_db
def test_subtree_is_one_query_and_excludes_siblings_with_a_common_prefix(world):
    # "shahe2" shares the prefix "shahe" but is not inside it.
    orgs.org_unit_create(actor=None, parent=world.township, code="shahe2", name="沙河二村", kind="village")
    with CaptureQueriesContext(connection) as ctx:
        paths = list(selectors.org_subtree(world.shahe).values_list("path", flat=True))
    assert len(ctx.captured_queries) == 1
    assert paths == ["demo/zhangji/shahe", "demo/zhangji/shahe/g1", "demo/zhangji/shahe/g2"]


@pytest.mark.django_db
def test_moving_a_subtree_rewrites_paths_and_keeps_people_attached(world):
    other = orgs.org_unit_create(actor=None, parent=world.county, code="xinan", name="新安镇", kind="township")
    orgs.org_unit_move(actor=world.admin, unit=world.shahe, new_parent=other)

    assert list(selectors.org_subtree(other).values_list("path", "depth")) == [
        ("demo/xinan", 1),
        ("demo/xinan/shahe", 2),
        ("demo/xinan/shahe/g1", 3),
        ("demo/xinan/shahe/g2", 3),
    ]
    assert not selectors.org_subtree(world.township).filter(code="shahe").exists()
    names = sorted(selectors.people_in_subtree(other).values_list("name", flat=True))
    assert names == ["刘记录", "张三", "李梅", "王五", "陈审核"]
    assert sorted(selectors.people_in_subtree(world.township).values_list("name", flat=True)) == ["周管理", "赵六"]
    assert selectors.households_in_subtree(other).count() == 2


@pytest.mark.django_db
def test_cannot_move_a_unit_under_its_own_descendant(world):
    with pytest.raises(InvalidInput):
        orgs.org_unit_move(actor=None, unit=world.shahe, new_parent=world.shahe_grid1)
    assert OrgUnit.objects.get(pk=world.shahe_grid1.pk).path == "demo/zhangji/shahe/g1"


@pytest.mark.django_db
def test_duplicate_code_under_the_same_parent_is_refused(world):
    with pytest.raises(Conflict):
        orgs.org_unit_create(actor=None, parent=world.township, code="shahe", name="重复", kind="village")
    assert OrgUnit.objects.filter(path="demo/zhangji/shahe").count() == 1
