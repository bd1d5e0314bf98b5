"""Building blocks for request and response schemas shared by every domain's router."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Generic, TypeVar

from ninja import Schema
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

# Ids fit a signed 64-bit column on both databases; larger numbers are rejected as input errors
# rather than reaching the database.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# PostgreSQL rejects NUL characters in text; say so in the schema and refuse them as a field error.
NO_NUL = r"^[^\x00]*$"


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 (reads as a type)
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length, pattern=NO_NUL)]


def _storable(value: dt.datetime) -> dt.datetime:
    # Far-off years overflow when converted to UTC for the database; nobody means them.
    if not 1900 <= value.year <= 9000:
        raise ValueError("year must be between 1900 and 9000")
    return value


# A point in time as input: time zone required by callers' habit (validated where used), years
# bounded so conversion to UTC cannot overflow.
When = Annotated[dt.datetime, AfterValidator(_storable)]


class In(Schema):
    """Base of every input: unknown fields are refused (422 naming the field), never ignored.

    That is what stops a caller from setting owner, org, balance or role through a field the
    endpoint does not offer.
    """

    model_config = ConfigDict(extra="forbid")


class PageIn(In):
    limit: int = Field(50, ge=1, le=200, description="每页条数 / page size")
    offset: int = Field(0, ge=0, le=1_000_000, description="跳过条数 / rows to skip")


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
