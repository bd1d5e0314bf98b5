"""`jifen tick` task for grids: escalate overdue villagers' issues (grid leader, then township)."""

from __future__ import annotations

import datetime as dt

from jifen.grid import services


def escalate_overdue_issues(*, now: dt.datetime) -> str:
    to_leader, to_township = services.issues_escalate_overdue(now=now)
    return f"逾期民情升级：至网格长 {to_leader} 件，至乡镇 {to_township} 件 / overdue issues escalated: {to_leader} to grid leaders, {to_township} to townships"
