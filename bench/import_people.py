"""Import 10,000 people from Excel, against the row-by-row services as a baseline.

    .venv/bin/python bench/import_people.py [ROWS]

Runs on a fresh SQLite file in a temporary directory (or DATABASE_URL if set, which must be
an empty database). Prints the bulk import's time and rows/s, the re-import's time (nothing
changes), and the ratio against creating the same kind of rows one service call at a time
(measured on 1,000 rows in the same run).
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("JIFEN_DATA_DIR", tempfile.mkdtemp(prefix="jifen-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from jifen.core.demo import DemoContext  # noqa: E402
from jifen.core.excel import write_workbook  # noqa: E402
from jifen.orgs import services as orgs  # noqa: E402
from jifen.orgs.demo import _Builder  # noqa: E402
from jifen.orgs.importing import COLUMNS, people_import  # noqa: E402


def make_rows(builder, count, grids):
    rows, number = [], 0
    while len(rows) < count:
        number += 1
        grid = grids[number % len(grids)]
        for member in builder.household_members(["王", "李"]):
            p = builder.person(org=None, gender=member.gender, age=member.age, surname=member.surname, region=member.region)
            rows.append({
                "name": p.name, "gender": "男" if p.gender == "M" else "女", "birth_date": p.birth_date.isoformat(),
                "id_number": p.id_number, "mobile": p.mobile, "address": f"{number}号", "household_no": f"{number:05d}",
                "relation": member.relation, "grid": grid.code,
            })
    return rows


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    call_command("migrate", verbosity=0)
    county = orgs.org_unit_create(actor=None, parent=None, code="bench", name="基准县", kind="county")
    town = orgs.org_unit_create(actor=None, parent=county, code="town", name="基准镇", kind="township")
    village = orgs.org_unit_create(actor=None, parent=town, code="big", name="大村", kind="village")
    grids = [orgs.org_unit_create(actor=None, parent=village, code=f"g{i}", name=f"第{i}网格", kind="grid") for i in range(1, 31)]
    builder = _Builder(DemoContext(size="small", seed=7, stdout=io.StringIO()))
    rows = make_rows(builder, count, grids)
    path = Path(os.environ["JIFEN_DATA_DIR"]) / "people.xlsx"
    write_workbook(path, [("人员", COLUMNS, [[r.get(c.key, "") for c in COLUMNS] for r in rows])])

    t0 = time.perf_counter()
    report = people_import(actor=None, org=village, source=path)
    bulk = time.perf_counter() - t0
    assert report.ok, report.render()
    t0 = time.perf_counter()
    again = people_import(actor=None, org=village, source=path)
    reimport = time.perf_counter() - t0
    assert again.ok and again.unchanged == len(rows)

    # Baseline: the same kind of rows through the one-at-a-time services.
    other = orgs.org_unit_create(actor=None, parent=town, code="small", name="小村", kind="village")
    grid = orgs.org_unit_create(actor=None, parent=other, code="g1", name="第一网格", kind="grid")
    sample = make_rows(builder, 1000, [grid])
    t0 = time.perf_counter()
    households = {}
    for r in sample:
        person = orgs.person_create(actor=None, org=grid, name=r["name"], id_number=r["id_number"], mobile=r["mobile"], address=r["address"])
        if r["household_no"] not in households:
            households[r["household_no"]] = orgs.household_create(actor=None, village=other, org=grid, number=r["household_no"])
        orgs.household_member_add(actor=None, household=households[r["household_no"]], person=person, relation=r["relation"])
    baseline = (time.perf_counter() - t0) / len(sample)

    print(f"rows: {len(rows)} ({report.households_created} households), database: {django.db.connection.vendor}")
    print(f"bulk import: {bulk:.1f}s ({len(rows) / bulk:,.0f} rows/s); re-import, nothing changes: {reimport:.1f}s")
    print(f"baseline, one service call per row: {baseline * 1000:.2f} ms/row -> {baseline * len(rows):.1f}s for {len(rows)} rows")
    print(f"ratio: bulk import is {baseline * len(rows) / bulk:.1f}x faster than the baseline")


if __name__ == "__main__":
    main()
