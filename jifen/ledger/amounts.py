"""Points ↔ stored units. A scheme with points_scale s stores 1.5 points as 15 when s = 1.

Points come in as int or Decimal; float is refused because 0.1 + 0.2 is not 0.3.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jifen.core.errors import InvalidInput

Points = int | Decimal

# Stored amounts are BIGINT; keep a margin so sums of many postings cannot overflow.
MAX_UNITS = 10**15


def to_units(value: object, scale: int, *, field: str = "amount") -> int:
    """Exact conversion of a points value to integer units, refusing float and excess precision."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput(
            f"积分必须是整数或定点小数，不能是浮点数：{value!r}",
            f"points must be int or Decimal, never float: {value!r}",
            code="float_amount",
            detail={"field": field},
        )
    if isinstance(value, int):
        units = value * 10**scale
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput("积分无效", f"not a finite amount: {value!r}", code="bad_amount", detail={"field": field})
        try:
            scaled = value.scaleb(scale)
            units = int(scaled)
        except (InvalidOperation, OverflowError):
            raise InvalidInput("积分无效", f"not a valid amount: {value!r}", code="bad_amount", detail={"field": field}) from None
        if scaled != units:
            raise InvalidInput(
                f"积分 {value} 的小数位超过本方案允许的 {scale} 位",
                f"{value} has more decimal places than the scheme's {scale}",
                code="amount_precision",
                detail={"field": field},
            )
    else:
        raise InvalidInput(
            f"积分必须是整数或定点小数：{value!r}",
            f"points must be int or Decimal: {value!r}",
            code="bad_amount",
            detail={"field": field},
        )
    if abs(units) >= MAX_UNITS:
        raise InvalidInput("积分数值过大", f"amount {value} is too large", code="amount_too_large", detail={"field": field})
    return units


def to_points(units: int, scale: int) -> Points:
    """Stored units back to points: int for whole-point schemes, Decimal otherwise."""
    units = int(units or 0)
    if scale == 0:
        return units
    return Decimal(units).scaleb(-scale)
