"""Time `jifen demo` for a county (and optionally large) on a fresh SQLite file.

    .venv/bin/python bench/demo_county.py [county|large]

Each size runs as the operator would run it, `python -m jifen demo --size SIZE`, in a new
JIFEN_DATA_DIR (which includes creating the tables). The baseline, measured in the same run,
is the small demo: the ratio compares people created per second, so it shows whether the
bulk path keeps its speed as the county grows. The target for `county` is under 5 minutes.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(size):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["JIFEN_DATA_DIR"] = tempfile.mkdtemp(prefix=f"jifen-demo-{size}-")
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "jifen", "demo", "--size", size], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    people = int(re.search(r"(\d+) 人/people", done.stdout)[1])
    households = int(re.search(r"(\d+) 户/households", done.stdout)[1])
    size_mb = (Path(env["JIFEN_DATA_DIR"]) / "jifen.sqlite3").stat().st_size / 1e6
    return seconds, people, households, size_mb


def main():
    size = sys.argv[1] if len(sys.argv) > 1 else "county"
    base_s, base_people, _, _ = run("small")
    seconds, people, households, size_mb = run(size)
    print(f"baseline small: {base_s:.1f}s for {base_people:,} people ({base_people / base_s:,.0f} people/s)")
    print(f"{size}: {seconds:.1f}s for {people:,} people in {households:,} households "
          f"({people / seconds:,.0f} people/s), SQLite file {size_mb:,.0f} MB")
    print(f"ratio: {size} creates people {people / seconds / (base_people / base_s):.1f}x as fast per second as small")


if __name__ == "__main__":
    main()
