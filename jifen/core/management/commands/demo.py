from __future__ import annotations

import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.core.context import RequestContext, acting
from jifen.core.demo import SIZES, DemoContext
from jifen.core.registry import demo_steps


class Command(BaseCommand):
    help = "生成演示县（small / county / large），同一种子结果相同 / build a demo county, deterministic for a seed"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", choices=SIZES, default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--until", metavar="APP",
            help="只生成到该应用的步骤为止（如 orgs）/ stop after this app's step (e.g. orgs): people only, no claims or shop",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from jifen.orgs.models import OrgUnit

        # A fresh data directory has no tables yet; `jifen demo` should work there on its own.
        call_command("migrate", interactive=False, verbosity=0)
        if OrgUnit.objects.exists():
            raise CommandError("数据库已有组织数据，演示数据只能载入空库 / the database already has org units; the demo loads into an empty database only")
        steps = list(demo_steps())
        labels = [label for label, _ in steps]
        if options["until"]:
            if options["until"] not in labels:
                raise CommandError(f"没有这个演示步骤：{options['until']}（可选 {', '.join(labels)}）/ no such demo step; choose one of {', '.join(labels)}")
            steps = steps[: labels.index(options["until"]) + 1]
        ctx = DemoContext(size=options["size"], seed=options["seed"], stdout=self.stdout)
        started = time.monotonic()
        with acting(RequestContext(channel="demo")):
            for label, step in steps:
                t0 = time.monotonic()
                step(ctx)
                ctx.say(f"  [{label}] {time.monotonic() - t0:.1f}s")
        ctx.say(f"演示县已生成 / demo county ready ({ctx.size}, seed {ctx.seed}) in {time.monotonic() - started:.1f}s")
