from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from jifen.core.context import RequestContext, acting
from jifen.core.errors import JifenError
from jifen.core.registry import exporters


class Command(BaseCommand):
    help = "导出为 Excel（people、catalog、rewards…），格式与导入相同 / export to xlsx in the import layout"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="people | catalog | …")
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", help="组织路径 / org unit path")
        parser.add_argument("--scheme", help="积分方案编号 / scheme code")
        parser.add_argument("--period", help="期间，如 2026、2026-Q3、2026-11 / period")
        parser.add_argument("--unmasked", action="store_true", help="导出完整身份证号和手机号（仅管理员，记入审计）/ full ID and phone numbers (admins only, audited)")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = exporters()
        kind = options["kind"]
        if kind not in kinds:
            raise CommandError(f"未知导出类型 / unknown kind {kind!r}; 可用 / available: {', '.join(sorted(kinds))}")
        fn = import_string(kinds[kind])
        try:
            with acting(RequestContext(channel="cli")):
                summary = fn(path=options["file"], options=options)
        except JifenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{summary}\n")
