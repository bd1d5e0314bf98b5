"""Leaderboard snapshots: every subject of a scheme ranked for one period, read by index probes.

A Board is one (scheme, period) leaderboard; each rebuild writes a BoardBuild and its entries,
then points the board at it, so readers always see one complete ranking.

The entries of a board's current build live in their own table, `rankings_boardentry_<board
id>` (see `entries_table`). A rebuild creates the next one by CREATE TABLE … AS SELECT with
its two indexes built afterwards, then drops the old table and renames the new one, in the
transaction that switches `Board.current`: for a million subjects that is several times
cheaper than inserting into one shared indexed table, and retiring the old ranking is a DROP
TABLE instead of deleting a million rows. BoardBuild rows stay as the history of builds.
Columns: position (1…n, ties ordered by subject id), subject_id, score (scheme units),
rank (competition rank 1, 2, 2, 4), tied (another subject has the same score). Unique indexes
on position and on subject_id: own rank is one probe, a page one range scan.
"""

from __future__ import annotations

from django.db import models

from jifen.rules.models import Scheme

__all__ = ["Board", "BoardBuild", "SubjectChange", "entries_table"]


class Board(models.Model):
    """A leaderboard of a scheme for one period ("2026", "2026-01", "2026-Q1", "2026-W05", "all")."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="boards")
    period = models.CharField(max_length=16)
    grain = models.CharField(max_length=16)  # week, month, quarter, year, term, school_year, all
    start = models.DateField(null=True, blank=True)  # null for all time
    end = models.DateField(null=True, blank=True)  # exclusive
    current = models.OneToOneField(
        "BoardBuild", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "period"], name="rankings_board_one_per_period")]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.period}"


class BoardBuild(models.Model):
    """One ranking of a board, as of a ledger watermark (the current one has its entries table)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="builds")
    # Highest ledger transaction id included; every transaction of the scheme with a lower id
    # was committed and counted (see jifen.rankings.boards.board_rebuild).
    watermark = models.BigIntegerField()
    entries = models.PositiveIntegerField()
    total = models.BigIntegerField()  # sum of the scores, scheme units
    built_at = models.DateTimeField()
    build_ms = models.PositiveIntegerField()
    # Where this build stood in the SubjectChange log: on PostgreSQL the build's snapshot
    # (pg_snapshot text), on SQLite the highest log id it saw. "" means the next build of the
    # board must be a full one (builds from before the log, or the log was pruned past it).
    mark = models.TextField(default="", blank=True)
    # "full": summed from the ledger's balance rows; "delta": the previous build's entries plus
    # the postings of the transactions after its watermark (see jifen.rankings.boards).
    method = models.CharField(max_length=8, default="full")

    def __str__(self) -> str:
        return f"{self.board_id} build {self.pk} @ tx {self.watermark}"


def entries_table(board_id: int) -> str:
    """The table holding a board's current entries (an integer id, so the name is safe to inline)."""
    return f"rankings_boardentry_{int(board_id)}"


class SubjectChange(models.Model):
    """A subject whose place on a board may have changed without a posting: it was activated or
    deactivated, or it got an account. Written only by database triggers (on orgs_subject and
    ledger_account, migration 0004), so no code path can forget it; an incremental board build
    re-checks these subjects from scratch. A derived log: pruned by the boards tick task.
    """

    subject_id = models.BigIntegerField()
    # PostgreSQL: the writing transaction's id (pg_current_xact_id), so a build can tell which
    # rows its predecessor's snapshot could not see, committed or not. Null on SQLite.
    xid = models.BigIntegerField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"subject {self.subject_id} changed (log {self.pk})"
