"""Snapshots for asserting that a refused action wrote nothing."""

from __future__ import annotations

from jifen.core.models import AuditEvent
from jifen.ledger.models import Account, Balance, Posting, Transaction
from jifen.market.models import Fund, FundMovement, Redemption, RedemptionLine, Shop, StockMovement


def snapshot() -> dict[str, object]:
    return {
        "redemptions": Redemption.objects.count(),
        "redemption_lines": RedemptionLine.objects.count(),
        "stock_movements": StockMovement.objects.count(),
        "fund_movements": FundMovement.objects.count(),
        "funds": Fund.objects.count(),
        "transactions": Transaction.objects.count(),
        "postings": Posting.objects.count(),
        "balances": sorted(Balance.objects.values_list("bucket", "account_id", "balance")),
        "accounts": Account.objects.count(),
        "audit": AuditEvent.objects.count(),
        "receipt_counters": sorted(Shop.objects.values_list("pk", "next_receipt")),
    }
