"""Leaderboards read through jifen.rankings.selectors, with hand-computed expected results.

The township scheme below ranks, for 2026 (Asia/Shanghai):
    张三 30 (沙河/一网格)    rank 1
    李梅 20 (沙河/一网格)    rank 2 (tied)
    王五 20 (沙河/一网格)    rank 2 (tied)
    陈审核 10 (沙河/二网格)  rank 4
    赵六 5 (泉水河)          rank 5
    刘记录 0 (沙河/一网格)   rank 6 (account, no points)
"""

import datetime as dt

import pytest

from jifen.core.errors import InvalidInput, NotFound
from jifen.ledger.services import Leg, account_for, system_account, transaction_post
from jifen.ledger.testing import local, make_scheme
from jifen.orgs import services as orgs
from jifen.rankings.boards import board_rebuild
from jifen.rankings.selectors import board_page, group_averages, own_rank
from jifen.rankings.tests.rewards_helpers import employee, give, person, unit
from jifen.rules import services as rules


@pytest.fixture
def town(world):
    scheme = make_scheme(world.township, code="zhangji-points", name="张集镇积分")
    at = local(2026, 3, 10, 9, 0)
    for who, points in ((world.zhangsan, 30), (world.limei, 20), (world.wangwu, 20), (world.reviewer_person, 10),
                        (world.zhaoliu, 5)):
        give(scheme, who, points, at)
    account_for(scheme=scheme, subject=world.recorder_person.subject)
    return scheme


def table(page):
    return [(row.name, row.rank, row.score, row.tied) for row in page.rows]


def test_ties_share_a_rank_and_the_next_rank_skips(town):
    page = board_page(scheme=town, period="2026")
    assert table(page) == [
        ("张三", 1, 30, False), ("李梅", 2, 20, True), ("王五", 2, 20, True), ("陈审核", 4, 10, False),
        ("赵六", 5, 5, False), ("刘记录", 6, 0, False),
    ]
    assert (page.total, page.source, page.has_next) == (6, "live", False)


def test_snapshot_gives_the_same_board_and_own_ranks_as_the_live_count(town, world):
    live = table(board_page(scheme=town, period="2026"))
    board_rebuild(scheme=town, period="2026")
    page = board_page(scheme=town, period="2026")
    assert page.source == "snapshot"
    assert table(page) == live
    mine = own_rank(scheme=town, subject=world.reviewer_person.subject, period="2026")
    assert (mine.rank, mine.score, mine.tied, mine.out_of, mine.points_to_next, mine.next_rank, mine.source) == (
        4, 10, False, 6, 10, 2, "snapshot"
    )


@pytest.mark.parametrize("snapshot", [False, True])
def test_own_rank_and_points_to_the_next_place(town, world, snapshot):
    if snapshot:
        board_rebuild(scheme=town, period="2026")

    def mine(p):
        r = own_rank(scheme=town, subject=p.subject, period="2026")
        return (r.rank, r.score, r.tied, r.points_to_next, r.next_rank)

    assert mine(world.zhangsan) == (1, 30, False, None, None)
    assert mine(world.limei) == (2, 20, True, 10, 1)  # tied with 王五: the next place is 张三's
    assert mine(world.wangwu) == (2, 20, True, 10, 1)
    assert mine(world.reviewer_person) == (4, 10, False, 10, 2)
    assert mine(world.zhaoliu) == (5, 5, False, 5, 4)
    assert mine(world.recorder_person) == (6, 0, False, 5, 5)
    # 周管理 has no account in the scheme: not on the board.
    assert own_rank(scheme=town, subject=world.admin.person.subject, period="2026") is None


def test_a_tie_across_a_page_boundary_is_shown_on_both_pages(town):
    first = board_page(scheme=town, period="2026", limit=2)
    second = board_page(scheme=town, period="2026", offset=2, limit=2)
    assert table(first) == [("张三", 1, 30, False), ("李梅", 2, 20, True)]
    assert first.has_next
    assert table(second) == [("王五", 2, 20, True), ("陈审核", 4, 10, False)]
    board_rebuild(scheme=town, period="2026")
    assert table(board_page(scheme=town, period="2026", offset=2, limit=2)) == table(second)


