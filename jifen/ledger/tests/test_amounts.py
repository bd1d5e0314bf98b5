from decimal import Decimal

import pytest

from jifen.core.errors import InvalidInput
from jifen.ledger.amounts import to_points, to_units


def test_whole_points_and_decimals_convert_exactly():
    assert to_units(7, 0) == 7
    assert to_units(Decimal("1.5"), 1) == 15
    assert to_units(Decimal("-2.25"), 2) == -225
    assert to_units(3, 2) == 300
    assert to_points(15, 1) == Decimal("1.5")
    assert to_points(-7, 0) == -7


@pytest.mark.parametrize("value", [0.1, 1.0, True])
def test_float_and_bool_are_refused(value):
    with pytest.raises(InvalidInput) as exc:
        to_units(value, 1)
    assert exc.value.code in {"float_amount"}
    assert "float" in exc.value.en and "浮点" in exc.value.zh


def test_more_decimals_than_the_scheme_allows_is_refused():
    with pytest.raises(InvalidInput) as exc:
        to_units(Decimal("1.25"), 1)
    assert exc.value.code == "amount_precision"


@pytest.mark.parametrize("value", ["5", None, Decimal("NaN"), Decimal("Infinity"), 10**16])
def test_other_values_are_refused(value):
    with pytest.raises(InvalidInput):
        to_units(value, 0)
