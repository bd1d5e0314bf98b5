"""Test helpers: an API client acting as a given user through a real personal token."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.test import Client

from jifen.api.services import api_token_create

PREFIX = "/api/v1"


class ApiClient:
    def __init__(self, user: Any = None, *, language: str = "zh-CN") -> None:
        self.user = user
        headers = {"HTTP_ACCEPT_LANGUAGE": language}
        if user is not None:
            _, self.token = api_token_create(actor=user, user=user, name="test")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        self.client = Client(**headers)

    def get(self, path: str, params: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.client.get(PREFIX + path, params or {}, **extra)

    def write(self, method: str, path: str, data: Any = None, *, key: str | None = "auto", **extra: Any) -> Any:
        if key == "auto":
            key = uuid.uuid4().hex
        if key is not None:
            extra["HTTP_IDEMPOTENCY_KEY"] = key
        body = json.dumps(data if data is not None else {}, ensure_ascii=False)
        return getattr(self.client, method)(PREFIX + path, body, content_type="application/json", **extra)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.write("post", path, data, **kwargs)

    def patch(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.write("patch", path, data, **kwargs)
