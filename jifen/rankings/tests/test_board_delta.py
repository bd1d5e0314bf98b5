"""Incremental board builds: the previous build plus the postings after its watermark, with the
subjects in the SubjectChange log re-checked, must give exactly what a full build gives."""

import random
import threading

import pytest
from django.db import connection, connections, transaction

from jifen.ledger.models import Transaction
from jifen.ledger.services import account_for, transaction_reverse
from jifen.ledger.testing import local, make_scheme
from jifen.orgs.models import Subject
from jifen.orgs.testing import build_world
from jifen.rankings.boards import (
    Scope,
    board_period,
    board_rebuild,
    live_board,
    subject_changes_prune,
)
from jifen.rankings.models import SubjectChange, entries_table
from jifen.rankings.selectors import board_page, own_rank
from jifen.rankings.tests.rewards_helpers import give, person, unit

PERIODS = ["2026", "2026-03", "2026-Q1", "2026-W10", "all"]

# PostgreSQL builds incrementally only with a snapshot of their own (outside a caller's
# transaction), so these tests commit; on SQLite they run the same way.
commits = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def expected(scheme, period):
    """The board from scratch: the live ranking, which sums the ledger's balance rows now."""
    return [(r.subject_id, r.rank, r.score, r.tied) for r in live_board(scheme=scheme, period=board_period(period), scope=Scope())]


def snapshot(scheme, period):
    page = board_page(scheme=scheme, period=period, limit=500)
    assert page.source == "snapshot"
    return [(r.subject_id, r.rank, r.score, r.tied) for r in page.rows]


def entries(board_id):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT position, subject_id, account_id, score, rank, tied FROM {entries_table(board_id)} WHERE position > 0 ORDER BY position")
        return [(p, s, a, sc, r, bool(t)) for p, s, a, sc, r, t in cursor.fetchall()]


def random_day(rng):
    return local(rng.choice([2025, 2026, 2026, 2026]), rng.choice([1, 2, 3, 3, 3, 4, 11]), rng.randint(1, 28), rng.randint(0, 23), 15)


@commits
@pytest.mark.parametrize("seed", [7, 8])
def test_delta_builds_equal_full_builds_through_postings_reversals_and_membership_changes(seed, monkeypatch):
    # Each round changes about 5 of 35 subjects; let them all go the incremental way.
    monkeypatch.setattr("jifen.rankings.boards.DELTA_MAX_CHANGED", 0.5)
    rng = random.Random(seed)
    world = build_world()
    scheme = make_scheme(world.township, code=f"delta-{seed}", name="增量积分")
    village = unit(world.township, f"d{seed}", "增量村", "village")
    people = [person(village, f"村民{i:02d}") for i in range(40)]
    for p in people[:30]:
        account_for(scheme=scheme, subject=p.subject)
        for _ in range(rng.randint(0, 3)):
            give(scheme, p, rng.choice([1, 2, 5, 5, 10, -1]), random_day(rng))
    methods = {period: [] for period in PERIODS}
    for round_no in range(5):
        for period in PERIODS:
            result = board_rebuild(scheme=scheme, period=period)
            if result.build is not None:
                methods[period].append(result.build.method)
            assert snapshot(scheme, period) == expected(scheme, period), (round_no, period)
        # Between builds: new postings (some backdated into older periods), a reversal,
        # subjects leaving and coming back, people getting their first account.
        for _ in range(rng.randint(3, 12)):
            give(scheme, rng.choice(people[:30]), rng.choice([1, 3, 5, -2]), random_day(rng))
        mine = list(Transaction.objects.filter(scheme=scheme, reverses__isnull=True, reversed_by__isnull=True, source_type="manual"))
        if mine:
            transaction_reverse(transaction=rng.choice(mine), key=f"rev-{seed}-{round_no}", actor=None, reason="记错了")
        leaving = rng.sample(people[:30], 2)
        Subject.objects.filter(pk__in=[p.subject_id for p in leaving]).update(is_active=False)
        back = Subject.objects.filter(is_active=False, pk__in=[p.subject_id for p in people]).exclude(
            pk__in=[p.subject_id for p in leaving]
        )
        back.update(is_active=True)
        newcomer = people[30 + round_no]
        give(scheme, newcomer, rng.choice([2, 4]), random_day(rng))
    for period in PERIODS:
        assert methods[period][0] == "full" and set(methods[period][1:]) == {"delta"}, (period, methods[period])
    # The same rows a full build writes, position for position.
    for period in PERIODS:
        last = board_rebuild(scheme=scheme, period=period)
        assert last.build.method == "delta"
        board = last.board
        delta_rows = entries(board.pk)
        assert board_rebuild(scheme=scheme, period=period, force=True).build.method == "full"
        assert entries(board.pk) == delta_rows


@commits
def test_the_log_records_activation_changes_and_new_accounts_only():
    world = build_world()
    scheme = make_scheme(world.shahe, code="log")
    before = SubjectChange.objects.count()
    account_for(scheme=scheme, subject=world.zhangsan.subject)
    Subject.objects.filter(pk=world.zhangsan.subject_id).update(name="张三丰")  # a rename is not a change of who ranks
    Subject.objects.filter(pk=world.limei.subject_id).update(is_active=False)
    Subject.objects.filter(pk=world.limei.subject_id).update(is_active=False)  # no change, no row
    logged = list(SubjectChange.objects.filter(pk__gt=0).order_by("pk").values_list("subject_id", flat=True))[before:]
    assert logged == [world.zhangsan.subject_id, world.limei.subject_id]


