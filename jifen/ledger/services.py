"""Every write on the ledger: accounts, transactions, reversals and batches.

Rules that hold on every path:
- a transaction's postings sum to zero, amounts are exact integers in scheme units;
- postings and balance rows are written in the same database transaction;
- the idempotency key is unique per scheme: same key and same content returns the first
  transaction and posts nothing, same key with other content raises IdempotencyMismatch;
- nothing is updated or deleted: a mistake is corrected with `transaction_reverse`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection
from django.db import transaction as db_transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import (
    Conflict,
    IdempotencyMismatch,
    IllegalTransition,
    InvalidInput,
    NotFound,
    field_error,
)
from jifen.ledger import lock_objects
from jifen.ledger.amounts import MAX_UNITS, Points, to_points, to_units
from jifen.ledger.models import SCORE_KINDS, Account, Posting, PostingKind, Transaction
from jifen.ledger.periods import bucket_for
from jifen.orgs.models import OrgUnit, Subject, subtree_q
from jifen.rules.models import Scheme

# Source types in use; any other lower-case slug is accepted so later apps need no change here.
SOURCE_TYPES = ("claim", "slip", "activity", "redemption", "period_close", "fixed", "base", "clearing", "import", "manual")
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

# Kinds whose sign on a subject's account is fixed (expire may go either way: clearing a
# negative balance credits it).
_POSITIVE_KINDS = frozenset({PostingKind.AWARD, PostingKind.FIXED, PostingKind.BASE})
_NEGATIVE_KINDS = frozenset({PostingKind.DEDUCT, PostingKind.REDEEM})

# Up to this many guarded accounts, the non-negative check probes their buckets one by one.
PROBE_LIMIT = 500

# Reversing a transaction with more postings than this takes the scheme's exclusive lock and
# the set-based balance path used by batches.
LARGE_TRANSACTION = 500

_KIND_ZH = dict(PostingKind.choices)


@dataclass(frozen=True)
class Leg:
    """One side of a transaction: `amount` points (int or Decimal, never float) on `account`."""

    account: Account
    amount: Points
    kind: str


@dataclass(frozen=True)
class BulkResult:
    """What a batch did. `transaction` is None when every line had already been posted in its scope."""

    transaction: Transaction | None
    posted: int
    skipped: tuple[int, ...]  # subject ids skipped because their line was already posted in the scope
    total: Points  # sum of the posted lines, in points
    replayed: bool  # True when the key had been posted before and nothing new was written


def counts_in_score(kind: str, scheme: Scheme) -> bool:
    """Award, deduct, fixed and base count in the score; redeem only where the scheme says so."""
    if kind in SCORE_KINDS:
        return True
    if kind == PostingKind.REDEEM:
        return bool(scheme.redemption_lowers_score)
    return False


# --------------------------------------------------------------------------- accounts


def _scheme_org_path(scheme: Scheme) -> str:
    return OrgUnit.objects.filter(pk=scheme.org_id).values_list("path", flat=True).get()


def _default_non_negative(scheme: Scheme) -> bool:
    value = (scheme.settings or {}).get("non_negative_balance", False)
    return value is True


def account_for(*, scheme: Scheme, subject: Subject, actor: Any = None) -> Account:
    """The subject's account in the scheme, opened on first use."""
    existing = Account.objects.filter(scheme=scheme, subject=subject).first()
    if existing is not None:
        return existing
    path = _scheme_org_path(scheme)
    if not OrgUnit.objects.filter(subtree_q(path), pk=subject.org_id).exists():
        raise InvalidInput(
            f"「{subject.name}」不属于方案「{scheme.name}」的组织范围",
            f"{subject.name!r} is outside the org unit of scheme {scheme.code!r}",
            code="subject_outside_scheme",
            detail={"subject": subject.pk, "scheme": scheme.code},
        )
    try:
        with db_transaction.atomic():
            account = Account.objects.create(
                scheme=scheme,
                subject=subject,
                kind=Account.Kind.SUBJECT,
                non_negative=_default_non_negative(scheme),
                created_at=clock.now(),
            )
            audit_record(
                actor=actor, action="ledger.account_open", obj=account, org_path=path,
                summary=f"{scheme.code}: {subject.name}", after={"subject": subject.pk},
            )
    except IntegrityError:
        # Someone opened it at the same moment; theirs is as good as ours.
        return Account.objects.get(scheme=scheme, subject=subject)
    return account


def system_account(*, scheme: Scheme, kind: str) -> Account:
    """The scheme's system account of `kind` (issuance, shop, expiry, dividend), opened on first use."""
    if kind == Account.Kind.SUBJECT or kind not in Account.Kind.values:
        raise InvalidInput(
            f"未知的系统账户类型「{kind}」",
            f"unknown system account kind {kind!r} (expected one of "
            f"{', '.join(k for k in Account.Kind.values if k != Account.Kind.SUBJECT)})",
            code="bad_account_kind",
        )
    existing = Account.objects.filter(scheme=scheme, subject__isnull=True, kind=kind).first()
    if existing is not None:
        return existing
    try:
        with db_transaction.atomic():
            return Account.objects.create(scheme=scheme, subject=None, kind=kind, created_at=clock.now())
    except IntegrityError:
        return Account.objects.get(scheme=scheme, subject__isnull=True, kind=kind)


