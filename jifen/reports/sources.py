"""Figures the monthly report and the dashboards take from apps built alongside this one.

Redemptions come from `jifen.market`, visits and villagers' issues from `jifen.grid`. Each
source is one function returning {village_id: figures} for every village of a subtree in a few
grouped queries, or None while the app that keeps those records is not installed; the reports
then say "no figures" rather than show a made-up zero. The definitions follow the apps' own
selectors (`jifen.market.selectors.redemption_rate`, `jifen.grid.selectors.issues_open_overdue`),
grouped by village instead of asked once per village; tests hold them equal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum

from jifen.orgs.models import subtree_q

if TYPE_CHECKING:
    from jifen.reports.selectors import Subtree


def _local_day(at: dt.datetime) -> dt.date:
    # start and end are local midnights in the report zone: their date is the local day.
    return at.date()


def redemptions(*, tree: Subtree, start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, Any]] | None:
    """Per village: redemptions, points redeemed, people and households who redeemed in [start, end)."""
    try:
        from jifen.market.models import Redemption
    except ImportError:
        return None
    from jifen.reports.selectors import points_text
    from jifen.rules.models import Scheme

    root = tree.root.path
    of = tree.village_of
    out = {v.pk: {"redemptions": 0, "points": Decimal(0), "people_redeemed": 0, "households_redeemed": 0} for v in tree.villages}
    done = Redemption.objects.filter(
        status=Redemption.Status.COMPLETED, day__gte=_local_day(start), day__lt=_local_day(end)
    )
    people = (
        done.filter(subtree_q(root, "person__org__path"), person__is_active=True, person__subject__is_active=True)
        .values("person__org_id")
        .annotate(n=Count("person_id", distinct=True))
    )
    for row in people:
        if (village := of.get(row["person__org_id"])) in out:
            out[village]["people_redeemed"] += row["n"]
    households = (
        done.filter(
            subtree_q(root, "household__household__org__path"), household__is_active=True, household__household__is_active=True
        )
        .values("household__household__org_id")
        .annotate(n=Count("household_id", distinct=True))
    )
    for row in households:
        if (village := of.get(row["household__household__org_id"])) in out:
            out[village]["households_redeemed"] += row["n"]
    baskets = list(
        done.filter(subtree_q(root, "subject__org__path"))
        .values("subject__org_id", "scheme_id")
        .annotate(n=Count("pk"), units=Sum("total_units"))
    )
    schemes = {s.pk: s for s in Scheme.objects.filter(pk__in={r["scheme_id"] for r in baskets}).only("pk", "points_scale")}
    for row in baskets:
        if (village := of.get(row["subject__org_id"])) in out:
            out[village]["redemptions"] += row["n"]
            out[village]["points"] += schemes[row["scheme_id"]].from_units(int(row["units"]))
    for figures in out.values():
        figures["points"] = points_text(figures["points"])
    return out


def grid_work(*, tree: Subtree, start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, Any]] | None:
    """Per village: home visits in [start, end), households visited, issues raised in the month,
    and issues open and overdue at the month's end."""
    try:
        from jifen.grid.models import Issue, Visit
    except ImportError:
        return None
    root = tree.root.path
    of = tree.village_of
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    for v in tree.villages:
        out[v.pk] = {"visits": 0, "households_visited": 0, "issues_raised": 0, "issues_open": 0, "issues_overdue": 0}
    visits = (
        Visit.objects.filter(subtree_q(root, "grid__path"), visited_on__gte=_local_day(start), visited_on__lt=_local_day(end))
        .values("grid_id")
        .annotate(n=Count("pk"), households=Count("household_id", distinct=True))
    )
    for row in visits:
        if (village := of.get(row["grid_id"])) in out:
            out[village]["visits"] += row["n"]
            out[village]["households_visited"] += row["households"]
    # Open at the instant the month ended (created by then, not closed by then), as grid's own count.
    issues = (
        Issue.objects.filter(subtree_q(root, "grid__path"), created_at__lte=end)
        .values("grid_id")
        .annotate(
            raised=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
            open=Count("pk", filter=Q(closed_at__isnull=True) | Q(closed_at__gt=end)),
            overdue=Count("pk", filter=(Q(closed_at__isnull=True) | Q(closed_at__gt=end)) & Q(deadline__lt=end)),
        )
    )
    for row in issues:
        if (village := of.get(row["grid_id"])) in out:
            out[village]["issues_raised"] += row["raised"]
            out[village]["issues_open"] += row["open"]
            out[village]["issues_overdue"] += row["overdue"]
    return dict(out)
