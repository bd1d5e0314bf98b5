"""Ledger bulk posting benchmark: monthly fixed points for N members through `postings_bulk`.

Baseline, measured in the same run on the same rows:
- PostgreSQL: binary COPY (psycopg 3) of the posting rows into a fresh table identical to
  ledger_posting (same columns, primary key and index);
- SQLite: executemany of the same rows into such a table, inside one transaction.

Ours does everything a real month-end posting does: validation, idempotency hash, the batch
transaction row, N postings, one aggregated issuance leg, balance rows, audit row.
Ours and the baseline run alternately (which goes first alternates too); each round posts a
new month. The benchmark creates its own database (PostgreSQL `jifen_ledger_bench`) or file,
so it never touches anyone's data.

    .venv/bin/python bench/ledger_bulk.py --db postgres --members 1000000 --rounds 5
    .venv/bin/python bench/ledger_bulk.py --db sqlite --members 1000000 --rounds 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 3.0
TARGET_PG_SECONDS_PER_MILLION = 8.0
ZONE = ZoneInfo("Asia/Shanghai")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL without database")
    parser.add_argument("--pg-database", default="jifen_ledger_bench")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument("--skip-verify", action="store_true")
    return parser.parse_args()


def setup_environment(args: argparse.Namespace) -> Path:
    data_dir = Path(tempfile.mkdtemp(prefix="jifen-ledger-bench-"))
    os.environ["JIFEN_DATA_DIR"] = str(data_dir)
    os.environ["JIFEN_SECRET_KEY"] = "bench-" + "x" * 40
    os.environ["DJANGO_SETTINGS_MODULE"] = "jifen.settings"
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}"')
            conn.execute(f'CREATE DATABASE "{args.pg_database}"')
        os.environ["DATABASE_URL"] = f"{args.pg}/{args.pg_database}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


def make_members(n: int) -> tuple[object, list[int]]:
    """One village, one scheme and n person subjects, inserted set-based (setup, not timed)."""
    from django.db import connection

    from jifen.ledger.testing import make_scheme
    from jifen.orgs import services as orgs

    county = orgs.org_unit_create(actor=None, parent=None, code="bench", name="基准县", kind="county")
    village = orgs.org_unit_create(actor=None, parent=county, code="v1", name="基准村", kind="village")
    scheme = make_scheme(village, code="bench-fixed", name="基准积分方案")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO orgs_subject (kind, name, org_id, is_active) "
                "SELECT 'person', 'm' || g, %s, true FROM generate_series(1, %s) g",
                [village.pk, n],
            )
        else:
            cursor.execute(
                "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < %s) "
                "INSERT INTO orgs_subject (kind, name, org_id, is_active) SELECT 'person', 'm' || x, %s, 1 FROM g",
                [n, village.pk],
            )
        cursor.execute("SELECT id FROM orgs_subject WHERE org_id = %s ORDER BY id", [village.pk])
        subjects = [row[0] for row in cursor.fetchall()]
    return scheme, subjects


def month_end(year: int, month: int) -> dt.datetime:
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.datetime.combine(first_next - dt.timedelta(days=1), dt.time(18, 0), tzinfo=ZONE)


def post_ours(scheme: object, lines: list[tuple[int, int]], month: int) -> tuple[float, object]:
    from jifen.ledger.services import postings_bulk

    start = time.perf_counter()
    result = postings_bulk(
        scheme=scheme, key=f"fixed:2026-{month:02d}", kind="fixed", lines=lines, occurred_at=month_end(2026, month),
        reason=f"2026年{month}月固定积分", actor=None, source_type="fixed", scope=f"fixed:2026-{month:02d}",
    )
    return time.perf_counter() - start, result


def raw_rows(lines: list[tuple[int, int]], account_of: dict[int, int], bucket: dt.date) -> list[tuple]:
    return [(1, n, account_of[s], a, "fixed", True, bucket) for n, (s, a) in enumerate(lines, 1)]


def baseline_table(vendor: str) -> None:
    """A fresh table identical to ledger_posting: same columns, primary key and index."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_posting_raw")
        if vendor == "postgresql":
            cursor.execute("CREATE TABLE bench_posting_raw (LIKE ledger_posting INCLUDING ALL)")
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE tbl_name = 'ledger_posting' AND sql IS NOT NULL")
            for (ddl,) in cursor.fetchall():
                if "TRIGGER" in ddl.upper().split("(")[0]:
                    continue  # the append-only triggers only fire on UPDATE/DELETE
                ddl = ddl.replace('"ledger_posting"', "bench_posting_raw").replace("ledger_posting", "bench_posting_raw")
                cursor.execute(ddl)