@db_transaction.atomic
def account_set_non_negative(*, account: Account, non_negative: bool, actor: Any) -> Account:
    """Switch the rule that the account's spendable balance may not go below zero."""
    from jifen.ledger.selectors import balance_units

    locked = lock_objects.accounts_lock([account.pk]).get()
    if non_negative and not locked.non_negative:
        current = balance_units(account=locked)
        if current < 0:
            raise Conflict(
                f"账户当前余额为 {current}，低于零，不能开启“不得为负”",
                f"the balance is {current}, below zero; cannot switch on the non-negative rule",
                code="balance_negative",
                detail={"account": locked.pk, "balance": current},
            )
    Account.objects.filter(pk=locked.pk).update(non_negative=non_negative)
    audit_record(
        actor=actor, action="ledger.account_set_non_negative", obj=locked,
        before={"non_negative": locked.non_negative}, after={"non_negative": non_negative},
    )
    locked.non_negative = non_negative
    return locked


# --------------------------------------------------------------------------- validation


def _clean_key(key: str) -> str:
    key = (key or "").strip() if isinstance(key, str) else ""
    if not key:
        raise field_error("key", "缺少幂等键", "an idempotency key is required")
    if len(key) > 200:
        raise field_error("key", "幂等键过长（最多200字符）", "the idempotency key is too long (200 at most)")
    return key


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise field_error("reason", "请填写入账事由", "a reason is required")
    if len(reason) > 500:
        raise field_error("reason", "事由过长（最多500字）", "the reason is too long (500 characters at most)")
    return reason


def _clean_slug(value: str, field: str, zh: str) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise field_error(field, f"{zh}无效：{value!r}", f"{field} must be a lower-case slug: {value!r}")
    return value


def _clean_source_id(source_id: object) -> str:
    text = "" if source_id is None else str(source_id)
    if len(text) > 64:
        raise field_error("source_id", "来源编号过长（最多64字符）", "source_id is too long (64 at most)")
    return text


def _clean_scope(scope: str) -> str:
    scope = (scope or "").strip() if isinstance(scope, str) else ""
    if len(scope) > 64:
        raise field_error("scope", "去重范围过长（最多64字符）", "scope is too long (64 at most)")
    return scope


_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_MAX_AHEAD = dt.timedelta(days=400)


def _clean_occurred_at(occurred_at: object) -> dt.datetime:
    if not isinstance(occurred_at, dt.datetime):
        raise field_error("occurred_at", "发生时间无效", "occurred_at must be a datetime")
    if occurred_at.tzinfo is None:
        raise field_error("occurred_at", "发生时间缺少时区", "occurred_at must be timezone-aware")
    # Typo guard (2062 for 2026): a period far away is almost certainly a mistake.
    if not _EARLIEST <= occurred_at <= clock.now() + _MAX_AHEAD:
        raise field_error(
            "occurred_at",
            f"发生时间 {occurred_at:%Y-%m-%d} 不在合理范围内（2000年以后、一年之内）",
            f"occurred_at {occurred_at:%Y-%m-%d} is out of range (from 2000 to a year ahead)",
        )
    return occurred_at.astimezone(dt.UTC)


def _clean_kind(kind: object, field: str = "kind") -> str:
    if kind not in PostingKind.values or kind == PostingKind.REVERSAL:
        raise field_error(
            field,
            f"未知的入账类型「{kind}」（冲正请用 transaction_reverse）",
            f"unknown posting kind {kind!r} (reversals go through transaction_reverse)",
        )
    return str(kind)


def _check_sign(kind: str, units: int, where: str) -> None:
    if units == 0:
        raise InvalidInput(f"{where}：积分不能为 0", f"{where}: the amount is zero", code="zero_amount")
    if kind in _POSITIVE_KINDS and units < 0:
        raise InvalidInput(
            f"{where}：{_KIND_ZH[kind]}应为正数", f"{where}: a {kind} posting on a subject is positive", code="bad_sign"
        )
    if kind in _NEGATIVE_KINDS and units > 0:
        raise InvalidInput(
            f"{where}：{_KIND_ZH[kind]}应为负数", f"{where}: a {kind} posting on a subject is negative", code="bad_sign"
        )


def _content_hash(payload: dict[str, Any], extra: bytes = b"") -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str).encode())
    digest.update(extra)
    return digest.hexdigest()


def _replay(*, scheme: Scheme, key: str, content_hash: str) -> Transaction | None:
    """The transaction already posted under `key`, if its content matches; an error if it does not."""
    existing = Transaction.objects.filter(scheme=scheme, key=key).first()
    if existing is None:
        return None
    if existing.content_hash != content_hash:
        raise IdempotencyMismatch(
            f"幂等键「{key}」已用于另一笔内容不同的入账（交易 #{existing.pk}）",
            f"idempotency key {key!r} was already used for different content (transaction #{existing.pk})",
            detail={"key": key, "transaction": existing.pk},
        )
    return existing


