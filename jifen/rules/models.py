from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit

SUBJECT_TYPES = ("person", "household", "party_member", "staff", "teacher", "unit")
SUBJECT_TYPE_NAMES = {
    "person": "个人",
    "household": "家庭户",
    "party_member": "党员",
    "staff": "员工",
    "teacher": "教师",
    "unit": "单位",
}


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
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="schemes")
    subject_types = models.JSONField(default=list)  # person, household, party_member, staff, teacher, unit
    # Null where the adopted text does not say (篇3, 篇5); the adopter chooses before use.
    period_policy = models.CharField(max_length=20, choices=PeriodPolicy.choices, null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai")
    # Null where the adopted text names no cadence / window; the adopter fills it before use.
    notice_cadence = models.CharField(max_length=16, choices=Cadence.choices, null=True, blank=True)
    review_cadence = models.CharField(max_length=16, choices=Cadence.choices, null=True, blank=True)
    objection_days = models.PositiveSmallIntegerField(null=True, blank=True)
    redemption_lowers_score = models.BooleanField(default=False)
    # Points are stored as integers in units of 10**-points_scale (0 = whole points).
    points_scale = models.PositiveSmallIntegerField(default=0)
    # Validated by jifen.rules.settings_schema; read it through scheme_settings(scheme).
    settings = models.JSONField(default=dict, blank=True)
    template = models.CharField(max_length=64, blank=True)
    template_source = models.CharField(max_length=16, blank=True)  # 篇7 …
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(points_scale__lte=4), name="scheme_points_scale_max_4"),
            models.CheckConstraint(condition=Q(objection_days__lte=365), name="scheme_objection_days_max_365"),
        ]

    def __str__(self) -> str:
        return self.name

    def to_units(self, points: int | Decimal) -> int:
        """Whole (or decimal) points as the integer units this scheme stores."""
        value = Decimal(points) * (10**self.points_scale)
        if value != value.to_integral_value():
            raise ValueError(f"{points} has more decimals than the scheme's points_scale {self.points_scale}")
        return int(value)

    def from_units(self, units: int) -> Decimal:
        return Decimal(units).scaleb(-self.points_scale)


