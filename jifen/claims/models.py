"""Claims (申报) and everything that moves them from a declaration to the ledger.

A claim is one record of a deed (or a fault) of one subject under one catalog item version.
Its `state` only changes through `jifen.claims.workflow.transition`, which checks the allowed
transitions table and writes a `ClaimEvent` (append-only) and an audit row each time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit, Subject
from jifen.rules.models import Item, ItemVersion, Scheme


class ClaimState(models.TextChoices):
    DECLARED = "declared", _("已申报")
    PRE_APPROVED = "pre_approved", _("初审通过")
    APPROVED = "approved", _("审核通过")
    NOTICED = "noticed", _("公示中")
    DISPUTED = "disputed", _("异议核查中")
    POSTED = "posted", _("已入账")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    REVOKED = "revoked", _("已撤销")


# States a claim never leaves; everything else still counts against caps.
FINAL_STATES = (ClaimState.POSTED, ClaimState.REJECTED, ClaimState.WITHDRAWN, ClaimState.REVOKED)
DEAD_STATES = (ClaimState.REJECTED, ClaimState.WITHDRAWN, ClaimState.REVOKED)


class ClaimOrigin(models.TextChoices):
    SELF = "self", _("本人申报")
    ON_BEHALF = "on_behalf", _("代为申报")
    THIRD_PARTY = "third_party", _("他人反映")
    SLIP = "slip", _("奖扣分通知单")
    ACTIVITY = "activity", _("活动登记")
    SPOT_CHECK = "spot_check", _("抽检核查")
    FRAUD = "fraud", _("弄虚作假扣分")


# Origins that are declarations (一日一记录 counts these).
DECLARATION_ORIGINS = (ClaimOrigin.SELF, ClaimOrigin.ON_BEHALF, ClaimOrigin.THIRD_PARTY)


class ClaimChannel(models.TextChoices):
    APP = "app", _("网上申报")
    VERBAL = "verbal", _("口头")
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
    COUNTER = "counter", _("便民服务大厅")
    PAPER = "paper", _("纸质")


class Meeting(models.Model):
    """A committee meeting (领导小组会议 / 审核委员会) that decides many claims at once."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="meetings")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField()
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_chaired")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended")
    # People present without an account (representatives, old party members …).
    attendee_names = models.CharField(max_length=500, blank=True)
    minutes = models.TextField(blank=True)
    kind = models.CharField(max_length=16, default="review")  # review | second_check
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.org} {self.held_on}"


class Activity(models.Model):
    """An activity the village or company organised; its attendance list is awarded at once (篇2)."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="activities")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="activities")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="activities")
    title = models.CharField(max_length=200)
    held_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    points = models.BigIntegerField()  # signed, scheme units, per attendee
    organised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities_organised")
    created_at = models.DateTimeField()
    awarded_at = models.DateTimeField(null=True, blank=True)  # last time activity_award ran

    class Meta:
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ActivityAttendance(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="attendance")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="activity_attendance")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "subject"], name="claims_attendance_once")]

    def __str__(self) -> str:
        return f"{self.subject_id} @ {self.activity_id}"


class SpotCheck(models.Model):
    """An inspection of households (抽检核查, 篇2); each finding becomes a deduction claim."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="spot_checks")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="spot_checks")
    held_on = models.DateField()
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="spot_checks")
    inspector_names = models.CharField(max_length=500, blank=True)
    households_checked = models.PositiveIntegerField(default=0)
    # The collective decision the deductions rest on (篇5 村集体决定): what, when, by whom.
    decision_record = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.org} {self.held_on}"


class Claim(models.Model):
    """One record of a deed or fault of one subject, from declaration to posting."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="claims")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="claims")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="claims")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="claims")
    origin = models.CharField(max_length=16, choices=ClaimOrigin.choices)
    channel = models.CharField(max_length=16, choices=ClaimChannel.choices, default=ClaimChannel.APP)
    state = models.CharField(max_length=16, choices=ClaimState.choices)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_declared"
    )
    declared_at = models.DateTimeField()
    occurred_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    # Signed, in the scheme's units: what the claim is worth now, and what was first asked.
    points = models.BigIntegerField()
    declared_points = models.BigIntegerField()
    pre_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    # The collective decision a deduction rests on (篇5), or the committee's note.
    decision_record = models.TextField(blank=True)
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    spot_check = models.ForeignKey(SpotCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    # For a fraud deduction: the claim found false.
    source_claim = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="penalties")
    is_fraud = models.BooleanField(default=False)  # this claim was found false (弄虚作假)
    state_changed_at = models.DateTimeField()
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "subject"], condition=Q(activity__isnull=False), name="claims_one_per_attendee"
            ),
            models.UniqueConstraint(
                fields=["source_claim"], condition=Q(origin="fraud"), name="claims_one_fraud_penalty"
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ClaimState]), name="claims_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=[o.value for o in ClaimOrigin]), name="claims_origin_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "state"], name="claims_scheme_state"),
            models.Index(fields=["subject", "item", "occurred_at"], name="claims_caps"),
            models.Index(fields=["subject", "occurred_at"], name="claims_subject_day"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.state} {self.points:+d}"

    @property
    def ledger_key(self) -> str:
        return f"claim:{self.pk}"


class ClaimEvent(models.Model):
    """One state change of a claim: who, when, from → to, why. Append-only."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    from_state = models.CharField(max_length=16, blank=True)  # blank: the claim was created
    to_state = models.CharField(max_length=16)
    reason = models.CharField(max_length=500, blank=True)
    points_before = models.BigIntegerField(null=True, blank=True)
    points_after = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["claim", "at"], name="claims_event_claim")]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_state or '∅'} → {self.to_state}"


