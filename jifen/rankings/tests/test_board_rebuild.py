"""The leaderboard snapshot: rebuilt from the ledger, checked against a brute-force ranking,
marked stale by postings in its period and refreshed by `jifen tick`."""

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db import connection as db

from jifen.core import clock
from jifen.ledger.services import account_for
from jifen.ledger.testing import local, make_scheme
from jifen.orgs.testing import build_world
from jifen.rankings.boards import (
    board_period,
    board_rebuild,
    board_stale,
    boards_due,
    boards_refresh,
)
from jifen.rankings.models import Board, BoardBuild, entries_table
from jifen.rankings.selectors import board_page, own_rank
from jifen.rankings.tests.rewards_helpers import give, person, unit

PERIODS = ["2026", "2026-03", "2026-Q2", "2026-W10", "2025-12", "all"]


def brute_force(scores):
    """subject → (rank, tied, points to next) straight from the definitions."""
    out = {}
    for subject, score in scores.items():
        higher = [s for s in scores.values() if s > score]
        out[subject] = (
            1 + len(higher),
            sum(1 for s in scores.values() if s == score) > 1,
            (min(higher) - score) if higher else None,
        )
    return out


def period_of(at, period):
    day = at.date()
    if period == "all":
        return True
    p = board_period(period)
    return p.start <= day < p.end


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_matches_a_brute_force_ranking_on_random_postings(world, seed):
    rng = random.Random(seed)
    scheme = make_scheme(world.township, code=f"random-{seed}", name="随机积分")
    village = unit(world.township, f"r{seed}", "随机村", "village")
    people = [person(village, f"村民{i:02d}") for i in range(40)]
    ledger = []
    for p in people:
        account_for(scheme=scheme, subject=p.subject)
        for _ in range(rng.randint(0, 5)):
            # Few distinct values so that ties are common; some deductions.
            points = rng.choice([1, 2, 3, 5, 5, 10, -1, -2])
            at = local(rng.choice([2025, 2026, 2026]), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), 30)
            give(scheme, p, points, at)
            ledger.append((p.subject_id, points, at))
    for period in PERIODS:
        scores = {p.subject_id: 0 for p in people}
        for subject, points, at in ledger:
            if period_of(at, period):
                scores[subject] += points
        expected = brute_force(scores)
        board_rebuild(scheme=scheme, period=period)
        for p in people:
            mine = own_rank(scheme=scheme, subject=p.subject, period=period)
            assert mine.source == "snapshot"
            assert (mine.rank, mine.tied, mine.points_to_next, mine.score) == (*expected[p.subject_id], scores[p.subject_id]), (
                period, p.name
            )
        rows = board_page(scheme=scheme, period=period, limit=500).rows
        assert [(r.subject_id, r.rank, r.score, r.tied) for r in rows] == [
            (s, expected[s][0], scores[s], expected[s][1]) for s in sorted(scores, key=lambda s: (-scores[s], s))
        ]
        # And the live computation agrees with both.
        live = board_page(scheme=scheme, period=period, org=world.township, limit=500).rows
        assert [(r.subject_id, r.rank, r.score, r.tied) for r in live] == [(r.subject_id, r.rank, r.score, r.tied) for r in rows]


def tables_of(board):
    """The board's entries table and any build table left behind (there should be none)."""
    final = entries_table(board.pk)
    return {t for t in db.introspection.table_names() if t == final or t.startswith(final + "_b")}


