"""Leaderboards: periods, scopes, competition ranks, and the snapshot that makes them fast.

Two ways to a board, same answer:
- live: the subjects of a scope (scheme, org subtree, group, category) and their scores summed
  from the ledger's balance rows (or, per category, its postings), ranked in Python. Cost grows
  with the scope, which is fine for a village, a team or a school.
- snapshot: a whole-scheme board for one period written by `board_rebuild` into
  rankings_boardentry, ranked in SQL; own rank and a page are then single index probes
  whatever the number of subjects (see docs/leaderboards.md and bench/leaderboard.py).

Freshness: postings never touch the snapshot (a month-end batch of a million lines would
otherwise re-rank a million rows inside the ledger's transaction, and concurrent posters would
queue on the board). A build records the ledger watermark it saw; a board is stale when a
transaction of its scheme with a higher id occurred inside its period. `jifen tick` rebuilds
stale boards (task `boards_due`), and readers are told the time the board was built.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import Sum

from jifen.core import clock
from jifen.core.errors import InvalidInput, NotFound
from jifen.ledger.models import Account, Balance, Posting, Transaction
from jifen.ledger.periods import buckets_between, local_date, scheme_zone
from jifen.ledger.selectors import subject_accounts
from jifen.orgs.models import Employment, Membership, OrgUnit, Person, Subject, subtree_q
from jifen.rankings.models import Board, BoardBuild, entries_table
from jifen.rankings.reward_periods import Period, period_parse
from jifen.rules.models import Category, Scheme

ALL = "all"
GRAINS = ("week", "month", "quarter", "year", "all")
# Groups that are not org units (篇6: team leaders and staff ranked separately).
EMPLOYEE_GROUPS = {"leaders": ("组长组", "team leaders"), "staff": ("员工组", "staff")}

# PostgreSQL advisory lock classes: the ledger's scheme posting lock (see
# jifen.ledger.lock_objects) and one per board so two rebuilds of a board run one at a time.
_LEDGER_LOCK_CLASS = 0x4A4601
_BOARD_LOCK_CLASS = 0x4A4602
# Builds hold it shared while they run; pruning the SubjectChange log takes it exclusively (or
# skips), so it never removes rows a build in progress will need as its successor's delta.
_PRUNE_LOCK_CLASS = 0x4A4603


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class BoardPeriod:
    grain: str  # week, month, quarter, year, term, school_year, all
    label: str  # 2026, 2026-01, 2026-Q1, 2026-W05, all
    start: dt.date | None  # None for all time
    end: dt.date | None  # exclusive

    def buckets(self) -> list[dt.date] | None:
        """The ledger buckets of the period; None means every bucket (all time)."""
        if self.start is None or self.end is None:
            return None
        return buckets_between(self.start, self.end)

    def contains(self, day: dt.date) -> bool:
        return self.start is None or (self.start <= day < self.end)  # type: ignore[operator]


def board_period(period: str | BoardPeriod) -> BoardPeriod:
    """Parse "2026", "2026-01", "2026-Q1", "2026-W05", "2025-2026-1", "all", or "year:2026"."""
    if isinstance(period, BoardPeriod):
        return period
    return _parse_period(period)


@functools.lru_cache(maxsize=1024)
def _parse_period(period: str) -> BoardPeriod:
    # Pure and hot (every own rank and page): parsed once per label. Errors are not cached.
    text = (period or "").strip()
    kind = None
    if ":" in text:
        kind, _, text = text.partition(":")
        kind = kind.strip().lower()
        if kind not in ("week", "month", "quarter", "year", "term", "school_year", ALL):
            raise InvalidInput(
                f"不认识的周期类型「{kind}」（week、month、quarter、year、all）",
                f"unknown period kind {kind!r} (week, month, quarter, year, all)",
                code="bad_period", detail={"field": "period"},
            )
    if kind == ALL or text.lower() in (ALL, "累计"):
        return BoardPeriod(grain=ALL, label=ALL, start=None, end=None)
    parsed: Period = period_parse(text, kind=kind)
    return BoardPeriod(grain=parsed.kind, label=parsed.label, start=parsed.start, end=parsed.end)


def current_period(*, scheme: Scheme, grain: str, on: dt.date | dt.datetime | None = None) -> BoardPeriod:
    """The week, month, quarter or year holding `on` (today in the scheme's zone), or all time."""
    if grain == ALL:
        return board_period(ALL)
    day = local_date(scheme, on)
    if grain == "week":
        year, week, _ = day.isocalendar()
        return board_period(f"{year}-W{week:02d}")
    if grain == "month":
        return board_period(f"{day:%Y-%m}")
    if grain == "quarter":
        return board_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if grain == "year":
        return board_period(str(day.year))
    raise InvalidInput(
        f"未知的周期「{grain}」（应为 week/month/quarter/year/all）",
        f"unknown grain {grain!r} (expected week, month, quarter, year or all)",
        code="bad_grain",
    )


def previous_period(*, scheme: Scheme, grain: str, on: dt.date | dt.datetime | None = None) -> BoardPeriod | None:
    if grain == ALL:
        return None
    start = current_period(scheme=scheme, grain=grain, on=on).start
    assert start is not None
    return current_period(scheme=scheme, grain=grain, on=start - dt.timedelta(days=1))


# --------------------------------------------------------------------------- ranks


@dataclass(frozen=True)
class Ranked:
    position: int  # 1…n, ties broken by subject id
    rank: int  # competition rank: 1, 2, 2, 4
    subject_id: int
    score: int  # scheme units
    tied: bool  # another subject has the same score


def competition_rank(scores: Iterable[tuple[int, int]]) -> list[Ranked]:
    """(subject id, score) pairs ranked best first; equal scores share a rank and the next skips."""
    ordered = sorted(scores, key=lambda pair: (-pair[1], pair[0]))
    counts: dict[int, int] = {}
    for _, score in ordered:
        counts[score] = counts.get(score, 0) + 1
    out: list[Ranked] = []
    rank = 0
    previous: int | None = None
    for position, (subject_id, score) in enumerate(ordered, 1):
        if score != previous:
            rank, previous = position, score
        out.append(Ranked(position=position, rank=rank, subject_id=subject_id, score=score, tied=counts[score] > 1))
    return out


# --------------------------------------------------------------------------- scopes (live)


@dataclass(frozen=True)
class Scope:
    """Which subjects a board ranks: the scheme's, narrowed by org subtree, group and category."""

    org_path: str = ""
    group: str = ""  # "", "leaders", "staff", or an org unit path (篇3 subject / grade group)
    category: str = ""  # category code; scores count only that category's items

    @property
    def whole_scheme(self) -> bool:
        return not (self.org_path or self.group or self.category)


WHOLE_SCHEME = Scope()


def _org_path(org: OrgUnit | str | None) -> str:
    if org is None:
        return ""
    if isinstance(org, OrgUnit):
        return org.path
    path = str(org).strip().strip("/")
    if path and not OrgUnit.objects.filter(path=path).exists():
        raise NotFound(f"找不到组织「{path}」", f"no org unit at {path!r}", code="org_not_found")
    return path


def make_scope(
    *, scheme: Scheme, org: OrgUnit | str | None = None, group: str | OrgUnit | None = None, category: str | Category | None = None
) -> Scope:
    """Validate the narrowing arguments every board selector takes."""
    if org is None and not group and not category:
        return WHOLE_SCHEME
    org_path = _org_path(org)
    if org_path and not (org_path == scheme.org.path or org_path.startswith(scheme.org.path + "/")):
        raise InvalidInput(
            f"组织「{org_path}」不在方案「{scheme.code}」的范围内",
            f"org unit {org_path!r} lies outside scheme {scheme.code!r}",
            code="org_outside_scheme",
        )
    group_key = ""
    if isinstance(group, OrgUnit):
        group_key = group.path
    elif group:
        group_key = str(group).strip().strip("/")
        if group_key not in EMPLOYEE_GROUPS:
            group_key = _org_path(group_key)
    category_code = ""
    if isinstance(category, Category):
        category_code = category.code
    elif category:
        category_code = str(category).strip()
        if not Category.objects.filter(scheme=scheme, code=category_code).exists():
            raise NotFound(
                f"方案「{scheme.code}」没有类别「{category_code}」",
                f"scheme {scheme.code!r} has no category {category_code!r}",
                code="category_not_found",
            )
    return Scope(org_path=org_path, group=group_key, category=category_code)


def group_member_ids(*, scheme: Scheme, group: str) -> set[int]:
    """Subject ids in a group: 篇6 leaders/staff (active employments inside the scheme's unit),
    or an org unit (篇3): people working in its subtree or holding an open membership of it."""
    if group in EMPLOYEE_GROUPS:
        jobs = Employment.objects.filter(
            subtree_q(scheme.org.path, "org__path"), is_active=True, person__subject__is_active=True,
            is_leader=(group == "leaders"),
        )
        return set(jobs.values_list("person__subject_id", flat=True))
    working = Person.objects.filter(subtree_q(group, "org__path"), is_active=True).values_list("subject_id", flat=True)
    joined = Membership.objects.filter(org__path=group, until__isnull=True, person__is_active=True).values_list(
        "person__subject_id", flat=True
    )
    return set(working) | set(joined)


def scope_subjects(*, scheme: Scheme, scope: Scope) -> dict[int, int]:
    """subject id → account id for the active subjects with an account in the scheme, in scope."""
    accounts = Account.objects.filter(scheme=scheme, subject__isnull=False, subject__is_active=True)
    if scope.org_path:
        accounts = accounts.filter(subtree_q(scope.org_path, "subject__org__path"))
    if scope.group:
        accounts = accounts.filter(subject_id__in=group_member_ids(scheme=scheme, group=scope.group))
    return dict(accounts.values_list("subject_id", "id"))


def scope_scores(*, scheme: Scheme, period: BoardPeriod, scope: Scope) -> dict[int, int]:
    """subject id → score (units) in the period for every subject in scope (0 when none)."""
    accounts = scope_subjects(scheme=scheme, scope=scope)
    if not accounts:
        return {}
    buckets = period.buckets()
    by_account: dict[int, int] = {}
    if scope.category:
        rows = _category_postings(scheme=scheme, code=scope.category)
        if buckets is not None:
            rows = rows.filter(bucket__in=buckets)
        for account_id, total in rows.values("account_id").annotate(total=Sum("amount")).values_list("account_id", "total"):
            by_account[account_id] = int(total)
    elif buckets != []:
        rows = Balance.objects.filter(account_id__in=subject_accounts(scheme))
        if buckets is not None:
            rows = rows.filter(bucket__in=buckets)
        if scope.org_path or scope.group:
            rows = rows.filter(account_id__in=list(accounts.values()))
        for account_id, total in rows.values("account_id").annotate(total=Sum("score")).values_list("account_id", "total"):
            by_account[account_id] = int(total)
    return {subject_id: by_account.get(account_id, 0) for subject_id, account_id in accounts.items()}


def _category_postings(*, scheme: Scheme, code: str):  # noqa: ANN202 - a Posting queryset
    """Score postings of the scheme whose transaction names an item version of category `code`.

    The ledger keeps item_version_id as a plain integer (no relation), hence the subqueries;
    a reversal carries its original's item version, so it cancels in the same category.
    """
    from jifen.rules.models import ItemVersion

    versions = ItemVersion.objects.filter(item__scheme=scheme, item__category__code=code).values("id")
    return Posting.objects.filter(
        counts_in_score=True,
        account_id__in=Account.objects.filter(scheme=scheme, subject__isnull=False).values("id"),
        transaction_id__in=Transaction.objects.filter(scheme=scheme, item_version_id__in=versions).values("id"),
    )


def live_board(*, scheme: Scheme, period: BoardPeriod, scope: Scope) -> list[Ranked]:
    """The whole ranked list for a scope, computed from the ledger now."""
    return competition_rank(scope_scores(scheme=scheme, period=period, scope=scope).items())


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class RebuildResult:
    board: Board
    build: BoardBuild | None  # None when the board was already up to date
    seconds: float


def _board_for(*, scheme: Scheme, period: BoardPeriod) -> Board:
    board, created = Board.objects.get_or_create(
        scheme=scheme, period=period.label,
        defaults={"grain": period.grain, "start": period.start, "end": period.end, "created_at": clock.now()},
    )
    if created:
        # Only a database emptied under a live one (tests) can have a table for a new board id.
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {entries_table(board.pk)}")
    return board


def _ledger_watermark() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM ledger_transaction")
        return int(cursor.fetchone()[0] or 0)


def _advisory(function: str, klass: int, key: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [klass, int(key) % 2**31])


def board_rebuild(*, scheme: Scheme, period: str | BoardPeriod, force: bool = False) -> RebuildResult:
    """Rank every active subject of the scheme for the period into a new build, then switch to it.

    Consistency on PostgreSQL: the build briefly takes the ledger's scheme posting lock in
    exclusive mode (so every post of the scheme in flight has committed), opens a REPEATABLE
    READ snapshot and reads the highest transaction id as its watermark, then lets posters go
    on; everything it ranks is exactly the ledger up to the watermark. On SQLite writers are
    serialised anyway. Inside a caller's transaction (tests) it ranks what that transaction sees.

    Incremental when it can be: the previous build's entries plus the score postings of the
    transactions after its watermark, with the subjects in the SubjectChange log since its
    snapshot re-checked from scratch (`_write_entries_delta`). Otherwise (first build, `force`,
    a log pruned past the previous build, many changed subjects, or a PostgreSQL build inside a
    caller's transaction, which has no snapshot of its own to mark) it sums the balance rows.

    A derived, recomputable cache: no audit row (the ledger holds the audited facts).
    Skips the work when the current build already has the same watermark, unless `force`.
    """
    period = board_period(period)
    started = time.perf_counter()
    board = _board_for(scheme=scheme, period=period)
    own_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    ledger_locked = False
    if own_snapshot:
        _advisory("pg_advisory_lock", _BOARD_LOCK_CLASS, board.pk)
        _advisory("pg_advisory_lock_shared", _PRUNE_LOCK_CLASS, 0)
        # Taken outside the transaction: a REPEATABLE READ snapshot starts with its first
        # statement, so it must start after the posts in flight have committed, not before.
        _advisory("pg_advisory_lock", _LEDGER_LOCK_CLASS, scheme.pk)
        ledger_locked = True
    try:
        with transaction.atomic():
            if own_snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                watermark = _ledger_watermark()
                _advisory("pg_advisory_unlock", _LEDGER_LOCK_CLASS, scheme.pk)
                ledger_locked = False
            else:
                watermark = _ledger_watermark()
            board = Board.objects.select_related("current").get(pk=board.pk)
            old = board.current
            if old is not None and old.watermark == watermark and not force and _table_intact(board.pk, old):
                return RebuildResult(board=board, build=None, seconds=time.perf_counter() - started)
            # A PostgreSQL build inside someone else's transaction cannot mark its snapshot.
            mark = _change_mark() if (own_snapshot or connection.vendor != "postgresql") else ""
            build = BoardBuild.objects.create(
                board=board, watermark=watermark, entries=0, total=0, built_at=clock.now(), build_ms=0, mark=mark
            )
            written = None
            if old is not None and not force and mark and old.mark and _table_intact(board.pk, old, exact=True):
                written = _write_entries_delta(build=build, scheme=scheme, period=period, old=old, watermark=watermark)
            if written is None:
                written = _write_entries(build=build, scheme=scheme, period=period)
                build.method = "full"
            else:
                build.method = "delta"
            build.entries, build.total = written
            build.build_ms = int((time.perf_counter() - started) * 1000)
            build.save(update_fields=["entries", "total", "build_ms", "method"])
            board.current = build
            board.save(update_fields=["current"])
    finally:
        if ledger_locked:
            _advisory("pg_advisory_unlock", _LEDGER_LOCK_CLASS, scheme.pk)
        if own_snapshot:
            _advisory("pg_advisory_unlock_shared", _PRUNE_LOCK_CLASS, 0)
            _advisory("pg_advisory_unlock", _BOARD_LOCK_CLASS, board.pk)
    return RebuildResult(board=board, build=build, seconds=time.perf_counter() - started)


def _change_mark() -> str:
    """Where the SubjectChange log stands for this build: the transaction's snapshot on
    PostgreSQL (rows of transactions it cannot see are for the next build, whenever they
    commit), the highest log id on SQLite (one writer at a time: ids commit in order)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_current_snapshot()::text")
        else:
            cursor.execute("SELECT 'id:' || COALESCE(MAX(id), 0) FROM rankings_subjectchange")
        return str(cursor.fetchone()[0])


def _changed_since(mark: str) -> tuple[str, list[object]]:
    """SQL (and parameters) for the subject ids logged after a build's mark."""
    if mark.startswith("id:"):
        return "SELECT subject_id FROM rankings_subjectchange WHERE id > %s", [int(mark[3:])]
    # Committed before the old snapshot's xmin means it saw them: only later ones can be new.
    return (
        "SELECT subject_id FROM rankings_subjectchange WHERE xid >= %s "
        "AND NOT pg_visible_in_snapshot(CAST(CAST(xid AS text) AS xid8), CAST(%s AS pg_snapshot))",
        [_snapshot_xmin(mark), mark],
    )


def _snapshot_xmin(mark: str) -> int:
    return int(mark.split(":", 1)[0])


def _table_intact(board_id: int, build: BoardBuild, *, exact: bool = False) -> bool:
    """The board's entries table holds the build's rows. On PostgreSQL the tables are UNLOGGED
    (a derived cache; no WAL for a million rows), which a crash empties: rebuild from scratch.
    The quick check (is it empty?) is what a crash leaves; `exact` counts the rows."""
    table = entries_table(board_id)
    sql = f"SELECT COUNT(*) FROM {table} WHERE position > 0" if exact else f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {table}) THEN %s ELSE 0 END"
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [] if exact else [build.entries])
            return int(cursor.fetchone()[0]) == build.entries
    except DatabaseError:
        return False


