"""Forms for the web pages. They only shape and check input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jifen.core.errors import JifenError
from jifen.orgs.models import ROLE_RANK, OrgKind, Role


def add_service_error(form: forms.Form, exc: JifenError) -> None:
    """Show a service's refusal on the form: on its field when the service named one."""
    message = exc.message(get_language())
    field = exc.detail.get("field") if isinstance(exc.detail, dict) else None
    form.add_error(field if field in form.fields else None, message)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("手机号或用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    error_messages = {
        "invalid_login": _("手机号/用户名或密码不正确。"),
        "inactive": _("该账户已停用，请联系管理员。"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["password"].label = _("密码")


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("当前密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password1 = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，不能全是数字，不能太常见，也不能和用户名相近。"),
    )
    new_password2 = forms.CharField(
        label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self) -> str:
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError(_("当前密码不正确。"))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class OrgUnitCreateForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    code = forms.CharField(
        label=_("编码"), max_length=64, help_text=_("小写字母、数字、- 和 _，用于路径，如 shahe。")
    )
    kind = forms.ModelChoiceField(label=_("类型"), queryset=OrgKind.objects.order_by("id"), to_field_name="code")
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("电话"), max_length=32, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from jifen.web.templatetags.jifen_web import kind_name

        self.fields["kind"].label_from_instance = kind_name  # type: ignore[attr-defined]


class OrgUnitMoveForm(forms.Form):
    new_parent = forms.CharField(
        label=_("移到哪个组织之下（路径）"), max_length=500, help_text=_("例如 demo/xinan；整个下级随之移动。")
    )


class AccountCreateForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150, help_text=_("本人也可以用登记的手机号登录。"))
    password = forms.CharField(
        label=_("初始密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


MAX_IMPORT_BYTES = 10 * 1024 * 1024


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("人员花名册（.xlsx）"),
        help_text=_("第一行为表头，列名见下方说明；最大 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )
    dry_run = forms.BooleanField(label=_("只检查，不写入（试导入）"), required=False, initial=True)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（旧的 .xls 请先另存为 .xlsx）。"))
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("文件太大：最大 10 MB。"))
        return upload


class PasswordResetForm(forms.Form):
    """An admin sets a new password for someone who forgot theirs."""

    password = forms.CharField(
        label=_("新密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少8位，不能全是数字，不能太常见，也不能和用户名相近。"),
    )


class RoleGrantForm(forms.Form):
    login = forms.CharField(label=_("用户名或手机号"), max_length=150)
    role = forms.ChoiceField(label=_("角色"))
    org_path = forms.CharField(label=_("组织路径"), max_length=500, help_text=_("角色对该组织及其全部下级有效。"))
    points_limit = forms.IntegerField(
        label=_("单次奖扣分上限"), required=False, min_value=0, help_text=_("分层分级授权：空表示无奖扣分权限。")
    )
    title = forms.CharField(label=_("职务"), max_length=50, required=False)
    level = forms.IntegerField(label=_("职务级别"), min_value=0, max_value=32767, initial=0, required=False)
    valid_from = forms.DateField(label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, max_rank: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Nobody hands out a role above their own (an org admin cannot make a platform admin).
        self.fields["role"].choices = [(r.value, r.label) for r in Role if ROLE_RANK[r] <= max_rank]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("截止日期不能早于生效日期。"))
        return data
