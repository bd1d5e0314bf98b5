"""Redemption benchmark: what a basket redemption costs compared with the bare ledger posting inside it.

Ours: `redemption_create` of a two-good basket (stock kept) for one household — permission,
idempotency, scheme, veto, household limit, stock, balance under locks, receipt number, the
ledger transaction, lines, two stock movements, audit. Baseline in the same run: the same
two-leg redeem transaction posted straight through `jifen.ledger.services.transaction_post`.
Then THREADS threads redeem at once against the same household and shop (each thread its own
connection): the figure a busy village counter would see. `ledger_verify` checks everything after.

    .venv/bin/python bench/market_redemptions.py --db sqlite
    .venv/bin/python bench/market_redemptions.py --db postgres   # creates jifen_market_bench

The benchmark creates its own database (PostgreSQL) or file, so it never touches anyone's data.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    parser.add_argument("--n", type=int, default=400, help="redemptions per measurement")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL without database")
    parser.add_argument("--pg-database", default="jifen_market_bench")
    return parser.parse_args()


def setup_environment(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="jifen-market-bench-"))
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


def main() -> None:
    args = parse_args()
    setup_environment(args)
    from django.db import connection

    from jifen.core import clock
    from jifen.ledger import services as ledger
    from jifen.ledger.services import Leg
    from jifen.ledger.testing import award, local
    from jifen.ledger.verify import ledger_verify
    from jifen.market import services
    from jifen.market.tests.conftest import build_market
    from jifen.orgs.testing import build_world

    now = local(2026, 3, 10, 10)
    n, threads = args.n, args.threads
    with clock.frozen(now):
        world = build_world()
        mk = build_market(world)
        services.good_update(actor=mk.keeper, good=mk.oil, limit_per_household=None)
        for good in (mk.oil, mk.soap):
            services.stock_purchase(
                actor=mk.keeper, good=good, quantity=10 * n, unit_cost_fen=100, fund=None, reason="基准进货", idempotency_key=f"bench-{good.pk}"
            )
        award(scheme=mk.scheme, account=mk.account, points=200 * n, key="bench-points", at=local(2026, 3, 2, 9))
        shop_account = ledger.system_account(scheme=mk.scheme, kind="shop")

        t0 = time.perf_counter()
        for i in range(n):
            ledger.transaction_post(
                scheme=mk.scheme, key=f"base-{i}", source_type="redemption", source_id=str(i), actor=mk.keeper, occurred_at=now,
                reason="基准：同样的兑换分录", legs=[Leg(mk.account, -60, "redeem"), Leg(shop_account, 60, "redeem")],
            )
        baseline = (time.perf_counter() - t0) / n

        t0 = time.perf_counter()
        for i in range(n):
            services.redemption_create(
                actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.soap, 1)], idempotency_key=f"seq-{i}"
            )
        ours = (time.perf_counter() - t0) / n

    errors: list[str] = []
    barrier = threading.Barrier(threads)

    def worker(k: int) -> None:
        try:
            with clock.frozen(now):
                barrier.wait()
                for i in range(n // threads):
                    services.redemption_create(
                        actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.soap, 1)], idempotency_key=f"par-{k}-{i}"
                    )
        except Exception as exc:  # pragma: no cover - printed below
            errors.append(repr(exc))
        finally:
            connection.close()

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    parallel = time.perf_counter() - t0
    done = threads * (n // threads)
    report = ledger_verify()
    print(f"database: {connection.vendor}, {n} redemptions per measurement")
    print(f"baseline transaction_post (same two legs): {baseline * 1000:.2f} ms each")
    print(f"redemption_create (two-good basket):       {ours * 1000:.2f} ms each  → {ours / baseline:.1f}× the bare posting")
    print(f"{threads} threads at once: {done} redemptions in {parallel:.2f} s = {done / parallel:.0f}/s (errors: {len(errors)})")
    print(f"ledger verify: {report.summary()}")
    if errors or not report.ok:
        print("\n".join(errors[:5]))
        sys.exit(1)


if __name__ == "__main__":
    main()