def _audit_transaction(*, actor: Any, action: str, tx: Transaction, scheme: Scheme, after: dict[str, Any]) -> None:
    audit_record(
        actor=actor, action=action, obj=tx, org_path=_scheme_org_path(scheme),
        summary=f"{scheme.code} {tx.key}: {tx.reason}", after=after,
    )


# --------------------------------------------------------------------------- balances


def _apply_balances_upsert(tx_id: int) -> None:
    """Add a transaction's postings to the balance rows, safe beside concurrent posters.

    The upsert locks each row it touches, in (bucket, account_id) order, and adds to the latest
    committed value, so concurrent posts to the same account never lose an update.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ledger_balance (bucket, account_id, score, balance)
            SELECT bucket, account_id,
                   SUM(CASE WHEN counts_in_score THEN amount ELSE 0 END), SUM(amount)
            FROM ledger_posting WHERE transaction_id = %s
            GROUP BY bucket, account_id
            ORDER BY bucket, account_id
            ON CONFLICT (bucket, account_id) DO UPDATE
            SET score = ledger_balance.score + excluded.score,
                balance = ledger_balance.balance + excluded.balance
            """,
            [tx_id],
        )


def _apply_balances_exclusive(*, tx_id: int, bucket: dt.date, max_line: int, unique_accounts: bool) -> None:
    """Set-based balance update for big transactions; needs the scheme's exclusive posting lock.

    Rows that exist get one UPDATE … FROM; the rest one plain INSERT … SELECT (no per-row
    conflict check, which costs as much again). Safe only because no other poster of the
    scheme can insert the same (bucket, account) meanwhile.
    """
    source = (
        "SELECT account_id, amount, CASE WHEN counts_in_score THEN amount ELSE 0 END AS score "
        "FROM ledger_posting WHERE transaction_id = %s AND line <= %s"
    )
    if not unique_accounts:
        source = (
            "SELECT account_id, SUM(amount) AS amount, SUM(CASE WHEN counts_in_score THEN amount ELSE 0 END) AS score "
            "FROM ledger_posting WHERE transaction_id = %s AND line <= %s GROUP BY account_id"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE ledger_balance SET score = ledger_balance.score + p.score,
                                      balance = ledger_balance.balance + p.amount
            FROM ({source}) AS p
            WHERE ledger_balance.bucket = %s AND ledger_balance.account_id = p.account_id
            """,
            [tx_id, max_line, bucket],
        )
        updated = cursor.rowcount
        missing = ""
        params: list[Any] = [bucket, tx_id, max_line]
        if updated:
            missing = (
                "WHERE NOT EXISTS (SELECT 1 FROM ledger_balance b "
                "WHERE b.bucket = %s AND b.account_id = p.account_id)"
            )
            params.append(bucket)
        cursor.execute(
            f"""
            INSERT INTO ledger_balance (bucket, account_id, score, balance)
            SELECT %s, p.account_id, p.score, p.amount FROM ({source}) AS p {missing}
            """,
            params,
        )


def _lock_and_check_non_negative_sql(tx_id: int) -> list[int]:
    """Lock the non-negative accounts this transaction lowers; return their ids (in id order)."""
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.id FROM ledger_account a
            WHERE a.non_negative AND a.id IN (
                SELECT account_id FROM ledger_posting WHERE transaction_id = %s
                GROUP BY account_id HAVING SUM(amount) < 0)
            ORDER BY a.id{lock}
            """,
            [tx_id],
        )
        return [row[0] for row in cursor.fetchall()]


