"""Demo step: the county designates its pilot villages (篇2: 10个试点村) so the dashboards show
both targets (70% for pilots, 50% for the others).

Reads "villages" (villages and communities) and "admin" (a platform admin) from `ctx.data`.
"""

from __future__ import annotations

from jifen.core.demo import DemoContext
from jifen.reports.selectors import VILLAGE_KINDS
from jifen.reports.services import pilot_village_set

PILOTS = 10


def build(ctx: DemoContext) -> None:
    villages = sorted((v for v in ctx.data.get("villages", []) if v.kind.code == VILLAGE_KINDS[0]), key=lambda v: v.path)
    admin = ctx.data.get("admin")
    if not villages or admin is None:
        ctx.say("  报表/reports: 没有村，跳过 / no villages, skipped")
        return
    # Spread over the townships: every n-th village in path order, the same ones on every run.
    step = max(1, len(villages) // PILOTS)
    pilots = villages[::step][:PILOTS]
    for village in pilots:
        pilot_village_set(actor=admin, village=village, pilot=True)
    ctx.say(f"  报表/reports: {len(pilots)} 个试点村/pilot villages")
