"""Leaderboard reads for pages, the API and the CLI (see docs/leaderboards.md).

    board_page(scheme=s, period="2026")                        # top 100 of the year
    board_page(scheme=s, period="2026-01", org="demo/zhangji") # a township's January board
    board_page(scheme=s, period="2026-Q1", group="staff")      # 篇6: staff ranked apart from leaders
    board_page(scheme=s, period="2026", category="public")     # points from one category only
    own_rank(scheme=s, subject=subject, period="2026")         # rank, tie, points to the next place
    group_averages(scheme=s, period="2026", groups=["subject_group"])  # 篇3 per-capita averages

Periods: "2026", "2026-01", "2026-Q1", "2026-W05", "2025-2026-1" (term), "all" (also
"year:2026"). Whole-scheme boards come from the snapshot `jifen tick` keeps (index probes);
narrowed boards (org, group, category), and boards with no snapshot, are computed live.
Scores are points (int, or Decimal for schemes with decimals).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from jifen.ledger.amounts import Points, to_points
from jifen.orgs.models import OrgUnit, Subject, subtree_q
from jifen.rankings.boards import (
    EMPLOYEE_GROUPS,
    BoardPeriod,
    Ranked,
    Scope,
    board_check,
    board_period,
    built_at_from_micros,
    group_member_ids,
    live_board,
    make_scope,
    scope_scores,
    subjects_named,
)
from jifen.rankings.models import Board, entries_table
from jifen.rules.models import Category, Scheme

__all__ = [
    "BoardPage",
    "BoardRow",
    "GroupAverage",
    "OwnRank",
    "board_page",
    "group_averages",
    "own_rank",
]

MAX_PAGE = 500


class BoardRow(NamedTuple):  # a tuple: a page builds hundreds of them, a frozen dataclass is 5× slower
    rank: int  # competition rank: 1, 2, 2, 4
    position: int  # 1…n on the board (ties ordered by subject id)
    subject_id: int
    name: str
    score: Points
    tied: bool  # shares its rank with another subject ("并列")


@dataclass(frozen=True)
class BoardPage:
    scheme_code: str
    period: str  # "2026", "2026-01", "all" …
    scope: Scope
    rows: list[BoardRow]
    total: int  # subjects on the whole board
    offset: int
    limit: int
    source: str  # "snapshot" or "live"
    built_at: dt.datetime | None  # when the snapshot was built (None: computed now)

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.rows) < self.total


@dataclass(frozen=True)
class OwnRank:
    subject_id: int
    rank: int
    score: Points
    tied: bool
    out_of: int  # subjects on the board
    points_to_next: Points | None  # points still needed to reach the next place up; None at the top
    next_rank: int | None  # the rank of that next place
    source: str
    built_at: dt.datetime | None


@dataclass(frozen=True)
class GroupAverage:
    key: str  # "leaders", "staff" or the unit's path
    name: str
    members: int
    total: Points
    average: Decimal  # per-capita, rounded half up to 2 decimals; 0 for an empty group
    rank: int | None  # competition rank by average; None for an empty group
    tied: bool = False
    member_ids: tuple[int, ...] = field(default=(), repr=False)


def _page_args(offset: int, limit: int) -> tuple[int, int]:
    offset = max(int(offset), 0)
    limit = min(max(int(limit), 1), MAX_PAGE)
    return offset, limit


def board_page(
    *,
    scheme: Scheme,
    period: str | BoardPeriod = "all",
    org: OrgUnit | str | None = None,
    group: str | OrgUnit | None = None,
    category: str | Category | None = None,
    offset: int = 0,
    limit: int = 100,
) -> BoardPage:
    """One page of a board, best first. From a snapshot: one query (inside a transaction, with a
    savepoint around it); live boards cost their scope."""
    period = board_period(period)
    scope = make_scope(scheme=scheme, org=org, group=group, category=category)
    offset, limit = _page_args(offset, limit)
    scale = scheme.points_scale
    if scope.whole_scheme:
        page = _snapshot_page(scheme=scheme, period=period, offset=offset, limit=limit)
        whole = scale == 0  # scores are already the ints to show
        if page is not None:
            rows, total, built_at = page
            return BoardPage(
                scheme_code=scheme.code, period=period.label, scope=scope, total=total, offset=offset, limit=limit,
                source="snapshot", built_at=built_at,
                rows=[BoardRow(r, p, s, n, sc if whole else to_points(sc, scale), bool(t)) for p, r, s, n, sc, t in rows],
            )
    ranked = live_board(scheme=scheme, period=period, scope=scope)
    window = ranked[offset : offset + limit]
    names = subjects_named(r.subject_id for r in window)
    return BoardPage(
        scheme_code=scheme.code, period=period.label, scope=scope, total=len(ranked), offset=offset, limit=limit,
        source="live", built_at=None,
        rows=[BoardRow(rank=r.rank, position=r.position, subject_id=r.subject_id, name=names.get(r.subject_id, ""),
                       score=to_points(r.score, scale), tied=r.tied) for r in window],
    )


# (scheme id, period label) → board id. A board row, once made, keeps its id; every read
# checks the cached id against the scheme and period in the same statement and looks again
# on a mismatch, so a stale entry costs one extra query, never a wrong answer.
_BOARD_IDS: dict[tuple[int, str], int] = {}


def _board_id(scheme: Scheme, period: BoardPeriod, *, fresh: bool = False) -> int | None:
    key = (scheme.pk, period.label)
    if not fresh and key in _BOARD_IDS:
        return _BOARD_IDS[key]
    _BOARD_IDS.pop(key, None)
    board_id = Board.objects.filter(scheme=scheme, period=period.label, current__isnull=False).values_list("pk", flat=True).first()
    if board_id is not None:
        _BOARD_IDS[key] = board_id
    return board_id


try:
    import psycopg

    _DRIVER_ERRORS: tuple[type[Exception], ...] = (psycopg.Error,)
except ImportError:  # pragma: no cover - SQLite-only installs
    psycopg = None
    _DRIVER_ERRORS = ()


def _cursor_for(db: BaseDatabaseWrapper) -> object:
    """One psycopg cursor per database connection for the hot reads (making one per call is a
    tenth of an own rank); a new connection (Django reconnected) gets a new cursor."""
    raw = db.connection
    held = getattr(db, "_jifen_board_cursor", None)
    if held is None or held[0] is not raw or held[1].closed:
        held = (raw, psycopg.Cursor(raw))
        db._jifen_board_cursor = held  # type: ignore[attr-defined]
    return held[1]


def _fetch(sql: str, params: list[object], db: BaseDatabaseWrapper | None = None) -> list[tuple]:
    """Run a hot read. On PostgreSQL as a prepared statement: planning the three-table statement
    costs several times its execution, and Django's default client-side binding never prepares.
    `db`: the connection, already looked up (each `django.db.connection.x` is a thread-local
    lookup, and an own rank is small enough for a handful of those to show)."""
    db = db or connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or psycopg is None:
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    db.ensure_connection()
    started = time.monotonic()
    cursor = _cursor_for(db)
    cursor.execute(sql, params, prepare=True)
    rows = cursor.fetchall()
    if db.queries_logged:
        # Counted like any other query (django_assert_num_queries, debug toolbar).
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows


def _from_snapshot(scheme: Scheme, period: BoardPeriod, sql: str, params: list[object]) -> list[tuple] | None:
    """Rows of `sql` (formatted with {table}; its first three columns are the table's row 0:
    entries, build time in µs, board check), or None when the board has no snapshot to read.

    The statement touches the entries table only; row 0 says which board it ranks, so a cached
    board id that does not match costs one lookup, never a wrong answer."""
    check = board_check(scheme.pk, period.label)
    for fresh in (False, True):
        board_id = _board_id(scheme, period, fresh=fresh)
        if board_id is None:
            return None
        db = connections[DEFAULT_DB_ALIAS]
        # Inside a caller's transaction a failed statement needs a savepoint to recover from.
        guard = transaction.atomic() if db.in_atomic_block else nullcontext()
        try:
            with guard:
                rows = _fetch(sql.format(table=entries_table(board_id)), params, db)
        except (DatabaseError, *_DRIVER_ERRORS):
            # The board row exists but its first build has not committed yet.
            rows = []
        if rows and rows[0][2] == check:
            return rows
    return None


def _snapshot_page(
    *, scheme: Scheme, period: BoardPeriod, offset: int, limit: int
) -> tuple[list[tuple], int, dt.datetime] | None:
    rows = _from_snapshot(
        scheme, period,
        """
        SELECT m.score, m.account_id, m.rank, p.position, p.rank, p.subject_id, p.name, p.score, p.tied
        FROM {table} m
        LEFT JOIN (
            SELECT e.position, e.rank, e.subject_id, s.name, e.score, e.tied
            FROM {table} e JOIN orgs_subject s ON s.id = e.subject_id
            WHERE e.position > %s AND e.position <= %s
        ) p ON 1 = 1
        WHERE m.position = 0
        ORDER BY p.position
        """,
        [offset, offset + limit],
    )
    if rows is None:
        return None
    entries, built_at = rows[0][0], built_at_from_micros(rows[0][1])
    return [row[3:] for row in rows if row[3] is not None], entries, built_at


def own_rank(
    *,
    scheme: Scheme,
    subject: Subject | int,
    period: str | BoardPeriod = "all",
    org: OrgUnit | str | None = None,
    group: str | OrgUnit | None = None,
    category: str | Category | None = None,
) -> OwnRank | None:
    """A subject's rank, tie and points to the next place; None when the subject is not on the board.

    From a snapshot this is one query (the board's row and two probes of its entries table).
    """
    period = board_period(period)
    subject_id = subject if isinstance(subject, int) else subject.pk
    scope = make_scope(scheme=scheme, org=org, group=group, category=category)
    scale = scheme.points_scale
    if scope.whole_scheme:
        # The next place up is the last subject above: position rank - 1.
        rows = _from_snapshot(
            scheme, period,
            """
            SELECT m.score, m.account_id, m.rank, e.rank, e.score, e.tied, a.score, a.rank
            FROM {table} m
            LEFT JOIN {table} e ON e.subject_id = %s
            LEFT JOIN {table} a ON a.position = e.rank - 1 AND e.rank > 1
            WHERE m.position = 0
            """,
            [subject_id],
        )
        if rows is not None:
            entries, built_at, _, rank, score, tied, above, above_rank = rows[0]
            if rank is None:
                return None
            return OwnRank(
                subject_id=subject_id, rank=rank, score=to_points(score, scale), tied=bool(tied), out_of=entries,
                points_to_next=None if above is None else to_points(above - score, scale), next_rank=above_rank,
                source="snapshot", built_at=built_at_from_micros(built_at),
            )
    ranked = live_board(scheme=scheme, period=period, scope=scope)
    return _own_from(ranked, subject_id, scale)


def _own_from(ranked: Sequence[Ranked], subject_id: int, scale: int) -> OwnRank | None:
    mine = next((r for r in ranked if r.subject_id == subject_id), None)
    if mine is None:
        return None
    above = ranked[mine.rank - 2] if mine.rank > 1 else None
    return OwnRank(
        subject_id=subject_id, rank=mine.rank, score=to_points(mine.score, scale), tied=mine.tied, out_of=len(ranked),
        points_to_next=None if above is None else to_points(above.score - mine.score, scale),
        next_rank=None if above is None else above.rank, source="live", built_at=None,
    )


def group_averages(
    *,
    scheme: Scheme,
    period: str | BoardPeriod = "all",
    groups: str | Sequence[str] = "leaders-staff",
    org: OrgUnit | str | None = None,
    category: str | Category | None = None,
) -> list[GroupAverage]:
    """Per-capita averages of groups, ranked by average (competition ranks; empty groups last, unranked).

    `groups`: "leaders-staff" (篇6: team leaders and staff), or org kind codes (篇3:
    ["subject_group", "grade_group"]) meaning every active unit of those kinds inside the scheme
    (or `org`). A member with no points in the period counts with 0.
    """
    period = board_period(period)
    scope = make_scope(scheme=scheme, org=org, category=category)
    scores = scope_scores(scheme=scheme, period=period, scope=scope)
    if groups == "leaders-staff":
        keys = [(key, zh) for key, (zh, _) in EMPLOYEE_GROUPS.items()]
    else:
        kinds = [groups] if isinstance(groups, str) else list(groups)
        units = OrgUnit.objects.filter(
            subtree_q(scope.org_path or scheme.org.path), kind__code__in=kinds, is_active=True
        ).order_by("path")
        keys = [(u.path, u.name) for u in units]
    scale = scheme.points_scale
    made: list[tuple[str, str, tuple[int, ...], int]] = []
    for key, name in keys:
        members = tuple(sorted(s for s in group_member_ids(scheme=scheme, group=key) if s in scores))
        made.append((key, name, members, sum(scores[s] for s in members)))
    # Rank by the exact average total/n (compared as fractions, never floats).
    filled = [m for m in made if m[2]]
    order = sorted(filled, key=lambda m: (-Decimal(m[3]) / len(m[2]), m[0]))
    out: list[GroupAverage] = []
    rank = 0
    previous: tuple[int, int] | None = None
    for position, (key, name, members, total) in enumerate(order, 1):
        this = (total, len(members))
        if previous is None or this[0] * previous[1] != previous[0] * this[1]:
            rank = position
        previous = this
        out.append(_average(key, name, members, total, rank, scale))
    tied_ranks = {g.rank for g in out if sum(1 for h in out if h.rank == g.rank) > 1}
    out = [GroupAverage(**{**g.__dict__, "tied": g.rank in tied_ranks}) for g in out]
    out += [_average(key, name, members, total, None, scale) for key, name, members, total in made if not members]
    return out


def _average(key: str, name: str, members: tuple[int, ...], total: int, rank: int | None, scale: int) -> GroupAverage:
    average = Decimal(0)
    if members:
        average = (Decimal(total) / len(members)).scaleb(-scale).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return GroupAverage(
        key=key, name=name, members=len(members), total=to_points(total, scale), average=average, rank=rank,
        member_ids=members,
    )
