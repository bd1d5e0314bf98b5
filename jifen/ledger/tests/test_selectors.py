import datetime as dt

import pytest

from jifen.ledger import selectors, services
from jifen.ledger.services import Leg
from jifen.ledger.testing import award, local
from jifen.orgs.models import Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world, scheme, acc):
    """张三: +10 (Mar 30), −3 (Apr 1, same ISO week, new month and quarter), redeem 4 (Apr 8), +6 (Jan 2 2027)."""
    award(scheme=scheme, account=acc.zhangsan, points=10, key="a", at=local(2026, 3, 30, 8), reason="打扫村道")
    award(scheme=scheme, account=acc.zhangsan, points=-3, kind="deduct", key="b", at=local(2026, 4, 1, 0, 30), reason="乱堆柴草")
    services.transaction_post(
        scheme=scheme, key="c", source_type="redemption", source_id="5", actor=world.recorder,
        occurred_at=local(2026, 4, 8, 15), reason="兑换洗衣粉", legs=[Leg(acc.zhangsan, -4, "redeem"), Leg(acc.shop, 4, "redeem")],
    )
    award(scheme=scheme, account=acc.zhangsan, points=6, key="d", at=local(2027, 1, 2, 9), reason="志愿服务")
    award(scheme=scheme, account=acc.wangwu, points=8, key="e", at=local(2026, 4, 2, 9))


def test_score_and_balance_for_every_grain(acc, history):
    z = acc.zhangsan
    on = dt.date(2026, 4, 1)
    assert selectors.score_of(account=z, grain="week", on=on) == 7
    assert selectors.score_of(account=z, grain="month", on=on) == -3
    assert selectors.balance_of(account=z, grain="month", on=on) == -7
    assert selectors.score_of(account=z, grain="month", on=dt.date(2026, 3, 31)) == 10
    assert selectors.score_of(account=z, grain="quarter", on=on) == -3
    assert selectors.score_of(account=z, grain="quarter", on=dt.date(2026, 1, 5)) == 10
    assert selectors.score_of(account=z, grain="year", on=on) == 7
    assert selectors.balance_of(account=z, grain="year", on=on) == 3
    assert selectors.score_of(account=z, grain="year", on=dt.date(2027, 6, 1)) == 6
    assert selectors.score_of(account=z, grain="all") == 13
    assert selectors.balance_of(account=z) == 9
    # The ISO week of 2026-12-28 … 2027-01-03 spans two years; the week holds January's points.
    assert selectors.score_of(account=z, grain="week", on=dt.date(2026, 12, 29)) == 6
    assert selectors.score_of(account=z, grain="week", on=local(2026, 4, 5, 23, 59)) == 7


def test_statement_shows_running_balance_reasons_and_who(world, acc, history):
    lines = selectors.statement(account=acc.zhangsan)
    assert [(x.kind, x.amount, x.balance_after, x.reason) for x in lines] == [
        ("award", 10, 10, "打扫村道"),
        ("deduct", -3, 7, "乱堆柴草"),
        ("redeem", -4, 3, "兑换洗衣粉"),
        ("award", 6, 9, "志愿服务"),
    ]
    assert lines[2].actor_name == "刘记录" and lines[2].source_type == "redemption" and lines[2].kind_label == "兑换"
    assert lines[0].actor_name == "系统"


def test_statement_window_and_limit_keep_true_running_balances(acc, history):
    window = selectors.statement(account=acc.zhangsan, since=local(2026, 4, 1), until=local(2026, 4, 9))
    assert [(x.amount, x.balance_after) for x in window] == [(-3, 7), (-4, 3)]
    latest = selectors.statement(account=acc.zhangsan, limit=2)
    assert [(x.amount, x.balance_after) for x in latest] == [(-4, 3), (6, 9)]
    before_first = selectors.statement(account=acc.zhangsan, until=local(2026, 3, 30, 8))
    assert before_first == []


def test_accounts_scores_is_one_query_for_a_leaderboard(world, scheme, acc, history, django_assert_num_queries):
    with django_assert_num_queries(1):
        board = list(
            selectors.accounts_scores(scheme=scheme, grain="month", on=dt.date(2026, 4, 20)).order_by("-score", "subject__name")
        )
    assert [(a.subject.name, a.score, a.balance) for a in board] == [("王五", 8, 8), ("李梅", 0, 0), ("张三", -3, -7)]
    village = Subject.objects.filter(pk__in=[world.zhangsan.subject.pk])
    only = selectors.accounts_scores(scheme=scheme, grain="year", on=dt.date(2026, 4, 20), subjects_qs=village)
    assert [(a.subject_id, a.score) for a in only] == [(world.zhangsan.subject.pk, 7)]


def test_period_bounds_selector(scheme):
    start, end = selectors.period_bounds(scheme=scheme, grain="week", on=dt.date(2026, 4, 1))
    assert (start.date(), end.date()) == (dt.date(2026, 3, 30), dt.date(2026, 4, 6))


def test_subject_references_an_operator_can_type(world):
    assert selectors.subject_by_reference(world.zhangsan.id_number).pk == world.zhangsan.subject.pk
    assert selectors.subject_by_reference(world.zhangsan.id_number.lower()).pk == world.zhangsan.subject.pk
    assert selectors.subject_by_reference("household:demo/zhangji/shahe:SH-001").pk == world.household.subject.pk
    assert selectors.subject_by_reference(f"subject:{world.wangwu.subject.pk}").pk == world.wangwu.subject.pk
    assert selectors.subject_by_reference(str(world.wangwu.subject.pk)).pk == world.wangwu.subject.pk
