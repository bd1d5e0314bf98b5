"""How schemes and items read to an official: Chinese labels, points with their sign, 待填写."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jifen.rules.models import SUBJECT_TYPE_NAMES, ItemVersion

TO_FILL = "待填写 / to be filled"
TO_FILL_ZH = "待填写"

DIRECTION_ZH = {"award": "加分", "deduct": "扣分"}
FREQUENCY_ZH = {
    "per_event": "每次", "per_day": "每天", "per_month": "每月", "per_quarter": "每季度", "per_year": "每年", "once": "一次性",
}
MIN_ROLE_ZH = {"member": "成员", "recorder": "记录员", "reviewer": "审核人", "org_admin": "组织管理员"}
KIND_ZH = {"normal": "普通", "base": "基础分", "fixed_monthly": "每月固定分", "fraud": "弄虚作假", "veto": "一票否决"}
CADENCE_ZH = {"weekly": "每周 / weekly", "monthly": "每月 / monthly", "quarterly": "每季度 / quarterly", "yearly": "每年 / yearly"}
PERIOD_POLICY_ZH = {"year_end_clear": "年底清零 / cleared at year end", "lifetime": "长期有效 / kept while a member"}


def subject_names(types: list[str]) -> str:
    return "、".join(SUBJECT_TYPE_NAMES.get(t, t) for t in types) or "—"


def number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def points_text(version: ItemVersion | Any, points_scale: int = 0) -> str:
    """"+30", "-100", "+10～80", "待填写 / to be filled", or "按方案规则" for fraud / veto lines."""

    def fmt(units: int) -> str:
        return number(Decimal(units).scaleb(-points_scale))

    sign = "+" if version.direction == "award" else "-"
    if version.points is not None:
        return f"{sign}{fmt(version.points)}"
    if version.points_min is not None and version.points_max is not None:
        return f"{sign}{fmt(version.points_min)}～{fmt(version.points_max)}"
    if version.kind in ("fraud", "veto"):
        return "按方案规则 / by scheme rule"
    if version.points_min is not None:
        return f"{sign}{fmt(version.points_min)}～{TO_FILL}"
    if version.points_max is not None:
        return f"{sign}{TO_FILL}～{fmt(version.points_max)}"
    return TO_FILL


def null_paths(data: Any, prefix: str = "") -> list[str]:
    """Paths of every null (or empty table, e.g. 篇6's position values) the adopter still has to give."""
    found: list[str] = []
    if data is None or data == {}:
        return [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "note":
                continue
            found.extend(null_paths(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(null_paths(value, f"{prefix}[{index}]"))
    return found


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Settings as (path, value) lines for printing."""
    if isinstance(data, dict) and data:
        lines = []
        for key, value in data.items():
            lines.extend(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return lines
    if isinstance(data, list) and data and any(isinstance(v, dict | list) for v in data):
        lines = []
        for index, value in enumerate(data):
            lines.extend(flatten(value, f"{prefix}[{index}]"))
        return lines
    return [(prefix, data)]


def value_text(value: Any) -> str:
    if value is None:
        return TO_FILL
    if isinstance(value, bool):
        return "是 / yes" if value else "否 / no"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) if value else "—"
    if isinstance(value, dict):
        return TO_FILL if not value else "、".join(f"{k}: {value_text(v)}" for k, v in value.items())
    return str(value)
