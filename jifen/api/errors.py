"""Every API error is {"code", "message", "detail"}, the message in the caller's language.

The language comes from Accept-Language (LocaleMiddleware): English when the caller prefers
it, Chinese otherwise. Validation errors name each field in `detail`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import Field

from jifen.core.errors import JifenError

logger = logging.getLogger("jifen.api")


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    code: str = Field(description="稳定的错误代码 / a stable machine-readable code")
    message: str = Field(description="中文或英文说明（按 Accept-Language）/ Chinese or English by Accept-Language")
    detail: Any = Field(None, description="字段错误列表或补充信息 / field errors or extra information")


def language(request: HttpRequest) -> str:
    return "en" if getattr(request, "LANGUAGE_CODE", "zh-hans").lower().startswith("en") else "zh"


def error_response(
    request: HttpRequest, status: int, code: str, zh: str, en: str, detail: Any = None
) -> HttpResponse:
    message = en if language(request) == "en" else zh
    response = JsonResponse(
        {"code": code, "message": message, "detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Language"] = "en" if language(request) == "en" else "zh-Hans"
    return response


# Chinese for pydantic's error types; English comes from pydantic's own message.
_ZH_BY_TYPE = {
    "missing": "必填",
    "extra_forbidden": "不允许设置此字段",
    "string_too_long": "过长（最多 {max_length} 个字符）",
    "string_too_short": "过短（至少 {min_length} 个字符）",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_inexact": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为时间（ISO 8601）",
    "datetime_from_date_parsing": "应为时间（ISO 8601）",
    "datetime_type": "应为时间（ISO 8601）",
    "timezone_aware": "时间须带时区",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为列表",
    "value_error": "取值无效",
}


def _field_name(loc: tuple[Any, ...]) -> str:
    source, *rest = loc
    if source == "body" and len(rest) > 1:
        rest = rest[1:]  # drop the view's parameter name ("payload")
    return ".".join(str(part) for part in rest) or str(source)


def _field_message(error: dict[str, Any], lang: str) -> str:
    if lang == "en":
        return str(error.get("msg", "invalid"))
    template = _ZH_BY_TYPE.get(str(error.get("type")))
    if template is None:
        return f"输入无效：{error.get('msg', '')}"
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template


def field_errors(errors: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    return [{"field": _field_name(tuple(e.get("loc", ("body",)))), "message": _field_message(e, lang)} for e in errors]


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = field_errors(exc.errors, language(request))
    names = "、".join(d["field"] for d in detail)
    return error_response(
        request, 422, "validation_error", f"输入有误：{names}", f"invalid input: {', '.join(d['field'] for d in detail)}",
        detail,
    )


def on_jifen_error(request: HttpRequest, exc: JifenError) -> HttpResponse:
    detail = exc.detail
    if exc.code == "invalid_field" and isinstance(detail, dict) and "field" in detail:
        # Field errors from services use the same shape as request validation errors.
        detail = [{"field": detail["field"], "message": exc.message(language(request))}]
    return error_response(request, exc.status, exc.code, exc.zh, exc.en, detail)


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request, 401, "unauthenticated", "请先登录，或提供有效的 API 令牌", "sign in, or send a valid API token"
    )
    response["WWW-Authenticate"] = 'Bearer realm="jifen"'
    return response


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 403:
        return error_response(request, 403, "forbidden", "没有权限：" + str(exc), "forbidden: " + str(exc))
    if status == 400:
        return error_response(request, 400, "bad_request", "请求无法解析（需要 JSON）", "the request cannot be parsed (JSON expected)")
    return error_response(request, status, "http_error", str(exc), str(exc))


def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, "not_found", "找不到该对象", "not found")


def on_forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 403, "forbidden", "没有权限", "forbidden")


def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Never show internals; the log has the traceback.
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return error_response(request, 500, "server_error", "服务器内部错误，请稍后重试", "internal server error, please retry later")


def install(api: Any) -> None:
    api.add_exception_handler(Exception, on_unexpected)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(DjangoPermissionDenied, on_forbidden)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(AuthenticationError, on_authentication_error)
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(JifenError, on_jifen_error)


def not_allowed(request: HttpRequest, allowed: list[str]) -> HttpResponse:
    response = error_response(
        request, 405, "method_not_allowed", f"不支持 {request.method} 方法", f"method {request.method} not allowed",
        {"allowed": allowed},
    )
    response["Allow"] = ", ".join(allowed)
    return response


def no_such_endpoint(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    return error_response(request, 404, "no_such_endpoint", "没有这个接口", "no such API endpoint")
