"""Recorder pages: pre-review queue, find a person, declare on behalf, activities, spot checks, households."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.claims.models import Activity, ActivityAttendance, Claim, ClaimState, SpotCheck
from jifen.claims.testing import photo
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.orgs.testing import World
from jifen.web.tests.flow.conftest import declare, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def quanshui_recorder(setup):
    w = setup.world
    person = orgs.person_create(actor=None, org=w.quanshui_grid1, name="钱记录", mobile="13900000099")
    user = orgs.user_create(actor=None, username="qsrecorder", password=World.PASSWORD, person=person)
    orgs.role_binding_grant(actor=None, user=user, org=w.quanshui_grid1, role=Role.RECORDER, points_limit=10)
    return user


def test_members_cannot_open_the_workbench(setup):
    assert signed_in(setup.world.member).get("/recorder/").status_code == 403
    assert signed_in(setup.world.member).get("/recorder/find/?q=zs").status_code == 403


def test_zs_finds_zhangsan(setup):
    response = signed_in(setup.world.recorder).get("/recorder/find/?q=zs")
    assert [p.name for p in response.context["people"]] == ["张三"]
    html = response.content.decode()
    assert f'href="/recorder/declare/{setup.world.zhangsan.pk}/"' in html
    assert "138****0001" in html  # a recorder sees phone numbers masked


def test_find_by_household_number_and_phone_tail(setup):
    client = signed_in(setup.world.recorder)
    assert [p.name for p in client.get("/recorder/find/?q=SH-002").context["people"]] == ["王五"]
    assert [p.name for p in client.get("/recorder/find/?q=0002").context["people"]] == ["李梅"]


def test_htmx_gets_only_the_list(setup):
    response = signed_in(setup.world.recorder).get("/recorder/find/?q=zs", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and "张三" in html


def test_a_recorder_of_another_village_finds_nobody_here(setup, quanshui_recorder):
    client = signed_in(quanshui_recorder)
    assert [p.name for p in client.get("/recorder/find/?q=zs").context["people"]] == []
    assert [p.name for p in client.get("/recorder/find/?q=zl").context["people"]] == ["赵六"]
    assert client.get(f"/recorder/declare/{setup.world.zhangsan.pk}/").status_code == 404


def test_the_queue_is_scoped_to_the_recorders_units(setup, quanshui_recorder):
    claim = declare(setup)
    ours = signed_in(setup.world.recorder).get("/recorder/")
    assert [c.pk for c in ours.context["queue"]] == [claim.pk]
    theirs = signed_in(quanshui_recorder).get("/recorder/")
    assert list(theirs.context["queue"]) == []


def test_the_queue_costs_the_same_queries_for_more_claims(setup):
    client = signed_in(setup.world.recorder)
    declare(setup, day=2, item=setup.help)
    with CaptureQueriesContext(connection) as few:
        client.get("/recorder/")
    for day in (3, 4, 5):
        declare(setup, day=day, item=setup.help, evidence=[photo(colour=(day, 9, 9))])
    with CaptureQueriesContext(connection) as many:
        client.get("/recorder/")
    assert len(many) == len(few)


def test_pre_approve_ticked_claims(setup, quanshui_recorder):
    first, second = declare(setup, day=2), declare(setup, day=3)
    refused = signed_in(quanshui_recorder).post("/recorder/pre-approve/", {"claims": [first.pk]})
    assert refused.status_code == 302
    first.refresh_from_db()
    assert first.state == ClaimState.DECLARED
    signed_in(setup.world.recorder).post("/recorder/pre-approve/", {"claims": [first.pk, second.pk]})
    assert sorted(Claim.objects.values_list("state", flat=True)) == [ClaimState.PRE_APPROVED, ClaimState.PRE_APPROVED]


def test_declare_on_behalf_is_pre_approved_at_once(setup):
    client = signed_in(setup.world.recorder)
    page = client.get(f"/recorder/declare/{setup.world.wangwu.pk}/")
    token = page.context["form"].initial["token"]
    response = client.post(f"/recorder/declare/{setup.world.wangwu.pk}/", {
        "token": token, "item": setup.mediate.pk, "subject": setup.world.wangwu.subject_id, "occurred_on": "2026-03-08",
        "place": "村委会", "description": "调解邻里纠纷", "points": "30", "channel": "phone",
    })
    claim = Claim.objects.get()
    assert response["Location"] == f"/claims/{claim.pk}/"
    assert (claim.state, claim.origin, claim.channel, claim.points, claim.declared_by_id) == (
        ClaimState.PRE_APPROVED, "on_behalf", "phone", 30, setup.world.recorder.pk
    )


def test_an_activity_with_ticked_attendees_is_awarded(setup):
    client = signed_in(setup.world.recorder)
    page = client.get("/recorder/activities/")
    token = page.context["form"].initial["token"]
    response = client.post("/recorder/activities/", {
        "token": token, "title": "清理河道", "item": setup.mediate.pk, "org": setup.world.shahe_grid1.pk,
        "held_on": "2026-03-09", "held_time": "09:00", "place": "河边", "points": "10",
    })
    activity = Activity.objects.get()
    assert response["Location"] == f"/recorder/activities/{activity.pk}/"
    tick = client.get(f"/recorder/activities/{activity.pk}/")
    assert [label for _sid, label in tick.context["candidates"]] == ["刘记录", "李梅", "王五", "张三"]  # by pinyin initials: ljl, lm, ww, zs
    w = setup.world
    client.post(f"/recorder/activities/{activity.pk}/", {"action": "attend", "subjects": [w.zhangsan.subject_id, w.wangwu.subject_id]})
    assert sorted(ActivityAttendance.objects.values_list("subject__name", flat=True)) == ["张三", "王五"]
    client.post(f"/recorder/activities/{activity.pk}/", {"action": "award"})
    assert sorted(Claim.objects.filter(activity=activity).values_list("subject__name", "state", "points")) == [
        ("张三", "posted", 10), ("王五", "posted", 10)
    ]


def test_nobody_from_another_village_can_be_ticked(setup):
    client = signed_in(setup.world.recorder)
    token = client.get("/recorder/activities/").context["form"].initial["token"]
    client.post("/recorder/activities/", {
        "token": token, "title": "清理河道", "item": setup.mediate.pk, "org": setup.world.shahe_grid1.pk,
        "held_on": "2026-03-09", "points": "10",
    })
    activity = Activity.objects.get()
    client.post(f"/recorder/activities/{activity.pk}/", {"action": "attend", "subjects": [setup.world.zhaoliu.subject_id]})
    assert ActivityAttendance.objects.count() == 0


def test_a_spot_check_turns_findings_into_deduction_claims(setup):
    client = signed_in(setup.world.recorder)
    token = client.get("/recorder/spot-check/").context["form"].initial["token"]
    response = client.post("/recorder/spot-check/", {
        "token": token, "org": setup.world.shahe_grid1.pk, "held_on": "2026-03-09", "households_checked": "12",
        "decision_record": "3月1日村民代表会议决定", "f1-who": "SH-002", "f1-item": setup.litter.pk, "f1-description": "门前垃圾未清",
    })
    assert response.status_code == 302
    check = SpotCheck.objects.get()
    assert check.households_checked == 12
    assert list(Claim.objects.values_list("subject__name", "points", "state", "origin")) == [
        ("王五户", -3, "pre_approved", "spot_check")
    ]


def test_a_spot_check_with_an_unknown_household_writes_nothing(setup):
    client = signed_in(setup.world.recorder)
    token = client.get("/recorder/spot-check/").context["form"].initial["token"]
    response = client.post("/recorder/spot-check/", {
        "token": token, "org": setup.world.shahe_grid1.pk, "held_on": "2026-03-09", "households_checked": "3",
        "decision_record": "村民代表会议决定", "f1-who": "QS-001", "f1-item": setup.litter.pk, "f1-description": "垃圾",
    })
    assert response.status_code == 422
    assert "找不到「QS-001」" in response.content.decode()
    assert (SpotCheck.objects.count(), Claim.objects.count()) == (0, 0)


def test_households_and_who_has_not_taken_part(setup):
    declare(setup)  # 张三 declared: household SH-001 took part
    client = signed_in(setup.world.recorder)
    everyone = client.get("/recorder/households/")
    assert [(h.number, h.took_part) for h in everyone.context["page"]] == [("SH-001", True), ("SH-002", False)]
    absent = client.get("/recorder/households/?show=absent")
    assert [h.number for h in absent.context["page"]] == ["SH-002"]


def test_households_cost_the_same_queries_for_more_households(setup):
    client = signed_in(setup.world.recorder)
    with CaptureQueriesContext(connection) as few:
        client.get("/recorder/households/")
    w = setup.world
    for n in range(3):
        head = orgs.person_create(actor=None, org=w.shahe_grid1, name=f"新户{n}")
        orgs.household_create(actor=None, village=w.shahe, org=w.shahe_grid1, number=f"SH-10{n}", head=head)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/recorder/households/")
    assert len(response.context["page"].object_list) == 5
    assert len(many) == len(few)


def _slip(client, setup, person, **fields):
    token = client.get(f"/recorder/slip/{person.pk}/").context["form"].initial["token"]
    data = {"token": token, "subject": person.subject_id, "occurred_on": "2026-03-09", "place": "村道", "description": "乱扔垃圾", **fields}
    return client.post(f"/recorder/slip/{person.pk}/", data)


def test_a_recorder_issues_a_deduction_slip(setup):
    client = signed_in(setup.world.recorder)
    response = _slip(client, setup, setup.world.wangwu, item=setup.litter.pk)
    claim = Claim.objects.get()
    assert response["Location"] == f"/claims/{claim.pk}/"
    assert (claim.origin, claim.state, claim.points, claim.approved_by_id) == ("slip", ClaimState.APPROVED, -3, setup.world.recorder.pk)


def test_a_slip_over_the_recorders_limit_is_refused_and_writes_nothing(setup):
    client = signed_in(setup.world.recorder)
    response = _slip(client, setup, setup.world.wangwu, item=setup.mediate.pk, points="60", description="调解")
    assert response.status_code == 422
    assert "60 分超出您的授权上限 10 分" in response.content.decode()
    assert Claim.objects.count() == 0