def _refuse_negative(*, scheme: Scheme, account_ids: Sequence[int], tx_id: int | None = None) -> None:
    """After writing: any locked non-negative account below zero undoes the whole transaction."""
    if not account_ids:
        return
    from jifen.ledger.selectors import balances_units

    if len(account_ids) <= PROBE_LIMIT or tx_id is None:
        # A few accounts: index probes, bucket by bucket.
        below = {aid: units for aid, units in balances_units(account_ids=account_ids).items() if units < 0}
    else:
        # A batch lowering many guarded accounts (year-end clearing): one pass over the balances.
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT b.account_id, SUM(b.balance) FROM ledger_balance b
                WHERE b.account_id IN (
                    SELECT a.id FROM ledger_account a WHERE a.non_negative AND a.id IN (
                        SELECT account_id FROM ledger_posting WHERE transaction_id = %s
                        GROUP BY account_id HAVING SUM(amount) < 0))
                GROUP BY b.account_id HAVING SUM(b.balance) < 0
                """,
                [tx_id],
            )
            below = dict(cursor.fetchall())
    if not below:
        return
    first_id, first_units = sorted(below.items())[0]
    shown = to_points(first_units, scheme.points_scale)
    raise Conflict(
        f"余额不足：账户 #{first_id} 入账后余额为 {shown}，该账户不得为负（共 {len(below)} 个账户）",
        f"insufficient balance: account #{first_id} would be at {shown}; it may not go below zero "
        f"({len(below)} account(s))",
        code="insufficient_balance",
        detail={"accounts": {aid: str(to_points(u, scheme.points_scale)) for aid, u in sorted(below.items())[:20]}},
    )


# --------------------------------------------------------------------------- single transactions


@db_transaction.atomic
def transaction_post(
    *,
    scheme: Scheme,
    key: str,
    source_type: str,
    source_id: str | int | None,
    actor: Any,
    occurred_at: dt.datetime,
    reason: str,
    legs: Sequence[Leg],
    item_version_id: int | None = None,
    scope: str = "",
) -> Transaction:
    """Post one balanced transaction. Idempotent on `key`; refuses float and unbalanced legs.

    `scope` (optional, e.g. "fixed:2026-03") refuses the post if any subject account in it
    already has a line in a non-reversed transaction of the same scope.
    """
    key = _clean_key(key)
    reason = _clean_reason(reason)
    source_type = _clean_slug(source_type, "source_type", "来源类型")
    source_id = _clean_source_id(source_id)
    occurred_at = _clean_occurred_at(occurred_at)
    scope = _clean_scope(scope)
    if item_version_id is not None and (isinstance(item_version_id, bool) or not isinstance(item_version_id, int)):
        raise field_error("item_version_id", "细则版本编号无效", "item_version_id must be an integer")
    if len(legs) < 2:
        raise InvalidInput("一笔交易至少要有两条分录", "a transaction needs at least two legs", code="too_few_legs")

    scale = scheme.points_scale
    prepared: list[tuple[Account, int, str, bool]] = []
    for number, leg in enumerate(legs, 1):
        where_zh = f"第 {number} 条分录"
        if not isinstance(leg, Leg) or not isinstance(leg.account, Account):
            raise InvalidInput(f"{where_zh}无效", f"leg {number} is not a Leg(account, amount, kind)", code="bad_leg")
        if leg.account.scheme_id != scheme.pk:
            raise InvalidInput(
                f"{where_zh}的账户不属于方案「{scheme.code}」",
                f"leg {number}: account #{leg.account.pk} belongs to another scheme",
                code="account_scheme_mismatch",
            )
        kind = _clean_kind(leg.kind, f"legs[{number}].kind")
        units = to_units(leg.amount, scale, field=f"legs[{number}].amount")
        if leg.account.subject_id is not None:
            _check_sign(kind, units, f"leg {number}")
        elif units == 0:
            raise InvalidInput(f"{where_zh}：积分不能为 0", f"leg {number}: the amount is zero", code="zero_amount")
        prepared.append((leg.account, units, kind, counts_in_score(kind, scheme)))
    total = sum(units for _, units, _, _ in prepared)
    if total != 0:
        raise InvalidInput(
            f"借贷不平：分录合计 {to_points(total, scale)}，应为 0",
            f"the legs sum to {to_points(total, scale)}, not zero",
            code="unbalanced",
        )

    content_hash = _content_hash(
        {
            "source_type": source_type, "source_id": source_id, "item_version_id": item_version_id,
            "occurred_at": occurred_at.isoformat(), "reason": reason, "scope": scope,
            "legs": sorted([a.pk, u, k] for a, u, k, _ in prepared),
        }
    )
    lock_objects.scheme_posting_lock(scheme_id=scheme.pk, exclusive=bool(scope))
    replayed = _replay(scheme=scheme, key=key, content_hash=content_hash)
    if replayed is not None:
        return replayed

    subject_accounts = sorted({a.pk for a, _, _, _ in prepared if a.subject_id is not None})
    if scope and subject_accounts:
        clash = list(
            Posting.objects.filter(
                transaction__scheme=scheme, transaction__scope=scope, transaction__reversed_by__isnull=True,
                account_id__in=subject_accounts,
            ).values_list("account_id", flat=True)[:20]
        )
        if clash:
            raise Conflict(
                f"范围「{scope}」内已为这些账户入账：{clash}",
                f"already posted in scope {scope!r} for account(s) {clash}",
                code="scope_duplicate",
                detail={"scope": scope, "accounts": clash},
            )

    lowered: dict[int, int] = defaultdict(int)
    for account, units, _, _ in prepared:
        lowered[account.pk] += units
    locked = [a.pk for a in lock_objects.accounts_lock([aid for aid, d in lowered.items() if d < 0]).filter(non_negative=True)]

    bucket = bucket_for(scheme, occurred_at)
    try:
        with db_transaction.atomic():
            tx = Transaction.objects.create(
                scheme=scheme, key=key, content_hash=content_hash, source_type=source_type, source_id=source_id,
                item_version_id=item_version_id, actor=actor if getattr(actor, "pk", None) else None,
                occurred_at=occurred_at, recorded_at=clock.now(), reason=reason, scope=scope,
                posting_count=len(prepared),
            )
    except IntegrityError:
        # A concurrent post with the same key committed first (PostgreSQL waits for it).
        replayed = _replay(scheme=scheme, key=key, content_hash=content_hash)
        if replayed is None:
            raise
        return replayed
    Posting.objects.bulk_create(
        Posting(transaction=tx, line=line, account_id=account.pk, amount=units, kind=kind, counts_in_score=flag, bucket=bucket)
        for line, (account, units, kind, flag) in enumerate(prepared, 1)
    )
    _apply_balances_upsert(tx.pk)
    _refuse_negative(scheme=scheme, account_ids=locked)
    _audit_transaction(
        actor=actor, action="ledger.transaction_post", tx=tx, scheme=scheme,
        after={"legs": [[a.pk, k, u] for a, u, k, _ in prepared], "occurred_at": occurred_at.isoformat()},
    )
    return tx


@db_transaction.atomic
def transaction_reverse(
    *, transaction: Transaction, key: str, actor: Any, reason: str, occurred_at: dt.datetime | None = None
) -> Transaction:
    """Post the mirror image of `transaction`, linked to it. Idempotent on `key`.

    By default the reversal takes the original's `occurred_at`, so every period's score and
    balance read as if the mistake had never been posted; pass `occurred_at=clock.now()` to
    book the correction in the current period instead.
    """
    key = _clean_key(key)
    reason = _clean_reason(reason)
    original = Transaction.objects.select_related("scheme").filter(pk=getattr(transaction, "pk", None)).first()
    if original is None:
        raise NotFound("找不到要冲正的交易", "the transaction to reverse does not exist", code="transaction_not_found")
    if original.reverses_id is not None:
        raise IllegalTransition(
            f"交易 #{original.pk} 本身是冲正，不能再冲正；请另行入账",
            f"transaction #{original.pk} is itself a reversal and cannot be reversed; post a new transaction",
            code="reverse_reversal",
        )
    scheme = original.scheme
    occurred_at = _clean_occurred_at(occurred_at) if occurred_at is not None else original.occurred_at
    content_hash = _content_hash({"reverses": original.pk, "occurred_at": occurred_at.isoformat(), "reason": reason})
    large = original.posting_count > LARGE_TRANSACTION
    lock_objects.scheme_posting_lock(scheme_id=scheme.pk, exclusive=large)
    replayed = _replay(scheme=scheme, key=key, content_hash=content_hash)
    if replayed is not None:
        return replayed

    def already_reversed() -> Conflict:
        other = Transaction.objects.filter(reverses=original).values_list("pk", flat=True).first()
        return Conflict(
            f"交易 #{original.pk} 已被交易 #{other} 冲正",
            f"transaction #{original.pk} was already reversed by #{other}",
            code="already_reversed",
            detail={"transaction": original.pk, "reversed_by": other},
        )

    if Transaction.objects.filter(reverses=original).exists():
        raise already_reversed()
    bucket = bucket_for(scheme, occurred_at)
    try:
        with db_transaction.atomic():
            tx = Transaction.objects.create(
                scheme=scheme, key=key, content_hash=content_hash, source_type=original.source_type,
                source_id=original.source_id, item_version_id=original.item_version_id,
                actor=actor if getattr(actor, "pk", None) else None, occurred_at=occurred_at,
                recorded_at=clock.now(), reason=reason, reverses=original, posting_count=original.posting_count,
            )
    except IntegrityError:
        replayed = _replay(scheme=scheme, key=key, content_hash=content_hash)
        if replayed is not None:
            return replayed
        raise already_reversed() from None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ledger_posting (transaction_id, line, account_id, amount, kind, counts_in_score, bucket)
            SELECT %s, line, account_id, -amount, %s, counts_in_score, %s
            FROM ledger_posting WHERE transaction_id = %s
            """,
            [tx.pk, PostingKind.REVERSAL.value, bucket, original.pk],
        )
        if cursor.rowcount != original.posting_count:
            raise Conflict(
                f"交易 #{original.pk} 的分录不完整（{cursor.rowcount}/{original.posting_count}），请先运行 jifen ledger verify",
                f"transaction #{original.pk} has {cursor.rowcount} of {original.posting_count} postings; run jifen ledger verify",
                code="ledger_damaged",
            )
    locked = _lock_and_check_non_negative_sql(tx.pk)
    if large:
        _apply_balances_exclusive(tx_id=tx.pk, bucket=bucket, max_line=original.posting_count, unique_accounts=False)
    else:
        _apply_balances_upsert(tx.pk)
    _refuse_negative(scheme=scheme, account_ids=locked, tx_id=tx.pk)
    _audit_transaction(
        actor=actor, action="ledger.transaction_reverse", tx=tx, scheme=scheme,
        after={"reverses": original.pk, "occurred_at": occurred_at.isoformat()},
    )
    return tx


