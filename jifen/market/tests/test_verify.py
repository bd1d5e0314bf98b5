from jifen.core.db import maintenance
from jifen.market import selectors, services
from jifen.market.models import FundMovement, StockMovement


def test_market_verify_is_clean_after_ordinary_work(world, mk):
    r = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.voucher, 1)], idempotency_key="a")
    services.redemption_cancel(actor=mk.keeper, redemption=r, reason="退货", idempotency_key="c")
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 4)], idempotency_key="b")
    services.stock_take(actor=mk.keeper, good=mk.soap, counted=90, idempotency_key="t")
    assert selectors.market_verify() == []


def test_market_verify_names_a_tampered_stock_or_fund_row(world, mk):
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 4)], idempotency_key="b")
    movement = StockMovement.objects.get(kind="redemption")
    fund_row = FundMovement.objects.filter(kind="purchase").order_by("id").first()
    with maintenance():
        StockMovement.objects.filter(pk=movement.pk).update(quantity=-3)
        FundMovement.objects.filter(pk=fund_row.pk).update(amount_fen=fund_row.amount_fen + 1)
    problems = selectors.market_verify()
    assert f"stock movement #{movement.pk} of good #{mk.soap.pk}: level_after 96, running sum 97" in problems
    assert any(p.startswith(f"fund movement #{fund_row.pk} of fund #{mk.fund.pk}") for p in problems)


def test_market_verify_command(world, mk, capsys):
    import pytest
    from django.core.management import call_command

    call_command("market", "verify")
    assert "积分超市核对无误：0 笔兑换、2 条库存流水、3 条资金流水" in capsys.readouterr().out
    movement = StockMovement.objects.first()
    with maintenance():
        StockMovement.objects.filter(pk=movement.pk).update(level_after=7)
    with pytest.raises(SystemExit) as exc:
        call_command("market", "verify")
    assert exc.value.code == 1
    assert "积分超市核对发现 1 处问题" in capsys.readouterr().out