def _period_filter(period: BoardPeriod, column: str) -> tuple[str, list[object]]:
    if period.start is None or period.end is None:
        return "", []
    # A period is a contiguous run of buckets: one range on the bucket column.
    if connection.vendor == "postgresql":
        return f" AND {column} >= %s AND {column} < %s", [period.start, period.end]
    return f" AND {column} >= %s AND {column} < %s", [period.start.isoformat(), period.end.isoformat()]


_RANKED = """
    CREATE {unlogged} TABLE {table} AS
    SELECT ROW_NUMBER() OVER w AS position, t.subject_id AS subject_id, t.account_id AS account_id, t.score AS score,
           RANK() OVER (ORDER BY t.score DESC) AS rank,
           COALESCE(LAG(t.score) OVER w = t.score OR LEAD(t.score) OVER w = t.score, FALSE) AS tied
    FROM ({scores}) t
    WINDOW w AS (ORDER BY t.score DESC, t.subject_id)
"""


def _write_entries(*, build: BoardBuild, scheme: Scheme, period: BoardPeriod) -> tuple[int, int]:
    """CREATE TABLE … AS SELECT: scores summed from balance rows, ranked by window functions
    over one sort (score desc, subject id); then the two unique indexes, built in bulk; then
    the new table takes the board's table name, in the caller's transaction."""
    pg = connection.vendor == "postgresql"
    bucket_sql, params = _period_filter(period, "bucket")
    active = "s.is_active" if pg else "s.is_active = 1"
    scores = f"""
        SELECT a.subject_id AS subject_id, a.id AS account_id, COALESCE(b.score, 0) AS score
        FROM ledger_account a
        JOIN orgs_subject s ON s.id = a.subject_id AND {active}
        LEFT JOIN (
            SELECT account_id, {"CAST(SUM(score) AS bigint)" if pg else "SUM(score)"} AS score
            FROM ledger_balance WHERE account_id IN (SELECT id FROM ledger_account WHERE scheme_id = %s){bucket_sql}
            GROUP BY account_id
        ) b ON b.account_id = a.id
        WHERE a.scheme_id = %s AND a.subject_id IS NOT NULL
    """
    return _rank_into(build, scheme, period, scores, [scheme.pk, *params, scheme.pk])


