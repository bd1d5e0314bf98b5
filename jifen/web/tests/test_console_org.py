import pytest
from django.urls import reverse

from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.models import OrgUnit, Role


@pytest.mark.django_db
def test_the_console_opens_at_the_admins_unit(client, world):
    client.force_login(world.admin)
    response = client.get(reverse("console"))
    assert response.status_code == 302 and response["Location"] == "/console/org/demo/zhangji/"


@pytest.mark.django_db
def test_an_admin_of_two_subtrees_chooses_one(client, world):
    orgs.role_binding_grant(actor=None, user=world.recorder, org=world.shahe, role=Role.ORG_ADMIN)
    orgs.role_binding_grant(actor=None, user=world.recorder, org=world.quanshui, role=Role.ORG_ADMIN)
    client.force_login(world.recorder)
    page = client.get(reverse("console")).content.decode()
    assert page.index("泉水河村") < page.index("沙河村")


@pytest.mark.django_db
def test_org_page_lists_children_with_counts(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("console_org", args=["demo/zhangji"])).content.decode()
    assert "直属本组织的人员：1 人" in page  # 周管理
    row = page[page.index("沙河村</a>"):]
    cells = [c.split(">")[-1] for c in row.split("</td>")[1:5]]
    assert cells == ["村", "2", "5", "2"]


@pytest.mark.django_db
def test_a_reviewer_cannot_open_the_console_and_gets_a_clear_page(client, world):
    client.force_login(world.reviewer)
    response = client.get(reverse("console_org", args=["demo/zhangji/shahe"]))
    assert response.status_code == 403
    assert "您不是「沙河村」的管理员" in response.content.decode()


@pytest.mark.django_db
def test_an_admin_cannot_reach_above_their_unit(client, world):
    client.force_login(world.admin)
    assert client.get(reverse("console_org", args=["demo"])).status_code == 403
    response = client.get(reverse("console_org", args=["demo/nowhere"]))
    assert response.status_code == 404 and "找不到组织「demo/nowhere」" in response.content.decode()


@pytest.mark.django_db
def test_the_breadcrumb_links_only_units_the_admin_may_open(client, world):
    client.force_login(world.admin)
    page = client.get(reverse("console_org", args=["demo/zhangji/shahe/g1"])).content.decode()
    assert '<span>演示县</span>' in page
    assert 'href="/console/org/demo/zhangji/shahe/">沙河村</a>' in page


@pytest.mark.django_db
def test_creating_a_unit(client, world):
    client.force_login(world.admin)
    url = reverse("console_org_create", args=["demo/zhangji/shahe"])
    response = client.post(url, {"name": "第三网格", "code": "g3", "kind": "grid"})
    assert response.status_code == 302 and response["Location"] == "/console/org/demo/zhangji/shahe/g3/"
    unit = OrgUnit.objects.get(path="demo/zhangji/shahe/g3")
    assert (unit.name, unit.kind.code, unit.depth) == ("第三网格", "grid", 3)
    assert AuditEvent.objects.filter(action="orgs.org_unit_create", actor_id=world.admin.pk, org_path=unit.path).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "重复", "code": "g1", "kind": "grid"}, "组织路径「demo/zhangji/shahe/g1」已存在"),
        ({"name": "坏编码", "code": "第三", "kind": "grid"}, "组织编码只能用小写字母"),
        ({"name": "", "code": "g9", "kind": "grid"}, "这个字段是必填项"),
    ],
)
def test_a_refused_unit_is_explained_and_nothing_is_written(client, world, data, message):
    client.force_login(world.admin)
    before = OrgUnit.objects.count()
    response = client.post(reverse("console_org_create", args=["demo/zhangji/shahe"]), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert OrgUnit.objects.count() == before


@pytest.mark.django_db
def test_moving_a_unit_with_its_subtree(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("console_org_move", args=["demo/zhangji/shahe/g2"]), {"new_parent": "demo/zhangji/quanshui"})
    assert response.status_code == 302 and response["Location"] == "/console/org/demo/zhangji/quanshui/g2/"
    assert OrgUnit.objects.get(pk=world.shahe_grid2.pk).path == "demo/zhangji/quanshui/g2"


@pytest.mark.django_db
def test_moving_outside_ones_own_tree_is_refused(client, world):
    orgs.org_unit_create(actor=None, parent=world.county, code="xinan", name="新安镇", kind="township")
    client.force_login(world.admin)
    response = client.post(reverse("console_org_move", args=["demo/zhangji/shahe"]), {"new_parent": "demo/xinan"})
    assert response.status_code == 200 and "您不是「新安镇」的管理员" in response.content.decode()
    response = client.post(reverse("console_org_move", args=["demo/zhangji/shahe"]), {"new_parent": "demo/zhangji/shahe/g1"})
    assert "不能把组织移到它自己的下级" in response.content.decode()
    assert OrgUnit.objects.get(pk=world.shahe.pk).path == "demo/zhangji/shahe"
