"""Reads on the ledger: balances and scores per period, statements, leaderboard scores.

Balance rows are keyed (bucket, account_id); a period is a short list of buckets (see
jifen.ledger.periods), so every read here is a handful of index probes, never a scan of an
account's whole history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import FilteredRelation, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from jifen.core.errors import NotFound
from jifen.ledger.amounts import Points, to_points
from jifen.ledger.models import Account, Balance, Posting, PostingKind
from jifen.ledger.periods import (
    ONE_DAY,
    bucket_for,
    buckets_between,
    grain_days,
    local_date,
    period_bounds,
)
from jifen.orgs.models import Subject
from jifen.rules.models import Scheme

__all__ = [
    "StatementLine",
    "accounts_of_subject",
    "accounts_scores",
    "balance_of",
    "balance_units",
    "balances_units",
    "grain_buckets",
    "period_bounds",
    "score_of",
    "statement",
]


def _bucket_span() -> tuple[dt.date, dt.date] | None:
    """First and last bucket holding any balance row (two index end-point lookups)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT MIN(bucket) FROM ledger_balance), (SELECT MAX(bucket) FROM ledger_balance)"
        )
        low, high = cursor.fetchone()
    if low is None:
        return None
    # SQLite hands back text for a bare subquery result.
    if isinstance(low, str):
        low, high = dt.date.fromisoformat(low), dt.date.fromisoformat(high)
    return low, high


def all_buckets(*, before: dt.date | None = None) -> list[dt.date]:
    span = _bucket_span()
    if span is None:
        return []
    low, high = span
    end = high + ONE_DAY if before is None else min(high + ONE_DAY, before)
    return buckets_between(low, end)


def grain_buckets(*, scheme: Scheme, grain: str, on: dt.date | dt.datetime | None = None) -> list[dt.date]:
    """The buckets making up the period of `grain` ("week" … "year", or "all") that holds `on`."""
    if grain == "all":
        return all_buckets()
    start, end = grain_days(grain, local_date(scheme, on))
    return buckets_between(start, end)


def _scheme_of(account: Account) -> Scheme:
    return account.scheme


def balances_units(
    *, account_ids: Sequence[int], scheme: Scheme | None = None, grain: str = "all", on: dt.date | dt.datetime | None = None
) -> dict[int, int]:
    """Spendable balance (in scheme units) of several accounts for one period; missing = 0."""
    if grain != "all" and scheme is None:
        raise ValueError("a scheme is needed to cut a period")
    buckets = all_buckets() if grain == "all" else grain_buckets(scheme=scheme, grain=grain, on=on)
    out = dict.fromkeys(account_ids, 0)
    if not buckets or not account_ids:
        return out
    rows = (
        Balance.objects.filter(bucket__in=buckets, account_id__in=list(account_ids))
        .values("account_id")
        .annotate(total=Sum("balance"))
    )
    for row in rows:
        out[row["account_id"]] = int(row["total"])
    return out


def _sums(*, account: Account, grain: str, on: dt.date | dt.datetime | None) -> tuple[int, int]:
    buckets = grain_buckets(scheme=_scheme_of(account), grain=grain, on=on)
    if not buckets:
        return 0, 0
    totals = Balance.objects.filter(bucket__in=buckets, account_id=account.pk).aggregate(
        score=Sum("score"), balance=Sum("balance")
    )
    return int(totals["score"] or 0), int(totals["balance"] or 0)


def balance_units(*, account: Account, grain: str = "all", on: dt.date | dt.datetime | None = None) -> int:
    if grain == "all":
        return balances_units(account_ids=[account.pk])[account.pk]
    return _sums(account=account, grain=grain, on=on)[1]


def balance_of(*, account: Account, grain: str = "all", on: dt.date | dt.datetime | None = None) -> Points:
    """Spendable balance: everything posted (awards, deductions, redemptions, expiry …).

    For a grain other than "all" this is the net change within that period.
    """
    return to_points(balance_units(account=account, grain=grain, on=on), _scheme_of(account).points_scale)


def score_of(*, account: Account, grain: str = "all", on: dt.date | dt.datetime | None = None) -> Points:
    """Score for the period: award, deduct, fixed and base postings (and their reversals) only."""
    return to_points(_sums(account=account, grain=grain, on=on)[0], _scheme_of(account).points_scale)


