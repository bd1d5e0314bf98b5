from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from jifen.rankings.fixed_points import fixed_points_post
from jifen.rankings.models import Attendance
from jifen.rankings.tests.rewards_helpers import adopt, employee, frozen, unit
from jifen.rankings.tests.test_fixed_points_post import P8_FILLED


@pytest.fixture
def mine(world):
    org = unit(world.county, "meikuang", "煤矿", "mine")
    scheme = adopt("p8-coal-mine", org, settings=P8_FILLED)
    a = employee(org, "冯队长", position="区队长", education="本科")
    b = employee(org, "韩工人", position="工人")
    return scheme, a, b


def sheet(path, rows, header=("工号", "姓名", "出勤天数", "应出勤天数")):
    book = Workbook()
    book.active.append(list(header))
    for row in rows:
        book.active.append(list(row))
    book.save(path)
    return path


def run(path, scheme, *extra):
    out = StringIO()
    try:
        call_command("import", "attendance", str(path), "--scheme", scheme.code, "--month", "2026-10", *extra, stdout=out)
    except SystemExit as exc:
        return out.getvalue(), exc.code
    return out.getvalue(), 0


def test_a_good_sheet_is_imported_and_feeds_fixed_points(mine, tmp_path):
    scheme, a, b = mine
    path = sheet(tmp_path / "att.xlsx", [(a.employment.employee_no, "冯队长", 20, 22), (b.employment.employee_no, "", "21.5", 22)])
    out, code = run(path, scheme)
    assert code == 0 and "新增/created 2" in out
    assert sorted(Attendance.objects.values_list("days_worked", "days_due", "source")) == [
        (Decimal("20.0"), Decimal("22.0"), "import"), (Decimal("21.5"), Decimal("22.0"), "import"),
    ]
    out, code = run(path, scheme)
    assert "未变/unchanged 2" in out
    with frozen(2026, 11, 2, 9, 0):
        assert fixed_points_post(scheme=scheme, month="2026-10").posted == 2


def test_one_bad_row_refuses_the_whole_sheet(mine, tmp_path):
    scheme, a, b = mine
    path = sheet(tmp_path / "att.xlsx", [
        (a.employment.employee_no, "冯队长", 20, 22),
        (b.employment.employee_no, "别人", 23, 22),
        ("X999", "", 1, 22),
        (a.employment.employee_no, "", 1, 22),
    ])
    out, code = run(path, scheme)
    assert code == 1
    assert "导入失败，未写入任何数据" in out
    assert "第 3 行 / row 3 「姓名」: 工号" in out and "第 3 行 / row 3 「出勤天数」: 出勤 23.0 天多于应出勤 22.0 天" in out
    assert "第 4 行 / row 4 「工号」: 方案范围内没有在职员工「X999」" in out
    assert "第 5 行 / row 5 「工号」: 与第 2 行重复" in out
    assert not Attendance.objects.exists()


def test_dry_run_writes_nothing(mine, tmp_path):
    scheme, a, _ = mine
    out, code = run(sheet(tmp_path / "att.xlsx", [(a.employment.employee_no, "冯队长", 20, 22)]), scheme, "--dry-run")
    assert code == 0 and "试导入（未写入）" in out and "新增/created 1" in out
    assert not Attendance.objects.exists()


def test_a_posted_month_cannot_be_reimported(mine, tmp_path):
    scheme, a, _ = mine
    path = sheet(tmp_path / "att.xlsx", [(a.employment.employee_no, "冯队长", 20, 22)])
    run(path, scheme)
    with frozen(2026, 11, 2, 9, 0):
        fixed_points_post(scheme=scheme, month="2026-10")
    out, code = run(sheet(tmp_path / "again.xlsx", [(a.employment.employee_no, "冯队长", 22, 22)]), scheme)
    assert code == 1 and "2026-10 的固定积分已入账" in out
    assert Attendance.objects.get().days_worked == 20


def test_a_sheet_without_the_required_columns(mine, tmp_path):
    scheme, *_ = mine
    out, code = run(sheet(tmp_path / "att.xlsx", [("E1", 3)], header=("工号", "出勤天数")), scheme)
    assert code == 1 and "「应出勤天数」: 缺少必填列" in out
    assert not Attendance.objects.exists()
