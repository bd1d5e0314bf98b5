"""Twelve threads spending one fund at once: it never goes negative, and every spend is there once."""

import threading

import pytest
from django.db import connection

from jifen.core import clock
from jifen.core.errors import Conflict
from jifen.market import selectors, services
from jifen.market.models import FundMovement, StockMovement
from jifen.market.tests.conftest import NOW, build_market

THREADS = 12
ROUNDS = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_purchases_never_overdraw_a_fund(world):
    with clock.frozen(NOW):
        mk = build_market(world)
        village = services.fund_allocate(
            actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=100_000, reason="拨付", idempotency_key="alloc"
        )
    barrier = threading.Barrier(THREADS)
    done, refused, errors = [], [], []

    def worker(n: int) -> None:
        try:
            with clock.frozen(NOW):
                barrier.wait()
                for r in range(ROUNDS):
                    try:
                        services.stock_purchase(
                            actor=mk.keeper, good=mk.soap, quantity=3, unit_cost_fen=1000, fund=village, reason="补货",
                            idempotency_key=f"p{n}-{r}",
                        )
                        done.append(1)
                    except Conflict as exc:
                        refused.append(exc.code)
        except Exception as exc:  # pragma: no cover
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # 100 000 fen buys 33 purchases of 3 000 fen; 27 of the 60 are refused
    assert len(done) == 33 and refused == ["fund_insufficient"] * 27
    assert selectors.fund_balance(fund=village) == 1_000
    assert not FundMovement.objects.filter(balance_after_fen__lt=0).exists()
    balances = list(FundMovement.objects.filter(fund=village).order_by("id").values_list("amount_fen", "balance_after_fen"))
    running = 0
    for amount, after in balances:
        running += amount
        assert after == running
    assert StockMovement.objects.filter(good=mk.soap, kind="purchase").count() == 1 + 33
    assert selectors.stock_level(good=mk.soap) == 100 + 99
