"""The caller themself, and personal API tokens (own, or an admin's over another user)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from jifen.api import idempotency
from jifen.api.auth import via_token
from jifen.api.models import ApiToken
from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.me import MeOut, TokenCreatedOut, TokenCreateIn, TokenOut
from jifen.api.scoping import access, actor, visible
from jifen.api.selectors import api_tokens_of
from jifen.api.services import api_token_create, api_token_revoke
from jifen.core.errors import NotFound, PermissionDenied, field_error
from jifen.orgs.models import User
from jifen.orgs.selectors import active_bindings, user_administered_by

router = Router(tags=["me 我的账号与令牌"])


def token_out(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk, "name": token.name, "prefix": token.prefix, "created_at": token.created_at,
        "last_used_at": token.last_used_at, "expires_at": token.expires_at, "revoked_at": token.revoked_at,
    }


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    """当前用户及其有效角色 / the caller and their active role bindings."""
    user = actor(request)
    bindings = active_bindings(user=user).select_related("org").order_by("org__path", "role", "pk")
    return {
        "id": user.pk, "username": user.get_username(), "name": user.get_full_name() or user.get_username(),
        "person_id": user.person_id, "is_platform_admin": access(request).is_platform, "via_token": via_token(request),
        "bindings": [
            {"id": b.pk, "org_id": b.org_id, "org_path": b.org.path, "org_name": b.org.name, "role": b.role,
             "points_limit": b.points_limit, "title": b.title, "level": b.level, "valid_from": b.valid_from,
             "valid_until": b.valid_until}
            for b in bindings
        ],
    }


@router.get("/me/tokens", response=Page[TokenOut])
def my_tokens(request: HttpRequest, page: Query[PageIn]) -> Any:
    return page_of(api_tokens_of(user=actor(request)), page, token_out)


def _expiry(payload: TokenCreateIn) -> Any:
    if payload.expires_at is not None and timezone.is_naive(payload.expires_at):
        raise field_error("expires_at", "过期时间须带时区，例如 +08:00", "the expiry needs a time zone, e.g. +08:00")
    return payload.expires_at


@router.post("/me/tokens", response={201: TokenCreatedOut})
@idempotency.redacts("token")
def my_token_create(request: HttpRequest, payload: TokenCreateIn) -> Any:
    """新建个人令牌，全文只显示一次 / create a personal token; the secret is shown once.

    A request authenticated by a token cannot mint more tokens: a leaked token must not be
    able to outlive its own revocation.
    """
    if via_token(request):
        raise PermissionDenied("请登录后在网页上新建令牌", "sign in to create tokens; a token cannot create tokens", code="token_cannot_mint")
    token, plaintext = api_token_create(actor=actor(request), user=actor(request), name=payload.name, expires_at=_expiry(payload))
    return Status(201, {**token_out(token), "token": plaintext})


@router.post("/me/tokens/{token_id}/revoke", response=TokenOut)
def my_token_revoke(request: HttpRequest, token_id: Id) -> Any:
    token = visible(api_tokens_of(user=actor(request)), token_id, what="令牌", what_en="token")
    return token_out(api_token_revoke(actor=actor(request), token=token))


def _administered_user(request: HttpRequest, user_id: int) -> User:
    user = User.objects.select_related("person__org").filter(pk=user_id).first()
    if user is None or not user_administered_by(access=access(request), user=user):
        raise NotFound("找不到该用户", "no such user", code="not_found")
    return user


@router.get("/users/{user_id}/tokens", response=Page[TokenOut])
def user_tokens(request: HttpRequest, user_id: Id, page: Query[PageIn]) -> Any:
    """管理员查看其下用户的令牌 / an admin lists the tokens of a user they administer."""
    return page_of(api_tokens_of(user=_administered_user(request, user_id)), page, token_out)


@router.post("/users/{user_id}/tokens", response={201: TokenCreatedOut})
@idempotency.redacts("token")
def user_token_create(request: HttpRequest, user_id: Id, payload: TokenCreateIn) -> Any:
    """管理员为其下用户（如对接账号）新建令牌，记审计 / an admin creates a token for a user they administer.

    Only over a user whose every role the admin could have granted (no reaching above oneself),
    and only from a signed-in session.
    """
    user = _administered_user(request, user_id)
    if via_token(request):
        raise PermissionDenied("请登录后在网页上新建令牌", "sign in to create tokens; a token cannot create tokens", code="token_cannot_mint")
    token, plaintext = api_token_create(actor=actor(request), user=user, name=payload.name, expires_at=_expiry(payload))
    return Status(201, {**token_out(token), "token": plaintext})


@router.post("/users/{user_id}/tokens/{token_id}/revoke", response=TokenOut)
def user_token_revoke(request: HttpRequest, user_id: Id, token_id: Id) -> Any:
    """管理员吊销其下用户的令牌 / an admin revokes a token of a user they administer."""
    user = _administered_user(request, user_id)
    token = visible(api_tokens_of(user=user), token_id, what="令牌", what_en="token")
    return token_out(api_token_revoke(actor=actor(request), token=token))
