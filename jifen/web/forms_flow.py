"""Forms of the member, recorder and review pages. They shape and check input; the claims
services decide (their refusals are shown on the form with `add_service_error`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jifen.claims.models import ClaimChannel, MeetingDecision
from jifen.rules.models import ItemVersion, Scheme


def points_units(scheme: Scheme, value: Any) -> int | None:
    """Points typed on a form ("5", "2.5") as the scheme's integer units; None when blank."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return scheme.to_units(Decimal(text))
    except (InvalidOperation, ValueError):
        raise forms.ValidationError(_("分值格式不对，请填写数字。")) from None


class DeclareForm(forms.Form):
    """Declare a deed: for oneself or one's household (member), or for anyone (recorder)."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    item = forms.TypedChoiceField(label=_("事项"), coerce=int)
    subject = forms.TypedChoiceField(label=_("为谁申报"), coerce=int)
    occurred_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    occurred_time = forms.TimeField(label=_("时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label=_("地点"), max_length=200)
    description = forms.CharField(label=_("事由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    points = forms.CharField(
        label=_("分值"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("只有分值可选的事项需要填写。"),
    )

    channel = forms.ChoiceField(label=_("申报渠道"), choices=ClaimChannel.choices, initial=ClaimChannel.VERBAL)

    def __init__(
        self, *args: Any, scheme: Scheme, groups: list[tuple[str, list[ItemVersion]]], subjects: list[tuple[int, str]],
        on_behalf: bool = False, **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        if not on_behalf:
            del self.fields["channel"]
        self.fields["item"].choices = [("", _("请选择"))] + [
            (category, [(v.item_id, _version_label(scheme, v)) for v in versions]) for category, versions in groups
        ]
        self.fields["subject"].choices = subjects
        if len(subjects) == 1:
            self.fields["subject"].widget = forms.HiddenInput()

    def clean_points(self) -> int | None:
        return points_units(self.scheme, self.cleaned_data.get("points"))


def _version_label(scheme: Scheme, version: ItemVersion) -> str:
    sign = "-" if version.direction == ItemVersion.Direction.DEDUCT else "+"
    if version.points is not None:
        return f"{version.name}（{sign}{scheme.from_units(version.points)}）"
    if version.points_min is not None and version.points_max is not None:
        return f"{version.name}（{sign}{scheme.from_units(version.points_min)}～{scheme.from_units(version.points_max)}）"
    return version.name


class ActivityForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("活动名称"), max_length=200)
    item = forms.TypedChoiceField(label=_("积分事项"), coerce=int)
    org = forms.TypedChoiceField(label=_("组织单位"), coerce=int)
    held_on = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    held_time = forms.TimeField(label=_("时间"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    points = forms.CharField(label=_("每人分值"), required=False, help_text=_("只有分值可选的事项需要填写。"))

    def __init__(self, *args: Any, scheme: Scheme, groups: list[tuple[str, list[ItemVersion]]], orgs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.fields["item"].choices = [("", _("请选择"))] + [
            (category, [(v.item_id, _version_label(scheme, v)) for v in versions if v.direction == ItemVersion.Direction.AWARD])
            for category, versions in groups
        ]
        self.fields["org"].choices = orgs

    def clean_points(self) -> int | None:
        return points_units(self.scheme, self.cleaned_data.get("points"))


class SpotCheckForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    org = forms.TypedChoiceField(label=_("检查范围"), coerce=int)
    held_on = forms.DateField(label=_("检查日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    households_checked = forms.IntegerField(label=_("抽查户数"), min_value=0, initial=0)
    inspector_names = forms.CharField(label=_("其他检查人员"), max_length=500, required=False)
    decision_record = forms.CharField(
        label=_("集体决定记录"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("扣分所依据的村集体决定：何时、何会、何人决定。"),
    )

    def __init__(self, *args: Any, orgs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = orgs


class MeetingForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    held_on = forms.DateField(label=_("会议日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    attendee_names = forms.CharField(label=_("参会人员"), max_length=500, required=False)
    minutes = forms.CharField(label=_("会议纪要"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(
        label=_("对勾选的申报"),
        choices=[(MeetingDecision.Outcome.APPROVE, _("通过")), (MeetingDecision.Outcome.REJECT, _("不通过"))],
    )
    reason = forms.CharField(label=_("理由"), max_length=500, required=False, help_text=_("不通过时必填。"))


class SecondCheckForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("核查结果"), choices=[("uphold", _("维持原结果")), ("change", _("调整分值")), ("revoke", _("撤销积分"))]
    )
    points = forms.CharField(label=_("新分值"), required=False, help_text=_("调整分值时填写。"))
    reason = forms.CharField(label=_("核查结论"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    claim = forms.TypedChoiceField(label=_("对哪一条提出异议"), coerce=int)
    reason = forms.CharField(label=_("异议理由"), max_length=2000, min_length=5, widget=forms.Textarea(attrs={"rows": 3}))
    name = forms.CharField(label=_("您的姓名（选填）"), max_length=50, required=False)
    phone = forms.CharField(
        label=_("联系电话（选填）"), max_length=11, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args: Any, entries: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["claim"].choices = entries

