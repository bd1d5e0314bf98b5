"""篇2 统一组织的活动直接予以登记积分: one action awards every attendee, once per (activity, attendee)."""

import pytest

from jifen.claims import services
from jifen.claims.models import Activity, Claim
from jifen.claims.testing import JAN1, local
from jifen.claims.tests.flow import assert_ledger_clean, balance, history
from jifen.core.errors import IllegalTransition, PermissionDenied
from jifen.core.models import Notification
from jifen.ledger.models import Account, Transaction
from jifen.ledger.selectors import balance_of
from jifen.ledger.services import system_account
from jifen.orgs import services as orgs
from jifen.orgs.testing import make_id_number
from jifen.rules import services as rules


@pytest.fixture
def cleanup_item(setup):
    category = setup.help.category
    return rules.item_create(
        actor=None, scheme=setup.scheme, category=category, code="cleanup", name="参加村集体环境整治活动", direction="award", points=2,
        effective_from=JAN1,
    )


def villagers(setup, n, start=0):
    g1 = setup.world.shahe_grid1
    return [
        orgs.person_create(actor=None, org=g1, name=f"村民{i:02d}", id_number=make_id_number("420881", "19700101", 100 + i, i % 2 == 0)).subject
        for i in range(start, start + n)
    ]


def activity(setup, item, **kw):
    kw.setdefault("held_at", local(2026, 3, 8, 8))
    return services.activity_create(
        actor=setup.world.recorder, scheme=setup.scheme, org=setup.world.shahe_grid1, item=item, title="三月环境整治",
        place="沙河村一组", **kw,
    )


def test_an_activity_with_fifty_attendees_posts_fifty_lines_and_a_rerun_posts_none(setup, cleanup_item):
    w = setup.world
    people = villagers(setup, 50)
    act = activity(setup, cleanup_item)
    assert services.activity_attendance_add(actor=w.recorder, activity=act, subjects=people) == 50

    result = services.activity_award(actor=w.recorder, activity=act)
    assert (result.posted, result.skipped) == (50, [])
    txs = Transaction.objects.filter(scheme=setup.scheme, source_type="activity")
    assert sorted(txs.values_list("key", flat=True)) == sorted(f"activity:{act.pk}:{s.pk}" for s in people)
    assert {balance(setup.scheme, s) for s in people} == {2}
    assert balance_of(account=system_account(scheme=setup.scheme, kind=Account.Kind.ISSUANCE)) == -100
    claims = Claim.objects.filter(activity=act)
    assert claims.count() == 50 and set(claims.values_list("state", "origin", "points")) == {("posted", "activity", 2)}
    assert history(claims.first()) == [("", "posted", "recorder")]

    # Run again (a double click, a retry): nothing more.
    again = services.activity_award(actor=w.recorder, activity=Activity.objects.get(pk=act.pk))
    assert (again.posted, again.skipped) == (0, [])
    assert txs.count() == 50 and Claim.objects.filter(activity=act).count() == 50
    # Someone signed in late is awarded alone; those already listed are not added twice.
    [late] = villagers(setup, 1, start=50)
    assert services.activity_attendance_add(actor=w.recorder, activity=act, subjects=[people[0], late]) == 1
    assert services.activity_award(actor=w.recorder, activity=act).posted == 1
    assert txs.count() == 51 and balance(setup.scheme, late) == 2
    assert_ledger_clean()


def test_an_attendee_over_the_items_cap_is_skipped_with_the_reason(setup):
    w = setup.world
    # 陪同父母外出观光 counts once a year: 张三 already declared it in March.
    services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.yearly, occurred_at=local(2026, 3, 2, 9),
        description="陪父母去武汉", place="武汉",
    )
    act = activity(setup, setup.yearly)
    services.activity_attendance_add(actor=w.recorder, activity=act, subjects=[w.zhangsan.subject, w.wangwu.subject])
    result = services.activity_award(actor=w.recorder, activity=act)
    assert result.posted == 1
    assert [(s["subject"], s["code"]) for s in result.skipped] == [(w.zhangsan.subject_id, "cap_exceeded")]
    assert balance(setup.scheme, w.wangwu.subject) == 10 and balance(setup.scheme, w.zhangsan.subject) == 0
    # 王五 hears of it; the recorder who ran the award gets no message about their own action.
    assert list(Notification.objects.filter(kind="claims.activity").values_list("recipient__username", "body")) == [
        ("wangwu", "参加「三月环境整治」：10 分")
    ]


def test_an_activity_not_yet_held_cannot_be_awarded(setup, cleanup_item):
    w = setup.world
    act = activity(setup, cleanup_item, held_at=local(2026, 3, 12, 8))
    services.activity_attendance_add(actor=w.recorder, activity=act, subjects=[w.zhangsan.subject])
    with pytest.raises(IllegalTransition) as refused:
        services.activity_award(actor=w.recorder, activity=act)
    assert refused.value.code == "activity_not_held"
    assert Claim.objects.count() == 0 and Transaction.objects.count() == 0


def test_a_member_cannot_award_an_activity(setup, cleanup_item):
    w = setup.world
    act = activity(setup, cleanup_item)
    services.activity_attendance_add(actor=w.recorder, activity=act, subjects=[w.zhangsan.subject])
    with pytest.raises(PermissionDenied):
        services.activity_award(actor=w.member, activity=act)
    assert Claim.objects.count() == 0 and Transaction.objects.count() == 0


def test_the_organiser_does_not_award_themself_someone_else_does(setup, cleanup_item):
    w = setup.world
    act = activity(setup, cleanup_item)
    services.activity_attendance_add(actor=w.recorder, activity=act, subjects=[w.recorder_person.subject, w.zhangsan.subject])
    result = services.activity_award(actor=w.recorder, activity=act)
    assert result.posted == 1
    assert [(s["subject"], s["code"]) for s in result.skipped] == [(w.recorder_person.subject_id, "own_claim")]
    assert balance(setup.scheme, w.recorder_person.subject) == 0
    # The village reviewer runs it again: only the organiser's line is posted now.
    again = services.activity_award(actor=w.reviewer, activity=act)
    assert (again.posted, again.skipped) == (1, [])
    assert balance(setup.scheme, w.recorder_person.subject) == 2 and balance(setup.scheme, w.zhangsan.subject) == 2
    assert_ledger_clean()