# --------------------------------------------------------------------------- batches


def _prepare_lines(*, lines: Sequence[tuple[int, Points]], kind: str, scale: int) -> tuple[list[int], list[int]]:
    """Validate a batch's lines in a few C-speed passes; return (subject ids, units)."""
    try:
        if set(map(len, lines)) - {2}:
            raise TypeError
        subjects = [line[0] for line in lines]
        amounts = [line[1] for line in lines]
    except (TypeError, IndexError, KeyError):
        raise InvalidInput(
            "每一行应为（主体编号, 积分）", "each line must be (subject_id, points)", code="bad_line"
        ) from None
    if not subjects:
        raise InvalidInput("批量入账没有任何行", "the batch has no lines", code="empty_batch")
    # set(map(type, …)) runs at C speed; a million-line batch pays milliseconds here.
    if set(map(type, subjects)) != {int}:
        bad = next(i for i, s in enumerate(subjects, 1) if type(s) is not int)
        raise InvalidInput(f"第 {bad} 行：主体编号无效", f"line {bad}: the subject id is not an integer", code="bad_line")
    if min(subjects) < 1 or max(subjects) >= 2**63:
        bad = next(i for i, s in enumerate(subjects, 1) if not 1 <= s < 2**63)
        raise InvalidInput(f"第 {bad} 行：主体编号无效", f"line {bad}: no such subject id", code="bad_line")
    if scale == 0 and set(map(type, amounts)) == {int}:
        units = amounts
    else:
        units = []
        for number, amount in enumerate(amounts, 1):
            try:
                units.append(to_units(amount, scale, field=f"lines[{number}]"))
            except InvalidInput as exc:
                raise InvalidInput(f"第 {number} 行：{exc.zh}", f"line {number}: {exc.en}", code=exc.code) from None
    low, high = min(units), max(units)
    wrong_sign = (kind in _POSITIVE_KINDS and low < 0) or (kind in _NEGATIVE_KINDS and high > 0)
    if wrong_sign or max(-low, high) >= MAX_UNITS or 0 in units:
        for number, value in enumerate(units, 1):
            if abs(value) >= MAX_UNITS:
                raise InvalidInput(f"第 {number} 行：积分数值过大", f"line {number}: the amount is too large", code="amount_too_large")
            _check_sign(kind, value, f"line {number}")
    if len(set(subjects)) != len(subjects):
        seen: set[int] = set()
        for number, subject_id in enumerate(subjects, 1):
            if subject_id in seen:
                raise InvalidInput(
                    f"第 {number} 行：主体 {subject_id} 在本批中重复",
                    f"line {number}: subject {subject_id} appears twice in the batch",
                    code="duplicate_line",
                )
            seen.add(subject_id)
    return subjects, units


