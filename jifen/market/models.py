"""The points supermarket (积分超市) and the funds behind it.

- Shops: the village supermarket and partner shops (兑换点), each belonging to an org unit and
  serving the schemes of its subtree (and the schemes above it that cover it).
- Goods and services: price in points, cost in fen, per-household limit per period. Services
  and vouchers (体检券, 借书卡) do not track stock.
- Stock is movements only: the level is the sum of a good's movements; each movement carries
  the level after it, which may never be negative (checked under the good's row lock and by a
  database constraint).
- Redemptions post one ledger transaction (kind redeem) and their stock movements together.
- Funds hold integer fen; every change is an append-only movement carrying the balance after
  it, which may never be negative (the fund's row lock, and a database constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit, Person, Subject, Unit
from jifen.rules.models import Scheme


class Shop(models.Model):
    """A redemption point: the village supermarket or a partner shop (兑换点)."""

    class Kind(models.TextChoices):
        SUPERMARKET = "supermarket", _("积分超市")
        PARTNER = "partner", _("兑换点")

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="shops")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SUPERMARKET)
    # A partner shop that is itself scored as a unit (篇7 商户积分).
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="shops")
    address = models.CharField(max_length=200, blank=True)
    # How long after a redemption the shopkeeper may still cancel it (goods returned at the counter).
    cancel_window_minutes = models.PositiveIntegerField(default=24 * 60)
    next_receipt = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["org__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="market_shop_code_unique_in_org"),
            models.CheckConstraint(condition=Q(kind__in=["supermarket", "partner"]), name="market_shop_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Good(models.Model):
    """Something a shop redeems for points: goods on the shelf, a service or a voucher."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("实物")
        SERVICE = "service", _("服务")
        VOUCHER = "voucher", _("券/政策奖励")

    class LimitPeriod(models.TextChoices):
        DAY = "day", _("每天")
        WEEK = "week", _("每周")
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        YEAR = "year", _("每年")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="goods")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.GOODS)
    category = models.CharField(max_length=32, blank=True)  # 粮油, 日用品, 服务 …
    picture = models.FileField(upload_to="market/goods/", blank=True)
    unit = models.CharField(max_length=16, default="件")  # 桶, 袋, 次, 张
    price_points = models.PositiveIntegerField()  # whole points per unit
    cost_fen = models.PositiveIntegerField(default=0)  # catalogue cost per unit (services, vouchers)
    # Goods track stock; services and vouchers are redeemed without it.
    tracks_stock = models.BooleanField(default=True)
    limit_per_household = models.PositiveIntegerField(null=True, blank=True)
    limit_period = models.CharField(max_length=8, choices=LimitPeriod.choices, default=LimitPeriod.MONTH)
    active_from = models.DateField(null=True, blank=True)
    active_until = models.DateField(null=True, blank=True)  # last day on offer (inclusive)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["shop", "category", "code"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="market_good_code_unique_in_shop"),
            models.CheckConstraint(condition=Q(price_points__gt=0), name="market_good_price_positive"),
            models.CheckConstraint(condition=Q(kind__in=["goods", "service", "voucher"]), name="market_good_kind_valid"),
            models.CheckConstraint(
                condition=Q(limit_period__in=["day", "week", "month", "quarter", "year"]), name="market_good_limit_period_valid"
            ),
            models.CheckConstraint(
                condition=Q(active_from__isnull=True) | Q(active_until__isnull=True) | Q(active_until__gte=models.F("active_from")),
                name="market_good_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Fund(models.Model):
    """A pot of money in fen (专项资金): a source fund, or an allocation of one to an org unit and year."""

    org = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="funds")
    code = models.SlugField(max_length=64)
    name = models.CharField(max_length=100)
    # Set on an allocation (专款专用): the fund it came from and the year it may be spent in.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["org__path", "code"]
        constraints = [
            models.UniqueConstraint(fields=["org", "code"], name="market_fund_code_unique_in_org"),
            models.UniqueConstraint(
                fields=["parent", "org", "year"], condition=Q(parent__isnull=False), name="market_fund_one_allocation"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundMovement(models.Model):
    """One change of a fund's balance, in fen. Append-only; `balance_after_fen` is never negative."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("收入")
        ALLOCATION_OUT = "allocation_out", _("下拨")
        ALLOCATION_IN = "allocation_in", _("拨入")
        PURCHASE = "purchase", _("采购支出")
        REWARD = "reward", _("现金奖励")

    class SourceKind(models.TextChoices):
        FISCAL_SUBSIDY = "fiscal_subsidy", _("财政补贴")
        PROGRAMME_AWARD = "programme_award", _("示范村奖补")
        COLLECTIVE_INCOME = "collective_income", _("村集体收入")
        DONATION = "donation", _("乡贤捐赠")
        SOCIAL = "social", _("社会资金")
        OTHER = "other", _("其他")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount_fen = models.BigIntegerField()  # + in, - out
    balance_after_fen = models.BigIntegerField()
    source_kind = models.CharField(max_length=20, choices=SourceKind.choices, blank=True)  # receipts
    counterpart = models.ForeignKey(Fund, null=True, blank=True, on_delete=models.PROTECT, related_name="+")  # allocations
    reward_line = models.OneToOneField(
        "rankings.RewardLine", null=True, blank=True, on_delete=models.PROTECT, related_name="fund_movement"
    )
    reason = models.CharField(max_length=500)
    key = models.CharField(max_length=200, unique=True)  # idempotency key (derived per movement)
    content_hash = models.CharField(max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["fund", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance_after_fen__gte=0), name="market_fund_never_negative"),
            models.CheckConstraint(condition=~Q(amount_fen=0), name="market_fundmovement_amount_nonzero"),
            models.CheckConstraint(
                condition=(Q(kind__in=["receipt", "allocation_in"]) & Q(amount_fen__gt=0))
                | (Q(kind__in=["allocation_out", "purchase", "reward"]) & Q(amount_fen__lt=0)),
                name="market_fundmovement_sign_by_kind",
            ),
        ]
        indexes = [models.Index(fields=["fund", "at"], name="market_fundmove_fund_at")]

    def __str__(self) -> str:
        return f"{self.fund_id} {self.kind} {self.amount_fen:+d}"


class Redemption(models.Model):
    """A basket redeemed at a shop: one ledger transaction and its stock movements."""

    class Status(models.TextChoices):
        COMPLETED = "completed", _("已兑换")
        CANCELLED = "cancelled", _("已撤销")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="redemptions")
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="redemptions")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="redemptions")
    # Whose limits it counts against and who counts as having redeemed (redemption rate).
    household = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="household_redemptions")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions")
    receipt_no = models.CharField(max_length=32, unique=True)
    total_units = models.BigIntegerField()  # points in scheme units
    total_cost_fen = models.BigIntegerField()
    transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="redemption")
    key = models.CharField(max_length=200, unique=True)
    content_hash = models.CharField(max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    redeemed_at = models.DateTimeField()
    day = models.DateField()  # local date in the scheme's zone
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COMPLETED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancel_key = models.CharField(max_length=200, blank=True)
    cancel_transaction = models.OneToOneField(
        "ledger.Transaction", null=True, blank=True, on_delete=models.PROTECT, related_name="redemption_cancelled"
    )

    class Meta:
        ordering = ["-redeemed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_units__gt=0), name="market_redemption_total_positive"),
            models.CheckConstraint(condition=Q(status__in=["completed", "cancelled"]), name="market_redemption_status_valid"),
            models.CheckConstraint(
                condition=Q(status="completed", cancel_transaction__isnull=True)
                | Q(status="cancelled", cancel_transaction__isnull=False),
                name="market_redemption_cancel_posted",
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "day"], name="market_redemption_shop_day"),
            models.Index(fields=["household", "day"], name="market_redemption_hh_day"),
            models.Index(fields=["day"], name="market_redemption_day"),
        ]

    def __str__(self) -> str:
        return self.receipt_no


class RedemptionLine(models.Model):
    """One good of a basket, with the price and cost as they were. Append-only."""

    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="lines")
    line = models.PositiveSmallIntegerField()
    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="redemption_lines")
    quantity = models.PositiveIntegerField()
    unit_units = models.BigIntegerField()  # price per unit in scheme units
    units = models.BigIntegerField()  # quantity × unit_units
    unit_cost_fen = models.BigIntegerField()  # average stock cost (or catalogue cost) at the time

    class Meta:
        ordering = ["redemption", "line"]
        constraints = [
            models.UniqueConstraint(fields=["redemption", "line"], name="market_redemptionline_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="market_redemptionline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.redemption_id}/{self.line} {self.good_id} x{self.quantity}"


class StockMovement(models.Model):
    """One change of a good's stock. Append-only; `level_after` is never negative."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("采购入库")
        REDEMPTION = "redemption", _("兑换出库")
        CANCELLATION = "cancellation", _("撤销兑换退回")
        ADJUSTMENT = "adjustment", _("调整")
        STOCKTAKE = "stocktake", _("盘点")

    good = models.ForeignKey(Good, on_delete=models.PROTECT, related_name="stock_movements")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    quantity = models.BigIntegerField()  # + in, - out; 0 only for a stock-take that found the level right
    level_after = models.BigIntegerField()
    unit_cost_fen = models.BigIntegerField(null=True, blank=True)  # purchases
    total_cost_fen = models.BigIntegerField(null=True, blank=True)  # purchases
    fund_movement = models.OneToOneField(
        FundMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movement"
    )
    redemption = models.ForeignKey(Redemption, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements")
    counted = models.BigIntegerField(null=True, blank=True)  # stock-takes: the counted figure
    reason = models.CharField(max_length=500, blank=True)
    key = models.CharField(max_length=200, unique=True)
    content_hash = models.CharField(max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["good", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(level_after__gte=0), name="market_stock_never_negative"),
            models.CheckConstraint(
                condition=~Q(quantity=0) | Q(kind="stocktake"), name="market_stock_zero_only_stocktake"
            ),
            models.CheckConstraint(
                condition=(Q(kind__in=["purchase", "cancellation"]) & Q(quantity__gt=0))
                | (Q(kind="redemption") & Q(quantity__lt=0))
                | Q(kind__in=["adjustment", "stocktake"]),
                name="market_stock_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind="stocktake") | Q(counted=models.F("level_after")), name="market_stocktake_counted"
            ),
        ]
        indexes = [models.Index(fields=["good", "at"], name="market_stock_good_at")]

    def __str__(self) -> str:
        return f"{self.good_id} {self.kind} {self.quantity:+d} → {self.level_after}"
