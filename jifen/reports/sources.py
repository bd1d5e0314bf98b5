"""Figures the monthly report and the dashboards take from apps built alongside this one.

Redemptions come from `jifen.market`, visits and villagers' issues from `jifen.grid`. Each
source is one function returning {village_id: figures} for a set of villages, or None while the
app that provides the figures is not installed; the reports then show "not available" rather
than a made-up zero.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jifen.orgs.models import OrgUnit


def redemptions(*, villages: list[OrgUnit], start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, Any]] | None:
    """Per village: redemptions, points redeemed, people who redeemed, and the share of residents who did."""
    return None


def grid_work(*, villages: list[OrgUnit], start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, Any]] | None:
    """Per village: home visits done in the month, villagers' issues open and overdue at its end."""
    return None
