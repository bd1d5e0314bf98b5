"""The whole road, end to end: declare → 初审 → 审核 → 公示 → 异议 → `jifen tick` posts to the ledger.

Times: the tests start on 10 March 2026 (see conftest); the monthly notice for March is
published on 1 April and its 7-day window closes on 8 April.
"""

import io

import pytest
from django.db import IntegrityError, transaction
from PIL import Image

from jifen.claims import evidence as ev
from jifen.claims import services
from jifen.claims.models import Claim, ClaimEvent, Notice, NoticeAmendment, NoticeEntry, Objection
from jifen.claims.selectors import claim_evidence, claim_history, notice_entries
from jifen.claims.testing import local, photo
from jifen.claims.tests.flow import (
    assert_ledger_clean,
    balance,
    history,
    keys,
    state,
    tick,
)
from jifen.claims.tests.helpers import approve, meeting
from jifen.core import clock
from jifen.core.errors import IllegalTransition, PermissionDenied
from jifen.core.models import AuditEvent, Notification
from jifen.core.notify import outbox_mark_sent, outbox_pending
from jifen.ledger.models import Posting, Transaction

APRIL_1 = local(2026, 4, 1, 0, 5)
WINDOW_CLOSES = local(2026, 4, 8, 0, 5)


def kinds_for(username):
    return list(Notification.objects.filter(recipient__username=username).order_by("id").values_list("kind", flat=True))


def test_self_declaration_travels_to_the_ledger(setup):
    w = setup.world
    upload = photo("JPEG", size=(640, 480))
    with Image.open(io.BytesIO(upload)) as original:  # the upload carries a camera model and a GPS position
        assert original.getexif()[0x0110] == "JifenCam 1" and original.getexif().get_ifd(0x8825)[1] == "N"

    claim = services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.help, occurred_at=local(2026, 3, 5, 9),
        description="帮留守老人修好了水管", place="沙河村一组", evidence=[upload],
    )
    [stored] = claim_evidence(claim=claim)
    data = ev.evidence_path(stored).read_bytes()
    assert b"JifenCam" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert dict(image.getexif()) == {} and image.getexif().get_ifd(0x8825) == {}

    services.claim_pre_approve(actor=w.recorder, claim=claim, reason="入户核实属实")
    meeting(setup, [approve(Claim.objects.get(pk=claim.pk))])
    assert state(claim) == "approved"

    # March is not over: the tick publishes nothing; on 1 April it publishes March's notice.
    assert "published 0 notice(s)" in tick(local(2026, 3, 31, 23, 0))
    out = tick(APRIL_1)
    assert "published 1 notice(s) (1 claims)" in out
    notice = Notice.objects.get()
    assert notice.window_closes_at == WINDOW_CLOSES and state(claim) == "noticed"

    # Still inside the window: nothing is posted.
    assert "posted 0" in tick(local(2026, 4, 8, 0, 4))
    assert keys(setup.scheme) == [] and state(claim) == "noticed"

    assert "posted 1" in tick(local(2026, 4, 8, 0, 6))
    claim.refresh_from_db()
    assert claim.state == "posted" and claim.posted_at == local(2026, 4, 8, 0, 6)
    assert balance(setup.scheme, w.zhangsan.subject) == 5
    tx = Transaction.objects.get(scheme=setup.scheme, key=f"claim:{claim.pk}")
    assert tx.source_type == "claim" and tx.source_id == str(claim.pk) and tx.occurred_at == local(2026, 3, 5, 9)
    assert sorted(Posting.objects.filter(transaction=tx).values_list("amount", "kind")) == [(-5, "award"), (5, "award")]
    assert history(claim) == [
        ("", "declared", "zhangsan"),
        ("declared", "pre_approved", "recorder"),
        ("pre_approved", "approved", "reviewer"),
        ("approved", "noticed", "system"),
        ("noticed", "posted", "system"),
    ]
    assert [e.reason for e in claim_history(claim=claim)] == [
        "本人申报：帮留守老人修好了水管", "入户核实属实", "审核通过", "沙河村2026年3月积分公示", "公示期满无异议，记入积分账户",
    ]
    assert kinds_for("zhangsan") == ["claims.pre_approved", "claims.approved", "claims.noticed", "claims.posted"]
    assert kinds_for("recorder") == ["claims.declared"]
    # The notice is closed once its window is over and every line settled.
    assert Notice.objects.get().closed_at == local(2026, 4, 8, 0, 6)
    assert_ledger_clean()


