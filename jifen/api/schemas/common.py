"""Building blocks for request and response schemas shared by every domain's router."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

# Input is taken as the schema says and nothing looser: pydantic would otherwise read true as 1,
# 1.0 as an integer, "yes" as true and 0.5 as a time (a Unix timestamp). Path and query values
# arrive as text, so digits-only text counts as a whole number.
_WHOLE = re.compile(r"-?[0-9]{1,20}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)


def _whole_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | str) or (isinstance(value, str) and not _WHOLE.fullmatch(value)):
        raise PydanticCustomError("int_type", "Input should be a whole number")
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_type", "Input should be true or false")


def _date_text(value: Any) -> Any:
    if isinstance(value, dt.date) or (isinstance(value, str) and _DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_type", "Input should be a date, YYYY-MM-DD")


def _datetime_text(value: Any) -> Any:
    if isinstance(value, dt.datetime) or (isinstance(value, str) and _DATETIME.fullmatch(value)):
        return value
    raise PydanticCustomError("datetime_type", "Input should be a date and time, ISO 8601")


def Int(ge: int, le: int) -> Any:  # noqa: N802 (reads as a type)
    return Annotated[int, BeforeValidator(_whole_number), Field(ge=ge, le=le)]


Bool = Annotated[bool, BeforeValidator(_boolean)]
# Dates and times arrive as JSON text, which strict mode would refuse: these fields opt out of it
# and check the text themselves.
Date = Annotated[dt.date, Field(strict=False), BeforeValidator(_date_text)]

# Ids fit a signed 64-bit column on both databases; larger numbers are rejected as input errors
# rather than reaching the database.
MAX_ID = 2**63 - 1
Id = Int(1, MAX_ID)
# PostgreSQL rejects NUL characters in text; say so in the schema and refuse them as a field error.
NO_NUL = r"^[^\x00]*$"


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 (reads as a type)
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length, pattern=NO_NUL)]


_EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
_LATEST = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)


def _storable(value: dt.datetime) -> dt.datetime:
    # Far-off years overflow when converted to UTC for the database, and nobody means them:
    # read them as "the beginning" and "the end" of time.
    if value.tzinfo is None:
        return value  # the endpoint refuses naive times by name
    if value.year < 1900:
        return _EARLIEST
    if value.year > 9000:
        return _LATEST
    return value


# A point in time as input, with its time zone; years bounded so conversion to UTC cannot overflow.
When = Annotated[dt.datetime, Field(strict=False), BeforeValidator(_datetime_text), AfterValidator(_storable)]


class In(Schema):
    """Base of every request body: strict types, and unknown fields refused (422 naming the
    field), never ignored.

    That is what stops a caller from setting owner, org, balance or role through a field the
    endpoint does not offer, and from sending "3" or true where a number is due.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


class QueryIn(Schema):
    """Base of query-string filters: values arrive as text, so digits count as numbers."""

    model_config = ConfigDict(extra="forbid")


class PageIn(QueryIn):
    limit: Int(1, 200) = Field(50, description="每页条数 / page size")
    offset: Int(0, 1_000_000) = Field(0, description="跳过条数 / rows to skip")


T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    total: int = Field(description="符合条件的总数 / rows matching the filters")
    limit: int
    offset: int


def page_of(queryset: Any, page: PageIn, convert: Any = None) -> dict[str, Any]:
    """One page of `queryset` (which must be ordered) with the total count: two queries."""
    total = queryset.count()
    rows = list(queryset[page.offset : page.offset + page.limit])
    items = [convert(row) for row in rows] if convert is not None else rows
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


class OkOut(Schema):
    ok: bool = True
