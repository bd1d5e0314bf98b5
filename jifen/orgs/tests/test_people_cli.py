"""`jifen import people` and `jifen export people` as an operator runs them: output and exit codes."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jifen.core.models import AuditEvent
from jifen.orgs.models import Person
from jifen.orgs.tests.people_files import EXAMPLE, table_counts, write_people


def run(*args):
    """The command's exit code, as `jifen` gives it: a CommandError prints to stderr and exits 1.

    (call_command rather than the real entry point, which closes the test's database connection;
    test_exit_codes_of_the_real_jifen_command runs the real thing in a subprocess.)
    """
    try:
        call_command(*args)
    except CommandError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")
        return 1
    except SystemExit as exc:
        return exc.code
    return 0


@pytest.mark.django_db
def test_import_of_a_good_file_exits_0_and_prints_the_counts(world, units, capsys):
    assert run("import", "people", str(EXAMPLE), "--org", "demo/zhangji/shahe") == 0
    out = capsys.readouterr().out
    assert "导入完成 / imported: 7 行/rows — 新增/created 7, 更新/updated 0, 未变/unchanged 0" in out
    assert "新增/created 2" in out
    assert Person.objects.filter(name="张建国").exists()
    assert AuditEvent.objects.latest("id").channel == "cli"


@pytest.mark.django_db
def test_import_with_bad_rows_exits_1_lists_every_error_and_writes_nothing(world, units, tmp_path, capsys):
    path = write_people(tmp_path / "bad.xlsx", [
        {"name": "甲", "id_number": "110105194912310020", "grid": "g1"},
        {"name": "乙", "id_number": "11010519491231002X", "grid": "g1", "mobile": "999"},
    ])
    before = table_counts()
    assert run("import", "people", str(path), "--org", "demo/zhangji/shahe") == 1
    out = capsys.readouterr().out
    assert "导入失败，未写入任何数据：2 处错误 / import refused, nothing written: 2 error(s)" in out
    assert "第 2 行 / row 2 「身份证号」: 身份证号校验位不正确 / the ID number's check digit is wrong" in out
    assert "第 3 行 / row 3 「手机号」" in out
    assert table_counts() == before


@pytest.mark.django_db
def test_dry_run_exits_0_and_writes_nothing(world, units, capsys):
    before = table_counts()
    assert run("import", "people", str(EXAMPLE), "--org", "demo/zhangji/shahe", "--dry-run") == 0
    assert "试导入（未写入）/ dry run (nothing written)" in capsys.readouterr().out
    assert table_counts() == before


@pytest.mark.django_db
def test_import_without_org_or_with_an_unknown_org_exits_1(world, capsys):
    assert run("import", "people", str(EXAMPLE)) == 1
    assert "--org" in capsys.readouterr().err
    assert run("import", "people", str(EXAMPLE), "--org", "demo/nowhere") == 1
    assert "找不到组织「demo/nowhere」 / no org unit at path 'demo/nowhere'" in capsys.readouterr().err


@pytest.mark.django_db
def test_import_of_a_missing_file_exits_1(world, tmp_path, capsys):
    assert run("import", "people", str(tmp_path / "none.xlsx"), "--org", "demo/zhangji/shahe") == 1
    assert "文件不存在 / file not found" in capsys.readouterr().err


@pytest.mark.django_db
def test_export_is_masked_unless_asked_and_unmasked_exports_are_audited(world, tmp_path, capsys):
    masked, full = tmp_path / "masked.xlsx", tmp_path / "full.xlsx"
    assert run("export", "people", "--org", "demo/zhangji/shahe", str(masked)) == 0
    assert "已导出 5 人" in capsys.readouterr().out
    assert run("export", "people", "--org", "demo/zhangji/shahe", str(full), "--unmasked") == 0
    ids = [row[3] for row in load_workbook(masked).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert ids[0] == "420***********003X"
    ids = [row[3] for row in load_workbook(full).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert ids[0] == world.zhangsan.id_number
    events = list(AuditEvent.objects.filter(action="orgs.people_export").order_by("id").values_list("after", "channel"))
    assert events == [
        ({"rows": 5, "unmasked": False, "file": "masked.xlsx"}, "cli"),
        ({"rows": 5, "unmasked": True, "file": "full.xlsx"}, "cli"),
    ]


def test_exit_codes_of_the_real_jifen_command(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["JIFEN_DATA_DIR"] = str(tmp_path / "data")

    def jifen(*args):
        return subprocess.run([sys.executable, "-m", "jifen", *args], env=env, capture_output=True, text=True, timeout=300)

    demo = jifen("demo", "--size", "small", "--until", "orgs")
    assert demo.returncode == 0, demo.stderr
    # The demo prints a ready-made import command for its first village.
    org = demo.stdout.split("--org ")[1].split()[0]
    assert org == "demo/chengguan/jiangjiaying"
    good = jifen("import", "people", str(EXAMPLE), "--org", org)
    assert (good.returncode, "新增/created 7" in good.stdout) == (0, True), good.stdout + good.stderr
    bad = write_people(tmp_path / "bad.xlsx", [{"name": "甲", "id_number": "110105194912310020", "grid": "g1"}])
    refused = jifen("import", "people", str(bad), "--org", org)
    assert (refused.returncode, "校验位" in refused.stdout) == (1, True)
    assert jifen("import", "people", str(bad), "--org", "demo/nowhere").returncode == 1
    exported = jifen("export", "people", "--org", org, str(tmp_path / "out.xlsx"))
    assert exported.returncode == 0 and (tmp_path / "out.xlsx").exists()