def test_subtree_boards_rank_only_the_subtree(town, world):
    assert table(board_page(scheme=town, period="2026", org=world.shahe)) == [
        ("张三", 1, 30, False), ("李梅", 2, 20, True), ("王五", 2, 20, True), ("陈审核", 4, 10, False), ("刘记录", 5, 0, False),
    ]
    assert table(board_page(scheme=town, period="2026", org="demo/zhangji/shahe/g2")) == [("陈审核", 1, 10, False)]
    assert table(board_page(scheme=town, period="2026", org=world.quanshui)) == [("赵六", 1, 5, False)]
    mine = own_rank(scheme=town, subject=world.reviewer_person.subject, period="2026", org=world.shahe)
    assert (mine.rank, mine.points_to_next, mine.out_of, mine.source) == (4, 10, 5, "live")
    # Someone outside the subtree is not on its board.
    assert own_rank(scheme=town, subject=world.zhaoliu.subject, period="2026", org=world.shahe) is None


def test_an_org_outside_the_scheme_or_unknown_is_refused(world):
    scheme = make_scheme(world.shahe, code="shahe-only")
    with pytest.raises(InvalidInput) as refused:
        board_page(scheme=scheme, period="2026", org=world.quanshui)
    assert refused.value.code == "org_outside_scheme"
    with pytest.raises(NotFound):
        board_page(scheme=scheme, period="2026", org="demo/nowhere")


def test_a_bad_period_is_refused_in_both_languages(town):
    with pytest.raises(InvalidInput) as refused:
        board_page(scheme=town, period="2026-13")
    assert refused.value.code == "bad_period"
    assert "2026-13" in refused.value.zh and "2026-13" in refused.value.en


def test_periods_are_cut_in_shanghai_time(world):
    scheme = make_scheme(world.shahe, code="shahe-cut")
    # 2026-01-31 23:30 in Shanghai is 15:30 UTC: January. 2026-02-01 00:10 Shanghai (31 Jan UTC): February.
    give(scheme, world.zhangsan, 7, local(2026, 1, 31, 23, 30))
    give(scheme, world.limei, 3, local(2026, 2, 1, 0, 10))
    # Exactly on the boundary: midnight starting 1 February belongs to February, not January.
    give(scheme, world.wangwu, 4, local(2026, 2, 1, 0, 0))
    assert dt.datetime(2026, 1, 31, 15, 30, tzinfo=dt.UTC) == local(2026, 1, 31, 23, 30)

    def scores(period):
        return {row.name: row.score for row in board_page(scheme=scheme, period=period).rows}

    assert scores("2026-01") == {"张三": 7, "李梅": 0, "王五": 0}
    assert scores("2026-02") == {"李梅": 3, "王五": 4, "张三": 0}
    # Sunday 1 February is still ISO week 5 (26 January – 1 February); Saturday 31 January too.
    assert scores("2026-W05") == {"张三": 7, "王五": 4, "李梅": 3}
    assert scores("2026-W06") == {"张三": 0, "李梅": 0, "王五": 0}
    assert scores("2026-Q1") == {"张三": 7, "王五": 4, "李梅": 3}
    assert scores("2025") == {"张三": 0, "李梅": 0, "王五": 0}
    assert scores("all") == scores("year:2026")
    board_rebuild(scheme=scheme, period="2026-01")
    board_rebuild(scheme=scheme, period="2026-02")
    assert scores("2026-01") == {"张三": 7, "李梅": 0, "王五": 0}
    assert scores("2026-02") == {"王五": 4, "李梅": 3, "张三": 0}


def test_a_deduction_and_a_redemption(world):
    """Deductions lower the score; a redemption spends points but the score stays (篇2, 篇7)."""
    scheme = make_scheme(world.shahe, code="shahe-spend")
    give(scheme, world.zhangsan, 20, local(2026, 5, 1, 10, 0))
    give(scheme, world.zhangsan, -5, local(2026, 5, 2, 10, 0))
    give(scheme, world.limei, 15, local(2026, 5, 1, 10, 0))
    give(scheme, world.limei, -10, local(2026, 5, 3, 10, 0), kind="redeem")
    # Equal scores: listed by subject id (张三 was registered first).
    assert table(board_page(scheme=scheme, period="2026-05")) == [("张三", 1, 15, True), ("李梅", 1, 15, True)]


@pytest.fixture
def laundry(world):
    company = unit(world.county, "xidi", "洗涤公司", "company")
    team = unit(company, "wash", "洗涤组", "team")
    scheme = make_scheme(company, code="xidi-points", name="洗涤公司积分")
    staff = {name: employee(team, name) for name in ("殷书秀", "杨文娟", "林艷榮", "朱延芳")}
    leaders = {name: employee(team, name, position="组长", is_leader=True) for name in ("回瑞芳", "王集祥")}
    at = local(2026, 10, 20, 9, 0)
    for name, points in (("殷书秀", 50), ("杨文娟", 40), ("林艷榮", 40), ("朱延芳", 5)):
        give(scheme, staff[name], points, at)
    give(scheme, leaders["回瑞芳"], 30, at)
    give(scheme, leaders["王集祥"], 45, at)
    return scheme, staff, leaders


