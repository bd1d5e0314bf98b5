"""The example people file shipped as docs/examples/people-example.xlsx.

It imports into any village of the demo county (grids g1 and g2, party branch dzb, the laundry
company's washing team at demo/xidi/xidi). Regenerate the committed file with
`python -m jifen.orgs.examples docs/examples/people-example.xlsx`; a test keeps them equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from jifen.orgs.validators import id_check_digit


def _id(birth: str, order: int) -> str:
    # Region 420881 is not used by the demo generator, so these never collide with demo people.
    first17 = f"420881{birth}{order:03d}"
    return first17 + id_check_digit(first17)


# One dict per row, keyed like jifen.orgs.importing.COLUMNS; absent keys are blank cells.
EXAMPLE_ROWS: list[dict[str, str]] = [
    {"name": "张建国", "gender": "男", "birth_date": "1968-03-12", "id_number": _id("19680312", 31),
     "mobile": "13912340001", "address": "一组12号", "household_no": "9001", "relation": "户主", "grid": "g1",
     "party_class": "骨干类", "party_branch": "dzb", "party_joined": "1995-07-01"},
    {"name": "李秀英", "gender": "女", "birth_date": "1970-05-20", "id_number": _id("19700520", 42),
     "mobile": "13912340002", "address": "一组12号", "household_no": "9001", "relation": "配偶", "grid": "g1"},
    {"name": "张伟", "gender": "男", "birth_date": "1995-09-09", "id_number": _id("19950909", 53),
     "mobile": "13912340003", "address": "一组12号", "household_no": "9001", "relation": "子", "grid": "g1",
     "employee_no": "XD0901", "department": "demo/xidi/xidi", "position": "洗涤工", "is_leader": "否",
     "hire_date": "2021-03-01", "education": "高中"},
    {"name": "王桂兰", "gender": "女", "birth_date": "1948-02-02", "id_number": _id("19480202", 64),
     "address": "一组12号", "household_no": "9001", "relation": "母", "grid": "g1",
     "party_class": "普通类", "party_branch": "dzb", "party_joined": "1972-07-01", "party_exemption": "年满70周岁"},
    {"name": "刘志强", "gender": "男", "birth_date": "1982-11-30", "id_number": _id("19821130", 75),
     "mobile": "13912340005", "address": "二组3号", "household_no": "9002", "relation": "户主", "grid": "g2",
     "party_class": "流动类", "party_branch": "dzb", "party_joined": "2008-06-15"},
    {"name": "陈丽", "gender": "女", "birth_date": "1985-01-15", "id_number": _id("19850115", 86),
     "mobile": "13912340006", "address": "二组3号", "household_no": "9002", "relation": "配偶", "grid": "g2"},
    {"name": "刘欣怡", "gender": "女", "birth_date": "2012-06-01", "id_number": _id("20120601", 28),
     "address": "二组3号", "household_no": "9002", "relation": "女", "grid": "g2"},
]


def write_people_example(destination: Path | str | IO[bytes]) -> None:
    from jifen.core.excel import write_workbook
    from jifen.orgs.importing import COLUMNS

    rows = [[row.get(col.key, "") for col in COLUMNS] for row in EXAMPLE_ROWS]
    write_workbook(destination, [("人员", COLUMNS, rows)])


if __name__ == "__main__":
    import os
    import sys

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
    django.setup()
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/examples/people-example.xlsx")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_people_example(target)
    print(f"wrote {target}")