@commits
def test_many_changed_subjects_make_a_full_build():
    world = build_world()
    scheme = make_scheme(world.township, code="many")
    village = unit(world.township, "many", "多变村", "village")
    people = [person(village, f"人{i}") for i in range(20)]
    for p in people:
        give(scheme, p, 3, local(2026, 3, 2, 9, 0))
    assert board_rebuild(scheme=scheme, period="2026").build.method == "full"
    give(scheme, people[0], 1, local(2026, 3, 3, 9, 0))
    assert board_rebuild(scheme=scheme, period="2026").build.method == "delta"
    Subject.objects.filter(pk__in=[p.subject_id for p in people[:5]]).update(is_active=False)  # 25% of the board
    give(scheme, people[6], 1, local(2026, 3, 3, 9, 0))
    result = board_rebuild(scheme=scheme, period="2026")
    assert result.build.method == "full" and result.build.entries == 15
    assert snapshot(scheme, "2026") == expected(scheme, "2026")


@commits
def test_an_emptied_entries_table_is_rebuilt_in_full_not_added_to():
    """PostgreSQL keeps entries in UNLOGGED tables, which a crash empties."""
    world = build_world()
    scheme = make_scheme(world.shahe, code="crash")
    give(scheme, world.zhangsan, 5, local(2026, 3, 1, 9, 0))
    give(scheme, world.limei, 3, local(2026, 3, 1, 9, 0))
    board = board_rebuild(scheme=scheme, period="2026").board
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {entries_table(board.pk)}")
    give(scheme, world.limei, 4, local(2026, 3, 2, 9, 0))
    result = board_rebuild(scheme=scheme, period="2026")
    assert result.build.method == "full"
    assert [(r.name, r.rank, r.score) for r in board_page(scheme=scheme, period="2026").rows] == [("李梅", 1, 7), ("张三", 2, 5)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [entries_table(board.pk)])
            assert cursor.fetchone()[0] == "u"


@commits
def test_a_delta_build_waits_for_a_deactivation_in_flight_or_leaves_it_to_the_next(monkeypatch):
    """PostgreSQL: a subject deactivated by a transaction that commits after a build's snapshot
    is in the log with an id the build may already have passed; the next build still sees it."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers")
    monkeypatch.setattr("jifen.rankings.boards.DELTA_MAX_CHANGED", 1.0)  # a board of three
    world = build_world()
    scheme = make_scheme(world.shahe, code="inflight")
    give(scheme, world.zhangsan, 5, local(2026, 3, 1, 9, 0))
    give(scheme, world.limei, 3, local(2026, 3, 1, 9, 0))
    board_rebuild(scheme=scheme, period="2026")
    started, release = threading.Event(), threading.Event()

    def deactivate():
        try:
            with transaction.atomic():
                Subject.objects.filter(pk=world.zhangsan.subject_id).update(is_active=False)
                started.set()
                release.wait(20)
        finally:
            connections.close_all()

    t = threading.Thread(target=deactivate)
    t.start()
    assert started.wait(20)
    # A later log row commits first: a build that went by "highest id seen" would skip the other.
    Subject.objects.filter(pk=world.wangwu.subject_id).update(is_active=False)
    give(scheme, world.limei, 1, local(2026, 3, 2, 9, 0))
    middle = board_rebuild(scheme=scheme, period="2026")
    assert middle.build.method == "delta"
    assert [r.name for r in board_page(scheme=scheme, period="2026").rows] == ["张三", "李梅"]
    release.set()
    t.join(20)
    give(scheme, world.limei, 1, local(2026, 3, 3, 9, 0))
    last = board_rebuild(scheme=scheme, period="2026")
    assert last.build.method == "delta"
    assert [(r.name, r.score) for r in board_page(scheme=scheme, period="2026").rows] == [("李梅", 5)]
    assert own_rank(scheme=scheme, subject=world.zhangsan.subject, period="2026") is None


@commits
def test_the_tick_prunes_the_log_behind_every_recent_build_and_unmarks_older_ones(monkeypatch):
    monkeypatch.setattr("jifen.rankings.boards.DELTA_MAX_CHANGED", 1.0)  # a board of three
    world = build_world()
    scheme = make_scheme(world.shahe, code="prune")
    give(scheme, world.zhangsan, 5, local(2024, 3, 1, 9, 0))
    give(scheme, world.limei, 3, local(2026, 3, 1, 9, 0))
    old_board = board_rebuild(scheme=scheme, period="2024").board  # ended long ago
    Subject.objects.filter(pk=world.wangwu.subject_id).update(is_active=False)
    account_for(scheme=scheme, subject=world.wangwu.subject)
    recent = board_rebuild(scheme=scheme, period="2026").board
    Subject.objects.filter(pk=world.wangwu.subject_id).update(is_active=True)  # after the recent build
    assert subject_changes_prune(today=local(2026, 3, 5, 9, 0).date()) > 0
    # What the 2026 build has not taken in yet is kept; the 2024 build lost its place in the log.
    assert list(SubjectChange.objects.values_list("subject_id", flat=True)) == [world.wangwu.subject_id]
    old_board.refresh_from_db()
    recent.refresh_from_db()
    assert old_board.current.mark == "" and recent.current.mark != ""
    give(scheme, world.zhangsan, 1, local(2024, 3, 2, 9, 0))
    give(scheme, world.limei, 1, local(2026, 3, 2, 9, 0))
    assert board_rebuild(scheme=scheme, period="2024").build.method == "full"
    assert board_rebuild(scheme=scheme, period="2026").build.method == "delta"
    assert snapshot(scheme, "2026") == expected(scheme, "2026")
    assert [(r.name, r.score) for r in board_page(scheme=scheme, period="2026").rows] == [("李梅", 4), ("张三", 0), ("王五", 0)]
