"""The one lock the reward services take: a per-scheme, per-job advisory lock.

Taken first in the transaction, before anything the ledger locks, so two ticks running the
same month's fixed points (or two clerks evaluating the same list) queue instead of both
posting. On SQLite every write transaction is BEGIN IMMEDIATE (jifen.conf): writers are
serialised already and this is a no-op.
"""

from __future__ import annotations

import zlib

from django.db import connection

# First half of PostgreSQL's two-int advisory lock key: "JF" + "R" = rankings reward jobs.
_REWARDS_LOCK_CLASS = 0x4A4652


def job_lock(*, scheme_id: int, job: str) -> None:
    """Hold until the end of the transaction; `job` names what is being done ("fixed:2026-10" …)."""
    if connection.vendor != "postgresql":
        return
    key = (int(scheme_id) * 1_000_003 + zlib.crc32(job.encode())) % 2**31
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_REWARDS_LOCK_CLASS, key])
