"""Demo: fixed points, base points, a closed year with reward lists, one party evaluation."""

from __future__ import annotations

from jifen.core.demo import DemoContext


def build(ctx: DemoContext) -> None:
    ctx.say("  奖励演示待补 / rewards demo pending")