def _chunks(items: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _resolve_accounts(*, scheme: Scheme, subjects: Sequence[int]) -> dict[int, int]:
    """subject id → account id for the batch; one scan of the scheme's accounts for big batches."""
    if len(subjects) >= 20_000:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT subject_id, id FROM ledger_account WHERE scheme_id = %s AND subject_id IS NOT NULL", [scheme.pk]
            )
            return dict(cursor.fetchall())
    found: dict[int, int] = {}
    for chunk in _chunks(subjects):
        found.update(Account.objects.filter(scheme=scheme, subject_id__in=chunk).values_list("subject_id", "pk"))
    return found


def _open_accounts(*, scheme: Scheme, subjects: Sequence[int]) -> dict[int, int]:
    """Open accounts, set-based, for those of `subjects` that exist and lie inside the scheme's org."""
    path = _scheme_org_path(scheme)
    opened: dict[int, int] = {}
    chunks = [subjects] if connection.vendor == "postgresql" else _chunks(subjects)
    with connection.cursor() as cursor:
        for chunk in chunks:
            if connection.vendor == "postgresql":
                match, params = "sub.id = ANY(%s::bigint[])", [list(chunk)]
            else:
                match, params = f"sub.id IN ({', '.join(['%s'] * len(chunk))})", list(chunk)
            cursor.execute(
                f"""
                INSERT INTO ledger_account (scheme_id, subject_id, kind, non_negative, created_at)
                SELECT %s, sub.id, %s, %s, %s
                FROM orgs_subject sub JOIN orgs_orgunit o ON o.id = sub.org_id
                WHERE {match} AND (o.path = %s OR (o.path >= %s AND o.path < %s))
                ORDER BY sub.id
                ON CONFLICT DO NOTHING
                RETURNING subject_id, id
                """,
                [scheme.pk, Account.Kind.SUBJECT.value, _default_non_negative(scheme), clock.now(),
                 *params, path, path + "/", path + "0"],
            )
            opened.update(cursor.fetchall())
    return opened


def _already_posted_in_scope(*, scheme: Scheme, scope: str) -> set[int]:
    """Subject ids with a line in a non-reversed transaction of this scope."""
    prior = list(
        Transaction.objects.filter(scheme=scheme, scope=scope, reversed_by__isnull=True).values_list("pk", flat=True)
    )
    if not prior:
        return set()
    return set(
        Posting.objects.filter(transaction_id__in=prior, account__subject__isnull=False).values_list(
            "account__subject_id", flat=True
        )
    )


