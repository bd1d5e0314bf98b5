"""The one NinjaAPI at /api/v1: auth, errors, idempotency and OpenAPI additions for every router.

A domain adds `jifen/api/routers/<domain>.py` with a `router`; every module there is mounted
(in name order), so no shared list needs editing; see jifen/api/README.md.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from jifen.api import errors, idempotency
from jifen.api.auth import AUTH


def _router_paths() -> list[str]:
    """Every `jifen/api/routers/<module>.py`, `me`, `orgs` and `audit` first (their order is
    the order of the interactive docs), then the rest by name."""
    import pkgutil

    from jifen.api import routers

    first = ["me", "orgs", "audit"]
    names = sorted(m.name for m in pkgutil.iter_modules(routers.__path__) if not m.name.startswith("_"))
    ordered = [n for n in first if n in names] + [n for n in names if n not in first]
    return [f"jifen.api.routers.{name}.router" for name in ordered]


ROUTERS = _router_paths()

_ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}
_ERROR_TEXT = {
    "400": "请求无法解析 / the request cannot be parsed",
    "401": "未登录或令牌无效 / not signed in, or a bad token",
    "403": "没有权限 / not allowed",
    "404": "不存在或无权查看 / not found, or not visible to the caller",
    "409": "冲突，或同一请求正在处理 / conflict, or the same request is still running",
    "422": "输入有误（detail 列出字段） / invalid input (detail names the fields)",
    "429": "同一地址提交过于频繁 / too many requests from this address",
}


class JsonParser(Parser):
    """JSON bodies; lone UTF-16 surrogates cannot be stored anywhere, so they are a bad request."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body)
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # raises on lone surrogates → 400
        return data


class ReadableJSONRenderer(JSONRenderer):
    # Chinese as characters, not \u escapes: a clerk reading a response can read it.
    json_dumps_params = {"ensure_ascii": False}


class JifenAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        # Building the document walks every operation (seconds for ~130 of them); the routers are
        # fixed once mounted, so build it once per prefix and hand out copies.
        cache = self.__dict__.setdefault("_jifen_openapi", {})
        key = (path_prefix, repr(path_params))
        if key not in cache:
            cache[key] = self._build_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return copy.deepcopy(cache[key])

    def _build_openapi_schema(self, *, path_prefix: str | None, path_params: Any) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorOut"] = errors.ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                _document_errors(method, operation)
        return schema


def _document_errors(method: str, operation: dict[str, Any]) -> None:
    """Every operation declares the error body it may answer with, and writes the key header."""
    responses = operation.setdefault("responses", {})
    # django-ninja keys its own responses by int, `openapi_extra` by text: both would be written as
    # "200", a duplicate key that JSON parsers (Swagger UI's among them) refuse. The text one is
    # the more specific (it was written by hand), so it wins.
    for status in [k for k in responses if isinstance(k, int)]:
        described = responses.pop(status)
        responses.setdefault(str(status), described)
    statuses = ["404", "422"]
    if operation.get("security"):
        statuses += ["401", "403"]
    write = method.upper() in idempotency.WRITE_METHODS
    if write or "requestBody" in operation:
        statuses += ["400", "409"]
    if write and not operation.get("security"):
        statuses += ["429"]  # public writes are limited per client address
    for status in statuses:
        responses.setdefault(
            status, {"description": _ERROR_TEXT[status], "content": {"application/json": {"schema": _ERROR_REF}}}
        )
    if write:
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == idempotency.HEADER for p in parameters):
            parameters.insert(0, dict(idempotency.HEADER_PARAMETER))


def build_api() -> JifenAPI:
    api = JifenAPI(
        title="积分制管理平台 API / jifen API",
        version="1",
        description=(
            "所有列表分页（limit/offset，返回 total）；错误体为 {code, message, detail}，按 Accept-Language 用中文或英文；"
            "每个写操作须带 Idempotency-Key。认证：个人 API 令牌（Authorization: Bearer jf_…）或网页会话（写操作带 X-CSRFToken）。\n\n"
            "Every list is paginated (limit/offset, with total); errors are {code, message, detail} in Chinese or "
            "English by Accept-Language; every write needs an Idempotency-Key. Auth: a personal API token "
            "(Authorization: Bearer jf_…) or the pages' session (writes send X-CSRFToken)."
        ),
        urls_namespace="api",
        auth=AUTH,
        parser=JsonParser(),
        renderer=ReadableJSONRenderer(),
        docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    errors.install(api)
    api.add_decorator(idempotency.guard, mode="view")
    for path in ROUTERS:
        api.add_router("", path)
    return api


api = build_api()
