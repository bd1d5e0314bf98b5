from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from jifen.orgs import services as orgs
from jifen.rankings.dividends import dividend_distribute
from jifen.rankings.evaluation import party_evaluation_open
from jifen.rankings.tests.rewards_helpers import adopt, employee, frozen, give, local, person, unit


def rows(path):
    return list(load_workbook(path).worksheets[0].iter_rows(values_only=True))


def test_dividends_export_lists_every_household_and_the_total(world, tmp_path):
    scheme = adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}})
    give(scheme, world.household.subject, 2, local(2025, 5, 1))
    give(scheme, world.neighbour_household.subject, 1, local(2025, 5, 1))
    with frozen(2026, 1, 10, 9, 0):
        dividend_distribute(actor=None, scheme=scheme, org=world.shahe, period="2025", pool_fen=100, key="k")
    path = tmp_path / "d.xlsx"
    call_command("export", "dividends", str(path), scheme=scheme.code, org="demo/zhangji/shahe", period="2025")
    got = rows(path)
    assert got[0] == ("序号", "户主/家庭", "期间积分", "分红（元）", "尾差调整（分）", "备注")
    # 100 fen by 2 : 1 → 66.67 and 33.33: the leftover fen goes to 张三户.
    assert [(r[1], r[2], Decimal(str(r[3])), r[4]) for r in got[1:]] == [
        ("张三户", 2, Decimal("0.67"), 1), ("王五户", 1, Decimal("0.33"), None), ("合计 / total", None, Decimal("1"), None),
    ]


def test_party_evaluation_export_lists_exempt_members(world, tmp_path):
    settings = {"grading": {"areas": [{"code": c, "name": c, "max_points": 20} for c in ("org_life", "excellence", "serve_people", "discipline", "mass_feedback")],
                            "weights": {"self": "0.2", "branch": "0.5", "mass": "0.3"}}}
    scheme = adopt("p4-party-members", world.township, objection_days=7, settings=settings)
    branch = unit(world.shahe, "dzb", "沙河村党支部", "party_branch")
    old = person(branch, "吴老党员")
    orgs.party_membership_set(actor=None, person=old, branch=branch, exemption="over_70")
    party_evaluation_open(actor=None, scheme=scheme, branch=branch, year=2025)
    path = tmp_path / "p.xlsx"
    call_command("export", "party-evaluation", str(path), scheme=scheme.code, org=branch.path, period="2025")
    assert rows(path)[1][1:2] + rows(path)[1][7:] == ("吴老党员", "不纳入考核", None, "年满70周岁")


def test_zero_or_negative_export(world, tmp_path):
    mine = unit(world.county, "meikuang", "煤矿", "mine")
    scheme = adopt("p8-coal-mine", mine)
    worker = employee(mine, "韩负分", position="工人")
    give(scheme, worker, -5, local(2026, 5, 1))
    path = tmp_path / "z.xlsx"
    call_command("export", "zero-or-negative", str(path), scheme=scheme.code)
    assert rows(path)[1][1:] == ("韩负分", "煤矿", "工人", -5)


def test_exports_need_their_options(world, tmp_path):
    with pytest.raises(CommandError, match="请用 --scheme 指定积分方案"):
        call_command("export", "dividends", str(tmp_path / "x.xlsx"))
