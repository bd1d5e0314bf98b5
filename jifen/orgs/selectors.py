from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from jifen.core import clock
from jifen.core.errors import NotFound
from jifen.orgs.models import (
    ROLE_RANK,
    Household,
    OrgUnit,
    Person,
    Role,
    RoleBinding,
    Subject,
    ancestor_paths,
    subtree_q,
)


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
