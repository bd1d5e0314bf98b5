from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.core.context import RequestContext, acting
from jifen.core.errors import JifenError, NotFound
from jifen.rankings.base_points import base_points_post
from jifen.rankings.closing import period_close
from jifen.rankings.fixed_points import fixed_points_post
from jifen.rankings.models import RewardList
from jifen.rankings.rewards import (
    describe_rule,
    reward_lines,
    reward_list_evaluate,
    reward_list_post,
)
from jifen.rankings.rewards_excel import OUTCOME_ZH, yuan
from jifen.rules.selectors import scheme_by_code
from jifen.rules.settings_schema import scheme_settings


class Command(BaseCommand):
    help = (
        "奖励与固定积分：rules 列出奖励规则、evaluate 评定名单、post 奖励积分入账、fixed 固定积分、base 基础分、close 年底清零 / "
        "rewards: list rules, evaluate a list, post its points, fixed points, base points, year-end clearing"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="rules|evaluate|post|fixed|base|close")
        rules = sub.add_parser("rules", help="列出方案的奖励规则及编号 / list the scheme's reward rules")
        rules.add_argument("--scheme", required=True)
        evaluate = sub.add_parser("evaluate", help="评定奖励名单（评定后不再改变）/ evaluate a frozen reward list")
        evaluate.add_argument("--scheme", required=True)
        evaluate.add_argument("--rule", type=int, required=True, help="规则编号（见 rules）/ rule number")
        evaluate.add_argument("--period", required=True, help="如 2026、2026-Q3、2026-11、2025-2026-1 / period")
        post = sub.add_parser("post", help="把名单中的奖励积分入账（只入一次）/ post a list's points rewards (once)")
        post.add_argument("list_id", type=int)
        fixed = sub.add_parser("fixed", help="某月固定积分入账（可重复运行）/ post a month's fixed points (repeatable)")
        fixed.add_argument("--scheme", required=True)
        fixed.add_argument("--month", required=True, help="YYYY-MM")
        base = sub.add_parser("base", help="某年基础分入账（可重复运行）/ grant a year's base points (repeatable)")
        base.add_argument("--scheme", required=True)
        base.add_argument("--year", type=int, required=True)
        close = sub.add_parser("close", help="年底清零并开启新年度 / clear a year and open the next")
        close.add_argument("--scheme", required=True)
        close.add_argument("--year", type=int, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with acting(RequestContext(channel="cli")):
                getattr(self, "do_" + options["action"])(options)
        except JifenError as exc:
            raise CommandError(str(exc)) from None

    def do_rules(self, options: dict[str, Any]) -> None:
        scheme = scheme_by_code(options["scheme"])
        rules = scheme_settings(scheme).reward_rules
        if not rules:
            self.stdout.write("本方案没有奖励规则 / the scheme has no reward rules\n")
        for index, rule in enumerate(rules):
            self.stdout.write(f"{index}: {describe_rule(rule)}\n")

    def do_evaluate(self, options: dict[str, Any]) -> None:
        scheme = scheme_by_code(options["scheme"])
        reward_list = reward_list_evaluate(scheme=scheme, rule_index=options["rule"], period=options["period"])
        self.stdout.write(f"名单 #{reward_list.pk} / list #{reward_list.pk}: {reward_list.period}\n")
        for line in reward_lines(reward_list=reward_list):
            amount = f" {yuan(line.amount_fen)}元" if line.amount_fen else ""
            points = f" +{line.points}分" if line.points else ""
            self.stdout.write(
                f"  {line.rank or '-'} {line.name} {line.score} {OUTCOME_ZH.get(line.outcome, line.outcome)}"
                f"{amount}{points} {line.title} {line.reward} {line.note}".rstrip() + "\n"
            )

    def do_post(self, options: dict[str, Any]) -> None:
        reward_list = RewardList.objects.filter(pk=options["list_id"]).first()
        if reward_list is None:
            raise NotFound(f"找不到名单 #{options['list_id']}", f"no reward list #{options['list_id']}", code="list_not_found")
        result = reward_list_post(reward_list=reward_list, actor=None)
        self.stdout.write(f"已入账 {result.posted} 条 / posted {result.posted} line(s)\n")
        if result.not_posted:
            self.stdout.write(f"没有积分账户、未入账 / no account, not posted: {'、'.join(result.not_posted)}\n")

    def do_fixed(self, options: dict[str, Any]) -> None:
        result = fixed_points_post(scheme=scheme_by_code(options["scheme"]), month=options["month"])
        self.stdout.write(result.describe() + "\n")
        for left in result.left_out[:50]:
            self.stdout.write(f"  {left['name']}: {left['reason']}\n")

    def do_base(self, options: dict[str, Any]) -> None:
        result = base_points_post(scheme=scheme_by_code(options["scheme"]), year=options["year"])
        self.stdout.write(result.describe() + "\n")

    def do_close(self, options: dict[str, Any]) -> None:
        result = period_close(scheme=scheme_by_code(options["scheme"]), year=options["year"])
        self.stdout.write(result.describe() + "\n")
        if not result.created:
            return
        if result.close.accounts == 0:
            self.stdout.write("没有需要清零的余额 / no balance to clear\n")

