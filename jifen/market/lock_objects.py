"""Every lock the market takes, in one place, so the order is visible and deadlock-free.

Order within a database transaction:
1. a redemption row (cancellation) or a shop row (a new redemption takes its receipt number);
2. good rows, in id order (every stock movement and every redemption of a good);
3. fund rows, in id order (every fund movement);
4. the ledger's locks (jifen.ledger.lock_objects: scheme posting lock, then account rows).

Stock levels and fund balances are read after the row lock is held, so on PostgreSQL (read
committed) the read sees every movement committed before us. On SQLite every write
transaction starts with BEGIN IMMEDIATE, so writers are serialised and these are no-ops.
"""

from __future__ import annotations

from collections.abc import Iterable

from jifen.market.models import Fund, Good, Redemption, Shop


def shop_lock(shop_id: int) -> Shop:
    return Shop.objects.select_for_update().get(pk=shop_id)


def goods_lock(good_ids: Iterable[int]) -> dict[int, Good]:
    ids = sorted(set(good_ids))
    return {g.pk: g for g in Good.objects.select_for_update().filter(pk__in=ids).order_by("id")}


def funds_lock(fund_ids: Iterable[int]) -> dict[int, Fund]:
    ids = sorted(set(fund_ids))
    return {f.pk: f for f in Fund.objects.select_for_update().filter(pk__in=ids).order_by("id")}


def redemption_lock(redemption_id: int) -> Redemption:
    return Redemption.objects.select_for_update().get(pk=redemption_id)