# Above this share of a board's subjects changed outside the ledger, a full build is cheaper.
DELTA_MAX_CHANGED = 0.1


def _write_entries_delta(
    *, build: BoardBuild, scheme: Scheme, period: BoardPeriod, old: BoardBuild, watermark: int
) -> tuple[int, int] | None:
    """The previous build's scores plus the score postings of the scheme's transactions after
    its watermark (inside the period's buckets), with the subjects logged in SubjectChange since
    its mark re-checked from scratch (dropped if no longer active, scored from the balance rows
    if (re)activated or new). None when a full build is the better choice.

    Exact because the previous build counted precisely the transactions up to its watermark
    and this one counts those up to its own (see board_rebuild), and because every change of
    who is on the board goes through the log. A month-end batch that moves every subject costs
    one pass over its postings instead of one over the period's balance rows, and no join with
    the accounts and subjects (checked against a full build in test_board_delta.py).
    """
    pg = connection.vendor == "postgresql"
    current = entries_table(build.board_id)
    changed_sql, changed_params = _changed_since(old.mark)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT DISTINCT subject_id FROM ({changed_sql}) c) d", changed_params)
        if int(cursor.fetchone()[0]) > max(old.entries, 1) * DELTA_MAX_CHANGED:
            return None
    posting_bucket, posting_params = _period_filter(period, "p.bucket")
    balance_bucket, balance_params = _period_filter(period, "bucket")
    active = "s.is_active" if pg else "s.is_active = 1"
    total = "CAST(SUM({}) AS bigint)" if pg else "SUM({})"
    counts = "p.counts_in_score" if pg else "p.counts_in_score = 1"
    scores = f"""
        SELECT o.subject_id AS subject_id, o.account_id AS account_id, o.score + COALESCE(d.amount, 0) AS score
        FROM {current} o
        LEFT JOIN (
            SELECT p.account_id AS account_id, {total.format("p.amount")} AS amount
            FROM ledger_posting p
            WHERE p.transaction_id > %s AND p.transaction_id <= %s AND {counts}{posting_bucket}
              AND p.transaction_id IN (SELECT id FROM ledger_transaction WHERE scheme_id = %s AND id > %s AND id <= %s)
            GROUP BY p.account_id
        ) d ON d.account_id = o.account_id
        WHERE o.position > 0 AND o.subject_id NOT IN ({changed_sql})
        UNION ALL
        SELECT a.subject_id, a.id, COALESCE(b.score, 0)
        FROM ledger_account a
        JOIN orgs_subject s ON s.id = a.subject_id AND {active}
        LEFT JOIN (
            SELECT account_id, {total.format("score")} AS score FROM ledger_balance
            WHERE account_id IN (SELECT id FROM ledger_account WHERE scheme_id = %s AND subject_id IN ({changed_sql})){balance_bucket}
            GROUP BY account_id
        ) b ON b.account_id = a.id
        WHERE a.scheme_id = %s AND a.subject_id IN ({changed_sql})
    """
    params: list[object] = [
        old.watermark, watermark, *posting_params, scheme.pk, old.watermark, watermark,
        *changed_params,
        scheme.pk, *changed_params, *balance_params,
        scheme.pk, *changed_params,
    ]
    return _rank_into(build, scheme, period, scores, params)


