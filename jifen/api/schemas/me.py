from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import In, Text, When


class BindingOut(Schema):
    id: int
    org_id: int
    org_path: str
    org_name: str
    role: str
    points_limit: int | None
    title: str
    level: int
    valid_from: dt.date | None
    valid_until: dt.date | None


class MeOut(Schema):
    id: int
    username: str
    name: str
    person_id: int | None
    is_platform_admin: bool
    via_token: bool = Field(description="本次请求是否用 API 令牌认证 / whether this request used an API token")
    bindings: list[BindingOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="令牌开头几位，便于辨认 / the token's first characters, to tell tokens apart")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    token: str | None = Field(
        description="令牌全文，只显示这一次（重放时为 null） / the token itself, shown this once (null on a replay)"
    )


class TokenCreateIn(In):
    name: Text(100, 1)
    expires_at: When | None = Field(None, description="可选的过期时间（带时区） / optional expiry, with time zone")
