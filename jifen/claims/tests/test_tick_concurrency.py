"""`jifen tick` is safe to run every minute and twice at once: each claim is noticed once and
posted once. Real threads with their own connections; on PostgreSQL they race on row locks and
the notice's unique key, on SQLite every write transaction takes the write lock up front
(BEGIN IMMEDIATE) so the writers queue."""

import threading

import pytest
from django.db import connection

from jifen.claims import services
from jifen.claims.models import Claim, ClaimEvent, Notice, NoticeEntry
from jifen.claims.testing import claims_setup, local
from jifen.claims.tests.conftest import NOW
from jifen.claims.tests.flow import assert_ledger_clean, balance, tick
from jifen.core import clock
from jifen.core.errors import Conflict
from jifen.ledger.models import Transaction

APRIL_1 = local(2026, 4, 1, 0, 5)
WINDOW_CLOSES = local(2026, 4, 8, 0, 5)


def approved_claims(setup):
    w = setup.world
    claims = []
    for n, (subject, points) in enumerate(
        [(w.zhangsan.subject, 20), (w.wangwu.subject, 30), (w.household.subject, 40), (w.neighbour_household.subject, 10)], 1
    ):
        claims.append(
            services.slip_issue(
                actor=w.reviewer, scheme=setup.scheme, subject=subject, item=setup.mediate, points=points,
                occurred_at=local(2026, 3, n, 9), description="调解纠纷",
            )
        )
    litter = services.slip_issue(
        actor=w.reviewer, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.litter, occurred_at=local(2026, 3, 6, 9),
        description="乱扔垃圾",
    )
    return [*claims, litter]


def run_at_once(n, at):
    """`jifen tick --now <at>` in `n` threads released together; returns the errors raised."""
    barrier = threading.Barrier(n)
    errors = []

    def run():
        try:
            barrier.wait(30)
            tick(at)
        except Exception as exc:  # noqa: BLE001 — reported to the test below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return errors


def moves(claim, to):
    return ClaimEvent.objects.filter(claim=claim, to_state=to).count()


@pytest.mark.django_db(transaction=True)
def test_tick_run_three_times_and_concurrently_posts_each_claim_once(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with clock.frozen(NOW):
        setup = claims_setup(world)
        claims = approved_claims(setup)

    # Three ticks at once on 1 April: one notice, each claim on it once.
    assert run_at_once(3, APRIL_1) == []
    assert Notice.objects.count() == 1 and NoticeEntry.objects.count() == 5
    assert [moves(c, "noticed") for c in claims] == [1] * 5

    # Three ticks at once when the window has closed, then three more one after another.
    assert run_at_once(3, WINDOW_CLOSES) == []
    for _ in range(3):
        assert "posted 0" in tick(WINDOW_CLOSES)

    assert set(Claim.objects.values_list("state", flat=True)) == {"posted"}
    assert [moves(c, "posted") for c in claims] == [1] * 5
    assert sorted(Transaction.objects.filter(scheme=setup.scheme).values_list("key", flat=True)) == sorted(
        f"claim:{c.pk}" for c in claims
    )
    w = world
    assert [balance(setup.scheme, s) for s in (w.zhangsan.subject, w.wangwu.subject, w.household.subject)] == [17, 30, 40]
    assert Notice.objects.get().closed_at == WINDOW_CLOSES
    assert_ledger_clean()


@pytest.mark.django_db(transaction=True)
def test_two_activity_awards_at_once_post_each_attendee_once(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with clock.frozen(NOW):
        setup = claims_setup(world)
        activity = services.activity_create(
            actor=world.recorder, scheme=setup.scheme, org=world.shahe_grid1, item=setup.mediate, points=10,
            held_at=local(2026, 3, 8, 8), title="邻里调解培训",
        )
        subjects = [world.zhangsan.subject, world.wangwu.subject, world.household.subject, world.neighbour_household.subject]
        services.activity_attendance_add(actor=world.recorder, activity=activity, subjects=subjects)
    barrier = threading.Barrier(2)
    posted, errors = [], []

    def award():
        try:
            barrier.wait(30)
            with clock.frozen(NOW):
                posted.append(services.activity_award(actor=world.recorder, activity=activity).posted)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=award) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert sorted(posted) == [0, 4]
    assert Transaction.objects.filter(source_type="activity").count() == 4
    assert Claim.objects.filter(activity=activity).count() == 4
    assert_ledger_clean()


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_post_the_claim_once(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with clock.frozen(NOW):
        setup = claims_setup(world)
        claim = services.claim_declare(
            actor=world.member, scheme=setup.scheme, subject=world.zhangsan.subject, item=setup.mediate, points=30,
            occurred_at=local(2026, 3, 5, 9), description="调解纠纷", place="沙河村",
        )
        services.claim_pre_approve(actor=world.recorder, claim=claim)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def review(actor):
        seen = Claim.objects.get(pk=claim.pk)
        try:
            barrier.wait(30)
            with clock.frozen(NOW):
                services.claim_review(actor=actor, claim=seen, outcome="approve", reason="同意")
            results.append("ok")
        except Conflict as exc:
            results.append(exc.code)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=review, args=(actor,)) for actor in (world.reviewer, world.admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and sorted(results) == ["claim_changed", "ok"]
    assert moves(claim, "approved") == 1

    assert run_at_once(2, APRIL_1) == []
    assert run_at_once(2, WINDOW_CLOSES) == []
    assert moves(claim, "posted") == 1
    assert list(Transaction.objects.values_list("key", flat=True)) == [f"claim:{claim.pk}"]
    assert balance(setup.scheme, world.zhangsan.subject) == 30
    assert_ledger_clean()