def test_leaders_and_staff_are_ranked_separately(laundry):
    """篇6: 组长组 and 员工组 each have their own board."""
    scheme, staff, leaders = laundry
    assert table(board_page(scheme=scheme, period="2026-10", group="staff")) == [
        ("殷书秀", 1, 50, False), ("杨文娟", 2, 40, True), ("林艷榮", 2, 40, True), ("朱延芳", 4, 5, False),
    ]
    assert table(board_page(scheme=scheme, period="2026-10", group="leaders")) == [
        ("王集祥", 1, 45, False), ("回瑞芳", 2, 30, False),
    ]
    # On the whole board 王集祥's 45 sits between the staff.
    mine = own_rank(scheme=scheme, subject=leaders["王集祥"].subject, period="2026-10")
    assert (mine.rank, mine.points_to_next) == (2, 5)
    mine = own_rank(scheme=scheme, subject=leaders["王集祥"].subject, period="2026-10", group="leaders")
    assert (mine.rank, mine.points_to_next) == (1, None)


def test_leaders_and_staff_per_capita_averages(laundry):
    scheme, _, _ = laundry
    groups = group_averages(scheme=scheme, period="2026-10", groups="leaders-staff")
    # 组长组 (30 + 45) / 2 = 37.50; 员工组 (50 + 40 + 40 + 5) / 4 = 33.75.
    assert [(g.key, g.name, g.members, g.total, g.average, g.rank) for g in groups] == [
        ("leaders", "组长组", 2, 75, dt_decimal("37.50"), 1),
        ("staff", "员工组", 4, 135, dt_decimal("33.75"), 2),
    ]


def dt_decimal(text):
    from decimal import Decimal

    return Decimal(text)


def test_an_empty_group_has_an_empty_board_and_no_average(world):
    company = unit(world.county, "kong", "空公司", "company")
    scheme = make_scheme(company, code="kong-points", name="空公司积分")
    employee(company, "独一", position="员工")
    page = board_page(scheme=scheme, period="2026", group="leaders")
    assert (page.rows, page.total, page.has_next) == ([], 0, False)
    groups = group_averages(scheme=scheme, period="2026", groups="leaders-staff")
    # 独一 has no account yet, so even the staff group is empty.
    assert [(g.key, g.members, g.average, g.rank) for g in groups] == [
        ("leaders", 0, dt_decimal("0"), None), ("staff", 0, dt_decimal("0"), None),
    ]


def test_subject_and_grade_groups_boards_and_averages(world):
    """篇3: teachers ranked within their subject group and grade group; groups by per-capita average."""
    school = unit(world.county, "yizhong", "第一中学", "school")
    scheme = make_scheme(school, code="yizhong-reading", name="读书积分")
    yuwen = unit(school, "yuwen", "语文组", "teaching_group")
    shuxue = unit(school, "shuxue", "数学组", "teaching_group")
    unit(school, "wuli", "物理组", "teaching_group")  # nobody yet
    grade = unit(school, "gaoyi", "高一年级组", "grade_group")
    at = local(2025, 10, 10, 9, 0)
    teachers = {}
    for group, name, points in ((yuwen, "语一", 1200), (yuwen, "语二", 1000), (yuwen, "语三", 1150),
                                (shuxue, "数一", 900), (shuxue, "数二", 1000)):
        teachers[name] = person(group, name)
        give(scheme, teachers[name], points, at)
    for name in ("语一", "数一", "数二"):
        orgs.membership_add(actor=None, person=teachers[name], org=grade)
    assert table(board_page(scheme=scheme, period="2025-2026-1", group=grade)) == [
        ("语一", 1, 1200, False), ("数二", 2, 1000, False), ("数一", 3, 900, False),
    ]
    assert table(board_page(scheme=scheme, period="2025", group="demo/yizhong/yuwen")) == [
        ("语一", 1, 1200, False), ("语三", 2, 1150, False), ("语二", 3, 1000, False),
    ]
    groups = group_averages(scheme=scheme, period="2025-2026-1", groups=["teaching_group", "grade_group"])
    # 语文组 3350/3 = 1116.666… → 1116.67; 高一 (1200+900+1000)/3 = 1033.33; 数学组 950; 物理组 empty.
    assert [(g.name, g.members, g.average, g.rank) for g in groups] == [
        ("语文组", 3, dt_decimal("1116.67"), 1), ("高一年级组", 3, dt_decimal("1033.33"), 2),
        ("数学组", 2, dt_decimal("950.00"), 3), ("物理组", 0, dt_decimal("0"), None),
    ]


