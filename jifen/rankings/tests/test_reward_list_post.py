import pytest

from jifen.core.errors import InvalidInput
from jifen.ledger.selectors import score_of
from jifen.ledger.services import account_for
from jifen.ledger.testing import ledger_snapshot
from jifen.orgs import services as orgs
from jifen.rankings.rewards import reward_list_evaluate, reward_list_post
from jifen.rankings.tests.rewards_helpers import (
    adopt,
    assert_ledger_clean,
    employee,
    frozen,
    give,
    local,
    person,
    unit,
)


@pytest.fixture
def school_groups(world):
    org = unit(world.county, "yizhong", "第一中学", "school")
    scheme = adopt("p3-school-reading", org, period_policy="lifetime")
    yingyu = unit(org, "yingyu", "英语组", "teaching_group")
    yuwen = unit(org, "yuwen", "语文组", "teaching_group")
    # 英语组 keeps its own points account (a department unit); 语文组 does not.
    dept = orgs.unit_create(actor=None, org=yingyu, name="英语组（集体）", kind="department")
    for group, name, points in ((yingyu, "英一", 1500), (yingyu, "英二", 1500), (yuwen, "语一", 1000)):
        give(scheme, person(group, name), points, local(2025, 10, 10))
    with frozen(2026, 2, 1, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=0, period="2025-2026-1")
    return scheme, reward_list, dept


def test_group_points_are_posted_once_to_groups_with_an_account(school_groups):
    scheme, reward_list, dept = school_groups
    assert list(reward_list.lines.order_by("order").values_list("name", "points", "subject_id")) == [
        ("英语组", 25, dept.subject_id), ("语文组", 20, None),
    ]
    with frozen(2026, 2, 2, 9, 0):
        result = reward_list_post(reward_list=reward_list, actor=None)
    assert (result.posted, result.not_posted) == (1, ["语文组"])
    assert score_of(account=account_for(scheme=scheme, subject=dept.subject)) == 25
    reward_list.refresh_from_db()
    assert reward_list.transaction.key == f"reward-list:{reward_list.pk}"
    before = ledger_snapshot()
    with frozen(2026, 2, 3, 9, 0):
        again = reward_list_post(reward_list=reward_list, actor=None)
    assert again.posted == 1 and ledger_snapshot() == before
    assert_ledger_clean()


def test_a_cash_only_list_has_nothing_to_post(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company)
    give(scheme, employee(company, "殷书秀"), 100, local(2026, 10, 5))
    with frozen(2026, 11, 1, 8, 0):
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=1, period="2026-10")
        before = ledger_snapshot()
        with pytest.raises(InvalidInput) as exc:
            reward_list_post(reward_list=reward_list, actor=None)
    assert exc.value.code == "nothing_to_post"
    assert ledger_snapshot() == before
