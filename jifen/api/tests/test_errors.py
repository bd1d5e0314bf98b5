import pytest

from jifen.api import main
from jifen.api.testing import ApiClient


def test_validation_error_names_the_field_in_chinese_by_default(as_user, world):
    response = as_user(world.admin).get("/people", {"limit": 0})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["detail"] == [{"field": "limit", "message": "应不小于 1"}]
    assert body["message"] == "输入有误：limit"


def test_validation_error_in_english_when_asked(as_user, world):
    response = as_user(world.admin, language="en-US,en;q=0.9").get("/people", {"limit": 0})
    assert response.status_code == 422
    assert response.json()["message"] == "invalid input: limit"
    assert response.json()["detail"] == [{"field": "limit", "message": "Input should be greater than or equal to 1"}]
    assert response["Content-Language"] == "en"


def test_body_field_errors_name_the_field_not_the_parameter(as_user, world):
    response = as_user(world.admin).post("/people", {"org_id": world.shahe.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"field": "name", "message": "必填"}]


def test_service_field_errors_use_the_same_shape(as_user, world):
    response = as_user(world.admin).post(
        "/people", {"org_id": world.shahe.pk, "name": "错号", "id_number": "420881198001010000"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_field", "message": "身份证号校验位不正确",
        "detail": [{"field": "id_number", "message": "身份证号校验位不正确"}],
    }


def test_unknown_endpoint_is_a_json_404(as_user, world):
    response = as_user(world.admin).get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"code": "no_such_endpoint", "message": "没有这个接口", "detail": None}


def test_wrong_method_is_a_json_405_with_allow(as_user, world):
    response = as_user(world.admin).client.delete("/api/v1/people")
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert response.json()["code"] == "method_not_allowed"


def test_missing_credentials_are_401(db):
    response = ApiClient(None).get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_unparseable_body_is_400(as_user, world):
    response = as_user(world.admin).client.post(
        "/api/v1/people", b"{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="key-0000001"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_lone_surrogate_in_body_is_400_not_500(as_user, world):
    response = as_user(world.admin).client.post(
        "/api/v1/people", b'{"org_id": 3, "name": "\\ud800"}', content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-0000002",
    )
    assert response.status_code == 400


def test_nul_in_text_is_a_field_error(as_user, world):
    response = as_user(world.admin).get("/people", {"q": "a\x00b"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "q"


def test_ids_beyond_64_bits_are_input_errors(as_user, world):
    response = as_user(world.admin).get(f"/people/{2**70}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "person_id"


def test_unexpected_exception_is_a_json_500_without_internals(as_user, world, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("jifen.api.routers.me.api_tokens_of", boom)
    response = as_user(world.admin).get("/me/tokens")
    assert response.status_code == 500
    assert response.json() == {"code": "server_error", "message": "服务器内部错误，请稍后重试", "detail": None}
    assert b"secret internals" not in response.content


@pytest.mark.parametrize("status", ["401", "403", "404", "422"])
def test_every_authenticated_operation_documents_the_error_body(db, status):
    schema = main.api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if status in ("401", "403") and not operation.get("security"):
                continue  # the public notice board answers everyone
            response = operation["responses"].get(status)
            assert response is not None, (method, path, status)
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert schema["components"]["schemas"]["ErrorOut"]["required"] == ["code", "message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("points_limit", True), ("points_limit", 1.0), ("level", "3"), ("valid_from", 0), ("valid_from", "2026-01-01T00:00")],
)
def test_loose_values_are_not_coerced(as_user, world, field, value):
    from jifen.orgs.models import RoleBinding

    before = RoleBinding.objects.count()
    response = as_user(world.admin).post(
        "/role-bindings", {"user_id": world.neighbour.pk, "org_id": world.shahe.pk, "role": "member", field: value}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field
    assert RoleBinding.objects.count() == before


def test_booleans_in_queries_are_true_or_false(as_user, world):
    client = as_user(world.admin)
    assert client.get("/people", {"is_active": "true"}).status_code == 200
    assert client.get("/people", {"is_active": "yes"}).status_code == 422