def board_check(scheme_id: int, label: str) -> int:
    """What a board's entries table says it ranks: the scheme id and a CRC of the period label, so
    a reader holding a cached board id notices a table that is not the board it wants."""
    return int(scheme_id) * 2**32 + zlib.crc32(label.encode())


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def built_at_micros(at: dt.datetime) -> int:
    """A build time as row 0 of its entries table stores it: whole µs since 1970, UTC."""
    return (at - _EPOCH) // dt.timedelta(microseconds=1)


def built_at_from_micros(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=int(micros))


def _rank_into(build: BoardBuild, scheme: Scheme, period: BoardPeriod, scores: str, params: list[object]) -> tuple[int, int]:
    """Rank `scores` (subject_id, account_id, score) into a new table, index it, and give it the
    board's table name (the old one is dropped), in the caller's transaction.

    Row 0 of the table describes it, so a reader needs nothing but this table (three index
    probes for an own rank): subject_id 0, account_id the build time (µs since 1970, UTC),
    score the number of entries, rank `board_check`."""
    final = entries_table(build.board_id)
    table = f"{final}_b{int(build.pk)}"
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if pg:
            # One big sort and hash: give it memory, and never a nested loop on stale statistics
            # (a month-end batch adds a bucket the planner has not seen yet).
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(_RANKED.format(unlogged="UNLOGGED" if pg else "", table=table, scores=scores), params)
        cursor.execute(f"CREATE UNIQUE INDEX {table}_position ON {table} (position)")
        cursor.execute(f"CREATE UNIQUE INDEX {table}_subject ON {table} (subject_id)")
        cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(score), 0) FROM {table}")
        entries, total = cursor.fetchone()
        cursor.execute(
            f"INSERT INTO {table} (position, subject_id, account_id, score, rank, tied) VALUES (0, 0, %s, %s, %s, FALSE)",
            [built_at_micros(build.built_at), entries, board_check(scheme.pk, period.label)],
        )
        if pg:
            cursor.execute(f"ANALYZE {table}")
        # The swap: readers name the board's table in the same statement that reads the build
        # row, so they see the old table and build or the new ones, never a mix (PostgreSQL
        # re-resolves a name whose table was replaced while the reader waited for its lock).
        cursor.execute(f"DROP TABLE IF EXISTS {final}")
        cursor.execute(f"ALTER TABLE {table} RENAME TO {final}")
    return int(entries), int(total)


