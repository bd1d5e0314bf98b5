from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jifen.market.models import FundMovement, Redemption, StockMovement
from jifen.market.selectors import market_verify


class Command(BaseCommand):
    help = "积分超市：核对库存、资金与兑换入账（verify） / points shop: check stock, funds and redemption postings"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="verify")
        sub.add_parser(
            "verify",
            help="库存与资金流水逐笔连续、不为负，每笔兑换恰好入账一次；有问题时列出并以 1 退出 / "
            "stock and fund movements add up and never go negative, each redemption is posted once; "
            "list every problem and exit 1, or print a summary and exit 0",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = market_verify()
        for problem in problems:
            self.stdout.write("✗ " + problem + "\n")
        if problems:
            self.stdout.write(f"积分超市核对发现 {len(problems)} 处问题 / {len(problems)} problem(s) found\n")
            sys.exit(1)
        self.stdout.write(
            f"积分超市核对无误：{Redemption.objects.count()} 笔兑换、{StockMovement.objects.count()} 条库存流水、"
            f"{FundMovement.objects.count()} 条资金流水 / market verified: all consistent\n"
        )
