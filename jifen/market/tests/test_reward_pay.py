import datetime as dt

import pytest

from jifen.core import clock
from jifen.core.errors import Conflict, IdempotencyMismatch, IllegalTransition
from jifen.market import selectors, services
from jifen.market.tests.helpers import snapshot
from jifen.rankings.models import RewardLine, RewardList, RewardPayment


@pytest.fixture
def reward_list(world, mk):
    rl = RewardList.objects.create(
        scheme=mk.scheme, rule_index=0, rule_type="rank_table", rule={}, period="2025", period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2026, 1, 1), evaluated_at=clock.now(),
    )
    lines = [
        (world.household.subject, "张三户", 1, "awarded", 50_000),
        (world.neighbour_household.subject, "王五户", 2, "awarded", 30_000),
        (world.outsider_household.subject, "赵六户", None, "excluded", None),  # vetoed: never paid
    ]
    for order, (subject, name, rank, outcome, amount) in enumerate(lines, 1):
        RewardLine.objects.create(
            reward_list=rl, order=order, subject=subject, name=name, rank=rank, score=100, outcome=outcome, amount_fen=amount
        )
    return rl


def test_reward_list_cash_is_paid_from_one_fund_line_by_line(world, mk, reward_list):
    result = services.reward_list_pay(actor=world.admin, reward_list=reward_list, fund=mk.fund, idempotency_key="pay-2025")
    assert (result.paid, result.total_fen, result.replayed) == (2, 80_000, False)
    assert selectors.fund_balance(fund=mk.fund) == 1_930_000 - 80_000
    payments = list(RewardPayment.objects.order_by("line__order").values_list("line__name", "amount_fen", "fund_movement_id"))
    assert [(n, a) for n, a, _ in payments] == [("张三户", 50_000), ("王五户", 30_000)]
    assert [m for _, _, m in payments] == [m.pk for m in result.movements]
    lines = selectors.fund_statement(fund=mk.fund)[-2:]
    assert [(ln.kind, ln.amount_fen, ln.reason) for ln in lines] == [
        ("reward", -50_000, "2025 现金奖励：张三户（第1名）"), ("reward", -30_000, "2025 现金奖励：王五户（第2名）")
    ]
    before = snapshot()
    again = services.reward_list_pay(actor=world.admin, reward_list=reward_list, fund=mk.fund, idempotency_key="pay-2025")
    assert (again.replayed, again.total_fen) == (True, 80_000)
    assert snapshot() == before
    with pytest.raises(IllegalTransition) as exc:
        services.reward_list_pay(actor=world.admin, reward_list=reward_list, fund=mk.fund, idempotency_key="pay-again")
    assert exc.value.code == "nothing_to_pay" and exc.value.zh == "本名单的现金奖励已全部发放"
    other = services.fund_create(actor=world.admin, org=world.township, code="other", name="另一笔资金")
    with pytest.raises(IdempotencyMismatch):
        services.reward_list_pay(actor=world.admin, reward_list=reward_list, fund=other, idempotency_key="pay-2025")


def test_reward_list_the_fund_cannot_cover_is_refused_whole(world, mk, reward_list):
    small = services.fund_create(actor=world.admin, org=world.shahe, code="small", name="村集体奖励金")
    services.fund_receive(actor=world.admin, fund=small, amount_fen=60_000, source_kind="collective_income", reason="集体收入", idempotency_key="in")
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.reward_list_pay(actor=world.admin, reward_list=reward_list, fund=small, idempotency_key="pay")
    assert exc.value.code == "fund_insufficient"
    assert exc.value.zh == "资金「村集体奖励金」余额不足：余额 600.00 元，需支出 800.00 元"
    assert snapshot() == before
    assert not RewardPayment.objects.exists()