def test_equal_averages_share_a_rank(world):
    school = unit(world.county, "erzhong", "第二中学", "school")
    scheme = make_scheme(school, code="erzhong-reading", name="读书积分")
    a = unit(school, "a", "甲组", "teaching_group")
    b = unit(school, "b", "乙组", "teaching_group")
    c = unit(school, "c", "丙组", "teaching_group")
    at = local(2026, 3, 1, 9, 0)
    for group, points in ((a, 100), (a, 200), (b, 150), (c, 90)):
        give(scheme, person(group, f"师{points}"), points, at)
    groups = group_averages(scheme=scheme, period="2026", groups="teaching_group")
    assert [(g.name, g.average, g.rank, g.tied) for g in groups] == [
        ("甲组", dt_decimal("150.00"), 1, True), ("乙组", dt_decimal("150.00"), 1, True), ("丙组", dt_decimal("90.00"), 3, False),
    ]


def test_per_category_boards_count_only_that_categorys_items(world):
    scheme = make_scheme(world.shahe, code="shahe-cats", name="沙河村积分", subject_types=["person"])
    public = rules.category_create(actor=None, scheme=scheme, code="public", name="公益美德类")
    order = rules.category_create(actor=None, scheme=scheme, code="order", name="社会治安类")
    from_day = dt.date(2026, 1, 1)
    help_item = rules.item_create(actor=None, scheme=scheme, category=public, code="p-1", effective_from=from_day,
                                  name="义务劳动", direction="award", points=5)
    patrol = rules.item_create(actor=None, scheme=scheme, category=order, code="o-1", effective_from=from_day,
                               name="治安巡逻", direction="award", points=3)
    issuance = system_account(scheme=scheme, kind="issuance")
    seq = iter(range(1, 100))

    def post(who, item, points):
        account = account_for(scheme=scheme, subject=who.subject)
        return transaction_post(
            scheme=scheme, key=f"cat-{next(seq)}", source_type="slip", source_id="", actor=None,
            occurred_at=local(2026, 4, 2, 10, 0), reason="测试", item_version_id=item.versions.get().pk,
            legs=[Leg(account=account, amount=points, kind="award"), Leg(account=issuance, amount=-points, kind="award")],
        )

    post(world.zhangsan, help_item, 5)
    post(world.zhangsan, patrol, 3)
    post(world.limei, patrol, 3)
    post(world.limei, patrol, 3)
    wrong = post(world.wangwu, help_item, 5)
    from jifen.ledger.services import transaction_reverse

    transaction_reverse(transaction=wrong, key="cat-undo", actor=None, reason="录错")
    give(scheme, world.wangwu, 9, local(2026, 4, 3, 10, 0))  # no catalog item: counts on the main board only
    assert table(board_page(scheme=scheme, period="2026-04", category="public")) == [
        ("张三", 1, 5, False), ("李梅", 2, 0, True), ("王五", 2, 0, True),
    ]
    assert table(board_page(scheme=scheme, period="2026-04", category=order)) == [
        ("李梅", 1, 6, False), ("张三", 2, 3, False), ("王五", 3, 0, False),
    ]
    assert table(board_page(scheme=scheme, period="2026-04")) == [
        ("王五", 1, 9, False), ("张三", 2, 8, False), ("李梅", 3, 6, False),
    ]
    mine = own_rank(scheme=scheme, subject=world.zhangsan.subject, period="2026-04", category="order")
    assert (mine.rank, mine.points_to_next) == (2, 3)
    with pytest.raises(NotFound):
        board_page(scheme=scheme, period="2026-04", category="nope")


def test_page_sizes_are_bounded(town):
    page = board_page(scheme=town, period="2026", offset=-5, limit=10_000)
    assert (page.offset, page.limit, len(page.rows)) == (0, 500, 6)


def test_snapshot_reads_cost_two_queries_and_a_savepoint(town, world, django_assert_num_queries):
    board_rebuild(scheme=town, period="2026")
    # The board's current build, then the probe; inside the test's transaction a savepoint
    # (SAVEPOINT + RELEASE) guards the probe. Outside a transaction it is just the two.
    with django_assert_num_queries(4):
        own_rank(scheme=town, subject=world.limei.subject, period="2026")
    with django_assert_num_queries(4):
        board_page(scheme=town, period="2026", limit=3)
