import datetime as dt
import hashlib
import json

from django.test import Client

from jifen.api.models import ApiToken, IdempotencyRecord
from jifen.api.services import api_token_create
from jifen.api.testing import ApiClient
from jifen.core import clock
from jifen.core.models import AuditEvent
from jifen.orgs import services
from jifen.orgs.models import Role

CSRF = "a" * 32


def session_client(user):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    return client


def create_via_session(client, name="手机", key="token-key-1", **extra):
    return client.post(
        "/api/v1/me/tokens", json.dumps({"name": name, **extra}), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key, HTTP_X_CSRFTOKEN=CSRF,
    )


def test_me_shows_the_caller_and_their_bindings(as_user, world):
    body = as_user(world.reviewer).get("/me").json()
    assert (body["username"], body["person_id"], body["via_token"], body["is_platform_admin"]) == (
        "reviewer", world.reviewer_person.pk, True, False
    )
    assert [(b["org_path"], b["role"], b["points_limit"]) for b in body["bindings"]] == [("demo/zhangji/shahe", "reviewer", 50)]


def test_a_token_is_shown_once_and_stored_only_as_a_hash(world):
    response = create_via_session(session_client(world.member))
    assert response.status_code == 201, response.content
    secret = response.json()["token"]
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert token.prefix == secret[:10]
    listed = ApiClient(world.member).get("/me/tokens").json()["items"]
    assert secret not in json.dumps(listed)
    assert all(secret not in (r.response_body or "") for r in IdempotencyRecord.objects.all())
    assert all(secret not in json.dumps([e.before, e.after, e.summary]) for e in AuditEvent.objects.all())
    # A replay of the same request answers without the secret: it was shown once.
    replay = create_via_session(session_client(world.member))
    assert replay.status_code == 201
    assert replay.json()["token"] is None and replay.json()["id"] == token.pk
    assert ApiToken.objects.filter(user=world.member, name="手机").count() == 1


def test_a_token_acts_as_its_user(world):
    _, secret = api_token_create(actor=world.member, user=world.member, name="x")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me")
    assert response.json()["username"] == "zhangsan"
    assert ApiToken.objects.get(user=world.member).last_used_at is not None


def test_revoked_expired_and_unknown_tokens_are_refused(world):
    token, secret = api_token_create(actor=world.member, user=world.member, name="x")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/me").status_code == 200
    response = ApiClient(world.member).post(f"/me/tokens/{token.pk}/revoke")
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    assert client.get("/api/v1/me").status_code == 401
    soon = clock.now() + dt.timedelta(hours=1)
    _, short = api_token_create(actor=world.member, user=world.member, name="y", expires_at=soon)
    with clock.frozen(soon + dt.timedelta(seconds=1)):
        assert Client(HTTP_AUTHORIZATION=f"Bearer {short}").get("/api/v1/me").status_code == 401
    assert Client(HTTP_AUTHORIZATION="Bearer jf_not-a-real-token").get("/api/v1/me").status_code == 401


def test_a_deactivated_users_tokens_stop_working(world):
    _, secret = api_token_create(actor=world.member, user=world.member, name="x")
    world.member.is_active = False
    world.member.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me").status_code == 401


def test_a_token_cannot_mint_more_tokens(as_user, world):
    response = as_user(world.member).post("/me/tokens", {"name": "more"})
    assert response.status_code == 403
    assert response.json()["code"] == "token_cannot_mint"
    assert ApiToken.objects.filter(user=world.member).count() == 1  # only the client's own


def test_session_writes_need_the_csrf_token(world):
    client = session_client(world.member)
    response = client.post(
        "/api/v1/me/tokens", json.dumps({"name": "x"}), content_type="application/json", HTTP_IDEMPOTENCY_KEY="token-key-2"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert not ApiToken.objects.exists()
    assert client.get("/api/v1/me").status_code == 200  # reads need no CSRF token


def test_token_creation_is_audited(world):
    create_via_session(session_client(world.member))
    event = AuditEvent.objects.get(action="api.api_token_create")
    assert (event.actor_id, event.org_path, event.channel) == (world.member.pk, "demo/zhangji/shahe/g1", "api")


def test_admin_lists_creates_and_revokes_tokens_of_a_user_they_administer(as_user, world):
    token, _ = api_token_create(actor=world.member, user=world.member, name="x")
    admin = as_user(world.admin)
    assert [t["id"] for t in admin.get(f"/users/{world.member.pk}/tokens").json()["items"]] == [token.pk]
    assert admin.post(f"/users/{world.member.pk}/tokens/{token.pk}/revoke").status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api.api_token_revoke")
    assert event.actor_id == world.admin.pk
    response = session_client(world.admin).post(
        f"/api/v1/users/{world.member.pk}/tokens", json.dumps({"name": "kiosk"}), content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="token-key-3", HTTP_X_CSRFTOKEN=CSRF,
    )
    assert response.status_code == 201
    assert ApiToken.objects.get(pk=response.json()["id"]).created_by == world.admin


def test_nobody_reaches_the_tokens_of_a_user_beyond_them(as_user, world):
    token, _ = api_token_create(actor=world.admin, user=world.admin, name="x")
    village_admin = services.user_create(actor=None, username="shahe_admin")
    services.role_binding_grant(actor=None, user=village_admin, org=world.shahe, role=Role.ORG_ADMIN)
    client = as_user(village_admin)
    assert client.get(f"/users/{world.admin.pk}/tokens").status_code == 404
    assert client.post(f"/users/{world.admin.pk}/tokens/{token.pk}/revoke").status_code == 404
    assert as_user(world.reviewer).get(f"/users/{world.member.pk}/tokens").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_another_users_token_is_not_found_under_my_tokens(as_user, world):
    token, _ = api_token_create(actor=world.neighbour, user=world.neighbour, name="x")
    assert as_user(world.member).post(f"/me/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_may_expire_at_a_given_time(world):
    response = create_via_session(session_client(world.member), expires_at="2030-01-01T08:00:00+08:00")
    assert response.status_code == 201, response.content
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.expires_at == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    naive = create_via_session(session_client(world.member), key="token-key-9", expires_at="2030-01-01T08:00:00")
    assert naive.status_code == 422
    assert naive.json()["detail"] == [{"field": "expires_at", "message": "the expiry needs a time zone, e.g. +08:00"}]
