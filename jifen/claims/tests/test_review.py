import threading

import pytest
from django.db import connection

from jifen.claims import services
from jifen.claims.models import Claim, ClaimEvent, ClaimState, Meeting, MeetingDecision
from jifen.claims.tests.helpers import approve, declared, meeting, pre_approved
from jifen.core import clock
from jifen.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from jifen.core.models import AuditEvent


def states(*claims):
    return [Claim.objects.get(pk=c.pk).state for c in claims]


def test_the_grid_recorder_pre_approves(setup):
    claim = declared(setup)
    services.claim_pre_approve(actor=setup.world.recorder, claim=claim, reason="核实属实")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PRE_APPROVED and claim.pre_reviewed_by == setup.world.recorder
    assert claim.events.last().reason == "核实属实"


def test_a_recorder_can_set_a_ranged_value_with_a_reason(setup):
    claim = declared(setup, points=60)
    with pytest.raises(InvalidInput):
        services.claim_pre_approve(actor=setup.world.recorder, claim=claim, points=30)  # no reason
    services.claim_pre_approve(actor=setup.world.recorder, claim=claim, points=30, reason="只参与了部分调解")
    claim.refresh_from_db()
    assert (claim.points, claim.declared_points) == (30, 60)
    last = claim.events.last()
    assert (last.points_before, last.points_after) == (60, 30)


def test_a_member_cannot_pre_approve(setup):
    claim = declared(setup, subject=setup.world.household.subject)
    with pytest.raises(PermissionDenied):
        services.claim_pre_approve(actor=setup.world.neighbour, claim=claim)
    assert states(claim) == ["declared"]


def test_a_recorder_cannot_pre_approve_their_own_claim(setup):
    w = setup.world
    claim = declared(setup, actor=w.recorder, subject=w.recorder_person.subject)
    assert claim.state == "declared"  # declaring for oneself is not a preliminary check
    with pytest.raises(PermissionDenied) as refused:
        services.claim_pre_approve(actor=w.recorder, claim=claim)
    assert refused.value.code == "own_claim"
    assert states(claim) == ["declared"]


def test_a_recorder_rejects_with_a_reason(setup):
    claim = declared(setup)
    with pytest.raises(InvalidInput):
        services.claim_reject(actor=setup.world.recorder, claim=claim, reason=" ")
    services.claim_reject(actor=setup.world.recorder, claim=claim, reason="查无此事")
    assert states(claim) == ["rejected"]


def test_a_meeting_decides_many_claims_in_one_go(setup):
    w = setup.world
    a = pre_approved(setup, day=2)
    b = pre_approved(setup, day=3, points=60)
    c = pre_approved(setup, day=4, subject=w.wangwu.subject, actor=w.neighbour)
    d = declared(setup, day=6)

    m = meeting(setup, [approve(a), approve(b, "change", points=40, reason="按实际参与调整"), approve(c, "reject", reason="重复"), approve(d, "reject", reason="不属实")])

    assert states(a, b, c, d) == ["approved", "approved", "rejected", "rejected"]
    assert Claim.objects.get(pk=b.pk).points == 40
    assert set(Claim.objects.filter(meeting=m).values_list("pk", flat=True)) == {a.pk, b.pk, c.pk, d.pk}
    assert sorted(MeetingDecision.objects.filter(meeting=m).values_list("claim_id", "outcome", "points_before", "points_after")) == sorted(
        [(a.pk, "approve", 20, 20), (b.pk, "change", 60, 40), (c.pk, "reject", 20, 20), (d.pk, "reject", 20, 20)]
    )
    assert set(m.attendees.values_list("username", flat=True)) == {"reviewer", "recorder"}
    assert m.minutes == "三月审核会" and m.attendee_names == "老党员 王大爷"
    assert Claim.objects.get(pk=a.pk).approved_by == w.reviewer
    assert AuditEvent.objects.filter(action="claims.meeting_record", object_id=str(m.pk)).count() == 1


def test_a_meeting_is_all_or_nothing_and_lists_every_refusal(setup):
    w = setup.world
    good = pre_approved(setup, day=2)
    too_big = pre_approved(setup, day=3, points=80)  # the reviewer's limit is 50
    own = pre_approved(setup, day=4, subject=w.reviewer_person.subject, actor=w.reviewer, checker=w.admin)
    events = ClaimEvent.objects.count()

    with pytest.raises(PermissionDenied) as refused:
        meeting(setup, [approve(good), approve(too_big), approve(own)])

    assert [e["claim"] for e in refused.value.detail["errors"]] == [too_big.pk, own.pk]
    assert [e["code"] for e in refused.value.detail["errors"]] == ["over_points_limit", "own_claim"]
    assert states(good, too_big, own) == ["pre_approved"] * 3
    assert Meeting.objects.count() == 0 and ClaimEvent.objects.count() == events


