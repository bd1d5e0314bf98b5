from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from jifen.core import clock
from jifen.core.errors import NotFound
from jifen.orgs.models import (
    ROLE_RANK,
    Household,
    HouseholdMember,
    OrgUnit,
    Person,
    Role,
    RoleBinding,
    Subject,
    Unit,
    User,
    ancestor_paths,
    subtree_q,
)
from jifen.orgs.pinyin import looks_like_initials


def org_by_path(path: str) -> OrgUnit:
    try:
        return OrgUnit.objects.select_related("kind", "parent").get(path=path.strip().strip("/"))
    except OrgUnit.DoesNotExist:
        raise NotFound(f"找不到组织「{path}」", f"no org unit at path {path!r}", code="org_not_found") from None


def org_subtree(org: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(subtree_q(org.path))


def org_ancestors(org: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__in=ancestor_paths(org.path)).order_by("depth")


def people_in_subtree(org: OrgUnit) -> QuerySet[Person]:
    return Person.objects.filter(subtree_q(org.path, "org__path"))


def households_in_subtree(org: OrgUnit) -> QuerySet[Household]:
    return Household.objects.filter(subtree_q(org.path, "org__path"))


def subjects_in_subtree(org: OrgUnit) -> QuerySet[Subject]:
    return Subject.objects.filter(subtree_q(org.path, "org__path"))


def _active_bindings(user: Any, on: dt.date | None = None) -> QuerySet[RoleBinding]:
    on = on or clock.now().date()
    return RoleBinding.objects.filter(user=user, is_active=True).filter(
        Q(valid_from__isnull=True) | Q(valid_from__lte=on), Q(valid_until__isnull=True) | Q(valid_until__gte=on)
    )


def active_bindings(*, user: Any, on: dt.date | None = None) -> QuerySet[RoleBinding]:
    """The user's bindings in force on `on` (today by default)."""
    return _active_bindings(user, on)


def bindings_over(*, user: Any, org: OrgUnit, roles: Iterable[str] | None = None) -> QuerySet[RoleBinding]:
    """The user's active bindings at `org` or any ancestor of it (roles cover whole subtrees)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return RoleBinding.objects.none()
    qs = _active_bindings(user).filter(org__path__in=ancestor_paths(org.path)).select_related("org")
    if roles is not None:
        qs = qs.filter(role__in=list(roles))
    return qs


def user_has_role(*, user: Any, org: OrgUnit, roles: Iterable[str]) -> bool:
    roles = list(roles)
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return True
    if Role.PLATFORM_ADMIN not in roles:
        roles.append(Role.PLATFORM_ADMIN)
    return bindings_over(user=user, org=org, roles=roles).exists()


def user_role_rank(*, user: Any, org: OrgUnit) -> int:
    """The highest role rank the user holds over `org`; -1 when none."""
    if getattr(user, "is_superuser", False):
        return ROLE_RANK[Role.PLATFORM_ADMIN]
    ranks = [ROLE_RANK[Role(b.role)] for b in bindings_over(user=user, org=org)]
    return max(ranks, default=-1)


def orgs_managed_by(*, user: Any, roles: Iterable[str]) -> QuerySet[OrgUnit]:
    """Every org unit under any binding of `roles` the user holds (one query)."""
    if getattr(user, "is_superuser", False):
        return OrgUnit.objects.all()
    roots = list(_active_bindings(user).filter(role__in=list(roles)).values_list("org__path", flat=True))
    if Role.PLATFORM_ADMIN in _active_bindings(user).values_list("role", flat=True):
        return OrgUnit.objects.all()
    if not roots:
        return OrgUnit.objects.none()
    condition = Q()
    for path in roots:
        condition |= subtree_q(path)
    return OrgUnit.objects.filter(condition)


def person_current_household(person: Person) -> Household | None:
    stay = person.household_stays.filter(left_on__isnull=True).select_related("household__subject").first()
    return stay.household if stay else None


def role_bindings_of(*, user: Any) -> QuerySet[RoleBinding]:
    """The user's bindings in force today, with their units (what the navigation is built from)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return RoleBinding.objects.none()
    return _active_bindings(user).select_related("org", "org__kind").order_by("org__path", "role")


def org_roots_for(*, user: Any, roles: Iterable[str]) -> list[OrgUnit]:
    """The top-most units the user holds one of `roles` over (platform admins: the tree's roots)."""
    roles = list(roles)
    bindings = list(role_bindings_of(user=user))
    if getattr(user, "is_superuser", False) or any(b.role == Role.PLATFORM_ADMIN for b in bindings):
        return list(OrgUnit.objects.filter(parent__isnull=True).select_related("kind"))
    units = sorted({b.org.path: b.org for b in bindings if b.role in roles}.items())
    roots: list[OrgUnit] = []
    for path, unit in units:
        # Sorted by path, so an ancestor always comes before anything below it.
        if not any(path.startswith(root.path + "/") for root in roots):
            roots.append(unit)
    return roots


@dataclass(frozen=True)
class ChildCounts:
    unit: OrgUnit
    units: int  # units below the child, the child excluded
    people: int
    households: int


def org_children_with_counts(org: OrgUnit) -> list[ChildCounts]:
    """The unit's direct children with head counts of their whole subtrees, in four queries."""
    children = list(org.children.select_related("kind").order_by("code"))
    paths = list(org_subtree(org).values_list("path", flat=True))
    people = dict(
        people_in_subtree(org).filter(is_active=True).values("org__path").annotate(n=Count("id")).values_list("org__path", "n")
    )
    households = dict(
        households_in_subtree(org).filter(is_active=True).values("org__path").annotate(n=Count("id")).values_list("org__path", "n")
    )

    def under(path: str, counts: dict[str, int]) -> int:
        return sum(n for p, n in counts.items() if p == path or p.startswith(path + "/"))

    return [
        ChildCounts(
            unit=child,
            units=sum(1 for p in paths if p.startswith(child.path + "/")),
            people=under(child.path, people),
            households=under(child.path, households),
        )
        for child in children
    ]


def people_search(*, org: OrgUnit, query: str = "") -> QuerySet[Person]:
    """People in the subtree matching a name, a household number or the tail of a mobile number.

    Digits only (3–11 of them) match the end of the mobile number; Latin letters also match the
    pinyin initials of the name ("zs" finds 张三); anything matches the name (contains) or the
    number of the person's current household (starts with).
    """
    # Roster order (unit, then registration), the same on SQLite and PostgreSQL whatever the collation.
    qs = people_in_subtree(org).select_related("org", "org__kind").order_by("org__path", "id")
    query = query.strip()
    if not query:
        return qs
    return qs.filter(people_search_q(query))


def people_search_q(query: str) -> Q:
    """The condition of `people_search` for one search text (for callers that scope people otherwise)."""
    query = query.strip()
    in_household = HouseholdMember.objects.filter(
        left_on__isnull=True, household__number__istartswith=query
    ).values("person_id")
    condition = Q(name__icontains=query) | Q(pk__in=in_household)
    if query.isdigit() and 3 <= len(query) <= 11:
        condition |= Q(mobile__endswith=query)
    if looks_like_initials(query):
        condition |= initials_q(query)
    return condition


def initials_q(query: str) -> Q:
    """Names whose pinyin initials start with `query` ("zs" finds 张三 and 张山峰), as an index range."""
    prefix = query.strip().lower()
    # '{' sorts right after 'z': every initials string starting with `prefix` lies in [prefix, prefix + '{').
    return Q(name_initials__gte=prefix, name_initials__lt=prefix + "{")


def household_members(household: Household, *, current: bool | None = None) -> QuerySet[HouseholdMember]:
    """Stays in the household, current first, then the history, with the people loaded."""
    qs = household.members.select_related("person").order_by(F("left_on").desc(nulls_first=True), "joined_on", "id")
    if current is True:
        qs = qs.filter(left_on__isnull=True)
    elif current is False:
        qs = qs.filter(left_on__isnull=False)
    return qs


def bindings_in_subtree(*, org: OrgUnit, include_inactive: bool = False) -> QuerySet[RoleBinding]:
    """Role bindings held at the unit or anywhere below it (the admin's list of who may do what)."""
    qs = RoleBinding.objects.filter(subtree_q(org.path, "org__path")).select_related(
        "org", "user", "user__person"
    ).order_by("org__path", "role", "user__username", "id")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def user_by_login(login: str) -> User:
    """The account a username or an account holder's mobile number names, as sign-in reads it."""
    login = login.strip()
    user = User.objects.filter(username=login).first()
    if user is None and login.isdigit() and len(login) == 11:
        user = User.objects.filter(person__mobile=login).first()
    if user is None:
        raise NotFound(f"找不到账户「{login}」", f"no account with username or mobile {login!r}", code="user_not_found")
    return user


# --- What a viewer may see: computed once per request, used by the API (and pages) to scope
# every list and check every object without a query per row.

STAFF_ROLES = (Role.SHOPKEEPER, Role.RECORDER, Role.REVIEWER, Role.ORG_ADMIN, Role.PLATFORM_ADMIN)
ADMIN_ROLES = (Role.ORG_ADMIN, Role.PLATFORM_ADMIN)


@dataclass(frozen=True)
class Access:
    """A user's active role bindings as (role, org path, points limit), plus who they are."""

    user: Any
    bindings: tuple[tuple[str, str, int | None], ...]
    is_platform: bool
    person_id: int | None

    def roots(self, roles: Iterable[str]) -> list[str] | None:
        """Org paths whose subtrees the roles cover; None means everywhere (platform admin)."""
        if self.is_platform:
            return None
        wanted = set(roles)
        paths = sorted({path for role, path, _ in self.bindings if role in wanted})
        # Drop paths inside another root: fewer OR branches in every scoped query.
        return [p for p in paths if not any(p != q and p.startswith(q + "/") for q in paths)]

    def org_q(self, roles: Iterable[str], field: str = "path") -> Q:
        roots = self.roots(roles)
        if roots is None:
            return Q()
        condition = Q(pk__in=[])
        for path in roots:
            condition |= subtree_q(path, field)
        return condition

    def covers(self, path: str, roles: Iterable[str]) -> bool:
        roots = self.roots(roles)
        if roots is None:
            return True
        return any(path == root or path.startswith(root + "/") for root in roots)

    def rank_over(self, path: str) -> int:
        if self.is_platform:
            return ROLE_RANK[Role.PLATFORM_ADMIN]
        ranks = [ROLE_RANK[Role(role)] for role, root, _ in self.bindings if path == root or path.startswith(root + "/")]
        return max(ranks, default=-1)

    def points_limit_over(self, path: str) -> int | None:
        """The largest points limit the user holds over `path`; None when they hold none."""
        limits = [
            limit for _, root, limit in self.bindings
            if limit is not None and (path == root or path.startswith(root + "/"))
        ]
        return max(limits, default=None)

    def can_see_personal_data(self, person: Person) -> bool:
        """Same rule as jifen.orgs.privacy.can_see_personal_data, without a query per person."""
        if self.user is None:
            return False
        return person.pk == self.person_id or self.covers(person.org.path, ADMIN_ROLES)


def access_for(user: Any) -> Access:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Access(user=None, bindings=(), is_platform=False, person_id=None)
    rows = tuple(_active_bindings(user).values_list("role", "org__path", "points_limit"))
    is_platform = bool(getattr(user, "is_superuser", False)) or any(r == Role.PLATFORM_ADMIN for r, _, _ in rows)
    return Access(user=user, bindings=rows, is_platform=is_platform, person_id=getattr(user, "person_id", None))


def _own_household_person_ids(access: Access) -> list[int]:
    if access.person_id is None:
        return []
    household_ids = HouseholdMember.objects.filter(person_id=access.person_id, left_on__isnull=True).values("household_id")
    return list(
        HouseholdMember.objects.filter(household_id__in=household_ids, left_on__isnull=True).values_list("person_id", flat=True)
    )


def org_units_visible_to(*, access: Access) -> QuerySet[OrgUnit]:
    """Every unit under any of the user's bindings, whatever the role (names are not personal)."""
    if access.user is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(access.org_q(Role.values)).select_related("kind")


def people_visible_to(*, access: Access) -> QuerySet[Person]:
    """Staff see everyone in their subtrees; a member sees themself and their household."""
    if access.user is None:
        return Person.objects.none()
    own = [access.person_id] if access.person_id else []
    condition = access.org_q(STAFF_ROLES, "org__path") | Q(pk__in=own + _own_household_person_ids(access))
    return Person.objects.filter(condition).select_related("org")


def households_visible_to(*, access: Access) -> QuerySet[Household]:
    if access.user is None:
        return Household.objects.none()
    own = HouseholdMember.objects.filter(person_id=access.person_id or 0, left_on__isnull=True).values("household_id")
    condition = access.org_q(STAFF_ROLES, "org__path") | Q(pk__in=own)
    return Household.objects.filter(condition).select_related("org", "village", "subject", "head")


def units_visible_to(*, access: Access) -> QuerySet[Unit]:
    if access.user is None:
        return Unit.objects.none()
    return Unit.objects.filter(access.org_q(STAFF_ROLES, "org__path")).select_related("org", "contact")


def role_bindings_visible_to(*, access: Access) -> QuerySet[RoleBinding]:
    """Org admins see the bindings in their subtrees; everyone sees their own."""
    if access.user is None:
        return RoleBinding.objects.none()
    condition = access.org_q(ADMIN_ROLES, "org__path") | Q(user=access.user)
    return RoleBinding.objects.filter(condition).select_related("org", "user")


def role_grant_refusal(*, access: Access, org: OrgUnit, role: str, points_limit: int | None) -> str | None:
    """Why `access` may not grant `role` with `points_limit` at `org` (None: they may).

    Only org admins grant, only inside their subtrees, never a role above their own there,
    and never a points limit above their own largest limit there.
    """
    if not access.covers(org.path, ADMIN_ROLES):
        return "outside_subtree"
    if role in Role.values and ROLE_RANK[Role(role)] > access.rank_over(org.path):
        return "role_above_own"
    if points_limit is not None and not access.is_platform:
        own = access.points_limit_over(org.path)
        if own is None or points_limit > own:
            return "points_limit_above_own"
    return None


def role_revoke_refusal(*, access: Access, binding: RoleBinding) -> str | None:
    """Why `access` may not revoke `binding` (None: they may): outside their subtree, above
    their own role there, or their own binding (another admin must do that, so nobody locks
    themself out by mistake)."""
    if access.user is not None and binding.user_id == access.user.pk:
        return "own_binding"
    if not access.covers(binding.org.path, ADMIN_ROLES):
        return "outside_subtree"
    if ROLE_RANK[Role(binding.role)] > access.rank_over(binding.org.path):
        return "role_above_own"
    return None


def user_administered_by(*, access: Access, user: Any) -> bool:
    """Whether `access` is an admin over every part of `user`: their person and every binding.

    Used for acting on another user's account (their API tokens): an org admin may not reach
    a user who also holds roles elsewhere or above the admin's own.
    """
    if access.user is None:
        return False
    if access.is_platform:
        return True
    if getattr(user, "is_superuser", False):
        return False
    reached = False
    person = getattr(user, "person", None)
    if person is not None:
        if not access.covers(person.org.path, ADMIN_ROLES):
            return False
        reached = True
    for role, path in _active_bindings(user).values_list("role", "org__path"):
        if not access.covers(path, ADMIN_ROLES) or ROLE_RANK[Role(role)] > access.rank_over(path):
            return False
        reached = True
    return reached


def own_subject_ids_for(access: Access) -> list[int]:
    """Subjects that are the caller's own: themself, their household, its current members and
    units they are the contact of (what a member may see the detail of)."""
    if access.person_id is None:
        return []
    person_ids = [access.person_id, *_own_household_person_ids(access)]
    ids = set(Person.objects.filter(pk__in=person_ids).values_list("subject_id", flat=True))
    ids |= set(
        HouseholdMember.objects.filter(person_id=access.person_id, left_on__isnull=True).values_list(
            "household__subject_id", flat=True
        )
    )
    ids |= set(Unit.objects.filter(contact_id=access.person_id).values_list("subject_id", flat=True))
    return sorted(ids)


def subjects_visible_to(*, access: Access, roles: Iterable[str] = STAFF_ROLES) -> QuerySet[Subject]:
    """Subjects (people, households, units) under the caller's bindings of `roles`, plus their own."""
    if access.user is None:
        return Subject.objects.none()
    condition = access.org_q(roles, "org__path") | Q(pk__in=own_subject_ids_for(access))
    return Subject.objects.filter(condition).select_related("org")
