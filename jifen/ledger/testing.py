"""Helpers for tests that need a scheme and some ledger accounts (ledger's and other apps')."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from jifen.ledger import services
from jifen.ledger.models import Account, Transaction
from jifen.ledger.services import Leg
from jifen.orgs.models import OrgUnit
from jifen.rules.models import Scheme

SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_scheme(org: OrgUnit, code: str = "shahe-points", **fields: object) -> Scheme:
    """A scheme row without the rules app's services (which may not exist yet)."""
    fields.setdefault("name", "沙河村积分制")
    fields.setdefault("time_zone", "Asia/Shanghai")
    return Scheme.objects.create(code=code, org=org, **fields)


def local(*args: int) -> dt.datetime:
    """An aware datetime in Asia/Shanghai: local(2026, 3, 31, 23, 30)."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def award(
    *, scheme: Scheme, account: Account, points: int, key: str, at: dt.datetime, actor: object = None,
    kind: str = "award", reason: str = "测试奖分", counter: str = Account.Kind.ISSUANCE,
) -> Transaction:
    """Post `points` of `kind` to `account` against a system account (negative for deduct)."""
    other = services.system_account(scheme=scheme, kind=counter)
    return services.transaction_post(
        scheme=scheme, key=key, source_type="manual", source_id="", actor=actor, occurred_at=at, reason=reason,
        legs=[Leg(account=account, amount=points, kind=kind), Leg(account=other, amount=-points, kind=kind)],
    )


def ledger_snapshot() -> tuple:
    """Everything the ledger stores, to assert that a refused action changed nothing."""
    from jifen.core.models import AuditEvent
    from jifen.ledger.models import Balance, Posting

    return (
        list(Transaction.objects.order_by("pk").values_list("pk", "key")),
        list(Posting.objects.order_by("transaction_id", "line").values_list("transaction_id", "line", "account_id", "amount")),
        list(Balance.objects.order_by("bucket", "account_id").values_list("bucket", "account_id", "score", "balance")),
        list(Account.objects.order_by("pk").values_list("pk", "subject_id", "kind")),
        AuditEvent.objects.count(),
    )
