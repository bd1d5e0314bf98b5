import pytest

from jifen.core.errors import InvalidInput
from jifen.orgs.validators import (
    birth_date_from_id,
    gender_from_id,
    id_check_digit,
    normalize_id_number,
    normalize_mobile,
)


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",  # the standard's own example
        "11010519491231002x",  # lower-case x is accepted and upper-cased
        "440524188001010014",
        "42088119800101003X",
    ],
)
def test_valid_id_numbers_are_accepted(value):
    assert normalize_id_number(value) == value.upper()


def test_check_digit_matches_gb11643_example():
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "校验位"),  # wrong check digit
        ("11010519491231002", "18位"),  # too short
        ("1101051949123100211", "18位"),  # too long
        ("11010519491331002X", "出生日期"),  # month 13
        ("11010519490230002X", "出生日期"),  # 30 February
        ("1101051949123100AX", "18位"),  # letter inside
        ("", "18位"),
    ],
)
def test_invalid_id_numbers_are_refused_with_the_reason(value, reason):
    with pytest.raises(InvalidInput) as excinfo:
        normalize_id_number(value)
    assert reason in excinfo.value.zh
    assert excinfo.value.detail == {"field": "id_number"}
    assert excinfo.value.en  # the English text is there too
    assert excinfo.value.en != excinfo.value.zh


def test_birth_date_and_gender_come_from_the_id_number():
    assert str(birth_date_from_id("11010519491231002X")) == "1949-12-31"
    assert gender_from_id("11010519491231002X") == "F"  # 17th digit 2 is even
    assert gender_from_id("42088119800101003X") == "M"  # 17th digit 3 is odd


@pytest.mark.parametrize(
    ("value", "expected"),
    [("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+8619912345678", "19912345678"), ("138-1234-5678", "13812345678")],
)
def test_valid_mobiles(value, expected):
    assert normalize_mobile(value) == expected


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "23812345678", "1381234567a", ""])
def test_invalid_mobiles(value):
    with pytest.raises(InvalidInput) as excinfo:
        normalize_mobile(value)
    assert excinfo.value.zh == "手机号应为以1开头的11位数字"
