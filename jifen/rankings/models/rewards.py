"""Fixed and base points runs, period closes, reward rules and lists, party evaluation, dividends.

Points are integers in the scheme's units (see Scheme.points_scale), money is integer fen.
Lines of a frozen list (reward lines, dividend lines, run lines) are append-only: a list once
evaluated is what was published, and the services never change it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit, PartyMembership, Subject
from jifen.rules.models import Scheme

__all__ = [
    "Attendance",
    "DividendDistribution",
    "DividendLine",
    "Honour",
    "PartyAreaScore",
    "PartyEvaluation",
    "PartyEvaluationMember",
    "PartyMassScore",
    "PeriodClose",
    "PointsRun",
    "PointsRunLine",
    "RewardLine",
    "RewardList",
    "RewardPayment",
]


class Attendance(models.Model):
    """Days a subject worked in a month (篇8: fixed points are credited by monthly attendance)."""

    class Source(models.TextChoices):
        IMPORT = "import", _("导入")
        MANUAL = "manual", _("录入")

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="attendance")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="attendance")
    month = models.DateField()  # first day of the month
    days_worked = models.DecimalField(max_digits=4, decimal_places=1)
    days_due = models.DecimalField(max_digits=4, decimal_places=1)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.MANUAL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "subject", "month"], name="rankings_attendance_one_per_month"),
            models.CheckConstraint(condition=Q(days_due__gt=0), name="rankings_attendance_due_positive"),
            models.CheckConstraint(
                condition=Q(days_worked__gte=0) & Q(days_worked__lte=F("days_due")),
                name="rankings_attendance_worked_within_due",
            ),
        ]
        indexes = [models.Index(fields=["scheme", "month"], name="rankings_attendance_month")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.month:%Y-%m} {self.days_worked}/{self.days_due}"


class PointsRun(models.Model):
    """One posting of fixed (monthly) or base (yearly) points for a scheme and period.

    A period may have several runs: a later run posts only subjects the earlier ones did not
    (attendance that arrived late, a resident added mid-year). A run that would post nothing
    is not recorded.
    """

    class Kind(models.TextChoices):
        FIXED = "fixed", _("固定积分")
        BASE = "base", _("基础分")

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="points_runs")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    period = models.CharField(max_length=16)  # "2026-10" for fixed points, "2026" for base points
    number = models.PositiveIntegerField()
    transaction = models.ForeignKey("ledger.Transaction", on_delete=models.PROTECT, related_name="+")
    posted = models.PositiveIntegerField()
    total = models.BigIntegerField()  # scheme units
    # Subjects left out of this run and why: [{"subject": id, "name": …, "reason": …}].
    left_out = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "kind", "period", "number"], name="rankings_pointsrun_unique_number"),
            models.CheckConstraint(condition=Q(kind__in=["fixed", "base"]), name="rankings_pointsrun_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.kind} {self.period} #{self.number}"


class PointsRunLine(models.Model):
    """What one subject got in a run, with how it was computed. Append-only."""

    run = models.ForeignKey(PointsRun, on_delete=models.PROTECT, related_name="lines")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()  # scheme units
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "subject"], name="rankings_pointsrunline_one_per_subject")]

    def __str__(self) -> str:
        return f"{self.run_id}: {self.subject_id} +{self.amount}"


class PeriodClose(models.Model):
    """A year-end clearing (篇7 年底清零): every spendable balance expired into the expiry account."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="period_closes")
    year = models.PositiveSmallIntegerField()
    transaction = models.ForeignKey("ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    accounts = models.PositiveIntegerField()  # accounts whose balance was cleared
    expired = models.BigIntegerField()  # units taken from positive balances
    credited = models.BigIntegerField()  # units given back to negative balances (reset to zero)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "year"], name="rankings_periodclose_once_a_year")]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.year} closed"


class RewardList(models.Model):
    """A reward rule evaluated for one ended period: frozen once made."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="reward_lists")
    rule_index = models.PositiveSmallIntegerField()  # position in settings.reward_rules
    rule_type = models.CharField(max_length=16)
    rule = models.JSONField()  # the rule as it stood when evaluated
    period = models.CharField(max_length=16)  # 2026, 2026-Q3, 2026-11, 2026-W05, 2025-2026, 2025-2026-1
    period_start = models.DateField()
    period_end = models.DateField()  # exclusive
    summary = models.JSONField(default=dict, blank=True)  # averages, counts … shown beside the list
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    evaluated_at = models.DateTimeField()
    transaction = models.ForeignKey("ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "rule_index", "period"], name="rankings_rewardlist_once_per_period")
        ]
        ordering = ["scheme", "period", "rule_index"]

    def __str__(self) -> str:
        return f"{self.scheme_id} rule {self.rule_index} {self.period}"


class RewardLine(models.Model):
    """One line of a frozen reward list. Append-only."""

    class Outcome(models.TextChoices):
        AWARDED = "awarded", _("获奖")
        ELIGIBLE = "eligible", _("符合推荐条件")
        EXCLUDED = "excluded", _("不参与（一票否决）")

    reward_list = models.ForeignKey(RewardList, on_delete=models.PROTECT, related_name="lines")
    order = models.PositiveIntegerField()
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")  # group rewards
    name = models.CharField(max_length=100)
    group = models.CharField(max_length=64, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    score = models.BigIntegerField()  # scheme units; a group's per-capita average is in summary/note
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    amount_fen = models.BigIntegerField(null=True, blank=True)
    points = models.BigIntegerField(null=True, blank=True)  # scheme units
    title = models.CharField(max_length=100, blank=True)
    reward = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["reward_list", "order"]
        constraints = [
            models.UniqueConstraint(fields=["reward_list", "order"], name="rankings_rewardline_unique_order"),
            models.CheckConstraint(condition=Q(subject__isnull=False) | Q(org__isnull=False), name="rankings_rewardline_has_whom"),
            models.CheckConstraint(condition=Q(amount_fen__isnull=True) | Q(amount_fen__gt=0), name="rankings_rewardline_amount_positive"),
            models.CheckConstraint(condition=Q(points__isnull=True) | Q(points__gt=0), name="rankings_rewardline_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reward_list_id}/{self.order} {self.name}"


class RewardPayment(models.Model):
    """A cash line of a reward list paid out of a fund (the market app's fund movement)."""

    line = models.OneToOneField(RewardLine, on_delete=models.PROTECT, related_name="payment")
    fund_movement_id = models.BigIntegerField()
    amount_fen = models.BigIntegerField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    paid_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"line {self.line_id} paid {self.amount_fen} fen"


class Honour(models.Model):
    """An honour title (十星级文明户, 五星党员, 最美家庭 …) granted to a subject for a period."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="honours")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="honours")
    title = models.CharField(max_length=100)
    period = models.CharField(max_length=16)
    # The eligibility list the grant was checked against (篇7: above the average), if the scheme has one.
    reward_list = models.ForeignKey(RewardList, null=True, blank=True, on_delete=models.PROTECT, related_name="honours")
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "subject", "title", "period"], name="rankings_honour_once")
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.period}: {self.subject_id}"


class PartyEvaluation(models.Model):
    """A branch's annual party-member evaluation (篇4): self, branch and mass scores, check, rating."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已评定")

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="party_evaluations")
    branch = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="party_evaluations")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    weights = models.JSONField()  # {"self": "0.20", "branch": "0.50", "mass": "0.30"} as used
    trim_mass = models.BooleanField(default=False)  # drop the highest and lowest mass score
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "branch", "year"], name="rankings_partyevaluation_once"),
            models.CheckConstraint(condition=Q(status__in=["open", "closed"]), name="rankings_partyevaluation_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.branch_id} {self.year}"


class PartyEvaluationMember(models.Model):
    """A party member in one evaluation: scores entered, then the result at the branch rating."""

    evaluation = models.ForeignKey(PartyEvaluation, on_delete=models.PROTECT, related_name="members")
    membership = models.ForeignKey(PartyMembership, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=50)
    klass = models.CharField(max_length=16)
    exemption = models.CharField(max_length=16, blank=True)  # set: listed, not graded
    exemption_note = models.CharField(max_length=200, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)  # 组织核分
    check_note = models.CharField(max_length=300, blank=True)
    self_score = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    branch_score = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    mass_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    mass_count = models.PositiveIntegerField(default=0)  # representatives' scores counted (after trimming)
    final_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    band = models.CharField(max_length=64, blank=True)  # grade the score alone gives
    grade = models.CharField(max_length=64, blank=True)  # after the streak rule
    grade_name = models.CharField(max_length=100, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    reported_upward = models.BooleanField(default=False)

    class Meta:
        ordering = ["evaluation", "rank", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "membership"], name="rankings_partymember_once"),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}: {self.name}"

    @property
    def is_exempt(self) -> bool:
        return bool(self.exemption)


