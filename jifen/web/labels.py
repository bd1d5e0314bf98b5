"""Readable names for audit actions shown in histories; an action missing here shows its code."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS: dict[str, str | Promise] = {
    "orgs.org_unit_create": _("新建组织"),
    "orgs.org_unit_move": _("移动组织"),
    "orgs.person_create": _("登记人员"),
    "orgs.person_update": _("修改人员信息"),
    "orgs.household_create": _("建户"),
    "orgs.household_member_add": _("成员入户"),
    "orgs.household_member_leave": _("成员迁出"),
    "orgs.user_create": _("开通账户"),
    "orgs.user_set_password": _("设置密码"),
    "orgs.role_binding_grant": _("授予角色"),
    "orgs.role_binding_revoke": _("撤销角色"),
    "orgs.role_binding_set_limit": _("修改奖扣分上限"),
    "orgs.people_import": _("导入人员"),
    "orgs.people_export": _("导出人员"),
}
