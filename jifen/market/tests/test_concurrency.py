"""200 redemptions at once against one household's balance and one good's stock (real threads,
each with its own database connection). On PostgreSQL they really run side by side; on SQLite
writers queue (BEGIN IMMEDIATE) and the same test checks the same outcome."""

import threading
from collections import Counter

import pytest
from django.db import OperationalError, connection

from jifen.core import clock
from jifen.core.errors import Conflict
from jifen.ledger import selectors as ledger_selectors
from jifen.ledger.models import Transaction
from jifen.ledger.testing import award, local
from jifen.ledger.verify import ledger_verify
from jifen.market import selectors, services
from jifen.market.models import Redemption, StockMovement
from jifen.market.tests.conftest import NOW, build_market

THREADS = 20
ROUNDS = 10  # 200 redemptions in all


def redeem_with_retries(**kwargs):
    """What a till does when SQLite's writer queue outlasts the busy timeout (a loaded machine):
    send the same request again with the same idempotency key, which can never post twice."""
    for attempt in range(5):
        try:
            return services.redemption_create(**kwargs)
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == 4:
                raise


@pytest.mark.django_db(transaction=True)
def test_200_concurrent_redemptions_never_overspend_or_oversell(world):
    with clock.frozen(NOW):
        mk = build_market(world)
        rice = services.good_create(actor=mk.keeper, shop=mk.shop, code="rice", name="大米", unit="袋", price_points=10)
        services.stock_purchase(actor=None, good=rice, quantity=40, unit_cost_fen=3000, fund=mk.fund, reason="进货", idempotency_key="rice")
        haircut = services.good_create(actor=mk.keeper, shop=mk.shop, code="haircut", name="理发", unit="次", price_points=10, kind="service")
        award(scheme=mk.scheme, account=mk.account, points=800, key="more", at=local(2026, 3, 2, 9))  # 1000 in all
    barrier = threading.Barrier(THREADS)
    accepted: list[tuple[str, int]] = []
    refused: Counter[str] = Counter()
    errors: list[str] = []

    def worker(n: int) -> None:
        try:
            with clock.frozen(NOW):
                barrier.wait()
                mine = []
                for r in range(ROUNDS):
                    good = rice if (n + r) % 2 == 0 else haircut
                    key = f"t{n}-{r}"
                    try:
                        red = redeem_with_retries(
                            actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(good, 1)], idempotency_key=key
                        )
                        accepted.append((red.receipt_no, good.pk))
                        mine.append((key, good, red.pk))
                    except Conflict as exc:
                        refused[exc.code] += 1
                # A client retrying after a timeout gets the same redemption back, never a second one.
                for key, good, pk in mine:
                    again = redeem_with_retries(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(good, 1)], idempotency_key=key)
                    assert again.pk == pk
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(accepted) + sum(refused.values()) == THREADS * ROUNDS
    assert set(refused) <= {"insufficient_balance", "insufficient_stock"}
    rice_sold = sum(1 for _, good_id in accepted if good_id == rice.pk)
    balance = ledger_selectors.balance_of(account=mk.account)
    level = selectors.stock_level(good=rice)
    # never overspent, never oversold, and the books agree with what was accepted
    assert balance == 1000 - 10 * len(accepted) and balance >= 0
    assert level == 40 - rice_sold and level >= 0
    # every refusal was right when it was made: the balance and the stock only ever go down
    if refused["insufficient_balance"]:
        assert balance < 10
    if refused["insufficient_stock"]:
        assert level == 0
    # at least one of the two limits was reached (400 attempts' worth of demand, 1000 points)
    assert balance < 10 or level == 0
    # every accepted redemption posted exactly once, with unique receipt numbers
    assert len({receipt for receipt, _ in accepted}) == len(accepted)
    assert Redemption.objects.count() == len(accepted)
    assert Transaction.objects.filter(source_type="redemption").count() == len(accepted)
    assert sorted(Transaction.objects.filter(source_type="redemption").values_list("source_id", flat=True)) == sorted(
        receipt for receipt, _ in accepted
    )
    assert StockMovement.objects.filter(good=rice, kind="redemption").count() == rice_sold
    assert not StockMovement.objects.filter(level_after__lt=0).exists()
    report = ledger_verify()
    assert report.ok, [m.line() for m in report.mismatches]
    assert selectors.market_verify() == []