def test_a_claim_above_the_reviewers_limit_needs_a_higher_approver(setup):
    w = setup.world
    claim = pre_approved(setup, points=80)
    with pytest.raises(PermissionDenied) as refused:
        services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    assert refused.value.code == "over_points_limit"
    assert "50" in refused.value.zh and "80" in refused.value.zh
    assert states(claim) == ["pre_approved"]

    services.claim_review(actor=w.admin, claim=claim, outcome="approve")  # org admin, limit 1000
    claim.refresh_from_db()
    assert claim.state == "approved" and claim.approved_by == w.admin


def test_a_reviewer_cannot_approve_their_own_household(setup):
    w = setup.world
    from jifen.orgs import services as orgs

    # The reviewer joins 张三's household: 张三's claims are now about the reviewer's household.
    orgs.household_member_add(actor=None, household=w.household, person=w.reviewer_person, relation="女婿")
    claim = pre_approved(setup)
    with pytest.raises(PermissionDenied) as refused:
        services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    assert refused.value.code == "own_claim"
    household_claim = pre_approved(setup, subject=w.household.subject, day=6)
    with pytest.raises(PermissionDenied):
        services.claim_review(actor=w.reviewer, claim=household_claim, outcome="approve")
    assert states(claim, household_claim) == ["pre_approved", "pre_approved"]


def test_a_recorder_cannot_do_the_committees_review(setup):
    claim = pre_approved(setup, points=10)
    with pytest.raises(PermissionDenied):
        services.claim_review(actor=setup.world.recorder, claim=claim, outcome="approve")


def test_the_items_minimum_role_is_respected(setup):
    import datetime as dt

    from jifen.orgs import services as orgs
    from jifen.orgs.models import Role
    from jifen.rules import services as rules

    w = setup.world
    rules.item_edit(actor=None, item=setup.yearly, effective_from=dt.date(2026, 3, 1), min_role="org_admin")
    claim = pre_approved(setup, item=setup.yearly)
    assert claim.item_version.min_role == "org_admin"
    with pytest.raises(PermissionDenied) as refused:
        services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    assert "org_admin" in refused.value.en
    orgs.role_binding_grant(actor=None, user=w.reviewer, org=w.shahe, role=Role.ORG_ADMIN, points_limit=50)
    services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    assert states(claim) == ["approved"]


def test_a_declared_claim_must_be_pre_reviewed_before_approval(setup):
    claim = declared(setup)
    with pytest.raises(IllegalTransition) as refused:
        services.claim_review(actor=setup.world.reviewer, claim=claim, outcome="approve")
    assert "初审" in refused.value.zh


def test_a_fixed_item_cannot_have_its_points_changed(setup):
    claim = pre_approved(setup, item=setup.help)
    with pytest.raises(InvalidInput) as refused:
        services.claim_review(actor=setup.world.reviewer, claim=claim, outcome="change", points=3, reason="少给")
    assert refused.value.detail == {"field": "points"}


def test_an_illegal_transition_is_a_clear_error_in_both_languages(setup):
    claim = declared(setup)
    services.claim_withdraw(actor=setup.world.member, claim=claim)
    claim.refresh_from_db()
    with pytest.raises(IllegalTransition) as refused:
        services.claim_pre_approve(actor=setup.world.recorder, claim=claim)
    assert refused.value.zh == f"申报 #{claim.pk} 当前为「已撤回」，不能改为「初审通过」"
    assert refused.value.en == f"claim #{claim.pk} is withdrawn and cannot become pre-approved"


def test_a_stale_reviewer_gets_a_conflict(setup):
    w = setup.world
    claim = pre_approved(setup)
    stale = Claim.objects.get(pk=claim.pk)
    services.claim_review(actor=w.admin, claim=claim, outcome="reject", reason="不属实")
    with pytest.raises(Conflict) as refused:
        services.claim_review(actor=w.reviewer, claim=stale, outcome="approve")
    assert refused.value.code == "claim_changed"
    assert states(claim) == ["rejected"]


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_one_wins_the_other_gets_a_conflict(world, settings, tmp_path):
    from jifen.claims.testing import claims_setup
    from jifen.claims.tests.conftest import NOW

    settings.MEDIA_ROOT = str(tmp_path)
    with clock.frozen(NOW):
        setup = claims_setup(world)
        claim = pre_approved(setup, points=30)
    barrier = threading.Barrier(2)
    results = {}

    def act(name, actor, outcome):
        stale = Claim.objects.get(pk=claim.pk)
        barrier.wait()
        try:
            with clock.frozen(NOW):
                services.claim_review(actor=actor, claim=stale, outcome=outcome, reason="会议决定")
            results[name] = "ok"
        except Conflict:
            results[name] = "conflict"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("reviewer", world.reviewer, "approve")),
        threading.Thread(target=act, args=("admin", world.admin, "reject")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert sorted(results.values()) == ["conflict", "ok"]
    final = Claim.objects.get(pk=claim.pk)
    winner = next(name for name, r in results.items() if r == "ok")
    assert final.state == {"reviewer": "approved", "admin": "rejected"}[winner]
    assert list(final.events.values_list("from_state", "to_state")).count(("pre_approved", final.state)) == 1