def board_stale(*, board: Board) -> bool:
    """True when the board has no build or the ledger has a newer transaction of its scheme
    that occurred inside its period (in the scheme's time zone)."""
    build = board.current
    if build is None:
        return True
    newer = Transaction.objects.filter(scheme_id=board.scheme_id, pk__gt=build.watermark)
    if board.start is not None and board.end is not None:
        zone = scheme_zone(board.scheme)
        newer = newer.filter(
            occurred_at__gte=dt.datetime.combine(board.start, dt.time(), tzinfo=zone),
            occurred_at__lt=dt.datetime.combine(board.end, dt.time(), tzinfo=zone),
        )
    return newer.exists()


# Below this many subject accounts a scheme's boards are computed live on each read (a few
# milliseconds), so the tick does not keep snapshot tables for every small village scheme.
SNAPSHOT_MIN_SUBJECTS = 2000


def boards_refresh(
    *, scheme: Scheme, now: dt.datetime | None = None, grains: Sequence[str] = GRAINS, min_subjects: int | None = None
) -> list[RebuildResult]:
    """Rebuild the scheme's stale boards; for a scheme of at least `min_subjects` subject accounts
    (default SNAPSHOT_MIN_SUBJECTS) first make sure the current and previous period of every grain
    has one. Older boards that exist (someone rebuilt them) are rebuilt too when a backdated
    posting or reversal lands in their period.
    """
    floor = SNAPSHOT_MIN_SUBJECTS if min_subjects is None else min_subjects
    wanted: dict[str, BoardPeriod] = {}
    if floor <= 0 or Account.objects.filter(scheme=scheme, subject__isnull=False).count() >= floor:
        for grain in grains:
            for period in (current_period(scheme=scheme, grain=grain, on=now), previous_period(scheme=scheme, grain=grain, on=now)):
                if period is not None:
                    wanted[period.label] = period
    existing = {b.period: b for b in Board.objects.filter(scheme=scheme).select_related("current", "scheme")}
    results = []
    for label in sorted(set(wanted) | set(existing)):
        board = existing.get(label)
        if board is None or board_stale(board=board) or not _table_intact(board.pk, board.current):
            result = board_rebuild(scheme=scheme, period=wanted.get(label) or board_period(label))
            if result.build is not None:
                results.append(result)
    return results


