from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jifen.core import clock
from jifen.core.context import RequestContext, acting
from jifen.core.registry import tick_tasks


class Command(BaseCommand):
    help = "执行所有到期工作（公示期满入账、固定积分、逾期升级…），可每分钟运行 / run all due work; safe every minute and concurrently"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="假定的当前时间 ISO 8601，用于测试与补跑 / pretend it is this time (ISO 8601)")

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.parse_aware(options["now"]) if options["now"] else clock.now()
        with acting(RequestContext(channel="tick")), clock.frozen(now):
            for name, task in tick_tasks():
                summary = task(now=now)
                self.stdout.write(f"{name}: {summary}\n")
