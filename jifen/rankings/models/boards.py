"""Leaderboard snapshots: every subject of a scheme ranked for one period, read by index probes.

A Board is one (scheme, period) leaderboard; each rebuild writes a BoardBuild with all its
entries and then points the board at it, so readers always see one complete ranking. An entry
stores the competition rank, so a subject's own rank is a probe on (build, subject) and a page
is a range on (build, position): both O(log n) however many subjects the scheme has.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from jifen.rules.models import Scheme

__all__ = ["Board", "BoardBuild", "BoardEntry"]


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


class BoardEntry(models.Model):
    """A subject's place on one build: position is 1…n (ties broken by subject id), rank is the
    competition rank (1, 2, 2, 4) and tied says another subject shares it."""

    pk = models.CompositePrimaryKey("build", "position")
    # No database foreign keys: a million-row build would pay a check per row; the rows are
    # derived data, rebuilt from the ledger at will.
    build = models.ForeignKey(BoardBuild, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    position = models.PositiveIntegerField()
    subject = models.ForeignKey(
        "orgs.Subject", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    score = models.BigIntegerField()
    rank = models.PositiveIntegerField()
    tied = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["build", "subject"], name="rankings_boardentry_one_per_subject"),
            models.CheckConstraint(condition=Q(rank__lte=models.F("position")), name="rankings_boardentry_rank_le_position"),
        ]

    def __str__(self) -> str:
        return f"{self.build_id}#{self.position}: {self.subject_id} {self.score} (rank {self.rank})"
