"""Monthly reports upward (篇5 每月上报1次信息动态) and the targets dashboards measure against (篇1, 篇2).

A village's monthly figures are computed from data (`jifen.reports.selectors`); what the village
submits is a frozen snapshot of them, one append-only row per submission.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit

# 篇2: 党员、村(社区)干部参与率达到100%，试点村户参与率不低于常住户70%，其他村不低于50%;
# 篇1: 村民积分兑换人数占本村总人数比例原则应达到30%以上.
DEFAULT_TARGETS = {
    "party_and_cadres": Decimal("1.00"),
    "pilot_households": Decimal("0.70"),
    "other_households": Decimal("0.50"),
    "redemption": Decimal("0.30"),
}


def _share_field(verbose: str, default: Decimal) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=3, decimal_places=2, default=default)


class ReportTargets(models.Model):
    """Targets set by a county or township for the villages below it; the nearest one above a village wins."""

    org = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="report_targets")
    party_and_cadres = _share_field(_("党员、干部参与率目标"), DEFAULT_TARGETS["party_and_cadres"])
    pilot_households = _share_field(_("试点村户参与率目标"), DEFAULT_TARGETS["pilot_households"])
    other_households = _share_field(_("其他村户参与率目标"), DEFAULT_TARGETS["other_households"])
    redemption = _share_field(_("兑换率目标"), DEFAULT_TARGETS["redemption"])
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(party_and_cadres__gte=0, party_and_cadres__lte=1)
                & Q(pilot_households__gte=0, pilot_households__lte=1)
                & Q(other_households__gte=0, other_households__lte=1)
                & Q(redemption__gte=0, redemption__lte=1),
                name="reports_targets_are_shares",
            )
        ]

    def __str__(self) -> str:
        return f"targets @ {self.org_id}"


class PilotVillage(models.Model):
    """A village designated a pilot (试点村): its households' participation target is higher (篇2)."""

    org = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="pilot_designation")
    designated_at = models.DateTimeField()
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"pilot {self.org_id}"


class MonthlyReportSubmission(models.Model):
    """One submission of a village's monthly report to the township: the figures as reviewed. Append-only."""

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="monthly_report_submissions")
    month = models.DateField()  # first day of the month reported on
    revision = models.PositiveIntegerField()  # 1 for the first submission, +1 for each correction
    figures = models.JSONField()
    figures_hash = models.CharField(max_length=64)
    note = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=100)  # idempotency key of the submitting request
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_by_name = models.CharField(max_length=150)
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["org", "month", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["org", "month", "revision"], name="reports_submission_revision_unique"),
            models.UniqueConstraint(fields=["org", "key"], name="reports_submission_key_unique"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="reports_submission_revision_positive"),
        ]
        indexes = [models.Index(fields=["month", "org"], name="reports_submission_month")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.month:%Y-%m} r{self.revision}"
