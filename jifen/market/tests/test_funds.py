import pytest

from jifen.core.errors import Conflict, IdempotencyMismatch, InvalidInput, PermissionDenied
from jifen.market import selectors, services
from jifen.market.models import FundMovement
from jifen.market.tests.helpers import snapshot


def test_fund_receives_allocates_and_spends_with_a_statement(world, mk):
    gift = services.fund_receive(
        actor=world.admin, fund=mk.fund, amount_fen=500_000, source_kind="donation", reason="乡贤王某捐赠", idempotency_key="gift"
    )
    assert (gift.amount_fen, gift.balance_after_fen) == (500_000, 2_430_000)
    village = services.fund_allocate(
        actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=1_000_000, reason="2026年沙河村积分超市经费",
        idempotency_key="alloc",
    )
    assert (village.org_id, village.year, village.parent_id) == (world.shahe.pk, 2026, mk.fund.pk)
    assert selectors.fund_balance(fund=mk.fund) == 1_430_000
    assert selectors.fund_balance(fund=village) == 1_000_000
    services.stock_purchase(actor=mk.keeper, good=mk.oil, quantity=20, unit_cost_fen=4500, fund=village, reason="补货", idempotency_key="b")
    assert selectors.fund_balance(fund=village) == 910_000
    lines = selectors.fund_statement(fund=village)
    assert [(ln.kind, ln.amount_fen, ln.balance_after_fen) for ln in lines] == [("allocation_in", 1_000_000, 1_000_000), ("purchase", -90_000, 910_000)]
    assert lines[0].counterpart == "积分超市专项资金"
    top = selectors.fund_statement(fund=mk.fund)
    assert [(ln.kind_zh, ln.amount_fen, ln.balance_after_fen) for ln in top] == [
        ("收入", 2_000_000, 2_000_000), ("采购支出", -45_000, 1_955_000), ("采购支出", -25_000, 1_930_000),
        ("收入", 500_000, 2_430_000), ("下拨", -1_000_000, 1_430_000),
    ]
    assert top[0].source_zh == "财政补贴" and top[3].source_zh == "乡贤捐赠"
    # the same allocation retried is one allocation
    again = services.fund_allocate(
        actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=1_000_000, reason="2026年沙河村积分超市经费",
        idempotency_key="alloc",
    )
    assert again.pk == village.pk and selectors.fund_balance(fund=mk.fund) == 1_430_000


def test_a_fund_that_would_go_negative_is_refused(world, mk):
    services.fund_allocate(actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=1_930_000, reason="全部下拨", idempotency_key="all")
    assert selectors.fund_balance(fund=mk.fund) == 0
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.stock_purchase(actor=world.admin, good=mk.oil, quantity=1, unit_cost_fen=4500, fund=mk.fund, reason="补货", idempotency_key="b")
    assert exc.value.code == "fund_insufficient"
    assert exc.value.zh == "资金「积分超市专项资金」余额不足：余额 0.00 元，需支出 45.00 元"
    with pytest.raises(Conflict):
        services.fund_allocate(actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=1, reason="再拨", idempotency_key="more")
    assert snapshot() == before


def test_the_database_refuses_a_negative_balance_even_past_the_service(world, mk):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        FundMovement.objects.create(
            fund=mk.fund, kind="purchase", amount_fen=-1, balance_after_fen=-1, reason="x", key="raw", content_hash="x", at=mk.fund.created_at
        )


def test_earmarked_funds_pay_only_their_unit_and_year(world, mk):
    village = services.fund_allocate(actor=world.admin, fund=mk.fund, org=world.quanshui, year=2026, amount_fen=100_000, reason="泉水河村", idempotency_key="q")
    before = snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.stock_purchase(actor=world.admin, good=mk.oil, quantity=1, unit_cost_fen=4500, fund=village, reason="补货", idempotency_key="b")
    assert exc.value.code == "fund_earmarked"
    last_year = services.fund_allocate(actor=world.admin, fund=mk.fund, org=world.shahe, year=2025, amount_fen=100_000, reason="2025", idempotency_key="y")
    before = snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.stock_purchase(actor=mk.keeper, good=mk.oil, quantity=1, unit_cost_fen=4500, fund=last_year, reason="补货", idempotency_key="b")
    assert exc.value.code == "fund_wrong_year"
    assert snapshot() == before


def test_fund_input_is_checked(world, mk):
    before = snapshot()
    for bad in (0, -5, 1.5, True):
        with pytest.raises(InvalidInput):
            services.fund_receive(actor=world.admin, fund=mk.fund, amount_fen=bad, source_kind="donation", reason="x", idempotency_key="k")
    with pytest.raises(InvalidInput):
        services.fund_receive(actor=world.admin, fund=mk.fund, amount_fen=5, source_kind="lottery", reason="x", idempotency_key="k")
    with pytest.raises(PermissionDenied):
        services.fund_receive(actor=mk.keeper, fund=mk.fund, amount_fen=5, source_kind="donation", reason="x", idempotency_key="k")
    assert snapshot() == before
    services.fund_receive(actor=world.admin, fund=mk.fund, amount_fen=5, source_kind="donation", reason="x", idempotency_key="k")
    with pytest.raises(IdempotencyMismatch):
        services.fund_receive(actor=world.admin, fund=mk.fund, amount_fen=6, source_kind="donation", reason="x", idempotency_key="k")