class Category(models.Model):
    """A category (类别) of a scheme's catalog: 社会治安类, 家庭积分类, 洗涤组 …"""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="categories")
    code = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    subject_types = models.JSONField(default=list)
    group = models.CharField(max_length=64, blank=True)  # 篇6 team tables: 洗涤组 …

    class Meta:
        ordering = ["scheme", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="category_unique_code_in_scheme")]

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """A catalog line's stable identity; what it says and is worth lives in its versions."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="items")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="items")
    code = models.CharField(max_length=64)
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheme", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="item_unique_code_in_scheme")]

    def __str__(self) -> str:
        return self.code


class ItemVersionQuerySet(models.QuerySet["ItemVersion"]):
    def in_force(self, on: dt.date) -> ItemVersionQuerySet:
        return self.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on), effective_from__lte=on)

    def needing_input(self) -> ItemVersionQuerySet:
        """Versions that cannot be used to record anything until the adopter fills their points."""
        return self.filter(kind__in=ItemVersion.KINDS_WITH_OWN_POINTS, points__isnull=True).filter(
            Q(points_min__isnull=True) | Q(points_max__isnull=True)
        )

    def usable(self) -> ItemVersionQuerySet:
        return self.exclude(pk__in=self.needing_input().values("pk"))


class ItemVersion(models.Model):
    """What an item says and is worth from one date to another. Records keep the version they used."""

    class Direction(models.TextChoices):
        AWARD = "award", _("加分")
        DEDUCT = "deduct", _("扣分")

    class Frequency(models.TextChoices):
        PER_EVENT = "per_event", _("每次")
        PER_DAY = "per_day", _("每天")
        PER_MONTH = "per_month", _("每月")
        PER_QUARTER = "per_quarter", _("每季度")
        PER_YEAR = "per_year", _("每年")
        ONCE = "once", _("一次性")

    class Kind(models.TextChoices):
        NORMAL = "normal", _("普通")
        BASE = "base", _("基础分")
        FIXED_MONTHLY = "fixed_monthly", _("每月固定分")
        FRAUD = "fraud", _("弄虚作假")
        VETO = "veto", _("一票否决")

    class MinRole(models.TextChoices):
        MEMBER = "member", _("成员")
        RECORDER = "recorder", _("记录员")
        REVIEWER = "reviewer", _("审核人")
        ORG_ADMIN = "org_admin", _("组织管理员")

    # Fraud and veto lines take their effect from other items and the scheme's settings
    # (篇7: double the item's points; no redemption for a period), so they have no points.
    KINDS_WITH_OWN_POINTS = (Kind.NORMAL, Kind.BASE, Kind.FIXED_MONTHLY)

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)  # last day in force (inclusive); null = open
    name = models.CharField(max_length=300)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    # In the scheme's points_scale units; null where the adopter must fill a number.
    points = models.PositiveIntegerField(null=True, blank=True)
    points_min = models.PositiveIntegerField(null=True, blank=True)
    points_max = models.PositiveIntegerField(null=True, blank=True)
    frequency = models.CharField(max_length=16, choices=Frequency.choices, default=Frequency.PER_EVENT)
    cap_per_day = models.PositiveIntegerField(null=True, blank=True)
    cap_per_month = models.PositiveIntegerField(null=True, blank=True)
    cap_per_year = models.PositiveIntegerField(null=True, blank=True)
    evidence_required = models.BooleanField(default=False)
    min_role = models.CharField(max_length=16, choices=MinRole.choices, default=MinRole.RECORDER)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.NORMAL)
    leader_matching = models.BooleanField(null=True, blank=True)  # null = the scheme's setting
    source_text = models.TextField(blank=True)
    note = models.TextField(blank=True)  # the transcriber's or adopter's remark (a kept typo …)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ItemVersionQuerySet.as_manager()

    class Meta:
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="itemversion_unique_number"),
            models.UniqueConstraint(fields=["item", "effective_from"], name="itemversion_unique_start"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(effective_to__isnull=True), name="itemversion_one_open"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="itemversion_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | (Q(points_min__isnull=True) & Q(points_max__isnull=True)),
                name="itemversion_fixed_or_range",
            ),
            models.CheckConstraint(
                condition=Q(points_min__isnull=True) | Q(points_max__isnull=True) | Q(points_min__lte=F("points_max")),
                name="itemversion_min_le_max",
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gt=0), name="itemversion_points_positive"
            ),
            models.CheckConstraint(
                condition=Q(points_max__isnull=True) | Q(points_max__gt=0), name="itemversion_max_positive"
            ),
            models.CheckConstraint(
                condition=(Q(cap_per_day__isnull=True) | Q(cap_per_day__gt=0))
                & (Q(cap_per_month__isnull=True) | Q(cap_per_month__gt=0))
                & (Q(cap_per_year__isnull=True) | Q(cap_per_year__gt=0)),
                name="itemversion_caps_positive",
            ),
            models.CheckConstraint(condition=Q(direction__in=["award", "deduct"]), name="itemversion_direction_valid"),
            models.CheckConstraint(
                condition=Q(kind__in=["normal", "base", "fixed_monthly", "fraud", "veto"]), name="itemversion_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["per_event", "per_day", "per_month", "per_quarter", "per_year", "once"]),
                name="itemversion_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_role__in=["member", "recorder", "reviewer", "org_admin"]),
                name="itemversion_min_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["item", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.number} {self.name}"

    @property
    def is_range(self) -> bool:
        return self.points is None and (self.points_min is not None or self.points_max is not None)

    @property
    def needs_input(self) -> bool:
        """True while the adopter still has to fill a number the seed did not give."""
        if self.kind not in self.KINDS_WITH_OWN_POINTS:
            return False
        return self.points is None and (self.points_min is None or self.points_max is None)

    @property
    def sign(self) -> int:
        return 1 if self.direction == self.Direction.AWARD else -1

    def in_force_on(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)