@dataclass(frozen=True)
class StatementLine:
    transaction_id: int
    line: int
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    kind: str
    kind_label: str
    amount: Points
    balance_after: Points
    counts_in_score: bool
    reason: str
    source_type: str
    source_id: str
    actor_name: str
    reverses_id: int | None
    key: str


def _balance_before(*, account: Account, scheme: Scheme, at: dt.datetime | None) -> int:
    """Balance (units) from everything that occurred strictly before `at` (all of it when None)."""
    if at is None:
        return balance_units(account=account)
    bucket = bucket_for(scheme, at)
    earlier = all_buckets(before=bucket)
    total = 0
    if earlier:
        total += Balance.objects.filter(bucket__in=earlier, account_id=account.pk).aggregate(t=Sum("balance"))["t"] or 0
    total += (
        Posting.objects.filter(bucket=bucket, account_id=account.pk, transaction__occurred_at__lt=at)
        .aggregate(t=Sum("amount"))["t"]
        or 0
    )
    return int(total)


def statement(
    *, account: Account, since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int | None = None
) -> list[StatementLine]:
    """The account's postings in [since, until), oldest first, each with the balance after it.

    With `limit`, the most recent `limit` postings of that range (still oldest first).
    Order is by when the deed occurred, then by transaction and line.
    """
    scheme = _scheme_of(account)
    span = _bucket_span()
    if span is None:
        return []
    low = bucket_for(scheme, since) if since is not None else span[0]
    high = bucket_for(scheme, until) if until is not None else span[1]
    buckets = buckets_between(max(low, span[0]), min(high, span[1]) + ONE_DAY)
    if not buckets:
        return []
    qs = Posting.objects.filter(account_id=account.pk, bucket__in=buckets).select_related(
        "transaction", "transaction__actor"
    )
    if since is not None:
        qs = qs.filter(transaction__occurred_at__gte=since)
    if until is not None:
        qs = qs.filter(transaction__occurred_at__lt=until)
    qs = qs.order_by("-transaction__occurred_at", "-transaction_id", "-line")
    if limit is not None:
        qs = qs[: max(int(limit), 0)]
    newest_first = list(qs)
    running = _balance_before(account=account, scheme=scheme, at=until)
    scale = scheme.points_scale
    labels = dict(PostingKind.choices)
    out: list[StatementLine] = []
    for posting in newest_first:
        tx = posting.transaction
        actor = tx.actor
        out.append(
            StatementLine(
                transaction_id=tx.pk,
                line=posting.line,
                occurred_at=tx.occurred_at,
                recorded_at=tx.recorded_at,
                kind=posting.kind,
                kind_label=str(labels.get(posting.kind, posting.kind)),
                amount=to_points(posting.amount, scale),
                balance_after=to_points(running, scale),
                counts_in_score=posting.counts_in_score,
                reason=tx.reason,
                source_type=tx.source_type,
                source_id=tx.source_id,
                actor_name=(actor.get_full_name() or actor.get_username()) if actor is not None else "系统",
                reverses_id=tx.reverses_id,
                key=tx.key,
            )
        )
        running -= posting.amount
    out.reverse()
    return out


def accounts_scores(
    *, scheme: Scheme, grain: str, on: dt.date | dt.datetime | None = None, subjects_qs: QuerySet[Subject] | None = None
) -> QuerySet[Account]:
    """Subject accounts of the scheme annotated with `score` and `balance` for one period.

    One query, set-based: filter, order and slice it for a leaderboard. Values are in scheme
    units (see jifen.ledger.amounts.to_points); accounts without postings in the period get 0.
    """
    # An empty period still needs a valid join condition: no bucket starts on 0001-01-01.
    buckets = grain_buckets(scheme=scheme, grain=grain, on=on) or [dt.date(1, 1, 1)]
    qs = Account.objects.filter(scheme=scheme, subject__isnull=False)
    if subjects_qs is not None:
        qs = qs.filter(subject__in=subjects_qs)
    return (
        qs.annotate(period=FilteredRelation("balances", condition=Q(balances__bucket__in=buckets)))
        .annotate(score=Coalesce(Sum("period__score"), 0), balance=Coalesce(Sum("period__balance"), 0))
        .select_related("subject")
    )


