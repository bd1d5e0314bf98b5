from __future__ import annotations

import datetime as dt
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.core.errors import JifenError
from jifen.ledger import selectors
from jifen.ledger.periods import local_date, scheme_zone
from jifen.ledger.verify import ledger_verify


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期应为 YYYY-MM-DD / expected a date YYYY-MM-DD: {text!r}") from None


class Command(BaseCommand):
    help = "积分账本：核对（verify）与流水（history） / points ledger: verify invariants, show a subject's history"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="verify|history")
        verify = sub.add_parser(
            "verify",
            help="核对账本：借贷平衡、余额与分录一致、分录有交易、幂等键唯一；有问题时列出并以 1 退出 / "
            "check the ledger; list every mismatch and exit 1, or print a summary and exit 0",
        )
        verify.add_argument("--scheme", help="只核对这个积分方案（编号） / only this scheme (code)")
        verify.add_argument(
            "--limit", type=int, default=1000, help="最多列出多少处问题（默认1000） / list at most this many problems"
        )
        history = sub.add_parser(
            "history",
            help="主体的积分流水（含每笔后余额与事由） / a subject's postings with running balance and reasons",
            description=selectors.SUBJECT_REFERENCE_HELP,
        )
        history.add_argument("subject", help=selectors.SUBJECT_REFERENCE_HELP)
        history.add_argument("--scheme", help="积分方案编号（默认该主体的全部方案） / scheme code (default: all)")
        history.add_argument("--since", help="起始日期（含） YYYY-MM-DD / first day, inclusive")
        history.add_argument("--until", help="截止日期（含） YYYY-MM-DD / last day, inclusive")
        history.add_argument("--limit", type=int, default=50, help="最多显示最近多少条（默认50） / most recent N lines")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "verify":
                self.verify(options)
            else:
                self.history(options)
        except JifenError as exc:
            raise CommandError(str(exc)) from None

    def verify(self, options: dict[str, Any]) -> None:
        scheme = selectors.scheme_by_code(options["scheme"]) if options.get("scheme") else None
        report = ledger_verify(scheme=scheme, limit=max(1, options["limit"]))
        for mismatch in report.mismatches:
            self.stdout.write("✗ " + mismatch.line() + "\n")
        if report.truncated:
            self.stdout.write(f"… 另有 {report.truncated} 处未列出 / {report.truncated} more not listed\n")
        self.stdout.write(report.summary() + "\n")
        if not report.ok:
            sys.exit(1)

    def history(self, options: dict[str, Any]) -> None:
        subject = selectors.subject_by_reference(options["subject"])
        scheme = selectors.scheme_by_code(options["scheme"]) if options.get("scheme") else None
        accounts = list(selectors.accounts_of_subject(subject=subject, scheme=scheme))
        if not accounts:
            self.stdout.write(f"{subject.name}（主体 #{subject.pk}）没有积分账户 / has no points account\n")
            return
        for account in accounts:
            zone = scheme_zone(account.scheme)
            since = until = None
            if options.get("since"):
                since = dt.datetime.combine(_date(options["since"]), dt.time(), tzinfo=zone)
            if options.get("until"):
                until = dt.datetime.combine(_date(options["until"]) + dt.timedelta(days=1), dt.time(), tzinfo=zone)
            lines = selectors.statement(account=account, since=since, until=until, limit=options["limit"])
            today = local_date(account.scheme, None)
            self.stdout.write(
                f"== {subject.name}（主体 #{subject.pk}） · {account.scheme.name}（{account.scheme.code}） · 账户 #{account.pk}\n"
                f"   余额 balance {selectors.balance_of(account=account)} · "
                f"本年得分 score this year {selectors.score_of(account=account, grain='year', on=today)} · "
                f"本月得分 this month {selectors.score_of(account=account, grain='month', on=today)}\n"
            )
            if not lines:
                self.stdout.write("   （无流水 / no postings）\n")
                continue
            self.stdout.write(f"   {'日期 date':<17} {'类型 kind':<8} {'积分':>8} {'余额':>8}  事由 reason [来源 source · 交易 tx]\n")
            for line in lines:
                when = line.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                note = f" ↩#{line.reverses_id}" if line.reverses_id else ""
                source = f"{line.source_type}:{line.source_id}" if line.source_id else line.source_type
                self.stdout.write(
                    f"   {when:<17} {line.kind_label:<8} {line.amount:>+8} {line.balance_after:>8}  "
                    f"{line.reason} [{source} · #{line.transaction_id}/{line.line}{note} · {line.actor_name}]\n"
                )
