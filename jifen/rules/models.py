from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit


class Scheme(models.Model):
    """A points scheme (积分方案) adopted by an org unit; it applies to the unit's subtree."""

    class PeriodPolicy(models.TextChoices):
        YEAR_END_CLEAR = "year_end_clear", _("年底清零")
        LIFETIME = "lifetime", _("终身有效")

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", _("每周")
        MONTHLY = "monthly", _("每月")
        QUARTERLY = "quarterly", _("每季度")
        YEARLY = "yearly", _("每年")

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="schemes")
    subject_types = models.JSONField(default=list)  # person, household, party_member, staff, teacher, unit
    period_policy = models.CharField(max_length=20, choices=PeriodPolicy.choices, default=PeriodPolicy.LIFETIME)
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    notice_cadence = models.CharField(max_length=16, choices=Cadence.choices, default=Cadence.QUARTERLY)
    objection_days = models.PositiveSmallIntegerField(default=7)
    redemption_lowers_score = models.BooleanField(default=False)
    # Points are stored as integers in units of 10**-points_scale (0 = whole points).
    points_scale = models.PositiveSmallIntegerField(default=0)
    settings = models.JSONField(default=dict, blank=True)
    template = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
