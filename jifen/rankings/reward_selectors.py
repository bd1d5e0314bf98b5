"""Reads of reward lists and points runs, scoped to who is asking (the API starts here)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jifen.orgs.selectors import STAFF_ROLES
from jifen.rankings.models import PointsRun, PointsRunLine, RewardLine, RewardList


def reward_lists_visible_to(*, access: Any) -> QuerySet[RewardList]:
    """Reward lists of schemes adopted inside the caller's staff subtrees (they name many people)."""
    if access.user is None:
        return RewardList.objects.none()
    return RewardList.objects.filter(access.org_q(STAFF_ROLES, "scheme__org__path")).select_related("scheme", "scheme__org")


def reward_lines(*, reward_list: RewardList) -> QuerySet[RewardLine]:
    return RewardLine.objects.filter(reward_list=reward_list).select_related("subject", "org").order_by("order", "pk")


def points_runs_visible_to(*, access: Any) -> QuerySet[PointsRun]:
    if access.user is None:
        return PointsRun.objects.none()
    return PointsRun.objects.filter(access.org_q(STAFF_ROLES, "scheme__org__path")).select_related("scheme", "scheme__org")


def points_run_lines(*, run: PointsRun) -> QuerySet[PointsRunLine]:
    return PointsRunLine.objects.filter(run=run).select_related("subject").order_by("pk")
