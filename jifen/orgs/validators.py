"""Validation of Chinese ID numbers (GB 11643-1999) and mobile numbers."""

from __future__ import annotations

import datetime as dt
import re

from jifen.core.errors import field_error

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str, *, field: str = "id_number") -> str:
    """Return the 18-character ID number upper-cased, or raise with the reason."""
    text = value.strip().upper().replace(" ", "")
    if not _ID_RE.match(text):
        raise field_error(field, "身份证号应为18位：17位数字加1位数字或X", "an ID number is 17 digits and a final digit or X")
    try:
        dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise field_error(field, "身份证号中的出生日期无效", "the birth date inside the ID number is not a real date") from None
    if id_check_digit(text[:17]) != text[17]:
        raise field_error(field, "身份证号校验位不正确", "the ID number's check digit is wrong")
    return text


def birth_date_from_id(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def gender_from_id(id_number: str) -> str:
    return "M" if int(id_number[16]) % 2 == 1 else "F"


def normalize_mobile(value: str, *, field: str = "mobile") -> str:
    text = value.strip().replace(" ", "").replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    if not _MOBILE_RE.match(text):
        raise field_error(field, "手机号应为以1开头的11位数字", "a mobile number is 11 digits starting with 1")
    return text


_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def normalize_org_code(value: str, *, field: str = "code") -> str:
    text = value.strip().lower()
    if not _CODE_RE.match(text):
        raise field_error(field, "组织编码只能用小写字母、数字、- 和 _（最多64位）", "an org code uses a-z, 0-9, - and _ only (64 at most)")
    return text
