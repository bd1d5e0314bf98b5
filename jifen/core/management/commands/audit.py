from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.core.audit import MIN_RETENTION_DAYS, audit_prune
from jifen.core.context import RequestContext, acting
from jifen.core.errors import JifenError


class Command(BaseCommand):
    help = f"审计日志维护：prune 删除早于 N 天（≥{MIN_RETENTION_DAYS}）的记录 / audit log upkeep: prune rows older than N days (≥{MIN_RETENTION_DAYS})"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        prune = sub.add_parser("prune", help="删除过期审计记录（本身也记审计） / delete old audit rows (itself audited)")
        prune.add_argument(
            "--older-than-days", type=int, default=MIN_RETENTION_DAYS,
            help=f"保留天数，不少于 {MIN_RETENTION_DAYS}（等保2.0） / days to keep, at least {MIN_RETENTION_DAYS} (MLPS 2.0)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with acting(RequestContext(channel="cli")):
            try:
                deleted = audit_prune(actor=None, older_than_days=options["older_than_days"])
            except JifenError as exc:
                raise CommandError(f"{exc.zh} / {exc.en}") from None
        self.stdout.write(f"已删除 {deleted} 条审计记录 / deleted {deleted} audit row(s)\n")
