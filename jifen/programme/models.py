"""The demonstration-village programme (篇1 积分制管理示范村): a city's budget and awards, villages'
applications with the platform's own measured facts beside what the village states, county
shortlists (at most 3 per county), the city's scores, the published result and its objections,
and the awards paid into the winners' fund accounts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit

SHORTLIST_LIMIT_MAX = 3  # 篇1: 每个县（市）区推荐示范村不得超过3个


def yuan(fen: int | None) -> str:
    """Integer fen as yuan with two places and thousands separators: 50000000 → "500,000.00"."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


class Programme(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("申报中")
        PUBLISHED = "published", _("评审结果公示中")
        AWARDED = "awarded", _("已兑现")

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="programmes")  # the city that runs it
    budget_fen = models.BigIntegerField()
    awards = models.PositiveSmallIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    shortlist_limit = models.PositiveSmallIntegerField(default=SHORTLIST_LIMIT_MAX)
    # The period whose data the platform measures (participation, redemption, records kept).
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    published_at = models.DateTimeField(null=True, blank=True)
    objections_until = models.DateTimeField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-opens_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="programme_budget_positive"),
            models.CheckConstraint(condition=Q(awards__gte=1), name="programme_awards_positive"),
            models.CheckConstraint(
                condition=Q(shortlist_limit__gte=1, shortlist_limit__lte=SHORTLIST_LIMIT_MAX), name="programme_shortlist_1_3"
            ),
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="programme_window_ordered"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def budget_yuan(self) -> str:
        return yuan(self.budget_fen)

    @property
    def award_yuan(self) -> str:
        return yuan(self.award_fen)

    @property
    def award_fen(self) -> int:
        """Each winner's award: the budget shared equally (a remainder of a few fen stays unspent)."""
        return self.budget_fen // self.awards


class Criterion(models.Model):
    """One of the programme's conditions (篇1's six 申报条件), scored by the city up to max_score."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="criteria")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=50)
    description = models.TextField(blank=True)
    max_score = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="programme_criterion_number_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class Application(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("已申报")
        SHORTLISTED = "shortlisted", _("县级推荐")
        DECLINED = "declined", _("县级未推荐")
        SELECTED = "selected", _("入选示范村")
        NOT_SELECTED = "not_selected", _("未入选")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="applications")
    village = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="programme_applications")
    county = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    contact_name = models.CharField(max_length=50)
    contact_phone = models.CharField(max_length=32)
    summary = models.TextField()
    # What the village states for each criterion: {"1": "…", …} keyed by criterion number.
    statements = models.JSONField(default=dict)
    # What the platform measured from its own data when the application came in (see facts.py).
    facts = models.JSONField(default=dict)
    facts_at = models.DateTimeField()
    # Which of the county's slots the application holds while shortlisted (1…limit): the unique
    # constraint makes "at most 3 per county" hold even if two reviewers press at once.
    shortlist_slot = models.PositiveSmallIntegerField(null=True, blank=True)
    county_note = models.TextField(blank=True)
    score_total = models.PositiveIntegerField(null=True, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    award_fen = models.BigIntegerField(null=True, blank=True)
    awarded_at = models.DateTimeField(null=True, blank=True)
    award_reference = models.CharField(max_length=200, blank=True)  # the fund receipt's idempotency key
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["programme", "county__path", "village__path"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "village"], name="programme_one_application_per_village"),
            models.UniqueConstraint(
                fields=["programme", "county", "shortlist_slot"], condition=Q(shortlist_slot__isnull=False),
                name="programme_county_slot_unique",
            ),
            models.CheckConstraint(
                condition=Q(shortlist_slot__isnull=True) | Q(shortlist_slot__gte=1, shortlist_slot__lte=SHORTLIST_LIMIT_MAX),
                name="programme_slot_1_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.village_id}"

    @property
    def award_yuan(self) -> str:
        return yuan(self.award_fen)


class Attachment(models.Model):
    """A file the village attaches: a photo (stored as claims evidence, EXIF stripped) or a PDF."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8)  # image, pdf
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    path = models.CharField(max_length=200)  # relative to MEDIA_ROOT
    evidence = models.ForeignKey("claims.Evidence", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField()
    note = models.CharField(max_length=500, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scored_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "criterion"], name="programme_score_once")]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.criterion_id}: {self.score}"


class Objection(models.Model):
    """An objection to the published result (公示无异议后兑现); awards wait until all are resolved."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(Application, null=True, blank=True, on_delete=models.PROTECT, related_name="objections")
    text = models.TextField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    resolution = models.TextField(blank=True)
    upheld = models.BooleanField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"objection {self.pk}"


class ApplicationEvent(models.Model):
    """Every step of an application: submitted, shortlisted, declined, scored, ranked, awarded. Append-only."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("申报")
        SHORTLIST = "shortlist", _("县级推荐")
        DECLINE = "decline", _("县级不推荐")
        SCORE = "score", _("市级评分")
        PUBLISH = "publish", _("结果公示")
        REOPEN = "reopen", _("撤回重评")
        AWARD = "award", _("兑现奖补")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"