def _write_batch(
    *, tx_id: int, accounts: Sequence[int], units: Sequence[int], kind: str, flag: bool, bucket: dt.date
) -> None:
    """Postings, then balance rows: COPY on PostgreSQL, executemany on SQLite.

    Needs the scheme's exclusive posting lock: new balance rows go in with a plain COPY/INSERT,
    which is only safe while nobody else can insert the same (bucket, account).
    """
    n = len(accounts)
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_id FROM ledger_balance WHERE bucket = %s", [bucket])
        existing = {row[0] for row in cursor.fetchall()}
        if connection.vendor == "postgresql":
            tail = f"\t{kind}\t{'t' if flag else 'f'}\t{bucket.isoformat()}\n"
            payload = "".join(
                [f"{tx_id}\t{line}\t{a}\t{u}{tail}" for line, a, u in zip(range(1, n + 1), accounts, units, strict=True)]
            )
            with cursor.cursor.copy(
                "COPY ledger_posting (transaction_id, line, account_id, amount, kind, counts_in_score, bucket) FROM STDIN"
            ) as copy:
                copy.write(payload)
            del payload
            day = bucket.isoformat()
            fresh = "".join(
                [f"{day}\t{a}\t{u if flag else 0}\t{u}\n" for a, u in zip(accounts, units, strict=True) if a not in existing]
            )
            with cursor.cursor.copy("COPY ledger_balance (bucket, account_id, score, balance) FROM STDIN") as copy:
                copy.write(fresh)
            if existing:
                touched = [(a, u) for a, u in zip(accounts, units, strict=True) if a in existing]
                if touched:
                    cursor.execute(
                        """
                        UPDATE ledger_balance SET score = ledger_balance.score + CASE WHEN %s THEN u.amount ELSE 0 END,
                                                  balance = ledger_balance.balance + u.amount
                        FROM unnest(%s::bigint[], %s::bigint[]) AS u(account_id, amount)
                        WHERE ledger_balance.bucket = %s AND ledger_balance.account_id = u.account_id
                        """,
                        [flag, [a for a, _ in touched], [u for _, u in touched], bucket],
                    )
        else:
            day = bucket.isoformat()
            cursor.executemany(
                "INSERT INTO ledger_posting (transaction_id, line, account_id, amount, kind, counts_in_score, bucket) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [(tx_id, line, a, u, kind, flag, day) for line, a, u in zip(range(1, n + 1), accounts, units, strict=True)],
            )
            cursor.executemany(
                "INSERT INTO ledger_balance (bucket, account_id, score, balance) VALUES (%s, %s, %s, %s)",
                [(day, a, u if flag else 0, u) for a, u in zip(accounts, units, strict=True) if a not in existing],
            )
            if existing:
                cursor.executemany(
                    "UPDATE ledger_balance SET score = score + %s, balance = balance + %s WHERE bucket = %s AND account_id = %s",
                    [(u if flag else 0, u, day, a) for a, u in zip(accounts, units, strict=True) if a in existing],
                )


def postings_bulk(
    *,
    scheme: Scheme,
    key: str,
    kind: str,
    lines: Sequence[tuple[int, Points]],
    counter_account_kind: str = Account.Kind.ISSUANCE,
    occurred_at: dt.datetime,
    reason: str,
    actor: Any,
    source_type: str,
    source_id: str | int | None = "",
    item_version_id: int | None = None,
    scope: str = "",
    on_duplicate: str = "skip",
) -> BulkResult:
    """Post many (subject_id, points) lines as ONE transaction, all or nothing.

    The counter side is one aggregated leg on the scheme's `counter_account_kind` system
    account, not a mirror leg per line. Accounts are opened for subjects that have none
    (inside the scheme's org unit; a line naming anything else fails the whole batch).

    Idempotency: `key` covers the whole batch (content = every field and the lines in the
    given order). `scope` (e.g. "fixed:2026-03") additionally guarantees one line per
    subject per scope across batches: lines whose subject already has a line in a
    non-reversed transaction of that scope are skipped (`on_duplicate="skip"`, reported in
    the result) or fail the batch (`on_duplicate="refuse"`).

    Cost: a handful of statements whatever the size. The batch takes the scheme's exclusive
    posting lock, resolves subject → account in one query, then writes the postings and the
    new balance rows with one COPY each (PostgreSQL) or one executemany each (SQLite), and
    existing balance rows of the same bucket with one UPDATE.
    """
    key = _clean_key(key)
    reason = _clean_reason(reason)
    kind = _clean_kind(kind)
    source_type = _clean_slug(source_type, "source_type", "来源类型")
    source_id = _clean_source_id(source_id)
    occurred_at = _clean_occurred_at(occurred_at)
    scope = _clean_scope(scope)
    if on_duplicate not in ("skip", "refuse"):
        raise field_error("on_duplicate", "on_duplicate 应为 skip 或 refuse", "on_duplicate must be 'skip' or 'refuse'")
    if counter_account_kind == Account.Kind.SUBJECT or counter_account_kind not in Account.Kind.values:
        raise field_error("counter_account_kind", "对方账户必须是系统账户", "the counter account must be a system account")
    scale = scheme.points_scale
    subjects, units = _prepare_lines(lines=lines, kind=kind, scale=scale)

    header = {
        "bulk": kind, "counter": counter_account_kind, "source_type": source_type, "source_id": source_id,
        "item_version_id": item_version_id, "occurred_at": occurred_at.isoformat(), "reason": reason, "scope": scope,
    }
    # Units are below 10**15 and ids are BIGINT, so both fit signed 64-bit machine integers.
    body = hashlib.sha256(array("q", subjects).tobytes())
    body.update(array("q", units).tobytes())
    content_hash = _content_hash(header, body.digest())
    with db_transaction.atomic():
        return _postings_bulk(
            scheme=scheme, key=key, kind=kind, subjects=subjects, units=units, counter_account_kind=counter_account_kind,
            occurred_at=occurred_at, reason=reason, actor=actor, source_type=source_type, source_id=source_id,
            item_version_id=item_version_id, scope=scope, on_duplicate=on_duplicate, content_hash=content_hash,
        )


