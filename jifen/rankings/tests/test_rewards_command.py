from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jifen.rankings.models import PointsRun, RewardList
from jifen.rankings.tests.rewards_helpers import adopt, employee, frozen, give, local, unit
from jifen.rankings.tests.test_fixed_points_post import P6_FILLED


def rewards(*args):
    out = StringIO()
    call_command("rewards", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def laundry(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company, settings=P6_FILLED)
    gm = employee(company, "曹经理", position="总经理")
    return scheme, gm


def test_rules_evaluate_and_fixed_from_the_command_line(laundry):
    scheme, gm = laundry
    assert rewards("rules", "--scheme", scheme.code).splitlines()[:2] == [
        "0: 月度组长组前1名奖励 100 元", "1: 月度员工组前5名奖励 100/80/60/40/20 元",
    ]
    give(scheme, employee(scheme.org, "殷书秀"), 40, local(2026, 10, 3))
    with frozen(2026, 11, 1, 9, 0):
        out = rewards("fixed", "--scheme", scheme.code, "--month", "2026-10")
        listed = rewards("evaluate", "--scheme", scheme.code, "--rule", "1", "--period", "2026-10")
    assert out.startswith("固定积分 / fixed points 2026-10: 入账/posted 2")
    assert PointsRun.objects.count() == 1
    reward_list = RewardList.objects.get()
    assert listed.splitlines() == [
        f"名单 #{reward_list.pk} / list #{reward_list.pk}: 2026-10",
        "  1 殷书秀 72 获奖 100.00元",  # 员工 20 + 6 years × 2 + 40 awarded
        "  2 曹经理 62 获奖 80.00元",  # 总经理 50 + 6 years × 2
    ]


def test_errors_are_printed_in_both_languages(laundry):
    scheme, _ = laundry
    with frozen(2026, 10, 15, 9, 0), pytest.raises(CommandError, match="期间 2026-10 到 2026-10-31 才结束.* / fixed points are posted per month"):
        rewards("fixed", "--scheme", scheme.code, "--month", "2026-10")
    with pytest.raises(CommandError, match="找不到名单 #999"):
        rewards("post", "999")
