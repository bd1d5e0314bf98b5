from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from jifen.core.management.commands.serve import serve


class Command(BaseCommand):
    help = "一键启动：迁移数据库、空库时载入小型演示县、启动服务 / migrate, load the small demo county if empty, serve"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-demo", action="store_true", help="空库时也不载入演示数据 / never load the demo")

    def handle(self, *args: Any, **options: Any) -> None:
        from jifen.orgs.models import OrgUnit

        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("数据库已就绪 / database ready\n")
        if not options["no_demo"] and not OrgUnit.objects.exists():
            self.stdout.write("空数据库，正在载入小型演示县… / empty database, loading the small demo county…\n")
            call_command("demo", size="small", seed=1, stdout=self.stdout)
        serve(host=options["host"], port=options["port"], threads=options["threads"], stdout=self.stdout)
