"""What the member, recorder, review and notice pages share: the viewer's subjects and schemes,
the declare form's choices, service errors shown on the page, and the photo uploads.

Reads go through the selectors of orgs, rules, claims and ledger; writes through the claims
services. Nothing here decides who may do what: the services and selectors do.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import get_language

from jifen.claims import caps
from jifen.claims.models import Claim, ClaimEvidence
from jifen.core import clock
from jifen.core.errors import JifenError
from jifen.orgs.models import Household, Person, Subject
from jifen.orgs.selectors import person_current_household
from jifen.rules.models import ItemVersion, Scheme
from jifen.rules.selectors import catalog, schemes_for_org

# Kinds a person or a recorder may declare (base, fixed and fraud points come by rule).
DECLARABLE = (ItemVersion.Kind.NORMAL,)


def say_error(request: HttpRequest, exc: JifenError) -> None:
    messages.error(request, exc.message(get_language()))


@dataclass(frozen=True)
class Mine:
    """The signed-in person, their household and the subjects they speak for."""

    person: Person | None
    household: Household | None

    @property
    def subjects(self) -> list[Subject]:
        out = []
        if self.person is not None:
            out.append(self.person.subject)
        if self.household is not None:
            out.append(self.household.subject)
        return out


def mine(user: Any) -> Mine:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Mine(None, None)
    person = Person.objects.select_related("subject", "org").get(pk=person_id)
    return Mine(person, person_current_household(person))


def schemes_of(org: Any) -> list[Scheme]:
    return list(schemes_for_org(org)) if org is not None else []


def pick_scheme(schemes: list[Scheme], code: str | None) -> Scheme | None:
    for scheme in schemes:
        if scheme.code == code:
            return scheme
    return schemes[0] if schemes else None


def declarable_items(scheme: Scheme, *, on: dt.date, subject_kind: str | None = None) -> list[tuple[str, list[ItemVersion]]]:
    """The catalog in force on `on` as (category name, versions) for the declare form's select."""
    groups = []
    for entry in catalog(scheme, on=on):
        versions = [v for v in entry.versions if v.kind in DECLARABLE]
        if versions:
            groups.append((entry.category.name, versions))
    return groups


def scheme_today(scheme: Scheme) -> dt.date:
    return caps.local_date(scheme, clock.now())


def local_time(scheme: Scheme, day: dt.date, at: dt.time | None) -> dt.datetime:
    """A date and an optional time of day read in the scheme's zone (noon when no time is given)."""
    return dt.datetime.combine(day, at or dt.time(12), tzinfo=caps.zone(scheme))


def with_evidence(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """Claims with their photo links loaded in one more query (thumbnails on list pages)."""
    return claims.prefetch_related(
        Prefetch("evidence_links", queryset=ClaimEvidence.objects.select_related("evidence").order_by("order", "id"))
    )


# Idempotency of form posts: each form carries a one-time token; a repeated post (a double tap,
# a resubmission after a lost answer) finds the token already used and goes to the first result.
_TOKENS = "jifen_form_tokens"


def form_token() -> str:
    return secrets.token_urlsafe(16)


def token_result(request: HttpRequest, token: str) -> str | None:
    return request.session.get(_TOKENS, {}).get(token) if token else None


def token_remember(request: HttpRequest, token: str, result: str) -> None:
    if not token:
        return
    used = dict(request.session.get(_TOKENS, {}))
    used[token] = result
    # Keep the session small: the last 50 posts are enough to catch a double submission.
    request.session[_TOKENS] = dict(list(used.items())[-50:])


def int_or_none(value: Any) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def ints(values: Iterable[Any]) -> list[int]:
    return [n for n in (int_or_none(v) for v in values) if n is not None]
