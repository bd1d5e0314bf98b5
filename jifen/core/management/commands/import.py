from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.module_loading import import_string

from jifen.core.context import RequestContext, acting
from jifen.core.errors import JifenError
from jifen.core.registry import importers


class Command(BaseCommand):
    help = "从 Excel 导入（people 人员户籍、catalog 积分细则、attendance 出勤…），全部成功才写入 / import from xlsx, all or nothing"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", help="people | catalog | attendance …")
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", help="组织路径，如 demo/xinan/shahe / org unit path")
        parser.add_argument("--scheme", help="积分方案编号 / scheme code")
        parser.add_argument("--month", help="月份 YYYY-MM（出勤导入）/ month for attendance")
        parser.add_argument("--dry-run", action="store_true", help="只检查不写入 / check only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = importers()
        kind = options["kind"]
        if kind not in kinds:
            raise CommandError(f"未知导入类型 / unknown kind {kind!r}; 可用 / available: {', '.join(sorted(kinds))}")
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"文件不存在 / file not found: {path}")
        fn = import_string(kinds[kind])
        try:
            with acting(RequestContext(channel="cli")):
                report = fn(path=path, options=options)
        except JifenError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.render() + "\n")
        if not report.ok:
            sys.exit(1)
