"""Reads of schemes and catalogs: which schemes reach a unit, what was in force on a day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from jifen.core.errors import InvalidInput, NotFound, field_error
from jifen.orgs.models import OrgUnit, ancestor_paths, subtree_q
from jifen.rules.models import Category, Item, ItemVersion, Scheme


def scheme_by_code(code: str) -> Scheme:
    try:
        return Scheme.objects.select_related("org").get(code=(code or "").strip())
    except Scheme.DoesNotExist:
        raise NotFound(f"找不到积分方案「{code}」", f"no scheme with code {code!r}", code="scheme_not_found") from None


def schemes_for_org(org: OrgUnit, *, include_inactive: bool = False) -> QuerySet[Scheme]:
    """Schemes adopted by the unit or any unit above it: a scheme applies to its whole subtree."""
    qs = Scheme.objects.filter(org__path__in=ancestor_paths(org.path)).select_related("org")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.order_by("org__depth", "code")


@dataclass
class CatalogCategory:
    category: Category
    versions: list[ItemVersion] = field(default_factory=list)


def catalog(scheme: Scheme, *, on: dt.date) -> list[CatalogCategory]:
    """The scheme's categories, each with the item versions in force on `on` (two queries)."""
    versions = (
        ItemVersion.objects.in_force(on)
        .filter(item__scheme=scheme)
        .select_related("item")
        .order_by("item__order", "item__id")
    )
    by_category: dict[int, list[ItemVersion]] = {}
    for version in versions:
        by_category.setdefault(version.item.category_id, []).append(version)
    return [
        CatalogCategory(category=c, versions=by_category.get(c.pk, []))
        for c in Category.objects.filter(scheme=scheme).order_by("order", "id")
    ]


def item_version_on(item: Item, on: dt.date) -> ItemVersion | None:
    """The version of `item` in force on `on`, or None when it was not in force that day."""
    return ItemVersion.objects.in_force(on).filter(item=item).first()


def item_versions(item: Item) -> QuerySet[ItemVersion]:
    """Every version of the item, oldest first: old versions stay readable."""
    return ItemVersion.objects.filter(item=item).order_by("number")


def item_by_code(scheme: Scheme, code: str) -> Item:
    try:
        return Item.objects.select_related("category").get(scheme=scheme, code=code)
    except Item.DoesNotExist:
        raise NotFound(f"方案里没有事项「{code}」", f"the scheme has no item {code!r}", code="item_not_found") from None


def items_needing_input(scheme: Scheme, *, on: dt.date | None = None) -> QuerySet[ItemVersion]:
    """Versions whose points the adopter still has to fill (open ones, or those in force on `on`)."""
    qs = ItemVersion.objects.filter(item__scheme=scheme).needing_input().select_related("item", "item__category")
    qs = qs.in_force(on) if on is not None else qs.filter(effective_to__isnull=True)
    return qs.order_by("item__order", "item__id")


def latest_versions(scheme: Scheme) -> QuerySet[ItemVersion]:
    """Each item's newest version (the open one, or the last before it was retired)."""
    newest = ItemVersion.objects.filter(item=OuterRef("item")).order_by("-number").values("number")[:1]
    return (
        ItemVersion.objects.filter(item__scheme=scheme, number=Subquery(newest))
        .select_related("item", "item__category")
        .order_by("item__order", "item__id")
    )


def points_for(version: ItemVersion, *, chosen: int | None = None) -> int:
    """Signed points (in the scheme's units) a record under `version` is worth.

    Fixed points ignore `chosen`; a range needs `chosen` inside it. A version still waiting for
    the adopter's number, or a fraud/veto line (no points of its own), cannot be recorded.
    """
    if version.needs_input:
        raise InvalidInput(
            f"事项「{version.name}」的分值待填写，填写前不能记分",
            f"item {version.name!r} has no points yet; the adopter must fill them before use",
            code="item_needs_input",
        )
    if version.kind not in ItemVersion.KINDS_WITH_OWN_POINTS:
        raise InvalidInput(
            f"事项「{version.name}」没有自己的分值（按方案规则计算）",
            f"item {version.name!r} has no points of its own (the scheme's rule decides)",
            code="item_without_points",
        )
    if version.points is not None:
        return version.sign * version.points
    assert version.points_min is not None and version.points_max is not None
    if chosen is None or not version.points_min <= chosen <= version.points_max:
        raise field_error(
            "points",
            f"「{version.name}」的分值须在 {version.points_min}–{version.points_max} 之间",
            f"points for {version.name!r} must be between {version.points_min} and {version.points_max}",
        )
    return version.sign * chosen


def schemes_visible_to(*, access: Any) -> QuerySet[Scheme]:
    """Schemes adopted at or above any unit the caller holds a role at, or anywhere below it.

    A scheme of the township applies to every village in it; a scheme of another village does
    not concern (and is not shown to) this village's people.
    """
    if access.user is None:
        return Scheme.objects.none()
    if access.is_platform:
        return Scheme.objects.select_related("org")
    condition = Q(pk__in=[])
    for _, path, _ in access.bindings:
        condition |= Q(org__path__in=ancestor_paths(path)) | subtree_q(path, "org__path")
    return Scheme.objects.filter(condition).select_related("org")