class Evidence(models.Model):
    """A photo, stored once under its content hash without EXIF/GPS, with a thumbnail."""

    sha256 = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=8)  # jpeg, png, webp
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()  # bytes stored
    path = models.CharField(max_length=200)  # relative to MEDIA_ROOT
    thumb_path = models.CharField(max_length=200)
    captured_at = models.DateTimeField(null=True, blank=True)  # EXIF DateTimeOriginal, if any
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.path


class ClaimEvidence(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="evidence_links")
    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="claim_links")
    order = models.PositiveSmallIntegerField(default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["claim", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["claim", "evidence"], name="claims_evidence_once")]

    def __str__(self) -> str:
        return f"{self.claim_id}/{self.evidence_id}"


class MeetingDecision(models.Model):
    """What a meeting decided about one claim."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("通过")
        REJECT = "reject", _("不通过")
        CHANGE = "change", _("调整分值后通过")

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    points_before = models.BigIntegerField()
    points_after = models.BigIntegerField()
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "claim"], name="claims_one_decision_per_meeting")]

    def __str__(self) -> str:
        return f"{self.meeting_id}:{self.claim_id} {self.outcome}"


class Notice(models.Model):
    """A public notice (公示) of approved claims for an org unit and a period."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="notices")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="notices")
    period_start = models.DateField()  # the cadence period the notice closes, in the scheme's zone
    period_end = models.DateField()
    title = models.CharField(max_length=200)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    window_closes_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)  # +1 on every amendment
    closed_at = models.DateTimeField(null=True, blank=True)  # window over and every entry settled

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "org", "period_start"], name="claims_one_notice_per_period")
        ]

    def __str__(self) -> str:
        return self.title


class NoticeEntry(models.Model):
    class State(models.TextChoices):
        LISTED = "listed", _("公示")
        AMENDED = "amended", _("已更正")
        REVOKED = "revoked", _("已撤销")

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="entries")
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="notice_entry")
    points = models.BigIntegerField()  # as shown now; the first published value is in `published_points`
    published_points = models.BigIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.LISTED)

    class Meta:
        ordering = ["notice", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id}:{self.claim_id}"


class NoticeAmendment(models.Model):
    """One change to a published notice after a second check. Append-only: the history is kept."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="amendments")
    entry = models.ForeignKey(NoticeEntry, on_delete=models.PROTECT, related_name="amendments")
    revision = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=8)  # uphold, change, revoke
    points_before = models.BigIntegerField()
    points_after = models.BigIntegerField()
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["notice", "revision", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} r{self.revision} {self.outcome}"


class Objection(models.Model):
    """Anyone's challenge (异议) to a noticed claim; resolved by a second check (二次核查)."""

    class Status(models.TextChoices):
        OPEN = "open", _("待核查")
        UPHELD = "upheld", _("维持原结果")
        CHANGED = "changed", _("已调整分值")
        REVOKED = "revoked", _("已撤销积分")

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="objections")
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections")
    filed_at = models.DateTimeField()
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Optional for people who are not signed in; masked wherever shown publicly.
    name = models.CharField(max_length=50, blank=True)
    phone = models.CharField(max_length=11, blank=True)
    # A keyed hash of the filing client's address (never the address itself), for the
    # per-address limit on public objections; "" when filed outside a web or API request.
    client = models.CharField(max_length=32, blank=True)
    reason = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["filed_at", "id"]
        indexes = [
            models.Index(fields=["claim", "status"], name="claims_objection_open"),
            models.Index(fields=["client", "filed_at"], name="claims_objection_client"),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.status}"


class Veto(models.Model):
    """一票否决 (篇7): the subject keeps earning but is barred from what `bars` names until `ends_on`."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="vetoes")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="vetoes")
    starts_on = models.DateField()
    ends_on = models.DateField()  # last day barred (inclusive)
    bars = models.JSONField(default=list)  # redemption, rewards, honours (copied from the settings)
    reason = models.CharField(max_length=500)
    source_claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="vetoes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    lifted_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="claims_veto_dates_ordered"),
            models.UniqueConstraint(fields=["source_claim"], condition=Q(source_claim__isnull=False), name="claims_one_veto_per_claim"),
        ]
        indexes = [models.Index(fields=["scheme", "subject", "starts_on"], name="claims_veto_lookup")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.starts_on}–{self.ends_on}"

    def bars_what(self, what: str) -> bool:
        """Whether this veto bars `what` (redemption, rewards, honours)."""
        return what in (self.bars or [])
