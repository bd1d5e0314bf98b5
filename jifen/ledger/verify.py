"""`jifen ledger verify`: recompute the ledger's invariants from the postings and report every break.

Checks, each one set-based SQL over the whole ledger (or one scheme):
- every transaction has exactly lines 1..posting_count, and they sum to zero;
- every posting's bucket is the one its transaction's time falls in (scheme time zone);
- no posting lacks its transaction, or points at a missing account or another scheme's;
- posting kinds are known and the score flag matches the kind; reversals mirror their original;
- every stored balance row equals the sum of its postings, and every posted bucket has a row;
- idempotency keys are unique per scheme;
- no account under the non-negative rule is below zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from jifen.ledger.amounts import to_points
from jifen.ledger.models import SCORE_KINDS, PostingKind
from jifen.ledger.periods import bucket_for
from jifen.rules.models import Scheme


@dataclass(frozen=True)
class Mismatch:
    code: str
    zh: str
    en: str
    detail: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        return f"[{self.code}] {self.zh} / {self.en}"


@dataclass
class VerifyReport:
    transactions: int = 0
    postings: int = 0
    balances: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    truncated: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def summary(self) -> str:
        if self.ok:
            return (
                f"账本核对无误：{self.transactions} 笔交易、{self.postings} 条分录、{self.balances} 个余额行 / "
                f"ledger verified: {self.transactions} transactions, {self.postings} postings, "
                f"{self.balances} balance rows, all consistent"
            )
        total = len(self.mismatches) + self.truncated
        return (
            f"账本核对发现 {total} 处问题（{self.transactions} 笔交易、{self.postings} 条分录、{self.balances} 个余额行）/ "
            f"ledger verify found {total} problem(s) in {self.transactions} transactions, "
            f"{self.postings} postings, {self.balances} balance rows"
        )


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # SQLite hands back naive UTC text
    return value


class _Verifier:
    def __init__(self, scheme: Scheme | None, limit: int) -> None:
        self.scheme = scheme
        self.limit = limit
        self.report = VerifyReport()
        self.schemes = {s.pk: s for s in Scheme.objects.all()}
        self.scale_of_account: dict[int, int] = {}

    # -- helpers
    def add(self, code: str, zh: str, en: str, **detail: Any) -> None:
        if len(self.report.mismatches) >= self.limit:
            self.report.truncated += 1
            return
        self.report.mismatches.append(Mismatch(code, zh, en, detail))

    def rows(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def scheme_filter(self, column: str) -> tuple[str, list[Any]]:
        if self.scheme is None:
            return "", []
        return f" AND {column} = %s", [self.scheme.pk]

    def account_filter(self, column: str) -> tuple[str, list[Any]]:
        if self.scheme is None:
            return "", []
        return f" AND {column} IN (SELECT id FROM ledger_account WHERE scheme_id = %s)", [self.scheme.pk]

    def points(self, units: int | None, account_id: int | None = None, scheme_id: int | None = None) -> str:
        if units is None:
            return "—"
        scale = 0
        if scheme_id is not None and scheme_id in self.schemes:
            scale = self.schemes[scheme_id].points_scale
        elif account_id is not None:
            scale = self.scale_of_account.get(account_id, 0)
        return str(to_points(int(units), scale))

    # -- checks
    def transactions(self) -> list[tuple[int, int, int]]:
        """Counts, line numbers, sums and buckets per transaction. Returns the unbalanced ones."""
        where, params = self.scheme_filter("t.scheme_id")
        sql = f"""
            SELECT t.id, t.scheme_id, t.occurred_at, t.posting_count,
                   COUNT(p.line), COALESCE(SUM(p.amount), 0), MIN(p.line), MAX(p.line), MIN(p.bucket), MAX(p.bucket)
            FROM ledger_transaction t LEFT JOIN ledger_posting p ON p.transaction_id = t.id
            WHERE 1 = 1{where}
            GROUP BY t.id, t.scheme_id, t.occurred_at, t.posting_count
            ORDER BY t.id
        """
        unbalanced: list[tuple[int, int, int]] = []
        damaged: list[tuple[int, int, int]] = []
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(5000):
                for tx_id, scheme_id, occurred_at, expected, count, total, low, high, first_b, last_b in batch:
                    self.report.transactions += 1
                    self.report.postings += count
                    if count != expected or (count and (low != 1 or high != expected)):
                        damaged.append((tx_id, expected, count))
                    if total != 0:
                        unbalanced.append((tx_id, scheme_id, total))
                    if count:
                        want = bucket_for(self.schemes[scheme_id], _as_datetime(occurred_at))
                        got = {_as_date(first_b), _as_date(last_b)}
                        if got != {want}:
                            shown = "、".join(sorted(str(b) for b in got))
                            self.add(
                                "wrong_bucket",
                                f"交易 #{tx_id} 的分录记在周期 {shown}，按发生时间应为 {want}",
                                f"transaction #{tx_id} has postings in bucket(s) {shown}; its time falls in {want}",
                                transaction=tx_id, expected=str(want),
                            )
        for tx_id, expected, count in damaged[: self.limit]:
            self.describe_lines(tx_id, expected, count)
        return unbalanced

    def describe_lines(self, tx_id: int, expected: int, count: int) -> None:
        gaps = self.rows(
            """
            SELECT prev + 1, line - 1 FROM (
                SELECT line, LAG(line, 1, 0) OVER (ORDER BY line) AS prev
                FROM ledger_posting WHERE transaction_id = %s) g
            WHERE line - prev > 1 ORDER BY line LIMIT 20
            """,
            [tx_id],
        )
        missing = [f"{a}" if a == b else f"{a}–{b}" for a, b in gaps if a <= expected]
        top = self.rows("SELECT MAX(line) FROM ledger_posting WHERE transaction_id = %s", [tx_id])[0][0] or 0
        if top < expected:
            missing.append(f"{top + 1}" if top + 1 == expected else f"{top + 1}–{expected}")
        extra = self.rows(
            "SELECT COUNT(*) FROM ledger_posting WHERE transaction_id = %s AND (line > %s OR line < 1)", [tx_id, expected]
        )[0][0]
        parts_zh, parts_en = [], []
        if missing:
            parts_zh.append(f"缺第 {', '.join(missing)} 行")
            parts_en.append(f"line(s) {', '.join(missing)} missing")
        if extra:
            parts_zh.append(f"多出 {extra} 行")
            parts_en.append(f"{extra} unexpected line(s)")
        self.add(
            "posting_count",
            f"交易 #{tx_id} 应有 {expected} 条分录，实有 {count} 条（{'；'.join(parts_zh)}）",
            f"transaction #{tx_id} should have {expected} postings, has {count} ({'; '.join(parts_en)})",
            transaction=tx_id, expected=expected, found=count, missing=missing, extra=extra,
        )

    def orphans(self) -> None:
        where, params = self.account_filter("p.account_id")
        for tx_id, count, total in self.rows(
            f"""
            SELECT p.transaction_id, COUNT(*), SUM(p.amount) FROM ledger_posting p
            LEFT JOIN ledger_transaction t ON t.id = p.transaction_id
            WHERE t.id IS NULL{where}
            GROUP BY p.transaction_id ORDER BY p.transaction_id
            """,
            params,
        ):
            self.report.postings += count
            self.add(
                "orphan_postings",
                f"{count} 条分录指向不存在的交易 #{tx_id}（合计 {total}）",
                f"{count} posting(s) belong to transaction #{tx_id}, which does not exist (total {total})",
                transaction=tx_id, count=count,
            )

    def accounts(self) -> None:
        # Grouped per referenced account first: a million postings collapse to the accounts
        # they name, and the anti-join runs on that (no ORDER BY … LIMIT, which tempts the
        # planner into a nested loop over every posting).
        where, params = self.scheme_filter("t.scheme_id")
        rows = self.rows(
            f"""
            SELECT g.account_id, g.first_tx, g.postings, a.id FROM (
                SELECT p.account_id, t.scheme_id, MIN(p.transaction_id) AS first_tx, COUNT(*) AS postings
                FROM ledger_posting p JOIN ledger_transaction t ON t.id = p.transaction_id
                WHERE 1 = 1{where}
                GROUP BY p.account_id, t.scheme_id
            ) g LEFT JOIN ledger_account a ON a.id = g.account_id
            WHERE a.id IS NULL OR a.scheme_id <> g.scheme_id
            """,
            params,
        )
        for account_id, first_tx, count, found in sorted(rows)[: self.limit]:
            if found is None:
                self.add(
                    "missing_account",
                    f"{count} 条分录（首笔在交易 #{first_tx}）指向不存在的账户 #{account_id}",
                    f"{count} posting(s), first in transaction #{first_tx}, point at account #{account_id}, which does not exist",
                    account=account_id, transaction=first_tx, count=count,
                )
            else:
                self.add(
                    "foreign_account",
                    f"{count} 条分录（首笔在交易 #{first_tx}）记在另一个方案的账户 #{account_id}",
                    f"{count} posting(s), first in transaction #{first_tx}, sit on account #{account_id} of another scheme",
                    account=account_id, transaction=first_tx, count=count,
                )

    def kinds(self) -> None:
        where, params = self.scheme_filter("t.scheme_id")
        score_kinds = sorted(str(k) for k in SCORE_KINDS)
        known = sorted(PostingKind.values)
        marks = ", ".join(["%s"] * len(known))
        score_marks = ", ".join(["%s"] * len(score_kinds))
        for tx_id, line, kind, flag in self.rows(
            f"""
            SELECT p.transaction_id, p.line, p.kind, p.counts_in_score FROM ledger_posting p
            JOIN ledger_transaction t ON t.id = p.transaction_id
            WHERE (p.kind NOT IN ({marks})
                   OR (p.kind IN ({score_marks}) AND NOT p.counts_in_score)
                   OR (p.kind = 'expire' AND p.counts_in_score)
                   OR ((p.kind = 'reversal') <> (t.reverses_id IS NOT NULL))){where}
            ORDER BY p.transaction_id, p.line LIMIT 1000
            """,
            [*known, *score_kinds, *params],
        ):
            self.add(
                "bad_kind",
                f"分录 #{tx_id}/{line} 的类型「{kind}」与计分标记（{bool(flag)}）或交易不符",
                f"posting #{tx_id}/{line}: kind {kind!r} does not fit its score flag ({bool(flag)}) or its transaction",
                transaction=tx_id, line=line,
            )
        for tx_id, line in self.rows(
            f"""
            SELECT r.transaction_id, r.line FROM ledger_posting r
            JOIN ledger_transaction t ON t.id = r.transaction_id AND t.reverses_id IS NOT NULL
            LEFT JOIN ledger_posting o ON o.transaction_id = t.reverses_id AND o.line = r.line
            WHERE (o.line IS NULL OR o.account_id <> r.account_id OR o.amount <> -r.amount
                   OR o.counts_in_score <> r.counts_in_score){where}
            ORDER BY r.transaction_id, r.line LIMIT 1000
            """,
            params,
        ):
            self.add(
                "bad_reversal",
                f"冲正分录 #{tx_id}/{line} 与被冲正交易的同一行不对应",
                f"reversal posting #{tx_id}/{line} does not mirror the same line of the transaction it reverses",
                transaction=tx_id, line=line,
            )

    def balances(self) -> set[tuple[dt.date, int]]:
        """Every stored balance row against the sum of its postings. Returns the bad cells."""
        where_p, params_p = self.account_filter("account_id")
        where_s, params_s = self.account_filter("account_id")
        where_join, _ = self.account_filter("s.account_id")
        self.report.balances = self.rows(
            f"SELECT COUNT(*) FROM ledger_balance WHERE 1 = 1{where_s}", params_s
        )[0][0]
        recompute = f"""
            SELECT bucket, account_id,
                   SUM(CASE WHEN counts_in_score THEN amount ELSE 0 END) AS score, SUM(amount) AS balance
            FROM ledger_posting WHERE 1 = 1{where_p} GROUP BY bucket, account_id
        """
        if connection.vendor == "postgresql":
            # Both sides come out ordered by (bucket, account_id): one merge or hash full join.
            bad = self.rows(
                f"""
                SELECT COALESCE(s.bucket, r.bucket), COALESCE(s.account_id, r.account_id),
                       s.score, s.balance, r.score, r.balance
                FROM (SELECT bucket, account_id, score, balance FROM ledger_balance WHERE 1 = 1{where_s}) s
                FULL OUTER JOIN ({recompute}) r ON r.bucket = s.bucket AND r.account_id = s.account_id
                WHERE s.account_id IS NULL OR r.account_id IS NULL OR s.score <> r.score OR s.balance <> r.balance
                LIMIT 2000
                """,
                [*params_s, *params_p],
            )
        else:
            bad = self._balances_sqlite(recompute, params_p, where_join, params_s)
        bad.sort(key=lambda row: (row[1], str(row[0])))
        cells: set[tuple[dt.date, int]] = set()
        if bad:
            ids = sorted({row[1] for row in bad})
            for account_id, scheme_id in self.rows(
                f"SELECT id, scheme_id FROM ledger_account WHERE id IN ({', '.join(['%s'] * len(ids))})", ids
            ):
                self.scale_of_account[account_id] = self.schemes[scheme_id].points_scale if scheme_id in self.schemes else 0
        for bucket, account_id, s_score, s_balance, r_score, r_balance in bad:
            bucket = _as_date(bucket)
            cells.add((bucket, account_id))
            p = lambda u, a=account_id: self.points(u, account_id=a)  # noqa: E731
            where_zh = f"账户 #{account_id}，周期 {bucket}"
            where_en = f"account #{account_id}, bucket {bucket}"
            if s_balance is None:
                self.add(
                    "balance_missing",
                    f"缺少余额行（{where_zh}）：分录合计 余额 {p(r_balance)} / 得分 {p(r_score)}",
                    f"balance row missing ({where_en}): postings sum to balance {p(r_balance)}, score {p(r_score)}",
                    account=account_id, bucket=str(bucket),
                )
            elif r_balance is None:
                self.add(
                    "balance_without_postings",
                    f"余额行（{where_zh}）记为 余额 {p(s_balance)} / 得分 {p(s_score)}，但没有任何分录",
                    f"balance row ({where_en}) holds balance {p(s_balance)}, score {p(s_score)}, but has no postings",
                    account=account_id, bucket=str(bucket),
                )
            else:
                self.add(
                    "balance_mismatch",
                    f"余额行（{where_zh}）记为 余额 {p(s_balance)} / 得分 {p(s_score)}，"
                    f"分录合计为 余额 {p(r_balance)} / 得分 {p(r_score)}",
                    f"balance row ({where_en}) holds balance {p(s_balance)}, score {p(s_score)}; "
                    f"its postings sum to balance {p(r_balance)}, score {p(r_score)}",
                    account=account_id, bucket=str(bucket),
                )
        return cells

    def _balances_sqlite(self, recompute: str, params_p: list[Any], where_join: str, params_s: list[Any]) -> list[tuple[Any, ...]]:
        """SQLite gets no index for a FULL JOIN against an aggregate and goes quadratic, so the
        recomputed sums go into a temp table keyed like ledger_balance and both sides are
        compared with index joins."""
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS ledger_verify_sums")
            cursor.execute(
                "CREATE TEMP TABLE ledger_verify_sums (bucket date NOT NULL, account_id bigint NOT NULL, "
                "score bigint NOT NULL, balance bigint NOT NULL, PRIMARY KEY (bucket, account_id))"
            )
            cursor.execute(f"INSERT INTO ledger_verify_sums (bucket, account_id, score, balance) {recompute}", params_p)
        try:
            return self.rows(
                f"""
                SELECT s.bucket, s.account_id, s.score, s.balance, r.score, r.balance
                FROM ledger_balance s
                LEFT JOIN ledger_verify_sums r ON r.bucket = s.bucket AND r.account_id = s.account_id
                WHERE (r.account_id IS NULL OR r.score <> s.score OR r.balance <> s.balance){where_join}
                LIMIT 1000
                """,
                params_s,
            ) + self.rows(
                """
                SELECT r.bucket, r.account_id, NULL, NULL, r.score, r.balance FROM ledger_verify_sums r
                WHERE NOT EXISTS (
                    SELECT 1 FROM ledger_balance s WHERE s.bucket = r.bucket AND s.account_id = r.account_id)
                LIMIT 1000
                """,
                [],
            )
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS ledger_verify_sums")

    def unbalanced(self, txs: list[tuple[int, int, int]], cells: set[tuple[dt.date, int]]) -> None:
        accounts = sorted({a for _, a in cells})
        for tx_id, scheme_id, total in txs[: self.limit]:
            suspects: list[str] = []
            if accounts:
                marks = ", ".join(["%s"] * len(accounts[:500]))
                for line, account_id, bucket in self.rows(
                    f"SELECT line, account_id, bucket FROM ledger_posting WHERE transaction_id = %s "
                    f"AND account_id IN ({marks}) ORDER BY line",
                    [tx_id, *accounts[:500]],
                ):
                    if (_as_date(bucket), account_id) in cells:
                        suspects.append(f"#{tx_id}/{line}")
            hint_zh = f"（可疑分录：{'、'.join(suspects)}）" if suspects else ""
            hint_en = f" (suspect posting {', '.join(suspects)})" if suspects else ""
            shown = self.points(total, scheme_id=scheme_id)
            self.add(
                "unbalanced",
                f"交易 #{tx_id} 借贷不平：分录合计 {shown}，应为 0{hint_zh}",
                f"transaction #{tx_id} does not sum to zero: its postings total {shown}{hint_en}",
                transaction=tx_id, total=total, suspects=suspects,
            )

    def keys(self) -> None:
        where, params = self.scheme_filter("scheme_id")
        for scheme_id, key, count in self.rows(
            f"SELECT scheme_id, key, COUNT(*) FROM ledger_transaction WHERE 1 = 1{where} "
            "GROUP BY scheme_id, key HAVING COUNT(*) > 1 ORDER BY scheme_id, key",
            params,
        ):
            code = self.schemes[scheme_id].code if scheme_id in self.schemes else scheme_id
            self.add(
                "duplicate_key",
                f"方案「{code}」的幂等键「{key}」出现 {count} 次",
                f"idempotency key {key!r} appears {count} times in scheme {code!r}",
                scheme=scheme_id, key=key, count=count,
            )

    def non_negative(self) -> None:
        where, params = self.scheme_filter("a.scheme_id")
        for account_id, scheme_id, total in self.rows(
            f"""
            SELECT b.account_id, a.scheme_id, SUM(b.balance) FROM ledger_balance b
            JOIN ledger_account a ON a.id = b.account_id
            WHERE b.account_id IN (SELECT id FROM ledger_account WHERE non_negative){where}
            GROUP BY b.account_id, a.scheme_id HAVING SUM(b.balance) < 0 ORDER BY b.account_id
            """,
            params,
        ):
            shown = self.points(total, scheme_id=scheme_id)
            self.add(
                "negative_balance",
                f"账户 #{account_id} 不得为负，但余额为 {shown}",
                f"account #{account_id} is under the non-negative rule but its balance is {shown}",
                account=account_id,
            )


def ledger_verify(*, scheme: Scheme | None = None, limit: int = 1000) -> VerifyReport:
    """Check the whole ledger (or one scheme); read-only."""
    v = _Verifier(scheme, limit)
    postgres = connection.vendor == "postgresql"
    if postgres:
        # Million-row hash joins and aggregates spill to disk at the default 4MB.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('work_mem')")
            work_mem = cursor.fetchone()[0]
            cursor.execute("SET work_mem = '256MB'")
    try:
        unbalanced = v.transactions()
        v.orphans()
        v.accounts()
        v.kinds()
        cells = v.balances()
        v.unbalanced(unbalanced, cells)
        v.keys()
        v.non_negative()
    finally:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, false)", [work_mem])
    v.report.mismatches.sort(key=lambda m: _ORDER.get(m.code, 99))
    return v.report


_ORDER = defaultdict(
    lambda: 99,
    {
        "unbalanced": 0, "posting_count": 1, "orphan_postings": 2, "missing_account": 3, "foreign_account": 4,
        "wrong_bucket": 5, "bad_kind": 6, "bad_reversal": 7, "balance_mismatch": 8, "balance_missing": 9,
        "balance_without_postings": 10, "duplicate_key": 11, "negative_balance": 12,
    },
)
