import datetime as dt

import pytest

from jifen.core import clock
from jifen.core.errors import IdempotencyMismatch, IllegalTransition, PermissionDenied
from jifen.ledger import selectors as ledger_selectors
from jifen.ledger.models import Transaction
from jifen.ledger.verify import ledger_verify
from jifen.market import selectors, services
from jifen.market.models import StockMovement
from jifen.market.tests.conftest import NOW
from jifen.market.tests.helpers import snapshot


@pytest.fixture
def redeemed(mk):
    return services.redemption_create(
        actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.voucher, 1)], idempotency_key="r1"
    )


def test_cancel_reverses_the_points_and_returns_the_stock(world, mk, redeemed):
    assert ledger_selectors.balance_of(account=mk.account) == 120
    with clock.frozen(NOW + dt.timedelta(hours=2)):
        r = services.redemption_cancel(actor=mk.keeper, redemption=redeemed, reason="顾客退货", idempotency_key="c1")
    assert r.status == "cancelled"
    assert r.cancel_reason == "顾客退货"
    assert r.cancel_transaction.reverses_id == redeemed.transaction_id
    assert ledger_selectors.balance_of(account=mk.account) == 200
    assert ledger_selectors.score_of(account=mk.account) == 200
    assert selectors.stock_level(good=mk.oil) == 10
    back = StockMovement.objects.get(redemption=r, kind="cancellation")
    assert (back.good_id, back.quantity, back.level_after) == (mk.oil.pk, 1, 10)
    receipt = selectors.redemption_receipt(redemption=r)
    assert receipt.status == "cancelled" and receipt.balance_now == 200
    assert ledger_verify().ok


def test_cancel_is_idempotent(world, mk, redeemed):
    first = services.redemption_cancel(actor=mk.keeper, redemption=redeemed, reason="顾客退货", idempotency_key="c1")
    before = snapshot()
    again = services.redemption_cancel(actor=mk.keeper, redemption=redeemed, reason="顾客退货", idempotency_key="c1")
    assert again.pk == first.pk and again.cancel_transaction_id == first.cancel_transaction_id
    assert snapshot() == before
    with pytest.raises(IdempotencyMismatch):
        services.redemption_cancel(actor=mk.keeper, redemption=redeemed, reason="别的原因", idempotency_key="c1")
    with pytest.raises(IllegalTransition) as exc:
        services.redemption_cancel(actor=mk.keeper, redemption=redeemed, reason="顾客退货", idempotency_key="c2")
    assert exc.value.code == "already_cancelled"
    assert snapshot() == before
    assert Transaction.objects.filter(reverses=redeemed.transaction).count() == 1


def test_cancel_past_the_window_is_refused(world, mk, redeemed):
    before = snapshot()
    with clock.frozen(NOW + dt.timedelta(hours=24, minutes=1)), pytest.raises(IllegalTransition) as exc:
        services.redemption_cancel(actor=mk.keeper, redemption=redeemed, reason="太晚了", idempotency_key="c1")
    assert exc.value.code == "cancel_window_passed"
    assert "已超过撤销时限（兑换后 1440 分钟内）" in exc.value.zh
    assert snapshot() == before


def test_a_member_cannot_cancel(world, mk, redeemed):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.redemption_cancel(actor=world.member, redemption=redeemed, reason="不要了", idempotency_key="c1")
    assert snapshot() == before
