"""The points ledger: accounts, transactions, postings and per-bucket balances.

Double entry: every transaction's postings sum to zero. Postings and transactions are
append-only (database triggers); a mistake is corrected by a reversal transaction.

Amounts are integers in units of 10**-scheme.points_scale (0 = whole points).

Balances are stored once per (account, bucket). A bucket is the intersection of an ISO week
and a calendar month in the scheme's time zone, named by its first day:
max(Monday of the week, 1st of the month). Every week, month, quarter and year is then a
contiguous range of buckets, so each posting writes exactly one balance row and every grain
is a short list of buckets: one index probe each on (bucket, account_id).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import Subject
from jifen.rules.models import Scheme


class PostingKind(models.TextChoices):
    AWARD = "award", _("奖分")
    DEDUCT = "deduct", _("扣分")
    FIXED = "fixed", _("固定积分")
    BASE = "base", _("基础分")
    REDEEM = "redeem", _("兑换")
    EXPIRE = "expire", _("清零")
    REVERSAL = "reversal", _("冲正")


# Kinds that count in a subject's score (篇2, 篇7: redemption lowers the balance, not the score).
SCORE_KINDS = frozenset({PostingKind.AWARD, PostingKind.DEDUCT, PostingKind.FIXED, PostingKind.BASE})


class Account(models.Model):
    """A subject's points account in a scheme (积分账户), or one of the scheme's system accounts."""

    class Kind(models.TextChoices):
        SUBJECT = "subject", _("积分主体")
        ISSUANCE = "issuance", _("积分发放")
        SHOP = "shop", _("积分超市")
        EXPIRY = "expiry", _("清零")
        DIVIDEND = "dividend", _("分红")

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="accounts")
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SUBJECT)
    # Optional rule: a posting that lowers the balance may not leave it below zero.
    non_negative = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "subject"], condition=Q(subject__isnull=False), name="ledger_account_one_per_subject"
            ),
            models.UniqueConstraint(
                fields=["scheme", "kind"], condition=Q(subject__isnull=True), name="ledger_account_one_per_system_kind"
            ),
            models.CheckConstraint(
                condition=(Q(kind="subject") & Q(subject__isnull=False)) | (~Q(kind="subject") & Q(subject__isnull=True)),
                name="ledger_account_subject_iff_kind_subject",
            ),
        ]

    def __str__(self) -> str:
        if self.subject_id:
            return f"{self.scheme_id}:subject:{self.subject_id}"
        return f"{self.scheme_id}:{self.kind}"

    @property
    def is_system(self) -> bool:
        return self.subject_id is None


class Transaction(models.Model):
    """One balanced entry: its postings sum to zero. Append-only."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, db_index=False, related_name="ledger_transactions")
    key = models.CharField(max_length=200)  # idempotency key, unique per scheme
    content_hash = models.CharField(max_length=64)
    source_type = models.CharField(max_length=32)  # claim, slip, activity, redemption, period_close …
    source_id = models.CharField(max_length=64, blank=True)
    # The rule item version the points come from; a plain id until rules grows ItemVersion.
    item_version_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_transactions"
    )
    occurred_at = models.DateTimeField()  # decides the period (bucket) of every posting
    recorded_at = models.DateTimeField()
    reason = models.CharField(max_length=500)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    # Line-dedupe scope (e.g. "fixed:2026-03"): an account gets at most one line per scope.
    scope = models.CharField(max_length=64, blank=True)
    posting_count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scheme", "key"], name="ledger_transaction_key_unique")]
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="ledger_tx_source"),
            models.Index(fields=["scheme", "scope"], condition=~Q(scope=""), name="ledger_tx_scope"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.key}"


class Posting(models.Model):
    """One leg of a transaction on one account. Append-only.

    No database foreign keys: a million-row batch would pay a referential check per row;
    `jifen ledger verify` checks that every posting has its transaction and account.
    """

    pk = models.CompositePrimaryKey("transaction", "line")
    transaction = models.ForeignKey(
        Transaction, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="postings"
    )
    line = models.PositiveIntegerField()
    account = models.ForeignKey(
        Account, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="postings"
    )
    amount = models.BigIntegerField()
    kind = models.CharField(max_length=12, choices=PostingKind.choices)
    # Whether the amount counts in the score; kept on the row so balances aggregate in one pass.
    counts_in_score = models.BooleanField()
    bucket = models.DateField()

    class Meta:
        # Bucket first: a batch's postings share one bucket, so they land on one contiguous key
        # range instead of sweeping the whole index. Reads by account probe bucket by bucket.
        indexes = [models.Index(fields=["bucket", "account"], name="ledger_posting_bucket_account")]

    def __str__(self) -> str:
        return f"{self.transaction_id}/{self.line} {self.kind} {self.amount:+d} @ {self.account_id}"


class Balance(models.Model):
    """Sum of an account's postings in one bucket (see the module docstring). Updated, never deleted."""

    # Bucket first, for the same reason as Posting's index; leaderboards read bucket ranges.
    pk = models.CompositePrimaryKey("bucket", "account")
    account = models.ForeignKey(
        Account, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="balances"
    )
    bucket = models.DateField()
    score = models.BigIntegerField()
    balance = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.account_id}@{self.bucket}: score {self.score} balance {self.balance}"