def _postings_bulk(
    *,
    scheme: Scheme,
    key: str,
    kind: str,
    subjects: list[int],
    units: list[int],
    counter_account_kind: str,
    occurred_at: dt.datetime,
    reason: str,
    actor: Any,
    source_type: str,
    source_id: str,
    item_version_id: int | None,
    scope: str,
    on_duplicate: str,
    content_hash: str,
) -> BulkResult:
    scale = scheme.points_scale
    lock_objects.scheme_posting_lock(scheme_id=scheme.pk, exclusive=True)
    replayed = _replay(scheme=scheme, key=key, content_hash=content_hash)
    if replayed is not None:
        counter_units = (
            Posting.objects.filter(transaction=replayed, line=replayed.posting_count).values_list("amount", flat=True).first()
        )
        return BulkResult(
            transaction=replayed, posted=replayed.posting_count - 1, skipped=(),
            total=to_points(-(counter_units or 0), scale), replayed=True,
        )

    skipped: tuple[int, ...] = ()
    if scope:
        done = _already_posted_in_scope(scheme=scheme, scope=scope)
        clash = [s for s in subjects if s in done] if done else []
        if clash:
            if on_duplicate == "refuse":
                raise Conflict(
                    f"范围「{scope}」内已有 {len(clash)} 个主体入过账，例如 {clash[:10]}",
                    f"{len(clash)} subject(s) already have a line in scope {scope!r}, e.g. {clash[:10]}",
                    code="scope_duplicate",
                    detail={"scope": scope, "subjects": clash[:100], "count": len(clash)},
                )
            skipped = tuple(clash)
            keep = [i for i, s in enumerate(subjects) if s not in done]
            subjects = [subjects[i] for i in keep]
            units = [units[i] for i in keep]
            if not subjects:
                return BulkResult(transaction=None, posted=0, skipped=skipped, total=to_points(0, scale), replayed=False)

    account_of = _resolve_accounts(scheme=scheme, subjects=subjects)
    missing = [s for s in subjects if s not in account_of]
    opened = 0
    if missing:
        new = _open_accounts(scheme=scheme, subjects=missing)
        opened = len(new)
        account_of.update(new)
        if len(new) < len(missing):
            # A concurrent account_for may have opened some of them meanwhile.
            account_of.update(_resolve_accounts(scheme=scheme, subjects=[s for s in missing if s not in new]))
        unknown = [s for s in missing if s not in account_of]
        if unknown:
            raise InvalidInput(
                f"{len(unknown)} 行的主体不存在或不在方案「{scheme.code}」的组织范围内，例如 {unknown[:10]}；本批未入账",
                f"{len(unknown)} line(s) name subjects that do not exist or lie outside scheme {scheme.code!r}, "
                f"e.g. {unknown[:10]}; nothing was posted",
                code="unknown_subjects",
                detail={"subjects": unknown[:100], "count": len(unknown)},
            )
    accounts = [account_of[s] for s in subjects]

    n = len(subjects)
    total = sum(units)
    flag = counts_in_score(kind, scheme)
    bucket = bucket_for(scheme, occurred_at)
    counter = system_account(scheme=scheme, kind=counter_account_kind)
    tx = Transaction.objects.create(
        scheme=scheme, key=key, content_hash=content_hash, source_type=source_type, source_id=source_id,
        item_version_id=item_version_id, actor=actor if getattr(actor, "pk", None) else None,
        occurred_at=occurred_at, recorded_at=clock.now(), reason=reason, scope=scope, posting_count=n + 1,
    )
    _write_batch(tx_id=tx.pk, accounts=accounts, units=units, kind=kind, flag=flag, bucket=bucket)
    Posting.objects.create(
        transaction=tx, line=n + 1, account_id=counter.pk, amount=-total, kind=kind, counts_in_score=flag, bucket=bucket
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO ledger_balance (bucket, account_id, score, balance) VALUES (%s, %s, %s, %s)
            ON CONFLICT (bucket, account_id) DO UPDATE
            SET score = ledger_balance.score + excluded.score, balance = ledger_balance.balance + excluded.balance
            """,
            [bucket, counter.pk, -total if flag else 0, -total],
        )
    if min(units) < 0 or (total > 0 and counter.non_negative):
        _refuse_negative(scheme=scheme, account_ids=_lock_and_check_non_negative_sql(tx.pk), tx_id=tx.pk)
    _audit_transaction(
        actor=actor, action="ledger.postings_bulk", tx=tx, scheme=scheme,
        after={"kind": kind, "lines": n, "total": total, "skipped": len(skipped), "accounts_opened": opened},
    )
    return BulkResult(transaction=tx, posted=n, skipped=skipped, total=to_points(total, scale), replayed=False)
