from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jifen.rankings.rewards import reward_list_evaluate
from jifen.rankings.tests.rewards_helpers import adopt, employee, frozen, give, local, unit


@pytest.fixture
def laundry_lists(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company)
    for name, points in (("殷书秀", 300), ("杨文娟", 250), ("林艷榮", 250)):
        give(scheme, employee(company, name), points, local(2026, 10, 5))
    give(scheme, employee(company, "回瑞芳", position="组长", is_leader=True), 90, local(2026, 10, 5))
    with frozen(2026, 11, 1, 8, 0):
        reward_list_evaluate(scheme=scheme, rule_index=0, period="2026-10")
        reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
    return scheme


def test_export_rewards_writes_one_sheet_per_list(laundry_lists, tmp_path):
    path = tmp_path / "rewards.xlsx"
    call_command("export", "rewards", str(path), scheme=laundry_lists.code, period="2026-10")
    book = load_workbook(path)
    assert book.sheetnames == ["2026-10 0-排名奖励", "2026-10 1-排名奖励"]
    rows = list(book["2026-10 1-排名奖励"].iter_rows(values_only=True))
    assert rows[0] == ("序号", "名次", "姓名/名称", "组别", "期间积分", "结果", "奖金（元）", "奖励积分", "称号", "奖品", "备注")
    assert [(r[1], r[2], r[4], r[5], Decimal(str(r[6]))) for r in rows[1:]] == [
        (1, "殷书秀", 300, "获奖", Decimal(100)), (2, "杨文娟", 250, "获奖", Decimal(80)), (2, "林艷榮", 250, "获奖", Decimal(80)),
    ]
    assert [r[2] for r in book["2026-10 0-排名奖励"].iter_rows(min_row=2, values_only=True)] == ["回瑞芳"]


def test_export_without_lists_says_what_to_do(world, tmp_path):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company)
    with pytest.raises(CommandError, match="还没有评定的奖励名单"):
        call_command("export", "rewards", str(tmp_path / "x.xlsx"), scheme=scheme.code)
    assert not (tmp_path / "x.xlsx").exists()