def test_a_rebuild_with_nothing_new_is_skipped_and_the_old_table_is_replaced(world):
    scheme = make_scheme(world.shahe, code="shahe-b")
    give(scheme, world.zhangsan, 5, local(2026, 3, 1, 9, 0))
    first = board_rebuild(scheme=scheme, period="2026")
    assert (first.build.entries, first.build.total) == (1, 5)
    assert board_rebuild(scheme=scheme, period="2026").build is None
    give(scheme, world.limei, 7, local(2026, 3, 2, 9, 0))
    second = board_rebuild(scheme=scheme, period="2026")
    assert (second.build.entries, second.build.total) == (2, 12)
    board = Board.objects.get(scheme=scheme, period="2026")
    assert (board.current_id, tables_of(board)) == (second.build.pk, {entries_table(board.pk)})
    # Builds stay as history: watermark, when, how long.
    assert list(BoardBuild.objects.filter(board=board).order_by("pk").values_list("entries", flat=True)) == [1, 2]
    with db.cursor() as cursor:
        cursor.execute(f"SELECT subject_id, score, rank, tied FROM {entries_table(board.pk)} WHERE position > 0 ORDER BY position")
        rows = [(s, sc, r, bool(t)) for s, sc, r, t in cursor.fetchall()]
    assert rows == [(world.limei.subject_id, 7, 1, False), (world.zhangsan.subject_id, 5, 2, False)]


def test_a_wrong_cached_board_id_costs_a_lookup_not_a_wrong_answer(world):
    from jifen.rankings import selectors

    scheme = make_scheme(world.shahe, code="shahe-r")
    give(scheme, world.zhangsan, 5, local(2026, 3, 1, 9, 0))
    give(scheme, world.limei, 9, local(2026, 4, 1, 9, 0))
    march = board_rebuild(scheme=scheme, period="2026-03").board
    board_rebuild(scheme=scheme, period="2026-04")
    # As if ids had been reused after a rollback: April's key points at March's board.
    selectors._BOARD_IDS[(scheme.pk, "2026-04")] = march.pk
    mine = own_rank(scheme=scheme, subject=world.limei.subject, period="2026-04")
    assert (mine.rank, mine.score, mine.source) == (1, 9, "snapshot")
    assert selectors._BOARD_IDS[(scheme.pk, "2026-04")] != march.pk
    selectors._BOARD_IDS[(scheme.pk, "2026-04")] = 10**9  # no such board (or table) at all
    assert [(r.name, r.score) for r in board_page(scheme=scheme, period="2026-04").rows] == [("李梅", 9), ("张三", 0)]


def test_a_board_is_stale_only_when_its_period_moves(world):
    scheme = make_scheme(world.shahe, code="shahe-s")
    give(scheme, world.zhangsan, 5, local(2026, 3, 1, 9, 0))
    for period in ("2026-03", "2026-02", "all"):
        board_rebuild(scheme=scheme, period=period)

    def stale():
        return {b.period: board_stale(board=b) for b in Board.objects.select_related("current", "scheme")}

    assert stale() == {"2026-03": False, "2026-02": False, "all": False}
    # 2026-02-28 23:59 in Shanghai is February; it leaves March alone.
    give(scheme, world.limei, 2, local(2026, 2, 28, 23, 59))
    assert stale() == {"2026-03": False, "2026-02": True, "all": True}
    # The snapshot still answers with what it was built from, and says when that was.
    page = board_page(scheme=scheme, period="2026-02")
    assert (page.source, page.total, [r.score for r in page.rows]) == ("snapshot", 1, [0])


def test_tick_builds_current_and_previous_boards_then_only_what_moved(world, monkeypatch):
    from jifen.rankings import boards

    monkeypatch.setattr(boards, "SNAPSHOT_MIN_SUBJECTS", 1)  # as if this one account were a big scheme
    scheme = make_scheme(world.shahe, code="shahe-t")
    give(scheme, world.zhangsan, 5, local(2026, 3, 31, 23, 30))
    now = local(2026, 4, 1, 0, 5)
    with clock.frozen(now):
        report = boards_due(now=now)
    assert "shahe-t" in report
    assert sorted(Board.objects.filter(scheme=scheme).values_list("period", flat=True)) == [
        "2025", "2026", "2026-03", "2026-04", "2026-Q1", "2026-Q2", "2026-W13", "2026-W14", "all",
    ]
    month = board_page(scheme=scheme, period="2026-03")
    assert (month.source, [(r.name, r.score) for r in month.rows]) == ("snapshot", [("张三", 5)])
    with clock.frozen(now):
        assert boards_due(now=now) == "排行榜 / leaderboards: 无需更新 / up to date"
    # Month-end fixed points for March land after midnight, dated 31 March: only March's boards move.
    give(scheme, world.limei, 9, local(2026, 3, 31, 18, 0), kind="fixed")
    with clock.frozen(now):
        rebuilt = boards_refresh(scheme=scheme, now=now)
    assert sorted(r.board.period for r in rebuilt) == ["2026", "2026-03", "2026-Q1", "2026-W14", "all"]
    assert [(r.name, r.rank, r.score) for r in board_page(scheme=scheme, period="2026-03").rows] == [("李梅", 1, 9), ("张三", 2, 5)]