def accounts_of_subject(*, subject: Subject, scheme: Scheme | None = None) -> QuerySet[Account]:
    qs = Account.objects.filter(subject=subject).select_related("scheme", "subject").order_by("scheme__code")
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    return qs


def scheme_by_code(code: str) -> Scheme:
    try:
        return Scheme.objects.get(code=code)
    except Scheme.DoesNotExist:
        raise NotFound(f"找不到积分方案「{code}」", f"no scheme with code {code!r}", code="scheme_not_found") from None


SUBJECT_REFERENCE_HELP = (
    "主体可写：18位身份证号；household:<村路径>:<户号>（如 household:demo/zhangji/shahe:SH-001）；"
    "或主体编号（如 42 或 subject:42） / a subject is an 18-character ID number, "
    "household:<village path>:<household number>, or a subject id (42 or subject:42)"
)


def subject_by_reference(text: str) -> Subject:
    """Find a subject from what an operator can type: ID number, household:<path>:<number>, or id."""
    from jifen.orgs.models import Household, Person
    from jifen.orgs.validators import normalize_id_number

    ref = (text or "").strip()
    not_found = NotFound(f"找不到主体「{ref}」。{SUBJECT_REFERENCE_HELP}", f"no subject {ref!r}", code="subject_not_found")
    if ref.lower().startswith("household:"):
        path, sep, number = ref[len("household:"):].rpartition(":")
        household = (
            Household.objects.select_related("subject").filter(village__path=path.strip().strip("/"), number=number.strip()).first()
            if sep
            else None
        )
        if household is None:
            raise not_found
        return household.subject
    if ref.lower().startswith("subject:"):
        ref = ref[len("subject:"):].strip()
    if ref.isdigit() and len(ref) <= 12:
        subject = Subject.objects.filter(pk=int(ref)).first()
        if subject is None:
            raise not_found
        return subject
    if len(ref) == 18:
        person = Person.objects.select_related("subject").filter(id_number=normalize_id_number(ref)).first()
        if person is None:
            raise not_found
        return person.subject
    raise not_found


def monthly_scores(*, account: Account, months: int = 12, on: dt.date | dt.datetime | None = None) -> list[tuple[dt.date, int]]:
    """The account's score (units) in each of the last `months` calendar months up to `on`,
    oldest first, months without postings as 0 — one query over the month buckets (a trend chart)."""
    day = local_date(account.scheme, on)
    first = day.replace(day=1)
    for _ in range(max(months, 1) - 1):
        first = (first - ONE_DAY).replace(day=1)
    end = grain_days("month", day)[1]
    totals: dict[dt.date, int] = {}
    rows = Balance.objects.filter(account_id=account.pk, bucket__in=buckets_between(first, end)).values_list("bucket", "score")
    for bucket, score in rows:
        month = bucket.replace(day=1)
        totals[month] = totals.get(month, 0) + int(score)
    out = []
    month = first
    while month <= day:
        out.append((month, totals.get(month, 0)))
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def accounts_visible_to(*, access: object) -> QuerySet[Account]:
    """Subject accounts the caller may read: staff over the subject's unit, or the caller's own
    and their household's (see jifen.orgs.selectors.subjects_visible_to)."""
    from jifen.orgs.selectors import subjects_visible_to

    if getattr(access, "user", None) is None:
        return Account.objects.none()
    return Account.objects.filter(
        kind=Account.Kind.SUBJECT, subject__in=subjects_visible_to(access=access)  # type: ignore[arg-type]
    ).select_related("scheme", "subject", "subject__org")


def postings_of(*, account: Account) -> QuerySet[Posting]:
    """The account's postings, newest first (by when the deed occurred), with their transactions."""
    return (
        Posting.objects.filter(account_id=account.pk)
        .select_related("transaction", "transaction__actor")
        .order_by("-transaction__occurred_at", "-transaction_id", "-line")
    )


def subject_accounts(scheme: Any) -> QuerySet[Account]:
    """The ids of a scheme's subject accounts, as a subquery for `account_id__in`. Filtering
    balances through `account__scheme` lets SQLite loop over the accounts and range-scan the
    (bucket, account) key for each — seconds per scheme on a county; `IN` scans the balances once."""
    return Account.objects.filter(scheme=scheme, subject__isnull=False).values("pk")
