from jifen.orgs.models import Household, HouseholdMember


def test_member_sees_only_their_household(as_user, world):
    response = as_user(world.member).get("/households")
    assert [h["number"] for h in response.json()["items"]] == ["SH-001"]
    detail = as_user(world.member).get(f"/households/{world.household.pk}").json()
    assert [(m["name"], m["relation"]) for m in detail["members"]] == [("张三", "户主"), ("李梅", "配偶")]


def test_member_cannot_open_the_neighbours_household(as_user, world):
    response = as_user(world.member).get(f"/households/{world.neighbour_household.pk}")
    assert response.status_code == 404
    assert "王五" not in response.content.decode()


def test_staff_see_the_households_of_their_subtree(as_user, world):
    numbers = [h["number"] for h in as_user(world.recorder).get("/households").json()["items"]]
    assert numbers == ["SH-001", "SH-002"]


def test_admin_creates_a_household_and_moves_a_person_into_it(as_user, world):
    client = as_user(world.admin)
    response = client.post(
        "/households", {"village_id": world.shahe.pk, "org_id": world.shahe_grid2.pk, "number": "SH-009",
                        "head_id": world.reviewer_person.pk}
    )
    assert response.status_code == 201, response.content
    household_id = response.json()["id"]
    assert response.json()["name"] == "陈审核户"
    response = client.post(f"/households/{household_id}/members", {"person_id": world.limei.pk, "relation": "配偶"})
    assert response.status_code == 201, response.content
    assert [m["name"] for m in response.json()["members"]] == ["陈审核", "李梅"]
    # Her stay in 张三's household ended; history is kept.
    old = HouseholdMember.objects.get(household=world.household, person=world.limei)
    assert old.left_on is not None
    response = client.post(f"/households/{household_id}/members/{world.limei.pk}/leave", {})
    assert response.status_code == 200
    assert [m["left_on"] is not None for m in response.json()["members"] if m["name"] == "李梅"] == [True]


def test_household_grid_must_lie_in_its_village(as_user, world):
    response = as_user(world.admin).post(
        "/households", {"village_id": world.shahe.pk, "org_id": world.quanshui_grid1.pk, "number": "SH-010"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "org", "message": "户所属网格必须在本村之内"}]
    assert not Household.objects.filter(number="SH-010").exists()


def test_recorder_cannot_change_households(as_user, world):
    response = as_user(world.recorder).post(
        f"/households/{world.household.pk}/members", {"person_id": world.wangwu.pk, "relation": "子"}
    )
    assert response.status_code == 403
    assert not HouseholdMember.objects.filter(household=world.household, person=world.wangwu).exists()
