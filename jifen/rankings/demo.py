"""Demo step of the rankings app: each part of the app adds its own (see demo_rewards)."""

from __future__ import annotations

from jifen.core.demo import DemoContext


def build(ctx: DemoContext) -> None:
    from jifen.rankings import demo_rewards

    demo_rewards.build(ctx)
