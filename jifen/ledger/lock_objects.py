"""Every lock the ledger takes, in one place, so the order is visible and deadlock-free.

Order within a database transaction:
1. the scheme posting lock (shared for ordinary posts, exclusive for batches and scoped posts);
2. account rows with a non-negative rule, in id order;
3. balance rows, taken implicitly by the upsert, in (bucket, account_id) order.

On SQLite every write transaction starts with BEGIN IMMEDIATE (see jifen.conf), so writers
are already serialised and the advisory locks below are no-ops.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet

from jifen.ledger.models import Account

# First half of PostgreSQL's two-int advisory lock key: "JF" + 1 = ledger scheme locks.
_LEDGER_LOCK_CLASS = 0x4A4601


def scheme_posting_lock(*, scheme_id: int, exclusive: bool) -> None:
    """Shared: ordinary posts run side by side. Exclusive: a batch has the scheme to itself.

    A batch writes balance rows with plain INSERT (no per-row conflict check), which is only
    safe while no ordinary post of the same scheme can insert the same row.
    """
    if connection.vendor != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_LEDGER_LOCK_CLASS, int(scheme_id) % 2**31])


def accounts_lock(account_ids: Iterable[int]) -> QuerySet[Account]:
    """Lock account rows (in id order) before reading a balance you are about to lower."""
    ids = sorted(set(account_ids))
    return Account.objects.select_for_update().filter(id__in=ids).order_by("id")
