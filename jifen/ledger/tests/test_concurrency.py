"""Twenty threads, each with its own database connection, posting to the same accounts at once."""

import threading

import pytest
from django.db import connection

from jifen.core.errors import Conflict
from jifen.ledger import selectors, services
from jifen.ledger.models import Transaction
from jifen.ledger.services import Leg
from jifen.ledger.testing import award, local
from jifen.ledger.verify import ledger_verify

THREADS = 20
ROUNDS = 8


@pytest.mark.django_db(transaction=True)
def test_concurrent_posters_lose_no_update_and_never_overdraw(world, scheme, acc):
    services.account_set_non_negative(account=acc.limei, non_negative=True, actor=None)
    award(scheme=scheme, account=acc.limei, points=100, key="start", at=local(2026, 3, 2, 9))
    at = local(2026, 3, 3, 9)  # every post hits the same balance rows
    barrier = threading.Barrier(THREADS)
    spent, refused, errors = [], [], []

    def worker(n):
        try:
            barrier.wait()
            for r in range(ROUNDS):
                services.transaction_post(
                    scheme=scheme, key=f"t{n}-{r}", source_type="manual", source_id="", actor=None, occurred_at=at,
                    reason="并发奖分", legs=[Leg(acc.zhangsan, 1, "award"), Leg(acc.wangwu, 2, "award"), Leg(acc.issuance, -3, "award")],
                )
                # Every thread replays the same key: exactly one transaction per r.
                services.transaction_post(
                    scheme=scheme, key=f"shared-{r}", source_type="manual", source_id="", actor=None, occurred_at=at,
                    reason="同一笔", legs=[Leg(acc.wangwu, 5, "award"), Leg(acc.issuance, -5, "award")],
                )
                for _ in range(2):
                    try:
                        services.transaction_post(
                            scheme=scheme, key=f"redeem-{n}-{r}-{_}", source_type="redemption", source_id="", actor=None,
                            occurred_at=at, reason="兑换", legs=[Leg(acc.limei, -1, "redeem"), Leg(acc.shop, 1, "redeem")],
                        )
                        spent.append(1)
                    except Conflict:
                        refused.append(1)
                if n == 0 and r == ROUNDS // 2:
                    services.postings_bulk(
                        scheme=scheme, key="fixed:concurrent", kind="fixed", occurred_at=at, reason="固定分", actor=None,
                        source_type="fixed", lines=[(s.pk, 10) for s in (world.zhangsan.subject, world.wangwu.subject, world.limei.subject)],
                    )
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
    assert len(spent) == 100 + 10 and len(refused) == THREADS * ROUNDS * 2 - 110
    assert selectors.balance_of(account=acc.limei) == 0
    assert selectors.balance_of(account=acc.zhangsan) == THREADS * ROUNDS + 10
    assert selectors.balance_of(account=acc.wangwu) == THREADS * ROUNDS * 2 + ROUNDS * 5 + 10
    assert selectors.balance_of(account=acc.issuance) == -(THREADS * ROUNDS * 3 + ROUNDS * 5 + 100 + 30)
    assert selectors.balance_of(account=acc.shop) == 110
    assert Transaction.objects.filter(key__startswith="shared-").count() == ROUNDS
    report = ledger_verify()
    assert report.ok, [m.line() for m in report.mismatches]