# Builds of boards whose period ended longer ago than this do not hold back pruning of the
# SubjectChange log; if one is rebuilt later (a backdated posting) it is a full build.
PRUNE_KEEP_DAYS = 400


def subject_changes_prune(*, today: dt.date | None = None) -> int:
    """Delete SubjectChange rows every recent board's current build has already taken in (on
    PostgreSQL: visible in each build's snapshot; a long transaction elsewhere holds back no
    more than its own rows). Builds of boards that ended long ago lose their mark when anything
    is deleted (their next build is a full one). Returns the rows deleted (0 when a build is
    running on PostgreSQL: pruning waits for the next tick rather than for the build)."""
    today = today or clock.now().date()
    pg = connection.vendor == "postgresql"
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, 0)", [_PRUNE_LOCK_CLASS])
            if not cursor.fetchone()[0]:
                return 0
    try:
        with transaction.atomic():
            recent = dt.date.fromordinal(today.toordinal() - PRUNE_KEEP_DAYS)
            builds = list(
                Board.objects.filter(current__isnull=False).exclude(current__mark="").values_list("current_id", "current__mark", "end")
            )
            kept = sorted({mark for _, mark, end in builds if end is None or end >= recent})
            if not kept:  # no build needs the log: whatever has committed can go
                kept = [_change_mark()]
            with connection.cursor() as cursor:
                if pg:
                    visible = " AND ".join(
                        ["pg_visible_in_snapshot(CAST(CAST(xid AS text) AS xid8), CAST(%s AS pg_snapshot))"] * len(kept)
                    )
                    # A row at or past a snapshot's xmax is invisible to it: an indexed bound first.
                    horizon = min(int(mark.split(":")[1]) for mark in kept)
                    cursor.execute(f"DELETE FROM rankings_subjectchange WHERE xid < %s AND {visible}", [horizon, *kept])
                else:
                    cursor.execute("DELETE FROM rankings_subjectchange WHERE id <= %s", [min(int(mark[3:]) for mark in kept)])
                deleted = int(cursor.rowcount)
            if deleted:
                older = [build_id for build_id, mark, _ in builds if mark not in kept]
                BoardBuild.objects.filter(pk__in=older).update(mark="")
            return deleted
    finally:
        if pg:
            _advisory("pg_advisory_unlock", _PRUNE_LOCK_CLASS, 0)


def boards_due(*, now: dt.datetime) -> str:
    """`jifen tick` task: rebuild the leaderboards of active schemes whose ledger moved on."""
    done = []
    for scheme in Scheme.objects.filter(is_active=True).select_related("org").order_by("pk"):
        results = boards_refresh(scheme=scheme, now=now)
        if results:
            done.append(f"{scheme.code} " + ", ".join(f"{r.board.period}({r.build.entries})" for r in results if r.build))
    subject_changes_prune(today=now.date())
    if not done:
        return "排行榜 / leaderboards: 无需更新 / up to date"
    return "排行榜 / leaderboards: " + "; ".join(done)


def subjects_named(ids: Iterable[int]) -> dict[int, str]:
    return dict(Subject.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


__all__ = [
    "ALL",
    "GRAINS",
    "BoardPeriod",
    "Ranked",
    "SNAPSHOT_MIN_SUBJECTS",
    "RebuildResult",
    "Scope",
    "board_period",
    "board_rebuild",
    "board_stale",
    "boards_due",
    "boards_refresh",
    "competition_rank",
    "current_period",
    "group_member_ids",
    "live_board",
    "make_scope",
    "previous_period",
    "scope_scores",
    "scope_subjects",
    "subject_changes_prune",
]
