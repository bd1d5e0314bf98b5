import datetime as dt

import pytest

from jifen.core import clock
from jifen.grid import services
from jifen.grid.models import Issue, IssueState
from jifen.grid.testing import grid_setup
from jifen.orgs import services as orgs

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world):
    return grid_setup(world, at=clock.now())


def test_issue_lifecycle_through_the_api(w, as_user):
    worker, leader, member = as_user(w.recorder), as_user(w.reviewer), as_user(w.member)
    created = worker.post("/grid/issues", {"household_id": w.household.pk, "kind": "dispute", "title": "宅基地纠纷"})
    assert created.status_code == 201, created.content
    issue = created.json()
    assert (issue["state"], issue["assignee_id"], issue["level"], issue["overdue"]) == ("assigned", w.recorder_person.pk, 0, False)
    deadline = (clock.now() + dt.timedelta(days=3)).isoformat()
    assigned = leader.post(f"/grid/issues/{issue['id']}/assign", {"assignee_id": w.reviewer_person.pk, "deadline": deadline, "note": "网格长亲自办理"})
    assert assigned.status_code == 200 and assigned.json()["assignee_name"] == "陈审核"
    assert leader.post(f"/grid/issues/{issue['id']}/close", {"action_taken": "现场调解，双方签字"}).status_code == 200
    rated = member.post(f"/grid/issues/{issue['id']}/rate", {"rating": 4, "note": "满意"})
    assert rated.status_code == 200 and rated.json()["rating"] == 4
    detail = member.get(f"/grid/issues/{issue['id']}").json()
    assert [(e["action"], e["to_state"]) for e in detail["history"]] == [
        ("report", "assigned"), ("assign", "assigned"), ("close", "closed"), ("rate", "closed"),
    ]
    # 王五 (a neighbour in the same grid) sees nothing of it.
    assert as_user(w.neighbour).get(f"/grid/issues/{issue['id']}").status_code == 404


def test_a_bad_rating_is_a_field_error_and_changes_nothing(w, as_user):
    issue = services.issue_report(actor=w.recorder, kind="need", title="路灯", household=w.household)
    services.issue_close(actor=w.recorder, issue=issue, action_taken="已修")
    response = as_user(w.member).post(f"/grid/issues/{issue.pk}/rate", {"rating": 6})
    assert response.status_code == 422
    assert Issue.objects.get().rating is None


def test_overdue_filter_and_counts(w, as_user):
    with clock.frozen(clock.now() - dt.timedelta(days=2)):
        services.issue_report(actor=w.recorder, kind="emergency", title="老人走失", household=w.household)
    services.issue_report(actor=w.recorder, kind="need", title="申请补助", household=w.neighbour_household)
    admin = as_user(w.admin)
    overdue = admin.get("/grid/issues", {"overdue": "true", "org_id": w.township.pk}).json()
    assert [i["title"] for i in overdue["items"]] == ["老人走失"]
    counts = admin.get("/grid/counts", {"org_id": w.township.pk}).json()
    assert counts["total"] == {"org_id": w.township.pk, "org_path": w.township.path, "name": "张集镇", "open": 2, "overdue": 1, "closed": 0}
    assert [(c["name"], c["open"], c["overdue"]) for c in counts["children"]] == [("泉水河村", 0, 0), ("沙河村", 2, 1)]
    assert as_user(w.member).get("/grid/counts", {"org_id": w.shahe.pk}).status_code == 403
    assert Issue.objects.filter(state=IssueState.ASSIGNED).count() == 2


def test_visits_not_visited_and_households_without_grid(w, as_user):
    worker = as_user(w.recorder)
    today = services.local_today()
    created = worker.post("/grid/visits", {"household_id": w.household.pk, "visited_on": today.isoformat(), "notes": "走访"})
    assert created.status_code == 201
    gaps = worker.get("/grid/not-visited", {"org_id": w.shahe_grid1.pk}).json()
    assert [(g["person_name"], g["households"], [h["number"] for h in g["not_visited"]]) for g in gaps] == [("刘记录", 2, ["SH-002"])]
    orgs.household_create(actor=None, village=w.shahe, org=w.shahe, number="SH-100")
    loose = as_user(w.admin).get("/grid/households-without-grid", {"org_id": w.township.pk}).json()
    assert [h["number"] for h in loose["items"]] == ["SH-100"]
    assert as_user(w.admin).get("/grid/households-without-grid").status_code == 422
    visits = as_user(w.member).get("/grid/visits").json()
    assert [v["notes"] for v in visits["items"]] == ["走访"]


def test_admin_sets_posts_links_and_reads_the_board(w, as_user):
    admin = as_user(w.admin)
    post = admin.post("/grid/posts", {"org_id": w.shahe_grid2.pk, "person_id": w.wangwu.pk, "post": "worker", "duties": "联系第二网格"})
    assert post.status_code == 201, post.content
    moved = admin.post(f"/grid/households/{w.neighbour_household.pk}/move", {"org_id": w.shahe_grid2.pk})
    assert moved.status_code == 200 and moved.json()["org_path"] == w.shahe_grid2.path
    linked = admin.write("put", f"/grid/households/{w.neighbour_household.pk}/worker", {"grid_post_id": post.json()["id"]})
    assert linked.status_code == 200
    boards = as_user(w.member).get(f"/grid/boards/{w.shahe.pk}").json()
    assert [(b["grid_name"], [p["person_name"] for p in b["posts"]], b["households"]) for b in boards] == [
        ("第一网格", ["陈审核", "刘记录"], 1), ("第二网格", ["王五"], 1),
    ]
    refused = as_user(w.recorder).post("/grid/posts", {"org_id": w.shahe_grid1.pk, "person_id": w.zhangsan.pk, "post": "leader"})
    assert refused.status_code == 403


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "2026-13", "26-01"])
def test_a_month_outside_the_calendar_is_a_field_error_not_a_server_error(w, as_user, month):
    # schemathesis sent month=0000-01 and got a 500 (year 0 has no dates)
    response = as_user(w.admin).get("/grid/visits", {"month": month})
    assert response.status_code == 422
    assert "month" in str(response.json()["detail"])
