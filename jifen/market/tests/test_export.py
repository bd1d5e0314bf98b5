import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from jifen.core.models import AuditEvent
from jifen.market import services


def test_fund_statement_export_for_audit(world, mk, tmp_path):
    services.fund_allocate(actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=300_000, reason="2026年沙河村", idempotency_key="a")
    path = tmp_path / "funds.xlsx"
    call_command("export", "fund-statement", str(path), "--org", world.township.path, "--period", "2026")
    book = load_workbook(path)
    assert book.sheetnames == ["资金汇总", "1 积分超市专项资金", "2 积分超市专项资金（沙河村 2026年）"]
    summary = [[c.value for c in row] for row in book["资金汇总"].iter_rows()]
    assert summary[0] == ["序号", "资金名称", "所属组织", "年度", "来源资金", "期初余额（元）", "收入（元）", "支出（元）", "期末余额（元）"]
    assert summary[1] == [1, "积分超市专项资金", "张集镇", None, None, 0, 20000, 3700, 16300]
    assert summary[2] == [2, "积分超市专项资金（沙河村 2026年）", "沙河村", 2026, "积分超市专项资金", 0, 3000, 0, 3000]
    sheet = [[c.value for c in row] for row in book["1 积分超市专项资金"].iter_rows()]
    assert [r[2] for r in sheet[2:-1]] == ["收入", "采购支出", "采购支出", "下拨"]
    assert [(r[5], r[6], r[7]) for r in sheet[2:-1]] == [(20000, None, 20000), (None, 450, 19550), (None, 250, 19300), (None, 3000, 16300)]
    assert sheet[2][3] == "财政补贴" and sheet[3][10].startswith("入库 #")
    assert sheet[-1][4:8] == ["本期合计 / totals", 20000, 3700, 16300]
    assert AuditEvent.objects.filter(action="market.export_fund_statement").count() == 1


def test_fund_statement_export_for_a_period_before_any_money_shows_the_opening(world, mk, tmp_path):
    path = tmp_path / "funds.xlsx"
    call_command("export", "fund-statement", str(path), "--org", world.township.path, "--period", "2026-04")
    summary = [[c.value for c in row] for row in load_workbook(path)["资金汇总"].iter_rows()]
    assert summary[1][5:] == [19300, 0, 0, 19300]


def test_fund_statement_export_refuses_bad_options(world, mk, tmp_path):
    with pytest.raises(CommandError, match="--org"):
        call_command("export", "fund-statement", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="bad month"):
        call_command("export", "fund-statement", str(tmp_path / "x.xlsx"), "--org", world.township.path, "--period", "2026-13")
    with pytest.raises(CommandError, match="no fund"):
        call_command("export", "fund-statement", str(tmp_path / "x.xlsx"), "--org", world.quanshui.path)