def test_the_history_records_who_when_from_to_and_why(setup):
    w = setup.world
    with clock.frozen(local(2026, 3, 10, 10)):
        claim = services.claim_declare(
            actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=30,
            occurred_at=local(2026, 3, 5, 9), description="调解邻里纠纷", place="沙河村",
        )
    with clock.frozen(local(2026, 3, 11, 15, 30)):
        services.claim_pre_approve(actor=w.recorder, claim=claim, points=20, reason="只调解了一半")
    events = list(claim_history(claim=claim))
    assert [(e.at, e.actor, e.from_state, e.to_state, e.reason, e.points_before, e.points_after) for e in events] == [
        (local(2026, 3, 10, 10), w.member, "", "declared", "本人申报：调解邻里纠纷", None, 30),
        (local(2026, 3, 11, 15, 30), w.recorder, "declared", "pre_approved", "只调解了一半", 30, 20),
    ]
    # Every change has its audit row in the same transaction.
    assert list(AuditEvent.objects.filter(object_id=str(claim.pk), action__startswith="claims.claim").order_by("id").values_list("action", "actor_id")) == [
        ("claims.claim_declare", w.member.pk), ("claims.claim_pre_approve", w.recorder.pk),
    ]
    # Append-only: the database itself refuses an edit of the history.
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        ClaimEvent.objects.filter(claim=claim).update(reason="改写历史")
    assert [e.reason for e in claim_history(claim=claim)] == ["本人申报：调解邻里纠纷", "只调解了一半"]


def test_a_recorder_declares_on_behalf_by_phone_and_it_is_posted(setup):
    w = setup.world
    claim = services.claim_declare(
        actor=w.recorder, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=30, origin="on_behalf",
        channel="phone", occurred_at=local(2026, 3, 6, 9), description="电话反映：调解了地界纠纷", place="沙河村二组",
    )
    assert claim.state == "pre_approved" and claim.declared_by == w.recorder
    services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    tick(APRIL_1)
    tick(WINDOW_CLOSES)
    assert state(claim) == "posted"
    assert balance(setup.scheme, w.zhangsan.subject) == 30
    assert history(claim) == [
        ("", "declared", "recorder"), ("declared", "pre_approved", "recorder"), ("pre_approved", "approved", "reviewer"),
        ("approved", "noticed", "system"), ("noticed", "posted", "system"),
    ]
    assert kinds_for("zhangsan") == ["claims.declared_for_you", "claims.approved", "claims.noticed", "claims.posted"]
    assert_ledger_clean()


def test_a_neighbour_reports_a_deed_and_a_fault_and_both_are_posted(setup):
    w = setup.world
    deed = services.claim_declare(
        actor=w.neighbour, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=20, origin="third_party",
        occurred_at=local(2026, 3, 6, 9), description="张三帮忙调解了纠纷", place="沙河村",
    )
    fault = services.claim_declare(
        actor=w.neighbour, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.litter, origin="third_party",
        occurred_at=local(2026, 3, 7, 9), description="往河沟里倒垃圾", place="村口",
    )
    assert (deed.points, fault.points) == (20, -3)
    assert kinds_for("zhangsan") == ["claims.reported", "claims.reported"]
    for claim in (deed, fault):
        services.claim_pre_approve(actor=w.recorder, claim=claim)
    meeting(setup, [approve(Claim.objects.get(pk=deed.pk)), approve(Claim.objects.get(pk=fault.pk))])
    tick(APRIL_1)
    tick(WINDOW_CLOSES)
    assert (state(deed), state(fault)) == ("posted", "posted")
    assert balance(setup.scheme, w.zhangsan.subject) == 17
    assert keys(setup.scheme) == sorted([f"claim:{deed.pk}", f"claim:{fault.pk}"])
    assert Claim.objects.get(pk=fault.pk).declared_by == w.neighbour
    assert_ledger_clean()


def noticed(setup, points):
    w = setup.world
    claim = services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=points,
        occurred_at=local(2026, 3, 5, 9), description="调解纠纷", place="沙河村",
    )
    services.claim_pre_approve(actor=w.recorder, claim=claim)
    services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    tick(APRIL_1)
    return Claim.objects.get(pk=claim.pk)


def test_an_objection_that_changes_the_points_is_posted_at_the_new_value(setup):
    w = setup.world
    claim = noticed(setup, 40)
    with clock.frozen(local(2026, 4, 3, 9)):
        objection = services.objection_file(claim=claim, reason="他只参加了一次调解", user=w.neighbour)
    assert state(claim) == "disputed"
    # A disputed claim is not posted even after the window closes.
    assert "posted 0" in tick(local(2026, 4, 9, 0, 0))
    assert Notice.objects.get().closed_at is None

    with clock.frozen(local(2026, 4, 9, 10)):
        services.claim_second_check(
            actor=w.reviewer, claim=Claim.objects.get(pk=claim.pk), outcome="change", points=20, reason="核实只参加一次"
        )
    claim.refresh_from_db()
    assert (claim.state, claim.points, claim.declared_points) == ("noticed", 20, 40)
    objection.refresh_from_db()
    assert (objection.status, objection.resolved_by, objection.resolution) == ("changed", w.reviewer, "核实只参加一次")
    entry = NoticeEntry.objects.get(claim=claim)
    assert (entry.state, entry.points, entry.published_points) == ("amended", 20, 40)
    assert list(NoticeAmendment.objects.values_list("revision", "outcome", "points_before", "points_after")) == [(2, "change", 40, 20)]

    assert "posted 1" in tick(local(2026, 4, 9, 10, 1))
    assert state(claim) == "posted"
    assert balance(setup.scheme, w.zhangsan.subject) == 20
    assert history(claim)[-3:] == [("noticed", "disputed", "wangwu"), ("disputed", "noticed", "reviewer"), ("noticed", "posted", "system")]
    assert "claims.second_check" in kinds_for("wangwu")  # the objector hears the outcome
    assert [e.claim_id for e in notice_entries(notice=Notice.objects.get())] == [claim.pk]
    assert_ledger_clean()