def test_tick_keeps_no_snapshots_for_a_small_scheme_but_refreshes_one_asked_for(world):
    scheme = make_scheme(world.shahe, code="shahe-small")
    give(scheme, world.zhangsan, 5, local(2026, 3, 10, 9, 0))
    now = local(2026, 4, 1, 0, 5)
    with clock.frozen(now):
        assert boards_due(now=now) == "排行榜 / leaderboards: 无需更新 / up to date"
    assert not Board.objects.filter(scheme=scheme).exists()
    assert board_page(scheme=scheme, period="2026-03").source == "live"
    board_rebuild(scheme=scheme, period="2026-03")  # e.g. `jifen boards rebuild --period 2026-03`
    give(scheme, world.limei, 9, local(2026, 3, 11, 9, 0))
    with clock.frozen(now):
        assert boards_due(now=now) == "排行榜 / leaderboards: shahe-small 2026-03(2)"
    assert list(Board.objects.filter(scheme=scheme).values_list("period", flat=True)) == ["2026-03"]


def test_an_inactive_subject_leaves_the_board_at_the_next_rebuild(world):
    from jifen.orgs.models import Subject

    scheme = make_scheme(world.shahe, code="shahe-i")
    give(scheme, world.zhangsan, 5, local(2026, 3, 1, 9, 0))
    give(scheme, world.limei, 3, local(2026, 3, 1, 9, 0))
    Subject.objects.filter(pk=world.zhangsan.subject_id).update(is_active=False)
    board_rebuild(scheme=scheme, period="2026")
    assert [(r.name, r.rank) for r in board_page(scheme=scheme, period="2026").rows] == [("李梅", 1)]
    assert own_rank(scheme=scheme, subject=world.zhangsan.subject, period="2026") is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rebuild_waits_for_a_post_in_flight_and_counts_it():
    """PostgreSQL: a post that has its id but has not committed must not be missed by the watermark."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the lock dance is PostgreSQL's")
    world = build_world()
    scheme = make_scheme(world.shahe, code="shahe-c")
    give(scheme, world.zhangsan, 5, local(2026, 3, 1, 9, 0))
    posted, release, done = threading.Event(), threading.Event(), []

    def poster():
        try:
            with transaction.atomic():
                give(scheme, world.limei, 8, local(2026, 3, 2, 9, 0))
                posted.set()
                release.wait(20)
        finally:
            connections.close_all()

    def rebuilder():
        try:
            done.append(board_rebuild(scheme=scheme, period="2026"))
        finally:
            connections.close_all()

    p = threading.Thread(target=poster)
    p.start()
    assert posted.wait(20)
    r = threading.Thread(target=rebuilder)
    r.start()
    time.sleep(0.5)
    assert r.is_alive()  # waiting for the post in flight
    release.set()
    p.join(20)
    r.join(20)
    assert [(x.build.entries, x.build.total) for x in done] == [(2, 13)]
    assert not board_stale(board=Board.objects.select_related("current", "scheme").get(scheme=scheme, period="2026"))
    assert [(row.name, row.rank) for row in board_page(scheme=scheme, period="2026").rows] == [("李梅", 1), ("张三", 2)]