def post_baseline(vendor: str, rows: list[tuple]) -> float:
    from django.db import connection, transaction

    baseline_table(vendor)
    columns = "transaction_id, line, account_id, amount, kind, counts_in_score, bucket"
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_posting_raw ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "int4", "int8", "int8", "varchar", "bool", "date"])
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.executemany(f"INSERT INTO bench_posting_raw ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
    return time.perf_counter() - start


def checkpoint(vendor: str) -> None:
    """Start every timed step from clean buffers, so neither side pays for the other's writes."""
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f}/{five:.2f}"


def main() -> int:
    args = parse_args()
    data_dir = setup_environment(args)
    from django.db import connection

    from jifen.ledger.models import Account
    from jifen.ledger.periods import bucket_for

    vendor = connection.vendor
    n = args.members
    print(f"ledger bulk benchmark · {vendor} · {n:,} members · {args.rounds} rounds · {os.cpu_count()} CPUs")
    print(f"load (1/5 min) at start: {load()}")
    t = time.perf_counter()
    scheme, subjects = make_members(n)
    lines = [(s, 80 + s % 50) for s in subjects]
    print(f"setup: {n:,} subjects in {time.perf_counter() - t:.1f}s")

    # Month 1 opens every member's account inside the batch: reported, not part of the ratio.
    checkpoint(vendor)
    first, result = post_ours(scheme, lines, 1)
    print(f"month 1 (also opens {n:,} accounts): {first:.2f}s, {n / first:,.0f} rows/s")
    account_of = dict(Account.objects.filter(scheme=scheme, subject__isnull=False).values_list("subject_id", "pk"))

    ratios, ours_times, base_times = [], [], []
    for r in range(args.rounds):
        month = r + 2
        rows = raw_rows(lines, account_of, bucket_for(scheme, month_end(2026, month)))
        before = load()
        order = ["ours", "base"] if r % 2 == 0 else ["base", "ours"]
        for which in order:
            checkpoint(vendor)
            if which == "ours":
                ours, result = post_ours(scheme, lines, month)
                assert result.posted == n and not result.replayed, result
            else:
                base = post_baseline(vendor, rows)
        ratio = ours / base
        ratios.append(ratio)
        ours_times.append(ours)
        base_times.append(base)
        print(
            f"round {r + 1} ({'ours first' if order[0] == 'ours' else 'baseline first'}, month {month}): "
            f"ours {ours:.2f}s = {n / ours:,.0f} rows/s · baseline {base:.2f}s = {n / base:,.0f} rows/s · "
            f"ratio {ratio:.2f} · load {before} → {load()}"
        )
        del rows

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_posting_raw")
    median_ratio = statistics.median(ratios)
    median_ours = statistics.median(ours_times)
    print(
        f"median: ours {median_ours:.2f}s ({n / median_ours:,.0f} rows/s), baseline {statistics.median(base_times):.2f}s "
        f"({n / statistics.median(base_times):,.0f} rows/s)"
    )
    print(f"median ratio ours/baseline: {median_ratio:.2f} (spread {min(ratios):.2f}–{max(ratios):.2f})")

    verdicts = [(f"ratio {median_ratio:.2f} ≤ {TARGET_RATIO:.0f}×", median_ratio <= TARGET_RATIO)]
    if vendor == "postgresql":
        limit = TARGET_PG_SECONDS_PER_MILLION * n / 1_000_000
        verdicts.append((f"ours {median_ours:.2f}s ≤ {limit:.1f}s for {n:,} postings", median_ours <= limit))
    for text, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}: {text}")

    if not args.skip_verify:
        from jifen.ledger.verify import ledger_verify

        t = time.perf_counter()
        report = ledger_verify(scheme=scheme)
        print(f"verify: {report.summary()} ({time.perf_counter() - t:.1f}s)")
        if not report.ok:
            for mismatch in report.mismatches[:20]:
                print("  " + mismatch.line())
            verdicts.append(("verify", False))

    connection.close()
    if vendor == "postgresql" and not args.keep:
        import psycopg

        with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.pg_database}"')
    if not args.keep:
        import shutil

        shutil.rmtree(data_dir)  # settings now create a static/ directory inside it
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
