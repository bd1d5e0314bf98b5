"""Database helpers shared by the domain apps: append-only triggers and locking idioms.

Append-only tables (ledger postings, audit events …) get triggers that reject UPDATE and
DELETE on both SQLite and PostgreSQL. The only way round them is `maintenance()`, used by
the test harness to empty tables between tests and by the audit pruning command.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created
from django.db.migrations.operations.special import RunPython
from django.dispatch import receiver

_sqlite_maintenance = threading.local()


def _sqlite_maintenance_flag() -> int:
    return 1 if getattr(_sqlite_maintenance, "on", False) else 0


@receiver(connection_created)
def _register_sqlite_functions(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "jifen_maintenance", 0, _sqlite_maintenance_flag, deterministic=False
        )


PG_FUNCTION = """
CREATE OR REPLACE FUNCTION jifen_reject_change() RETURNS trigger AS $$
BEGIN
    IF current_setting('jifen.maintenance', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'jifen: % is append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql;
"""


def append_only_sql(vendor: str, table: str) -> tuple[list[str], list[str]]:
    """Statements that make `table` reject UPDATE and DELETE, and statements that undo that."""
    if vendor == "sqlite":
        forward = [
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                WHEN jifen_maintenance() = 0
                BEGIN SELECT RAISE(ABORT, 'jifen: {table} is append-only (UPDATE refused)'); END;""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                WHEN jifen_maintenance() = 0
                BEGIN SELECT RAISE(ABORT, 'jifen: {table} is append-only (DELETE refused)'); END;""",
        ]
        backward = [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"]
        return forward, backward
    if vendor == "postgresql":
        forward = [
            PG_FUNCTION,
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION jifen_reject_change();""",
        ]
        backward = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"]
        return forward, backward
    raise NotImplementedError(f"append-only triggers for {vendor}")


def append_only(table: str) -> RunPython:
    """A migration operation installing the append-only triggers on `table`."""

    def forward(apps: object, schema_editor: object) -> None:
        conn = schema_editor.connection  # type: ignore[attr-defined]
        for sql in append_only_sql(conn.vendor, table)[0]:
            schema_editor.execute(sql, None)  # type: ignore[attr-defined]

    def backward(apps: object, schema_editor: object) -> None:
        conn = schema_editor.connection  # type: ignore[attr-defined]
        for sql in append_only_sql(conn.vendor, table)[1]:
            schema_editor.execute(sql, None)  # type: ignore[attr-defined]

    return RunPython(forward, backward, elidable=False)


@contextlib.contextmanager
def maintenance(using: str = "default") -> Iterator[None]:
    """Let this connection change append-only tables. Only for test teardown and pruning."""
    conn = connections[using]
    if conn.vendor == "sqlite":
        previous = getattr(_sqlite_maintenance, "on", False)
        _sqlite_maintenance.on = True
        try:
            yield
        finally:
            _sqlite_maintenance.on = previous
    else:
        conn.ensure_connection()
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('jifen.maintenance', 'on', false)")
        try:
            yield
        finally:
            with conn.cursor() as cursor:
                cursor.execute("SELECT set_config('jifen.maintenance', 'off', false)")


def bytewise_collation(table: str, column: str, length: int) -> RunPython:
    """On PostgreSQL, give a path column COLLATE "C" so range scans compare bytes, as SQLite does."""

    def forward(apps: object, schema_editor: object) -> None:
        if schema_editor.connection.vendor == "postgresql":  # type: ignore[attr-defined]
            schema_editor.execute(  # type: ignore[attr-defined]
                f'ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE "C"'
            )

    return RunPython(forward, RunPython.noop, elidable=False)
