"""`jifen boards show|rank|groups|rebuild`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jifen.ledger.testing import local, make_scheme
from jifen.rankings.models import Board
from jifen.rankings.tests.rewards_helpers import employee, give, unit


def run(*args):
    out = StringIO()
    call_command("boards", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def village(world):
    scheme = make_scheme(world.shahe, code="shahe-cli")
    for who, points in ((world.zhangsan, 30), (world.limei, 20), (world.wangwu, 20), (world.reviewer_person, 10)):
        give(scheme, who, points, local(2026, 3, 10, 9, 0))
    return scheme


def test_show_prints_ranks_with_ties_and_a_next_page_hint(village):
    out = run("show", "--scheme", "shahe-cli", "--period", "year:2026", "--limit", "3")
    assert out.splitlines() == [
        "shahe-cli 2026: 4 人 / subjects (实时 / live)",
        "       1          30  张三",
        "     并列2          20  李梅",
        "     并列2          20  王五",
        "… --offset 3",
    ]


def test_show_narrows_to_an_org_subtree(village):
    out = run("show", "--scheme", "shahe-cli", "--period", "2026-03", "--org", "demo/zhangji/shahe/g2")
    assert out.splitlines()[1:] == ["       1          10  陈审核"]


def test_rank_gives_the_points_to_the_next_place(village, world):
    out = run("rank", "--scheme", "shahe-cli", "--period", "2026", f"subject:{world.reviewer_person.subject_id}")
    assert out.strip() == "陈审核: 第 4 名 / rank 4 of 4, 10 分；距第 2 名差 10 分 / 10 to rank 2"


def test_rebuild_then_show_reads_the_snapshot(village):
    out = run("rebuild", "--scheme", "shahe-cli", "--period", "2026")
    assert out.startswith("2026: 4 人 / subjects, ")
    assert "快照" in run("show", "--scheme", "shahe-cli", "--period", "2026").splitlines()[0]
    assert Board.objects.filter(scheme=village, period="2026", current__isnull=False).exists()


def test_groups_prints_per_capita_averages(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = make_scheme(company, code="xidi-cli", name="洗涤公司积分")
    give(scheme, employee(company, "甲"), 50, local(2026, 10, 2, 9, 0))
    give(scheme, employee(company, "乙"), 25, local(2026, 10, 2, 9, 0))
    give(scheme, employee(company, "丙", position="组长", is_leader=True), 30, local(2026, 10, 2, 9, 0))
    out = run("groups", "--scheme", "xidi-cli", "--period", "2026-10")
    assert out.splitlines() == ["     1       37.50     2 人  员工组", "     2       30.00     1 人  组长组"]


def test_a_bad_period_or_unknown_scheme_is_a_clear_error(village):
    with pytest.raises(CommandError, match="2026-13"):
        run("show", "--scheme", "shahe-cli", "--period", "2026-13")
    with pytest.raises(CommandError, match="nope"):
        run("show", "--scheme", "nope")
