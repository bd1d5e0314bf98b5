"""Grid management (篇5 村级网格化): posts in a grid, households linked to grid workers, home
visits, villagers' issues tracked to a deadline, and each grid's service board.

A grid is an `OrgUnit` of kind `grid` under a village; a household is in the grid its
`Household.org` points at. Who holds which post in a grid is kept here (`GridPost`), not as a
role binding: a post carries a phone number and duties printed on the service board, the
township's liaison leader (网格指导员) often has no account, and role bindings rank
permissions, which these posts do not.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import Household, OrgUnit, Person


class GridPost(models.Model):
    """A person's post in a grid: grid leader (网格长), guide (网格指导员) or grid worker (网格员)."""

    class Post(models.TextChoices):
        LEADER = "leader", _("网格长")
        GUIDE = "guide", _("网格指导员")
        WORKER = "worker", _("网格员")

    grid = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="grid_posts")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="grid_posts")
    post = models.CharField(max_length=16, choices=Post.choices)
    phone = models.CharField(max_length=32, blank=True)  # printed on the service board
    duties = models.CharField(max_length=200, blank=True)
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["grid", "post", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "person", "post"], condition=Q(until__isnull=True), name="grid_post_once_open"
            ),
            # One leader and one guide per grid at a time; any number of grid workers.
            models.UniqueConstraint(
                fields=["grid", "post"], condition=Q(until__isnull=True) & ~Q(post="worker"), name="grid_post_one_leader_guide"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.post} @ {self.grid_id}"


class ServiceBoard(models.Model):
    """What a grid's service board (服务指示牌) prints besides the posts: supervision phone, work content."""

    grid = models.OneToOneField(OrgUnit, on_delete=models.PROTECT, related_name="service_board")
    supervision_phone = models.CharField(max_length=32, blank=True)
    work_content = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"board {self.grid_id}"


class HouseholdLink(models.Model):
    """A household looked after by a grid worker (联户); one open link per household."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="grid_links")
    worker = models.ForeignKey(GridPost, on_delete=models.PROTECT, related_name="household_links")
    since = models.DateField()
    until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(until__isnull=True), name="grid_household_one_worker")
        ]

    def __str__(self) -> str:
        return f"{self.household_id} → {self.worker_id}"


class Visit(models.Model):
    """A home visit (入户走访) by a grid worker, with notes and photos."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="grid_visits")
    visitor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="grid_visits")
    grid = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="grid_visits")
    visited_on = models.DateField()
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    key = models.CharField(max_length=100, unique=True, null=True, blank=True)  # idempotency key
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["grid", "visited_on"]), models.Index(fields=["household", "visited_on"])]

    def __str__(self) -> str:
        return f"visit {self.household_id} {self.visited_on}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="photo_links")
    evidence = models.ForeignKey("claims.Evidence", on_delete=models.PROTECT, related_name="visit_links")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["visit", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "evidence"], name="grid_visit_photo_once")]

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.evidence_id}"


class IssueKind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    DISPUTE = "dispute", _("矛盾纠纷")
    NEED = "need", _("诉求")
    EMERGENCY = "emergency", _("突发事件")


class IssueState(models.TextChoices):
    REPORTED = "reported", _("已登记")
    ASSIGNED = "assigned", _("办理中")
    CLOSED = "closed", _("已办结")


class IssueLevel(models.IntegerChoices):
    """Who answers for an open issue: the assignee, then the grid leader, then the township."""

    GRID = 0, _("网格")
    LEADER = 1, _("已升级至网格长")
    TOWNSHIP = 2, _("已升级至乡镇")


class Issue(models.Model):
    """A villager's issue (民情): a complaint, dispute, need or emergency, tracked to a deadline."""

    class Channel(models.TextChoices):
        WORKER = "worker", _("网格员登记")
        VILLAGER = "villager", _("村民反映")

    grid = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="grid_issues")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT, related_name="grid_issues")
    reporter = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_issues")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    kind = models.CharField(max_length=16, choices=IssueKind.choices)
    title = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=IssueState.choices, default=IssueState.REPORTED)
    level = models.PositiveSmallIntegerField(choices=IssueLevel.choices, default=IssueLevel.GRID)
    assignee = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_issues")
    deadline = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    action_taken = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)  # the villager's 1–5 rating of the result
    rating_note = models.CharField(max_length=200, blank=True)
    key = models.CharField(max_length=100, unique=True, null=True, blank=True)  # idempotency key
    content_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["state", "deadline"]), models.Index(fields=["grid", "state"])]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="grid_issue_rating_1_5"),
            models.CheckConstraint(condition=Q(level__lte=2), name="grid_issue_level_max_2"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class IssueEvent(models.Model):
    """Every change of an issue: who, when, state and level before and after, why. Append-only."""

    class Action(models.TextChoices):
        REPORT = "report", _("登记")
        ASSIGN = "assign", _("分派")
        ESCALATE = "escalate", _("逾期升级")
        CLOSE = "close", _("办结")
        RATE = "rate", _("群众评价")

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    from_level = models.PositiveSmallIntegerField(null=True, blank=True)
    to_level = models.PositiveSmallIntegerField()
    assignee = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.issue_id} {self.action} {self.from_state}→{self.to_state}"
