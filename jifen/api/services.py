"""Writes of the API app itself: personal API tokens."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction

from jifen.api.models import ApiToken
from jifen.api.selectors import TOKEN_PREFIX, token_hash
from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import IllegalTransition, field_error

MAX_TOKENS_PER_USER = 20


def _org_path_of(user: Any) -> str:
    person = getattr(user, "person", None)
    return person.org.path if person is not None else ""


@transaction.atomic
def api_token_create(
    *, actor: Any, user: Any, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it with its secret, which is never stored nor shown again.

    Who may act for whom is the caller's check (jifen.orgs.selectors.user_administered_by).
    """
    name = name.strip()
    if not name:
        raise field_error("name", "请为令牌命名（例如用途）", "name the token (what it is for)")
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise field_error("expires_at", "过期时间须晚于现在", "the expiry must be in the future")
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True).count()
    if live >= MAX_TOKENS_PER_USER:
        raise IllegalTransition(
            f"每人最多 {MAX_TOKENS_PER_USER} 个有效令牌，请先吊销不用的", f"at most {MAX_TOKENS_PER_USER} live tokens per user: revoke unused ones first",
            code="too_many_tokens",
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=plaintext[:10], token_hash=token_hash(plaintext), created_at=now,
        created_by=actor if getattr(actor, "pk", None) else None, expires_at=expires_at,
    )
    audit_record(
        actor=actor, action="api.api_token_create", obj=token, org_path=_org_path_of(user),
        after={"user": user.pk, "name": token.name, "prefix": token.prefix, "expires_at": expires_at},
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        return token  # revoking twice is harmless and changes nothing
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor, action="api.api_token_revoke", obj=token, org_path=_org_path_of(token.user),
        before={"revoked_at": None}, after={"revoked_at": token.revoked_at, "prefix": token.prefix},
    )
    return token
