"""Member pages: my points, history, declaring with photos, household, notices; a claim's page and its photos."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.claims import services
from jifen.claims.models import Claim, ClaimEvidence, ClaimState
from jifen.claims.testing import photo
from jifen.web.tests.flow.conftest import declare, signed_in, to_approved, to_noticed

pytestmark = pytest.mark.django_db


def _post_claims(setup) -> None:
    claim, notice = to_noticed(setup)
    services.claims_post_due(now=notice.window_closes_at + dt.timedelta(minutes=1))
    return claim


def test_my_points_show_score_and_balance_per_scheme(setup):
    _post_claims(setup)
    response = signed_in(setup.world.member).get("/me/")
    assert response.status_code == 200
    cards = response.context["cards"]
    assert [(c.account.subject.name, c.score_year, c.balance) for c in cards] == [("张三", 20, 20)]
    html = response.content.decode()
    assert '<strong class="score">20</strong>' in html
    assert '<strong class="balance">20</strong>' in html
    assert "<svg class=\"chart\"" in html
    trend = response.context["trend"]
    assert [d["value"] for d in trend["dots"]][-1] == 20
    assert len(trend["dots"]) == 12
    assert "echarts" not in html


def test_my_points_page_costs_a_fixed_number_of_queries(setup, django_assert_max_num_queries):
    _post_claims(setup)
    client = signed_in(setup.world.member)
    with CaptureQueriesContext(connection) as first:
        client.get("/me/")
    for day in (6, 7):
        declare(setup, day=day)
    with CaptureQueriesContext(connection) as second:
        client.get("/me/")
    assert len(second) == len(first)


def test_declare_with_photos_from_the_camera(setup):
    client = signed_in(setup.world.member)
    page = client.get("/me/declare/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<input type="file" id="id_photos" name="photos" accept="image/*" capture="environment" multiple>' in html
    token = page.context["form"].initial["token"]
    data = {
        "token": token, "item": setup.help.pk, "subject": setup.world.zhangsan.subject_id, "occurred_on": "2026-03-09",
        "occurred_time": "08:30", "place": "村口", "description": "帮留守老人挑水",
        "photos": [SimpleUploadedFile("a.jpg", photo(), "image/jpeg"), SimpleUploadedFile("b.jpg", photo(colour=(1, 2, 3)), "image/jpeg")],
    }
    response = client.post("/me/declare/", data)
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/claims/{claim.pk}/"
    assert (claim.state, claim.origin, claim.points, claim.subject_id, claim.place) == (
        ClaimState.DECLARED, "self", 5, setup.world.zhangsan.subject_id, "村口"
    )
    assert ClaimEvidence.objects.filter(claim=claim).count() == 2
    # The same form sent twice (a double tap) makes one claim.
    again = client.post("/me/declare/", {**data, "photos": []})
    assert again.status_code == 302 and again["Location"] == f"/claims/{claim.pk}/"
    assert Claim.objects.count() == 1


def test_a_refused_declaration_shows_why_and_writes_nothing(setup):
    client = signed_in(setup.world.member)
    token = client.get("/me/declare/").context["form"].initial["token"]
    response = client.post("/me/declare/", {
        "token": token, "item": setup.help.pk, "subject": setup.world.zhangsan.subject_id, "occurred_on": "2026-03-09",
        "place": "村口", "description": "帮留守老人挑水",
    })
    assert response.status_code == 422
    assert "「帮助解决留守老人困难」须提供照片等证据" in response.content.decode()
    assert Claim.objects.count() == 0


def test_a_member_cannot_declare_for_the_neighbour(setup):
    client = signed_in(setup.world.member)
    token = client.get("/me/declare/").context["form"].initial["token"]
    response = client.post("/me/declare/", {
        "token": token, "item": setup.mediate.pk, "subject": setup.world.wangwu.subject_id, "occurred_on": "2026-03-09",
        "place": "村口", "description": "调解", "points": "20",
    })
    assert response.status_code == 422
    assert Claim.objects.count() == 0


def test_history_lists_my_claims_with_the_notice_and_the_ledger_reason(setup):
    claim = _post_claims(setup)
    response = signed_in(setup.world.member).get("/me/history/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/notices/{claim.notice_entry.notice_id}/"' in html
    assert "见公示：沙河村2026年3月积分公示" in html
    (account, lines), = response.context["statements"]
    assert [(line.amount, line.reason) for line in lines] == [(20, f"本人申报 #{claim.pk}：参与调处民间纠纷")]


def test_history_costs_the_same_queries_for_more_claims(setup):
    client = signed_in(setup.world.member)
    declare(setup, day=3)
    with CaptureQueriesContext(connection) as few:
        client.get("/me/history/")
    for day in (4, 5, 6, 7):
        declare(setup, day=day, evidence=[photo(colour=(day, 0, 0))])
    with CaptureQueriesContext(connection) as many:
        client.get("/me/history/")
    assert len(many) == len(few)


def test_my_household_lists_members_and_its_points(setup):
    response = signed_in(setup.world.member).get("/me/household/")
    assert response.status_code == 200
    assert [s.person.name for s in response.context["members"]] == ["张三", "李梅"]
    assert f'href="/card/{setup.world.household.pk}/"' in response.content.decode()


def test_notices_about_me_and_objections(setup):
    claim, notice = to_noticed(setup)
    services.objection_file(claim=claim, reason="他只去了半天", user=setup.world.neighbour)
    mine = signed_in(setup.world.member).get("/me/notices/")
    assert [e.claim_id for e in mine.context["entries"]] == [claim.pk]
    assert [row["name"] for row in mine.context["about_me"]] == ["王*"]
    theirs = signed_in(setup.world.neighbour).get("/me/notices/")
    assert [o.claim_id for o in theirs.context["filed"]] == [claim.pk]
    assert "他只去了半天" in theirs.content.decode()


def test_a_claim_page_is_hidden_from_another_village(setup):
    claim = declare(setup)
    assert signed_in(setup.world.member).get(f"/claims/{claim.pk}/").status_code == 200
    assert signed_in(setup.world.outsider).get(f"/claims/{claim.pk}/").status_code == 404


def test_photos_are_served_only_to_allowed_viewers(setup):
    claim = declare(setup, item=setup.help)
    evidence = claim.evidence_links.get().evidence
    for user, status in ((setup.world.member, 200), (setup.world.recorder, 200), (setup.world.reviewer, 200), (setup.world.outsider, 404), (setup.world.neighbour, 404)):
        response = signed_in(user).get(f"/evidence/{evidence.pk}/thumb/")
        assert response.status_code == status, user
        if status == 200:
            assert response["Content-Type"] == "image/jpeg"
            assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    from django.test import Client

    assert Client().get(f"/evidence/{evidence.pk}/").status_code == 302  # to sign-in


def test_a_member_withdraws_and_cannot_pre_approve(setup):
    claim = declare(setup)
    client = signed_in(setup.world.member)
    client.post(f"/claims/{claim.pk}/act/", {"action": "pre_approve"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.DECLARED
    client.post(f"/claims/{claim.pk}/act/", {"action": "withdraw"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.WITHDRAWN


def test_my_rank_in_the_village_and_the_grid_with_points_to_the_next_place(setup):
    w = setup.world
    mine = to_approved(setup)  # 张三: 20
    theirs = to_approved(setup, actor=w.neighbour, subject=w.wangwu.subject, points=50)  # 王五: 50
    notice = services.notice_publish(actor=w.reviewer, scheme=setup.scheme)
    assert services.claims_post_due(now=notice.window_closes_at + dt.timedelta(minutes=1))["posted"] == 2
    assert {mine.pk, theirs.pk} == set(Claim.objects.filter(state="posted").values_list("pk", flat=True))
    response = signed_in(w.member).get("/me/")
    ranks = [(unit.name, r.rank, r.points_to_next, r.next_rank) for unit, r in response.context["ranks"]]
    assert ranks == [("沙河村", 2, 30, 1), ("第一网格", 2, 30, 1)]
    assert "再得 30 分可到第 1 名" in response.content.decode()
    first = signed_in(w.neighbour).get("/me/")
    assert [(r.rank, r.points_to_next) for _unit, r in first.context["ranks"]] == [(1, None), (1, None)]
    assert "已是第一名" in first.content.decode()


def test_a_bad_points_value_on_a_claim_action_changes_nothing(setup):
    claim = declare(setup)
    response = signed_in(setup.world.recorder).post(f"/claims/{claim.pk}/act/", {"action": "pre_approve", "points": "很多"}, follow=True)
    assert "分值格式不对，请填写数字。" in response.content.decode()
    claim.refresh_from_db()
    assert (claim.state, claim.points) == (ClaimState.DECLARED, 20)


def test_the_member_pages_read_in_english(setup):
    client = signed_in(setup.world.member)
    client.cookies["django_language"] = "en"
    html = client.get("/me/").content.decode()
    assert "<h1>My points</h1>" in html
    assert "Declare a good deed" in html
    declare_page = client.get("/me/declare/").content.decode()
    assert "Take photos straight with the phone: up to 9, each at most 10 MB." in declare_page
