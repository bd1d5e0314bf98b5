"""Forms of the admin pages for shops, goods, stock and funds (jifen.web.views.stockroom).

They only shape input (types, yuan to integer fen); `jifen.market.services` decides what is
allowed and says why not. Every write form carries a hidden idempotency key made when the form
was shown, so a double tap or a retry records once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jifen.market.models import Fund, FundMovement, Good, Shop
from jifen.orgs.models import OrgUnit, Unit, subtree_q

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
# Digits of a yuan amount with its fen: the services' limit (10^13 fen, 1000 亿元) has 14, so one
# more lets a too-large amount through to the service, which names its limit.
MAX_YUAN_DIGITS = 15


def new_key() -> str:
    return uuid.uuid4().hex


def fen(yuan: Decimal) -> int:
    """Yuan with at most two decimals (the form checks) as integer fen, exactly."""
    return int((yuan * 100).to_integral_value())


def yuan_field(label: Any, *, required: bool = True, minimum: str = "0", help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, min_value=Decimal(minimum), max_digits=MAX_YUAN_DIGITS, decimal_places=2,
        help_text=help_text, widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class KeyedForm(forms.Form):
    """A write form with its idempotency key (hidden, made on GET)."""

    key = forms.CharField(widget=forms.HiddenInput, max_length=120)

    def refresh_key(self) -> None:
        """A fresh key for the next try (after the old one was spent on other content)."""
        data = self.data.copy()
        data[self.add_prefix("key")] = new_key()
        self.data = data


# ---------------------------------------------------------------- shops and goods


class ShopCreateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.SlugField(
        label=_("编号"), max_length=64, help_text=_("小写字母、数字、- 和 _，如 supermarket。"),
        error_messages={"invalid": _("编号只能用小写字母、数字、- 和 _。")},
    )
    kind = forms.ChoiceField(label=_("类型"), choices=Shop.Kind.choices, initial=Shop.Kind.SUPERMARKET)
    unit = forms.ModelChoiceField(
        label=_("合作商户（积分单位）"), required=False, queryset=Unit.objects.none(), empty_label=_("（无）"),
        help_text=_("兑换点本身也参加单位积分时选择。"),
    )
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    cancel_window_minutes = forms.IntegerField(
        label=_("撤销时限（分钟）"), initial=24 * 60, help_text=_("兑换后多长时间内兑换员还可以撤销（退货）；1440 分钟为一天。"),
    )

    def __init__(self, *args: Any, org: OrgUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(subtree_q(org.path, "org__path"), is_active=True).order_by("name", "pk")
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


TRACKS_BY_KIND = [("", _("按类型（实物管理库存，服务和券不管理）")), ("yes", _("管理库存")), ("no", _("不管理库存"))]


class GoodFields(forms.Form):
    """What good_create and good_update share."""

    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=Good.Kind.choices, initial=Good.Kind.GOODS)
    category = forms.CharField(label=_("类别"), max_length=32, required=False, help_text=_("如 粮油、日用品、服务。"))
    unit = forms.CharField(label=_("单位"), max_length=16, initial="件", help_text=_("如 桶、袋、次、张。"))
    price_points = forms.IntegerField(label=_("所需积分（每单位）"))
    cost_yuan = yuan_field(
        _("成本（元/单位）"), required=False, help_text=_("服务和券的成本；实物按采购入库的平均成本计。")
    )
    limit_per_household = forms.IntegerField(
        label=_("每户限兑数量"), required=False, help_text=_("留空为不限；户内每个人的兑换都计入本户。")
    )
    limit_period = forms.ChoiceField(label=_("限兑周期"), choices=Good.LimitPeriod.choices, initial=Good.LimitPeriod.MONTH)
    active_from = forms.DateField(label=_("上架日期"), required=False, widget=DATE, help_text=_("留空为立即上架。"))
    active_until = forms.DateField(label=_("下架日期（含当天）"), required=False, widget=DATE, help_text=_("留空为长期有效。"))

    def good_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"], "kind": data["kind"], "category": data["category"], "unit": data["unit"],
            "price_points": data["price_points"], "cost_fen": fen(data["cost_yuan"] or Decimal(0)),
            "limit_per_household": data["limit_per_household"], "limit_period": data["limit_period"],
            "active_from": data["active_from"], "active_until": data["active_until"],
        }


class GoodCreateForm(GoodFields):
    code = forms.SlugField(
        label=_("编号"), max_length=64, help_text=_("小写字母、数字、- 和 _，如 oil-5l；上架后不能改。"),
        error_messages={"invalid": _("编号只能用小写字母、数字、- 和 _。")},
    )
    tracks_stock = forms.ChoiceField(label=_("库存"), choices=TRACKS_BY_KIND, required=False)

    field_order = ["code", "name", "kind", "category", "unit", "price_points", "cost_yuan", "tracks_stock"]

    def good_values(self) -> dict[str, Any]:
        tracks = self.cleaned_data["tracks_stock"]
        return super().good_values() | {"code": self.cleaned_data["code"], "tracks_stock": None if not tracks else tracks == "yes"}


class GoodEditForm(GoodFields):
    tracks_stock = forms.BooleanField(label=_("管理库存"), required=False)
    is_active = forms.BooleanField(label=_("在售（取消则下架，不再兑换）"), required=False)

    field_order = ["name", "kind", "category", "unit", "price_points", "cost_yuan", "tracks_stock"]

    @classmethod
    def initial_for(cls, good: Good) -> dict[str, Any]:
        return {
            "name": good.name, "kind": good.kind, "category": good.category, "unit": good.unit, "price_points": good.price_points,
            "cost_yuan": Decimal(good.cost_fen) / 100, "limit_per_household": good.limit_per_household,
            "limit_period": good.limit_period, "active_from": good.active_from, "active_until": good.active_until,
            "tracks_stock": good.tracks_stock, "is_active": good.is_active,
        }

    def good_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return super().good_values() | {"tracks_stock": data["tracks_stock"], "is_active": data["is_active"]}


# ---------------------------------------------------------------- stock


class PurchaseForm(KeyedForm):
    quantity = forms.IntegerField(label=_("数量"))
    unit_cost_yuan = yuan_field(_("单价（元）"), help_text=_("捐赠的实物填 0。"))
    fund = forms.ModelChoiceField(
        label=_("从哪笔资金支付"), required=False, queryset=Fund.objects.none(), empty_label=_("不从资金支付（捐赠或已另行支付）"),
    )
    reason = forms.CharField(label=_("事由"), max_length=500, help_text=_("如 3月第一批进货、乡贤捐赠。"))

    def __init__(self, *args: Any, funds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds  # type: ignore[attr-defined]
        self.fields["fund"].label_from_instance = fund_label  # type: ignore[attr-defined]


class AdjustForm(KeyedForm):
    quantity = forms.IntegerField(label=_("调整数量"), help_text=_("增加填正数，减少（损坏、过期）填负数。"))
    reason = forms.CharField(label=_("调整原因"), max_length=500)


class StockTakeForm(KeyedForm):
    counted = forms.IntegerField(label=_("实盘数量"), help_text=_("清点到的数量；与账面的差额记为短缺或盈余。"))
    reason = forms.CharField(label=_("备注"), max_length=500, required=False)


# ---------------------------------------------------------------- funds


def fund_label(fund: Fund) -> str:
    """Name, unit and balance: what an admin needs to choose a fund to pay from."""
    from jifen.market.services import yuan

    return gettext("%(name)s（%(org)s）· 余额 %(yuan)s 元") % {
        "name": fund.name, "org": fund.org.name, "yuan": yuan(getattr(fund, "balance_fen", 0))
    }


class FundCreateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("如 积分超市专项资金、示范村奖补资金。"))
    code = forms.SlugField(
        label=_("编号"), max_length=64, help_text=_("小写字母、数字、- 和 _，如 subsidy-2026。"),
        error_messages={"invalid": _("编号只能用小写字母、数字、- 和 _。")},
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class FundReceiveForm(KeyedForm):
    amount_yuan = yuan_field(_("金额（元）"), minimum="0.01")
    source_kind = forms.ChoiceField(label=_("资金来源"), choices=FundMovement.SourceKind.choices)
    reason = forms.CharField(label=_("摘要"), max_length=500, help_text=_("如 县财政2026年积分超市补贴。"))


class FundAllocateForm(KeyedForm):
    org_path = forms.CharField(
        label=_("下拨到哪个组织（路径）"), max_length=500, help_text=_("本资金所属组织的下级，如 demo/zhangji/shahe。"),
        widget=forms.TextInput(attrs={"list": "allocate-orgs", "autocapitalize": "none"}),
    )
    year = forms.IntegerField(label=_("年度"), help_text=_("下拨的资金只能在这一年使用（专款专用）。"))
    amount_yuan = yuan_field(_("金额（元）"), minimum="0.01")
    reason = forms.CharField(label=_("摘要"), max_length=500)


class PeriodForm(forms.Form):
    """The statement's period (GET): empty for everything."""

    period = forms.CharField(label=_("期间"), max_length=16, required=False, help_text=_("如 2026、2026-03 或 2026-Q1；留空为全部。"))


class RewardPayForm(KeyedForm):
    fund = forms.ModelChoiceField(label=_("从哪笔资金发放"), queryset=Fund.objects.none(), empty_label=None)

    def __init__(self, *args: Any, funds: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds  # type: ignore[attr-defined]
        self.fields["fund"].label_from_instance = fund_label  # type: ignore[attr-defined]
