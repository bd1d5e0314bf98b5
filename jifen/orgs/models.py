from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def subtree_q(path: str, field: str = "path") -> Q:
    """The unit at `path` and everything below it, as one indexed range condition.

    Paths use only [a-z0-9_-] and '/', and the column sorts bytewise (BINARY on SQLite,
    COLLATE "C" on PostgreSQL), so every descendant lies in [path + '/', path + '0').
    """
    return Q(**{field: path}) | Q(**{f"{field}__gte": path + "/", f"{field}__lt": path + "0"})


def ancestor_paths(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


class OrgKind(models.Model):
    """A kind of org unit (village, grid, party branch, team …): data, not code."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=32)
    name_en = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    code = models.SlugField(max_length=64)
    path = models.CharField(max_length=500, unique=True)
    depth = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.ForeignKey(OrgKind, on_delete=models.PROTECT, related_name="units")
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "code"], name="orgunit_unique_code_in_parent")]

    def __str__(self) -> str:
        return f"{self.name} ({self.path})"

    def is_within(self, other: OrgUnit) -> bool:
        return self.path == other.path or self.path.startswith(other.path + "/")


class Subject(models.Model):
    """Whoever holds points: a person, a household or a unit. Ledger accounts point here."""

    class Kind(models.TextChoices):
        PERSON = "person", _("个人")
        HOUSEHOLD = "household", _("家庭户")
        UNIT = "unit", _("单位")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=100)
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="subjects")
    is_active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["org", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> Person | Household | Unit:
        return getattr(self, self.kind)


class Person(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")
        UNKNOWN = "", _("未填")

    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="person")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="people")
    name = models.CharField(max_length=50)
    # Pinyin initials of the name ("zs" for 张三), for the recorder's quick search; bytewise
    # collation on PostgreSQL so a prefix search is an index range.
    name_initials = models.CharField(max_length=50, blank=True, default="", db_index=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    id_number = models.CharField(max_length=18, unique=True, null=True, blank=True)
    mobile = models.CharField(max_length=11, blank=True, db_index=True)
    address = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["org", "name"])]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's membership of an org unit beyond their home unit (a society, a committee …)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="memberships")
    title = models.CharField(max_length=50, blank=True)
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "org"], condition=Q(until__isnull=True), name="membership_one_open")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.org}"


class Household(models.Model):
    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="household")
    # Household numbers are unique within the village (or community) that issues them.
    village = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="numbered_households")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="households")
    number = models.CharField(max_length=32)
    head = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="headed_households")
    address = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village", "number"], name="household_number_unique_in_village")]

    def __str__(self) -> str:
        return f"{self.number} {self.subject.name}"


class HouseholdMember(models.Model):
    """A person's stay in a household; a person is in at most one household at a time."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="household_stays")
    relation = models.CharField(max_length=16)  # 户主, 配偶, 子, 女, 父, 母 …
    joined_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(left_on__isnull=True), name="person_one_open_household")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.relation}) in {self.household_id}"


class Unit(models.Model):
    """A shop, society or department scored as a subject (篇7 单位积分)."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("商户")
        SOCIETY = "society", _("社团")
        DEPARTMENT = "department", _("部门")
        COMPANY = "company", _("企业")
        OTHER = "other", _("其他")

    subject = models.OneToOneField(Subject, on_delete=models.PROTECT, related_name="unit")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="scored_units")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SHOP)
    contact = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="contact_for_units")
    phone = models.CharField(max_length=11, blank=True)
    address = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class PartyMembership(models.Model):
    class Klass(models.TextChoices):
        BACKBONE = "backbone", _("骨干类")
        ORDINARY = "ordinary", _("普通类")
        FLOATING = "floating", _("流动类")

    class Exemption(models.TextChoices):
        NONE = "", _("无")
        OVER_70 = "over_70", _("年满70周岁")
        LONG_ILLNESS = "long_illness", _("长期生病或丧失部分能力")
        OTHER = "other", _("其他")

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="party")
    branch = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="party_members")
    klass = models.CharField(max_length=16, choices=Klass.choices, default=Klass.ORDINARY)
    joined_on = models.DateField(null=True, blank=True)
    exemption = models.CharField(max_length=16, choices=Exemption.choices, blank=True)
    exemption_note = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.person} @ {self.branch}"

    @property
    def is_exempt(self) -> bool:
        return bool(self.exemption)


class Employment(models.Model):
    """A staff member's job: what 篇6/篇8 fixed points are computed from."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="employment")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="employees")
    employee_no = models.CharField(max_length=32, unique=True)
    position = models.CharField(max_length=50, blank=True)
    is_leader = models.BooleanField(default=False)  # 组长 / team leader
    hire_date = models.DateField(null=True, blank=True)
    education = models.CharField(max_length=32, blank=True)
    title = models.CharField(max_length=32, blank=True)  # 职称
    skill_level = models.CharField(max_length=32, blank=True)
    speciality = models.CharField(max_length=64, blank=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.employee_no} {self.person}"


class User(AbstractUser):
    """A sign-in account; villagers' accounts point at their Person."""

    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="user")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Role(models.TextChoices):
    MEMBER = "member", _("成员")
    SHOPKEEPER = "shopkeeper", _("兑换员")
    RECORDER = "recorder", _("记录员/网格员")
    REVIEWER = "reviewer", _("审核人")
    ORG_ADMIN = "org_admin", _("组织管理员")
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")


# Roles ordered by what they may do; an item's minimum role is compared against this.
ROLE_RANK = {
    Role.MEMBER: 0,
    Role.SHOPKEEPER: 1,
    Role.RECORDER: 2,
    Role.REVIEWER: 3,
    Role.ORG_ADMIN: 4,
    Role.PLATFORM_ADMIN: 5,
}


class RoleBinding(models.Model):
    """A role held over an org unit and its whole subtree."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="role_bindings")
    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="role_bindings")
    role = models.CharField(max_length=20, choices=Role.choices)
    # Tiered authorisation (篇6, 篇8): the most points this person may award or deduct on one
    # slip or approval; None means the role carries no slip authority of its own.
    points_limit = models.PositiveIntegerField(null=True, blank=True)
    title = models.CharField(max_length=50, blank=True)  # 副总经理, 网格长 …
    level = models.PositiveSmallIntegerField(default=0)  # rank of the title, for "deputy GM or above"
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} {self.role} @ {self.org.path}"
