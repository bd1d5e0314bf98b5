"""Row locks for the claims workflow, in one place (Saleor's habit).

Always lock claims in primary-key order so two actors locking overlapping sets cannot
deadlock. On SQLite `select_for_update` is a no-op, but every transaction there takes the
write lock up front (IMMEDIATE), so writers queue the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from jifen.claims.models import Claim, Notice


def claims_locked(ids: Iterable[int]) -> QuerySet[Claim]:
    """The claims with these ids, locked for update, in id order."""
    return (
        Claim.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(set(ids)))
        .select_related("scheme", "subject", "subject__org", "item_version", "item_version__item__category")
        .order_by("pk")
    )


def claim_locked(pk: int) -> Claim | None:
    return claims_locked([pk]).first()


def notice_locked(pk: int) -> Notice:
    return Notice.objects.select_for_update().get(pk=pk)
