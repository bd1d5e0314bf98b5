import datetime as dt

import pytest

from jifen.claims import services
from jifen.claims.models import Claim, ClaimState, Notice, NoticeAmendment, NoticeEntry, Objection
from jifen.claims.selectors import notice_amendments, notice_entries, objections_public
from jifen.claims.testing import local
from jifen.claims.tests.helpers import approved, declared
from jifen.core import clock
from jifen.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from jifen.core.models import Notification
from jifen.rules import services as rules


def publish_at(when):
    with clock.frozen(when):
        return services.notices_publish_due(now=when)


def test_the_tick_publishes_last_months_approved_claims_with_the_objection_window(setup):
    a = approved(setup, day=2)
    b = approved(setup, day=3, subject=setup.world.household.subject)
    declared(setup, day=4)  # not approved: stays out

    assert publish_at(local(2026, 3, 31, 23, 59)) == (0, 0, [])  # March is not over yet
    assert publish_at(local(2026, 4, 1, 0, 5)) == (1, 2, [])

    notice = Notice.objects.get()
    assert notice.title == "沙河村2026年3月积分公示"
    assert (notice.period_start, notice.period_end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert notice.window_closes_at == local(2026, 4, 8, 0, 5)
    assert [e.claim_id for e in notice_entries(notice=notice)] == sorted([a.pk, b.pk], key=lambda pk: Claim.objects.get(pk=pk).subject.name)
    assert set(Claim.objects.filter(pk__in=[a.pk, b.pk]).values_list("state", flat=True)) == {"noticed"}
    assert Notification.objects.filter(kind="claims.noticed", recipient=setup.world.member).count() == 2
    # Run again (or by a second tick): nothing more.
    assert publish_at(local(2026, 4, 1, 0, 6)) == (0, 0, [])


def test_claims_approved_after_the_period_ended_wait_for_the_next_notice(setup):
    with clock.frozen(local(2026, 4, 1, 0, 1)):
        late = approved(setup, day=5)
    publish_at(local(2026, 4, 1, 0, 5))
    assert Claim.objects.get(pk=late.pk).state == ClaimState.APPROVED
    assert publish_at(local(2026, 5, 1, 0, 5)) == (1, 1, [])


def test_without_an_objection_window_no_notice_is_published_and_the_admin_is_told(setup):
    rules.scheme_update(actor=None, scheme=setup.scheme, objection_days=None)
    setup.scheme.refresh_from_db()
    claim = approved(setup)
    notices, entries, problems = publish_at(local(2026, 4, 1, 0, 5))
    assert (notices, entries) == (0, 0)
    assert problems == [
        "shahe-claims: 方案「沙河村积分制」未设置异议期天数（objection_days），公示无法发布，请管理员先填写 / "
        "scheme 'shahe-claims' has no objection window (objection_days), so no notice can be published; an admin must fill it first"
    ]
    with pytest.raises(InvalidInput) as refused:
        services.notice_publish(actor=setup.world.reviewer, scheme=setup.scheme)
    assert refused.value.code == "objection_days_missing"
    assert Claim.objects.get(pk=claim.pk).state == "approved" and Notice.objects.count() == 0


def test_a_reviewer_publishes_by_hand_and_a_second_time_is_a_conflict(setup):
    approved(setup)
    notice = services.notice_publish(actor=setup.world.reviewer, scheme=setup.scheme)
    assert notice.period_start == dt.date(2026, 3, 1) and notice.entries.count() == 1
    approved(setup, day=6)
    with pytest.raises(Conflict):
        services.notice_publish(actor=setup.world.reviewer, scheme=setup.scheme)


def test_a_member_cannot_publish(setup):
    approved(setup)
    with pytest.raises(PermissionDenied):
        services.notice_publish(actor=setup.world.member, scheme=setup.scheme)
    assert Notice.objects.count() == 0


def noticed(setup, **kw):
    claim = approved(setup, **kw)
    services.notice_publish(actor=setup.world.reviewer, scheme=setup.scheme)
    return Claim.objects.get(pk=claim.pk)


def test_anyone_may_object_without_signing_in(setup):
    claim = noticed(setup, points=50)
    objection = services.objection_file(claim=claim, reason="他只去了半天", name="李四", phone="13912345678")
    claim.refresh_from_db()
    assert claim.state == ClaimState.DISPUTED
    assert (objection.filed_by, objection.name, objection.phone) == (None, "李四", "13912345678")
    [public] = objections_public(notice=objection.notice)
    assert (public["name"], public["phone"], public["reason"]) == ("李*", "139****5678", "他只去了半天")
    # The approving reviewer and the subject hear of it.
    told = set(Notification.objects.filter(kind="claims.objection").values_list("recipient__username", flat=True))
    assert told == {"reviewer", "zhangsan"}


def test_a_signed_in_objector_is_masked_too(setup):
    claim = noticed(setup)
    services.objection_file(claim=claim, reason="不属实", user=setup.world.neighbour)
    [public] = objections_public(notice=claim.notice_entry.notice)
    assert public["name"] == "王*"


def test_a_bad_phone_number_is_refused(setup):
    claim = noticed(setup)
    with pytest.raises(InvalidInput) as refused:
        services.objection_file(claim=claim, reason="不属实", phone="12345")
    assert refused.value.detail == {"field": "phone"}
    assert Objection.objects.count() == 0


def test_no_objection_after_the_window(setup):
    claim = noticed(setup)
    with clock.frozen(local(2026, 3, 17, 10)), pytest.raises(IllegalTransition) as refused:
        services.objection_file(claim=claim, reason="不属实")
    assert refused.value.code == "window_closed"
    assert Claim.objects.get(pk=claim.pk).state == "noticed"


def test_no_objection_to_a_claim_that_is_not_on_notice(setup):
    claim = approved(setup)
    with pytest.raises(IllegalTransition):
        services.objection_file(claim=claim, reason="不属实")


def test_a_second_check_that_changes_points_amends_the_notice_and_keeps_the_history(setup):
    w = setup.world
    claim = noticed(setup, points=50)
    services.objection_file(claim=claim, reason="只参与了半天", user=w.neighbour)
    services.objection_file(claim=Claim.objects.get(pk=claim.pk), reason="我也看到了")

    services.claim_second_check(actor=w.reviewer, claim=Claim.objects.get(pk=claim.pk), outcome="change", points=30, reason="核实为半天")

    claim.refresh_from_db()
    assert (claim.state, claim.points, claim.declared_points) == ("noticed", 30, 50)
    entry = NoticeEntry.objects.get(claim=claim)
    assert (entry.points, entry.published_points, entry.state) == (30, 50, "amended")
    assert entry.notice.revision == 2
    [amendment] = notice_amendments(notice=entry.notice)
    assert (amendment.outcome, amendment.points_before, amendment.points_after, amendment.revision) == ("change", 50, 30, 2)
    assert set(Objection.objects.values_list("status", flat=True)) == {"changed"}
    assert [(e.from_state, e.to_state) for e in claim.events.all()][-2:] == [("noticed", "disputed"), ("disputed", "noticed")]
    assert Notification.objects.filter(kind="claims.second_check", recipient=w.neighbour).count() == 1


def test_a_second_check_that_revokes(setup):
    claim = noticed(setup)
    services.objection_file(claim=claim, reason="根本没有这回事")
    services.claim_second_check(actor=setup.world.reviewer, claim=Claim.objects.get(pk=claim.pk), outcome="revoke", reason="查无实据")
    claim.refresh_from_db()
    assert claim.state == ClaimState.REVOKED
    entry = NoticeEntry.objects.get(claim=claim)
    assert entry.state == "revoked" and entry.points == 20  # the line shows what was revoked
    assert NoticeAmendment.objects.get().points_after == 0


def test_a_second_check_that_upholds_keeps_a_history_line(setup):
    claim = noticed(setup)
    services.objection_file(claim=claim, reason="有疑问")
    services.claim_second_check(actor=setup.world.reviewer, claim=Claim.objects.get(pk=claim.pk), outcome="uphold", reason="属实")
    claim.refresh_from_db()
    assert claim.state == "noticed" and claim.points == 20
    assert list(NoticeAmendment.objects.values_list("outcome", "points_before", "points_after")) == [("uphold", 20, 20)]


def test_no_second_check_without_an_objection(setup):
    claim = noticed(setup)
    with pytest.raises(IllegalTransition):
        services.claim_second_check(actor=setup.world.reviewer, claim=claim, outcome="revoke", reason="x")
    assert Claim.objects.get(pk=claim.pk).state == "noticed"


def test_amendment_history_is_append_only(setup):
    from django.db import IntegrityError, transaction

    claim = noticed(setup)
    services.objection_file(claim=claim, reason="有疑问")
    services.claim_second_check(actor=setup.world.reviewer, claim=Claim.objects.get(pk=claim.pk), outcome="uphold", reason="属实")
    with pytest.raises(IntegrityError), transaction.atomic():
        NoticeAmendment.objects.update(reason="改写历史")
    with pytest.raises(IntegrityError), transaction.atomic():
        claim.events.all().delete()
