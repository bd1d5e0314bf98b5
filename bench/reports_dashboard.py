"""Time the county dashboard and monthly figures on the demo county.

    .venv/bin/python bench/reports_dashboard.py [--data-dir DIR]

Without --data-dir, builds `jifen demo --size county` in a fresh JIFEN_DATA_DIR (SQLite) first;
with DATABASE_URL set, uses that database (it must already hold the demo county). Then posts one
award in March 2026 to about 60% of the people of every village (one `postings_bulk` batch per
village scheme, idempotent) and times:

- `dashboard(org=county)`: every village's figures in grouped queries over the subtree;
- baseline, in the same run: the per-village loop — `villages_figures(root=village)` once per
  village — that the grouped queries replace.

The ratio is baseline time / grouped time; query counts are printed for both.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
MARCH = dt.date(2026, 3, 1)


def build_demo(data_dir: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["JIFEN_DATA_DIR"] = data_dir
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jifen", "demo", "--size", "county"], cwd=ROOT, env=env, check=True,
                   capture_output=True, text=True)
    print(f"demo county built in {time.perf_counter() - t0:.0f}s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        data_dir = args.data_dir or tempfile.mkdtemp(prefix="jifen-bench-reports-")
        if not (Path(data_dir) / "jifen.sqlite3").exists():
            build_demo(data_dir)
        os.environ["JIFEN_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from jifen.ledger.services import postings_bulk
    from jifen.orgs.models import OrgUnit, Subject, subtree_q
    from jifen.reports.selectors import VILLAGE_KINDS, dashboard, villages_figures
    from jifen.rules.models import ItemVersion, Scheme

    county = OrgUnit.objects.get(parent__isnull=True)
    villages = list(OrgUnit.objects.filter(subtree_q(county.path), kind__code__in=VILLAGE_KINDS, is_active=True))
    rng = random.Random(7)
    when = dt.datetime(2026, 3, 10, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    postings = 0
    t0 = time.perf_counter()
    for scheme in Scheme.objects.filter(org__kind__code__in=VILLAGE_KINDS).select_related("org"):
        subjects = list(Subject.objects.filter(subtree_q(scheme.org.path, "org__path"), kind="person", is_active=True).values_list("pk", flat=True))
        chosen = sorted(rng.sample(subjects, k=int(len(subjects) * 0.6)))
        version = ItemVersion.objects.filter(item__scheme=scheme, points__isnull=False, direction="award").first()
        if not chosen or version is None:
            continue
        result = postings_bulk(
            scheme=scheme, key="bench-reports-2026-03", kind="award", lines=[(pk, version.points) for pk in chosen],
            occurred_at=when, reason="bench", actor=None, source_type="bench", item_version_id=version.pk,
        )
        postings += result.posted
    print(f"{len(villages)} villages; {postings:,} award lines posted for March 2026 in {time.perf_counter() - t0:.0f}s "
          f"(0 when replayed)")

    def best(fn, runs=3):
        times = []
        for _ in range(runs):
            reset_queries()
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
        return min(times), len(queries)

    grouped, grouped_queries = best(lambda: dashboard(org=county, month=MARCH))
    figures, figures_queries = best(lambda: villages_figures(root=county, month=MARCH))
    looped, looped_queries = best(lambda: [villages_figures(root=v, month=MARCH) for v in villages], runs=1)
    board = dashboard(org=county, month=MARCH)
    print(f"county: {board.households_active:,}/{board.households_total:,} households active, "
          f"{board.villages_meeting_target} of {len(board.villages)} villages on target")
    print(f"dashboard(org=county): {grouped * 1000:.0f} ms, {grouped_queries} queries")
    print(f"villages_figures(root=county): {figures * 1000:.0f} ms, {figures_queries} queries")
    print(f"baseline per-village loop: {looped * 1000:.0f} ms, {looped_queries} queries")
    print(f"ratio: the grouped figures are {looped / figures:.1f}x as fast as the per-village loop")


if __name__ == "__main__":
    main()
