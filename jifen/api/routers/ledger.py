"""Ledger reads: accounts, statements (postings, paginated), balances per period, and
`ledger verify` for platform admins. Nothing here writes: postings come from the services
of claims, rankings and the market."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from ninja import Query, Router

from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.ledger import (
    AccountFilter,
    AccountOut,
    BalanceFilter,
    BalanceOut,
    PostingOut,
    StatementFilter,
    VerifyFilter,
    VerifyOut,
)
from jifen.api.scoping import access, visible, visible_org
from jifen.core import clock
from jifen.core.errors import PermissionDenied
from jifen.ledger.amounts import to_points
from jifen.ledger.models import Account
from jifen.ledger.selectors import accounts_visible_to, balance_units, postings_of, score_of
from jifen.ledger.verify import ledger_verify
from jifen.orgs.models import subtree_q
from jifen.rules.models import Scheme

router = Router(tags=["ledger 账本"])


def _day(day: dt.date) -> dt.date:
    # Far-off dates cannot be cut into periods or converted to UTC; nobody means them.
    return min(max(day, dt.date(1900, 1, 1)), dt.date(9000, 1, 1))


def _start_of(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(_day(day), dt.time(), zone)


def account_out(account: Account) -> dict[str, Any]:
    subject = account.subject
    return {
        "id": account.pk, "scheme_id": account.scheme_id, "scheme_code": account.scheme.code, "subject_id": account.subject_id,
        "subject_name": subject.name, "subject_kind": subject.kind, "org_id": subject.org_id,
        "points_scale": account.scheme.points_scale, "non_negative": account.non_negative,
    }


def visible_account(request: HttpRequest, account_id: int) -> Account:
    return visible(accounts_visible_to(access=access(request)), account_id, what="积分账户", what_en="account")


@router.get("/accounts", response=Page[AccountOut])
def accounts_list(request: HttpRequest, page: Query[PageIn], filters: Query[AccountFilter]) -> Any:
    """积分账户：工作人员看到其下级的，成员看到本人与本户的 / staff: their subtrees; members: own and household."""
    qs = accounts_visible_to(access=access(request))
    if filters.scheme_id is not None:
        qs = qs.filter(scheme_id=filters.scheme_id)
    if filters.subject_id is not None:
        qs = qs.filter(subject_id=filters.subject_id)
    if filters.org_id is not None:
        qs = qs.filter(subtree_q(visible_org(request, filters.org_id).path, "subject__org__path"))
    return page_of(qs.order_by("scheme__code", "subject__name", "pk"), page, account_out)


@router.get("/accounts/{account_id}", response=AccountOut)
def account_detail(request: HttpRequest, account_id: Id) -> Any:
    return account_out(visible_account(request, account_id))


@router.get("/accounts/{account_id}/postings", response=Page[PostingOut])
def account_statement(request: HttpRequest, account_id: Id, page: Query[PageIn], filters: Query[StatementFilter]) -> Any:
    """积分明细，新的在前，每条带记账后余额 / the statement, newest first, each line with the balance after it."""
    account = visible_account(request, account_id)
    scheme = account.scheme
    zone = ZoneInfo(scheme.time_zone)
    qs = postings_of(account=account)
    if filters.since is not None:
        qs = qs.filter(transaction__occurred_at__gte=_start_of(filters.since, zone))
    if filters.until is not None:
        qs = qs.filter(transaction__occurred_at__lt=_start_of(filters.until, zone))
    # The balance after the newest line shown: everything, minus the lines newer than this page
    # and those after `until`.
    running = balance_units(account=account)
    newer = postings_of(account=account)
    if filters.until is not None:
        running -= sum(newer.filter(transaction__occurred_at__gte=_start_of(filters.until, zone)).values_list("amount", flat=True))
    running -= sum(qs.values_list("amount", flat=True)[: page.offset])
    scale = scheme.points_scale
    state = {"running": running}

    def line(posting: Any) -> dict[str, Any]:
        tx = posting.transaction
        after = state["running"]
        state["running"] -= posting.amount
        return {
            "transaction_id": tx.pk, "line": posting.line, "occurred_at": tx.occurred_at, "recorded_at": tx.recorded_at,
            "kind": posting.kind, "amount": str(to_points(posting.amount, scale)), "balance_after": str(to_points(after, scale)),
            "counts_in_score": posting.counts_in_score, "reason": tx.reason, "source_type": tx.source_type,
            "source_id": tx.source_id,
            "actor_name": (tx.actor.get_full_name() or tx.actor.get_username()) if tx.actor is not None else "系统",
            "reverses_id": tx.reverses_id,
        }

    return page_of(qs, page, line)


@router.get("/accounts/{account_id}/balance", response=BalanceOut)
def account_balance(request: HttpRequest, account_id: Id, filters: Query[BalanceFilter]) -> Any:
    """某周期的积分（score）与可用积分（balance） / the period's score and spendable points."""
    account = visible_account(request, account_id)
    on = _day(filters.on) if filters.on else clock.now().astimezone(ZoneInfo(account.scheme.time_zone)).date()
    scale = account.scheme.points_scale
    return {
        "account_id": account.pk, "grain": filters.grain, "on": on,
        "score": str(score_of(account=account, grain=filters.grain, on=on)),
        "balance": str(to_points(balance_units(account=account, grain=filters.grain, on=on), scale)),
    }


@router.get("/ledger/verify", response=VerifyOut)
def ledger_verify_report(request: HttpRequest, filters: Query[VerifyFilter]) -> Any:
    """核对整本账（平台管理员）：借贷平衡、余额、幂等键 / check the whole ledger (platform admins)."""
    if not access(request).is_platform:
        raise PermissionDenied("只有平台管理员可以核对账本", "only platform admins may verify the ledger", code="forbidden")
    scheme = None
    if filters.scheme_id is not None:
        scheme = visible(Scheme.objects.all(), filters.scheme_id, what="积分方案", what_en="scheme")
    report = ledger_verify(scheme=scheme, limit=200)
    return {
        "ok": report.ok, "transactions": report.transactions, "postings": report.postings, "balances": report.balances,
        "mismatches": [
            {"code": m.code, "zh": m.zh, "en": m.en, "detail": json.loads(json.dumps(m.detail, cls=DjangoJSONEncoder))}
            for m in report.mismatches
        ],
        "truncated": report.truncated, "summary": report.summary(),
    }
