import pytest

from jifen.core.errors import Conflict, IdempotencyMismatch, InvalidInput, PermissionDenied
from jifen.market import selectors, services
from jifen.market.models import StockMovement
from jifen.market.tests.helpers import snapshot


def test_purchase_records_cost_and_spends_the_fund(world, mk):
    m = services.stock_purchase(
        actor=world.admin, good=mk.oil, quantity=4, unit_cost_fen=5100, fund=mk.fund, reason="补货", idempotency_key="buy-2"
    )
    assert (m.kind, m.quantity, m.level_after, m.total_cost_fen) == ("purchase", 4, 14, 20400)
    assert m.fund_movement.fund_id == mk.fund.pk and m.fund_movement.amount_fen == -20400
    # 2 000 000 − 45 000 (oil) − 25 000 (soap) − 20 400
    assert selectors.fund_balance(fund=mk.fund) == 1_909_600
    # average cost: (10 × 45.00 + 4 × 51.00) / 14 = 46.714… → 4671 fen
    assert selectors.average_cost_fen(good=mk.oil) == 4671
    again = services.stock_purchase(
        actor=world.admin, good=mk.oil, quantity=4, unit_cost_fen=5100, fund=mk.fund, reason="补货", idempotency_key="buy-2"
    )
    assert again.pk == m.pk and selectors.fund_balance(fund=mk.fund) == 1_909_600


def test_a_village_shopkeeper_cannot_spend_the_townships_fund(world, mk):
    """The township's subsidy reaches a village by fund_allocate; its keeper cannot draw on it directly."""
    before = snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.stock_purchase(actor=mk.keeper, good=mk.oil, quantity=1, unit_cost_fen=4500, fund=mk.fund, reason="补货", idempotency_key="k")
    assert exc.value.code == "forbidden"
    assert exc.value.zh == "只有「张集镇」的兑换员（或更高权限）可以动用资金「积分超市专项资金」"
    assert snapshot() == before
    village = services.fund_allocate(actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=9000, reason="下拨", idempotency_key="v")
    services.stock_purchase(actor=mk.keeper, good=mk.oil, quantity=2, unit_cost_fen=4500, fund=village, reason="补货", idempotency_key="k2")
    assert selectors.fund_balance(fund=village) == 0


def test_stock_take_finds_a_shortage(world, mk):
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 5)], idempotency_key="r")
    assert selectors.stock_level(good=mk.soap) == 95
    m = services.stock_take(actor=mk.keeper, good=mk.soap, counted=91, idempotency_key="take-1")
    assert (m.kind, m.quantity, m.counted, m.level_after, m.reason) == ("stocktake", -4, 91, 91, "盘点短缺 4块")
    assert selectors.stock_level(good=mk.soap) == 91
    rows = {row.good.code: row for row in selectors.stock_levels(shop=mk.shop)}
    assert (rows["soap"].level, rows["soap"].average_cost_fen, rows["soap"].value_fen) == (91, 250, 22750)
    assert (rows["oil"].level, rows["oil"].value_fen) == (10, 45000)
    assert "health-check" not in rows
    assert selectors.stock_value(org=world.shahe) == 22750 + 45000
    exact = services.stock_take(actor=mk.keeper, good=mk.soap, counted=91, idempotency_key="take-2")
    assert (exact.quantity, exact.reason) == (0, "盘点相符")


def test_adjustment_needs_a_reason_and_never_makes_stock_negative(world, mk):
    before = snapshot()
    with pytest.raises(InvalidInput):
        services.stock_adjust(actor=mk.keeper, good=mk.oil, quantity=-1, reason=" ", idempotency_key="a")
    with pytest.raises(Conflict) as exc:
        services.stock_adjust(actor=mk.keeper, good=mk.oil, quantity=-11, reason="破损", idempotency_key="a")
    assert exc.value.code == "insufficient_stock"
    assert snapshot() == before
    m = services.stock_adjust(actor=mk.keeper, good=mk.oil, quantity=-2, reason="破损", idempotency_key="a")
    assert m.level_after == 8
    with pytest.raises(IdempotencyMismatch):
        services.stock_adjust(actor=mk.keeper, good=mk.oil, quantity=-3, reason="破损", idempotency_key="a")


def test_services_and_vouchers_keep_no_stock(world, mk):
    with pytest.raises(InvalidInput) as exc:
        services.stock_take(actor=mk.keeper, good=mk.voucher, counted=3, idempotency_key="t")
    assert exc.value.code == "no_stock_kept"
    assert selectors.stock_level(good=mk.voucher) == 0


def test_only_staff_move_stock(world, mk):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.stock_adjust(actor=world.member, good=mk.oil, quantity=5, reason="自己加", idempotency_key="x")
    assert snapshot() == before


def test_stock_movements_are_append_only(world, mk):
    from django.db import DatabaseError, transaction

    m = StockMovement.objects.filter(good=mk.oil).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMovement.objects.filter(pk=m.pk).update(quantity=999)
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMovement.objects.filter(pk=m.pk).delete()
