"""Triggers keeping an item's versions from overlapping in time, on SQLite and PostgreSQL.

A CHECK constraint cannot look at other rows, and PostgreSQL's exclusion constraints need the
btree_gist extension (superuser to install) and have no SQLite twin, so both databases get a
trigger that refuses an INSERT or UPDATE whose [effective_from, effective_to] meets another
version of the same item. Services also lock the item row before versioning it.
"""

from __future__ import annotations

from django.db.migrations.operations.special import RunPython

TABLE = "rules_itemversion"
OPEN_END = "9999-12-31"


def _sqlite(op: str) -> str:
    other = "AND v.id <> NEW.id" if op == "UPDATE" else ""
    return f"""CREATE TRIGGER {TABLE}_no_overlap_{op.lower()} BEFORE {op} ON {TABLE}
        WHEN EXISTS (
            SELECT 1 FROM {TABLE} v
            WHERE v.item_id = NEW.item_id {other}
              AND v.effective_from <= COALESCE(NEW.effective_to, '{OPEN_END}')
              AND COALESCE(v.effective_to, '{OPEN_END}') >= NEW.effective_from
        )
        BEGIN SELECT RAISE(ABORT, 'jifen: item versions may not overlap in time'); END;"""


PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION jifen_itemversion_no_overlap() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM {TABLE} v
        WHERE v.item_id = NEW.item_id AND v.id <> NEW.id
          AND v.effective_from <= COALESCE(NEW.effective_to, DATE '{OPEN_END}')
          AND COALESCE(v.effective_to, DATE '{OPEN_END}') >= NEW.effective_from
    ) THEN
        RAISE EXCEPTION 'jifen: item versions may not overlap in time'
            USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""


def no_overlap_sql(vendor: str) -> tuple[list[str], list[str]]:
    if vendor == "sqlite":
        forward = [_sqlite("INSERT"), _sqlite("UPDATE")]
        backward = [f"DROP TRIGGER IF EXISTS {TABLE}_no_overlap_insert;", f"DROP TRIGGER IF EXISTS {TABLE}_no_overlap_update;"]
        return forward, backward
    if vendor == "postgresql":
        forward = [
            PG_FUNCTION,
            f"""CREATE TRIGGER {TABLE}_no_overlap BEFORE INSERT OR UPDATE ON {TABLE}
                FOR EACH ROW EXECUTE FUNCTION jifen_itemversion_no_overlap();""",
        ]
        backward = [f"DROP TRIGGER IF EXISTS {TABLE}_no_overlap ON {TABLE};"]
        return forward, backward
    raise NotImplementedError(f"item version overlap triggers for {vendor}")


def item_versions_no_overlap() -> RunPython:
    """A migration operation installing the overlap triggers."""

    def forward(apps: object, schema_editor: object) -> None:
        for sql in no_overlap_sql(schema_editor.connection.vendor)[0]:  # type: ignore[attr-defined]
            schema_editor.execute(sql, None)  # type: ignore[attr-defined]

    def backward(apps: object, schema_editor: object) -> None:
        for sql in no_overlap_sql(schema_editor.connection.vendor)[1]:  # type: ignore[attr-defined]
            schema_editor.execute(sql, None)  # type: ignore[attr-defined]

    return RunPython(forward, backward, elidable=False)