def test_an_objection_that_revokes_posts_nothing(setup):
    w = setup.world
    claim = noticed(setup, 30)
    with clock.frozen(local(2026, 4, 2, 9)):
        services.objection_file(claim=claim, reason="根本没有这回事", name="李四", phone="13912345678")
        services.claim_second_check(actor=w.admin, claim=Claim.objects.get(pk=claim.pk), outcome="revoke", reason="二次核查不属实")
    assert state(claim) == "revoked"
    assert NoticeEntry.objects.get(claim=claim).state == "revoked"
    assert Objection.objects.get().status == "revoked"
    assert "posted 0" in tick(WINDOW_CLOSES)
    assert keys(setup.scheme) == [] and balance(setup.scheme, w.zhangsan.subject) == 0
    assert Notice.objects.get().closed_at == WINDOW_CLOSES
    with pytest.raises(IllegalTransition):
        services.objection_file(claim=Claim.objects.get(pk=claim.pk), reason="再提一次")
    assert_ledger_clean()


def test_nobody_approves_a_claim_about_themself_or_their_household(setup):
    w = setup.world
    from jifen.orgs import services as orgs

    own = services.claim_declare(
        actor=w.reviewer, scheme=setup.scheme, subject=w.reviewer_person.subject, item=setup.mediate, points=20,
        occurred_at=local(2026, 3, 5, 9), description="调解纠纷", place="沙河村",
    )
    services.claim_pre_approve(actor=w.admin, claim=own)
    # The reviewer marries into 张三's household: that household's claims are now theirs too.
    orgs.household_member_add(actor=None, household=w.household, person=w.reviewer_person, relation="女婿")
    household = services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.household.subject, item=setup.mediate, points=20,
        occurred_at=local(2026, 3, 6, 9), description="调解纠纷", place="沙河村",
    )
    services.claim_pre_approve(actor=w.recorder, claim=household)
    before = (ClaimEvent.objects.count(), AuditEvent.objects.count())
    for claim in (own, household):
        with pytest.raises(PermissionDenied) as refused:
            services.claim_review(actor=w.reviewer, claim=Claim.objects.get(pk=claim.pk), outcome="approve")
        assert refused.value.code == "own_claim"
        assert refused.value.zh == "不能审核关于本人或本户的申报，请由其他人处理"
    with pytest.raises(PermissionDenied):
        services.slip_issue(
            actor=w.reviewer, scheme=setup.scheme, subject=w.household.subject, item=setup.mediate, points=20,
            occurred_at=local(2026, 3, 6, 9), description="自己给自己开单",
        )
    assert (state(own), state(household)) == ("pre_approved", "pre_approved")
    assert (ClaimEvent.objects.count(), AuditEvent.objects.count()) == before
    services.claim_review(actor=w.admin, claim=Claim.objects.get(pk=own.pk), outcome="approve")
    assert state(own) == "approved"


def test_an_illegal_transition_is_a_clear_error_in_both_languages(setup):
    w = setup.world
    claim = noticed(setup, 20)
    tick(WINDOW_CLOSES)
    claim.refresh_from_db()
    assert claim.state == "posted"
    events = ClaimEvent.objects.count()
    with pytest.raises(IllegalTransition) as refused:
        services.claim_withdraw(actor=w.member, claim=claim)
    assert refused.value.zh == f"申报 #{claim.pk} 当前为「已入账」，不能改为「已撤回」"
    assert refused.value.en == f"claim #{claim.pk} is posted and cannot become withdrawn"
    assert refused.value.detail == {"claim": claim.pk, "from": "posted", "to": "withdrawn"}
    with pytest.raises(IllegalTransition) as refused:
        services.claim_reject(actor=w.reviewer, claim=claim, reason="不属实")
    assert refused.value.en == f"claim #{claim.pk} is posted and cannot become rejected"
    assert ClaimEvent.objects.count() == events and balance(setup.scheme, w.zhangsan.subject) == 20


def test_notifications_land_in_the_outbox_for_sms_and_wechat(setup):
    noticed(setup, 20)
    pending = list(outbox_pending())
    assert [(n.recipient.username, n.kind) for n in pending] == [
        ("recorder", "claims.declared"), ("zhangsan", "claims.pre_approved"), ("zhangsan", "claims.approved"),
        ("zhangsan", "claims.noticed"),
    ]
    assert pending[-1].title == "积分进入公示" and pending[-1].body == "参与调处民间纠纷（20 分）公示至 2026-04-08 00:05"
    assert all(n.link == f"/claims/{Claim.objects.get().pk}/" for n in pending)
    assert outbox_mark_sent(notification_ids=[n.pk for n in pending], channel="sms") == 4
    tick(WINDOW_CLOSES)
    assert [(n.recipient.username, n.kind, n.body) for n in outbox_pending()] == [("zhangsan", "claims.posted", "参与调处民间纠纷：20 分")]