class PartyAreaScore(models.Model):
    """Points for one of the five areas, by the member (self) or by the branch."""

    class Method(models.TextChoices):
        SELF = "self", _("自我积分")
        BRANCH = "branch", _("支部积分")

    member = models.ForeignKey(PartyEvaluationMember, on_delete=models.PROTECT, related_name="area_scores")
    method = models.CharField(max_length=8, choices=Method.choices)
    area = models.CharField(max_length=64)
    points = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "method", "area"], name="rankings_partyarea_once"),
            models.CheckConstraint(condition=Q(points__gte=0), name="rankings_partyarea_points_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.method} {self.area}={self.points}"


class PartyMassScore(models.Model):
    """One representative's score for one member at the year-end meeting (群众积分)."""

    member = models.ForeignKey(PartyEvaluationMember, on_delete=models.PROTECT, related_name="mass_scores")
    representative = models.CharField(max_length=50)
    score = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "representative"], name="rankings_partymass_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="rankings_partymass_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} by {self.representative}: {self.score}"


class DividendDistribution(models.Model):
    """A collective-income pool shared across households by their points (篇2, 篇5)."""

    class VetoedPolicy(models.TextChoices):
        EXCLUDE = "exclude", _("一票否决户不参与")
        INCLUDE = "include", _("一票否决户照常参与")

    class ZeroPolicy(models.TextChoices):
        LIST = "list", _("零分户列出（分得0元）")
        OMIT = "omit", _("零分户不列出")

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="dividends")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="dividends")
    period = models.CharField(max_length=16)
    period_start = models.DateField()
    period_end = models.DateField()  # exclusive
    pool_fen = models.BigIntegerField()
    key = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64)
    vetoed_policy = models.CharField(max_length=8, choices=VetoedPolicy.choices)
    zero_policy = models.CharField(max_length=8, choices=ZeroPolicy.choices)
    total_points = models.BigIntegerField()  # scheme units, of the households that share
    households = models.PositiveIntegerField()  # households that share
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "key"], name="rankings_dividend_key_unique"),
            models.CheckConstraint(condition=Q(pool_fen__gt=0), name="rankings_dividend_pool_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} {self.period} {self.pool_fen} fen"


class DividendLine(models.Model):
    """One household's share, in fen. Append-only; the shares add up to the pool exactly."""

    distribution = models.ForeignKey(DividendDistribution, on_delete=models.PROTECT, related_name="lines")
    order = models.PositiveIntegerField()
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    points = models.BigIntegerField()  # the household's score for the period, scheme units
    share_fen = models.BigIntegerField()
    # The fen this line got from the largest-remainder rounding (0 or 1).
    remainder_fen = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["distribution", "order"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "subject"], name="rankings_dividendline_once"),
            models.CheckConstraint(condition=Q(share_fen__gte=0), name="rankings_dividendline_share_nonnegative"),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}: {self.name} {self.share_fen} fen"
