from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from jifen.api.schemas.common import Id, QueryIn, Text, When


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_name: str
    ip: str | None
    channel: str
    action: str
    object_type: str
    object_id: str
    org_path: str
    summary: str
    before: Any
    after: Any


class AuditFilter(QueryIn):
    actor_id: Id | None = None
    action: Text(80) | None = Field(None, description="动作，结尾 * 表示前缀，如 orgs.* / action; a trailing * matches a prefix")
    object_type: Text(80) | None = Field(None, description="如 orgs.person / e.g. orgs.person")
    object_id: Text(64) | None = None
    org_id: Id | None = Field(None, description="只看此组织及其下级 / within this unit's subtree")
    since: When | None = Field(None, description="起（含） / from (inclusive)")
    until: When | None = Field(None, description="止（不含） / to (exclusive)")
