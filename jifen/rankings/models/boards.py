"""Leaderboard snapshots: every subject of a scheme ranked for one period, read by index probes.

A Board is one (scheme, period) leaderboard; each rebuild writes a BoardBuild and its entries,
then points the board at it, so readers always see one complete ranking.

The entries of a build live in their own table, `rankings_boardentry_<build id>` (see
`entries_table`), created by CREATE TABLE … AS SELECT with its two indexes built afterwards:
for a million subjects that is several times cheaper than inserting into one shared indexed
table, and dropping an old build is a DROP TABLE instead of deleting a million rows.
Columns: position (1…n, ties ordered by subject id), subject_id, score (scheme units),
rank (competition rank 1, 2, 2, 4), tied (another subject has the same score). Unique indexes
on position and on subject_id: own rank is one probe, a page one range scan.
"""

from __future__ import annotations

from django.db import models

from jifen.rules.models import Scheme

__all__ = ["Board", "BoardBuild", "entries_table"]


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
    """One complete ranking of a board, as of a ledger watermark."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="builds")
    # Highest ledger transaction id included; every transaction of the scheme with a lower id
    # was committed and counted (see jifen.rankings.boards.board_rebuild).
    watermark = models.BigIntegerField()
    entries = models.PositiveIntegerField()
    total = models.BigIntegerField()  # sum of the scores, scheme units
    built_at = models.DateTimeField()
    build_ms = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.board_id} build {self.pk} @ tx {self.watermark}"


def entries_table(build_id: int) -> str:
    """The table holding a build's entries (the id is an integer, so the name is safe to inline)."""
    return f"rankings_boardentry_{int(build_id)}"
