"""Reads of the programme: who sees which programme and application, and the published result."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jifen.orgs.models import OrgUnit, Role, ancestor_paths, subtree_q
from jifen.orgs.selectors import access_for
from jifen.programme.models import Application, Programme

APPLICANT_ROLES = (Role.REVIEWER, Role.ORG_ADMIN)


def programmes_visible_to(*, user: Any) -> QuerySet[Programme]:
    """Programmes run by a unit above or at any of the user's units, or inside their subtrees."""
    access = access_for(user)
    if access.user is None:
        return Programme.objects.none()
    if access.is_platform:
        return Programme.objects.all()
    above: set[str] = set()
    for _, path, _limit in access.bindings:
        above.update(ancestor_paths(path))
    return Programme.objects.filter(Q(org__path__in=sorted(above)) | access.org_q(Role.values, "org__path"))


def applications_visible_to(*, user: Any) -> QuerySet[Application]:
    """A village's cadres see its application; county and city admins those in their subtrees."""
    access = access_for(user)
    if access.user is None:
        return Application.objects.none()
    return Application.objects.filter(access.org_q(APPLICANT_ROLES, "village__path")).select_related(
        "programme", "programme__org", "village", "county"
    )


def counties_administered(*, user: Any, programme: Programme) -> list[OrgUnit]:
    access = access_for(user)
    counties = OrgUnit.objects.filter(subtree_q(programme.org.path), kind__code="county").order_by("path")
    return [c for c in counties if access.covers(c.path, [Role.ORG_ADMIN])]


def villages_user_may_apply_for(*, user: Any, programme: Programme, limit: int = 50) -> list[OrgUnit]:
    """Villages in the programme's area whose cadres the user is: a binding at the village or at
    its township (a township cadre applies for its villages; county and city admins do not)."""
    access = access_for(user)
    if access.user is None:
        return []
    roots = [
        path for role, path, _ in access.bindings
        if role in APPLICANT_ROLES and (path == programme.org.path or path.startswith(programme.org.path + "/"))
    ]
    if not roots:
        return []
    units = OrgUnit.objects.filter(path__in=roots).select_related("kind")
    condition = Q(pk__in=[])
    for unit in units:
        if unit.kind.code in ("village", "community"):
            condition |= Q(pk=unit.pk)
        elif unit.kind.code == "township":
            condition |= Q(parent=unit)
    return list(OrgUnit.objects.filter(condition, kind__code__in=["village", "community"]).order_by("path")[:limit])


def published_result(programme: Programme) -> list[Application]:
    """The ranked shortlist once published (公示): village, county, total score, selected or not."""
    if programme.state == Programme.State.OPEN:
        return []
    return list(
        Application.objects.filter(programme=programme, rank__isnull=False).select_related("village", "county").order_by("rank")
    )
