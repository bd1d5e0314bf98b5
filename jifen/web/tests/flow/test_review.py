"""Review pages: the queue with filters and photos, the meeting that decides many claims, objections and second checks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.claims import services
from jifen.claims.models import Claim, ClaimState, Meeting, MeetingDecision, NoticeEntry, Objection
from jifen.claims.testing import photo
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.orgs.testing import World
from jifen.web.tests.flow.conftest import signed_in, to_noticed, to_pre_approved

pytestmark = pytest.mark.django_db


@pytest.fixture
def quanshui_reviewer(setup):
    w = setup.world
    person = orgs.person_create(actor=None, org=w.quanshui, name="孙审核", mobile="13900000098")
    user = orgs.user_create(actor=None, username="qsreviewer", password=World.PASSWORD, person=person)
    orgs.role_binding_grant(actor=None, user=user, org=w.quanshui, role=Role.REVIEWER, points_limit=50)
    return user


def _meeting_form(client):
    return client.get("/review/").context["form"].initial["token"]


def test_recorders_cannot_open_the_review_queue(setup):
    assert signed_in(setup.world.recorder).get("/review/").status_code == 403


def test_the_queue_shows_pre_approved_claims_with_thumbnails(setup):
    claim = to_pre_approved(setup, item=setup.help)
    response = signed_in(setup.world.reviewer).get("/review/")
    assert [c.pk for c in response.context["rows"]] == [claim.pk]
    evidence_id = claim.evidence_links.get().evidence_id
    assert f'src="/evidence/{evidence_id}/thumb/"' in response.content.decode()


def test_filters_narrow_the_queue(setup):
    mediate = to_pre_approved(setup, day=2)
    helped = to_pre_approved(setup, day=3, item=setup.help)
    client = signed_in(setup.world.reviewer)
    assert [c.pk for c in client.get("/review/?q=留守").context["rows"]] == [helped.pk]
    assert [c.pk for c in client.get("/review/?q=纠纷").context["rows"]] == [mediate.pk]
    assert [c.pk for c in client.get("/review/?origin=on_behalf").context["rows"]] == []
    assert [c.pk for c in client.get("/review/?org=demo/zhangji/shahe/g2").context["rows"]] == []
    assert [c.pk for c in client.get("/review/?org=demo/zhangji/shahe/g1").context["rows"]] == [mediate.pk, helped.pk]


def test_a_reviewer_of_another_village_sees_nothing_here(setup, quanshui_reviewer):
    to_pre_approved(setup)
    assert list(signed_in(quanshui_reviewer).get("/review/").context["rows"]) == []


def test_the_queue_costs_the_same_queries_for_more_claims(setup):
    client = signed_in(setup.world.reviewer)
    to_pre_approved(setup, day=2, item=setup.help)
    with CaptureQueriesContext(connection) as few:
        client.get("/review/")
    for day in (3, 4, 5):
        to_pre_approved(setup, day=day, item=setup.help, evidence=[photo(colour=(day, 1, 1))])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/review/")
    assert len(response.context["rows"]) == 4
    assert len(many) == len(few)


def test_a_meeting_approves_rejects_and_changes_in_one_go(setup):
    a, b, c = (to_pre_approved(setup, day=d) for d in (2, 3, 4))
    client = signed_in(setup.world.reviewer)
    response = client.post("/review/", {
        "token": _meeting_form(client), "held_on": "2026-03-10", "attendee_names": "王大爷", "minutes": "三月审核会",
        "outcome": "approve", "claims": [a.pk, b.pk, c.pk],
        f"outcome-{b.pk}": "reject", f"reason-{b.pk}": "证据不足", f"points-{c.pk}": "40", f"reason-{c.pk}": "调解成功",
    })
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert (meeting.minutes, meeting.attendee_names, meeting.org_id) == ("三月审核会", "王大爷", setup.world.shahe_grid1.pk)
    assert sorted(MeetingDecision.objects.values_list("claim_id", "outcome", "points_after")) == [
        (a.pk, "approve", 20), (b.pk, "reject", 20), (c.pk, "change", 40)
    ]
    assert sorted(Claim.objects.values_list("pk", "state")) == [(a.pk, "approved"), (b.pk, "rejected"), (c.pk, "approved")]


def test_a_refused_meeting_changes_nothing(setup):
    a, b = to_pre_approved(setup, day=2), to_pre_approved(setup, day=3)
    client = signed_in(setup.world.reviewer)
    # Rejecting needs a reason: the whole meeting is refused, nothing is written.
    response = client.post("/review/", {
        "token": _meeting_form(client), "held_on": "2026-03-10", "outcome": "reject", "claims": [a.pk, b.pk],
    })
    assert response.status_code == 422
    assert "请填写理由" in response.content.decode()
    assert (Meeting.objects.count(), MeetingDecision.objects.count()) == (0, 0)
    assert set(Claim.objects.values_list("state", flat=True)) == {ClaimState.PRE_APPROVED}


def test_a_meeting_cannot_decide_another_villages_claims(setup, quanshui_reviewer):
    claim = to_pre_approved(setup)
    client = signed_in(quanshui_reviewer)
    response = client.post("/review/", {"token": _meeting_form(client), "held_on": "2026-03-10", "outcome": "approve", "claims": [claim.pk]})
    assert response.status_code == 422
    assert "请至少勾选一条申报" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == ClaimState.PRE_APPROVED and Meeting.objects.count() == 0


def test_objections_inbox_and_second_check(setup):
    claim, notice = to_noticed(setup)
    services.objection_file(claim=claim, reason="他只去了半天", name="李四")
    client = signed_in(setup.world.reviewer)
    inbox = client.get("/review/objections/")
    assert [o.claim_id for o in inbox.context["rows"]] == [claim.pk]
    page = client.get(f"/claims/{claim.pk}/")
    assert page.context["can"]["second_check"] is True
    client.post(f"/claims/{claim.pk}/act/", {"action": "second_check", "outcome": "change", "points": "10", "reason": "核实只参与半天"})
    claim.refresh_from_db()
    entry = NoticeEntry.objects.get(claim=claim)
    assert (claim.state, claim.points, entry.points, entry.state) == (ClaimState.NOTICED, 10, 10, "amended")
    assert list(Objection.objects.values_list("status", "resolution")) == [("changed", "核实只参与半天")]
    assert list(client.get("/review/objections/").context["rows"]) == []


def test_the_member_cannot_second_check_their_own_claim(setup):
    claim, notice = to_noticed(setup)
    services.objection_file(claim=claim, reason="不属实")
    signed_in(setup.world.member).post(f"/claims/{claim.pk}/act/", {"action": "second_check", "outcome": "uphold", "reason": "我说是真的"})
    claim.refresh_from_db()
    assert claim.state == ClaimState.DISPUTED
    assert list(Objection.objects.values_list("status", flat=True)) == ["open"]


def test_a_reviewer_publishes_the_notice_by_hand(setup):
    claim = to_pre_approved(setup)
    services.claim_review(actor=setup.world.reviewer, claim=claim, outcome="approve")
    response = signed_in(setup.world.reviewer).post("/review/publish/", {"scheme": setup.scheme.code})
    claim.refresh_from_db()
    assert claim.state == ClaimState.NOTICED
    assert response["Location"] == f"/notices/{claim.notice_entry.notice_id}/"


def test_a_recorder_cannot_publish(setup):
    claim = to_pre_approved(setup)
    services.claim_review(actor=setup.world.reviewer, claim=claim, outcome="approve")
    assert signed_in(setup.world.recorder).post("/review/publish/", {"scheme": setup.scheme.code}).status_code == 403
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
