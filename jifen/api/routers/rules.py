"""Schemes, catalogs (categories, items and their versions) and templates: thin over jifen.rules."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Query, Router, Status

from jifen.api.schemas.common import Id, Page, PageIn, page_of
from jifen.api.schemas.rules import (
    CategoryOut,
    ItemCreateIn,
    ItemEditIn,
    ItemFilter,
    ItemOut,
    ItemRetireIn,
    SchemeDetailOut,
    SchemeFilter,
    SchemeOut,
    TemplateApplyIn,
    TemplateOut,
)
from jifen.api.scoping import access, actor, require_admin_over, visible, visible_org
from jifen.core.errors import NotFound, field_error
from jifen.orgs.models import ancestor_paths
from jifen.rules import services
from jifen.rules.models import Category, Item, ItemVersion, Scheme
from jifen.rules.selectors import schemes_visible_to
from jifen.rules.template_format import template_load, template_names

router = Router(tags=["rules 积分方案与细则"])

VERSION_FIELDS = (
    "id", "number", "effective_from", "effective_to", "name", "direction", "points", "points_min", "points_max",
    "frequency", "cap_per_day", "cap_per_month", "cap_per_year", "evidence_required", "min_role", "kind",
    "leader_matching", "source_text", "note",
)


def scheme_out(scheme: Scheme, *, detail: bool = False) -> dict[str, Any]:
    out = {
        "id": scheme.pk, "code": scheme.code, "name": scheme.name, "name_en": scheme.name_en, "summary": scheme.summary,
        "org_id": scheme.org_id, "org_path": scheme.org.path, "subject_types": list(scheme.subject_types or []),
        "period_policy": scheme.period_policy, "time_zone": scheme.time_zone, "notice_cadence": scheme.notice_cadence,
        "review_cadence": scheme.review_cadence, "objection_days": scheme.objection_days,
        "redemption_lowers_score": scheme.redemption_lowers_score, "points_scale": scheme.points_scale,
        "template": scheme.template, "is_active": scheme.is_active,
    }
    if detail:
        out["settings"] = scheme.settings or {}
    return out


def category_out(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk, "scheme_id": category.scheme_id, "code": category.code, "name": category.name,
        "order": category.order, "subject_types": list(category.subject_types or []), "group": category.group,
    }


def version_out(version: ItemVersion) -> dict[str, Any]:
    return {f: (version.pk if f == "id" else getattr(version, f)) for f in VERSION_FIELDS}


def item_out(item: Item) -> dict[str, Any]:
    return {
        "id": item.pk, "scheme_id": item.scheme_id, "category_id": item.category_id, "code": item.code, "order": item.order,
        "versions": [version_out(v) for v in item.versions.all()],
    }


def visible_scheme(request: HttpRequest, scheme_id: int) -> Scheme:
    return visible(schemes_visible_to(access=access(request)), scheme_id, what="积分方案", what_en="scheme")


def _items(scheme_q: Q) -> Any:
    return Item.objects.filter(scheme_q).prefetch_related(
        Prefetch("versions", queryset=ItemVersion.objects.order_by("number"))
    )


def visible_item(request: HttpRequest, item_id: int) -> Item:
    schemes = schemes_visible_to(access=access(request))
    return visible(_items(Q(scheme__in=schemes)).select_related("scheme__org"), item_id, what="事项", what_en="item")


# --- schemes -------------------------------------------------------------------------------------

@router.get("/schemes", response=Page[SchemeOut])
def schemes_list(request: HttpRequest, page: Query[PageIn], filters: Query[SchemeFilter]) -> Any:
    """调用者所在组织适用的方案 / schemes that apply where the caller holds a role."""
    qs = schemes_visible_to(access=access(request))
    if filters.org_id is not None:
        org = visible_org(request, filters.org_id)
        qs = qs.filter(org__path__in=ancestor_paths(org.path))
    if filters.q:
        qs = qs.filter(name__contains=filters.q)
    if filters.is_active is not None:
        qs = qs.filter(is_active=filters.is_active)
    return page_of(qs.order_by("org__path", "code"), page, scheme_out)


@router.get("/schemes/{scheme_id}", response=SchemeDetailOut)
def scheme_detail(request: HttpRequest, scheme_id: Id) -> Any:
    return scheme_out(visible_scheme(request, scheme_id), detail=True)


@router.get("/schemes/{scheme_id}/categories", response=Page[CategoryOut])
def categories_list(request: HttpRequest, scheme_id: Id, page: Query[PageIn]) -> Any:
    scheme = visible_scheme(request, scheme_id)
    return page_of(Category.objects.filter(scheme=scheme).order_by("order", "pk"), page, category_out)


@router.get("/schemes/{scheme_id}/items", response=Page[ItemOut])
def items_list(request: HttpRequest, scheme_id: Id, page: Query[PageIn], filters: Query[ItemFilter]) -> Any:
    """细则事项及其全部版本 / catalog items with every version."""
    scheme = visible_scheme(request, scheme_id)
    qs = _items(Q(scheme=scheme))
    if filters.category_id is not None:
        qs = qs.filter(category_id=filters.category_id)
    if filters.on is not None:
        qs = qs.filter(pk__in=ItemVersion.objects.in_force(filters.on).filter(item__scheme=scheme).values("item_id"))
    if filters.q:
        qs = qs.filter(Q(code__contains=filters.q) | Q(versions__name__contains=filters.q)).distinct()
    return page_of(qs.order_by("order", "pk"), page, item_out)


@router.get("/items/{item_id}", response=ItemOut)
def item_detail(request: HttpRequest, item_id: Id) -> Any:
    return item_out(visible_item(request, item_id))


def _fresh_item(pk: int) -> dict[str, Any]:
    return item_out(_items(Q(pk=pk)).get())


@router.post("/schemes/{scheme_id}/items", response={201: ItemOut})
def item_create(request: HttpRequest, scheme_id: Id, payload: ItemCreateIn) -> Any:
    """新增事项（方案所属组织的管理员） / add an item (admins of the scheme's unit)."""
    scheme = visible_scheme(request, scheme_id)
    require_admin_over(request, scheme.org)
    category = Category.objects.filter(scheme=scheme, pk=payload.category_id).first()
    if category is None:
        raise field_error("category_id", "该方案没有这个类别", "the scheme has no such category")
    fields = payload.model_dump(exclude={"category_id", "code", "effective_from", "order"})
    item = services.item_create(
        actor=actor(request), scheme=scheme, category=category, code=payload.code,
        effective_from=payload.effective_from, order=payload.order, **fields,
    )
    return Status(201, _fresh_item(item.pk))


@router.post("/items/{item_id}/versions", response={201: ItemOut})
def item_edit(request: HttpRequest, item_id: Id, payload: ItemEditIn) -> Any:
    """从某日起修改事项（旧版本保留） / change an item from a date; earlier versions stay."""
    item = visible_item(request, item_id)
    require_admin_over(request, item.scheme.org)
    changes = payload.model_dump(exclude_unset=True, exclude={"effective_from"})
    for name in ("name", "direction", "frequency", "evidence_required", "min_role", "kind", "source_text", "note"):
        if name in changes and changes[name] is None:
            changes.pop(name)  # null means "leave as is" for fields that cannot be empty
    services.item_edit(actor=actor(request), item=item, effective_from=payload.effective_from, **changes)
    return Status(201, _fresh_item(item.pk))


@router.post("/items/{item_id}/retire", response=ItemOut | None)
def item_retire(request: HttpRequest, item_id: Id, payload: ItemRetireIn) -> Any:
    """自某日起停用；从未生效的事项直接删除（返回 null） / retire from a date; an item never in force is removed (null)."""
    item = visible_item(request, item_id)
    require_admin_over(request, item.scheme.org)
    kept = services.item_retire(actor=actor(request), item=item, on=payload.on)
    return _fresh_item(kept.pk) if kept is not None else None


# --- templates -----------------------------------------------------------------------------------

@router.get("/templates", response=Page[TemplateOut])
def templates_list(request: HttpRequest, page: Query[PageIn]) -> Any:
    """可套用的方案模板（篇1–篇8） / the scheme templates (seed schemes 1–8)."""
    names = template_names()

    def out(name: str) -> dict[str, Any]:
        t = template_load(name)
        return {"name": t.name, "kind": t.kind, "title": t.title, "title_en": t.title_en, "source": t.source, "summary": t.summary}

    return {"items": [out(n) for n in names[page.offset : page.offset + page.limit]], "total": len(names),
            "limit": page.limit, "offset": page.offset}


@router.post("/templates/apply", response={201: SchemeDetailOut})
def template_apply(request: HttpRequest, payload: TemplateApplyIn) -> Any:
    """把模板套用到组织（再次套用返回同一方案） / apply a template to a unit (again: the same scheme)."""
    org = visible_org(request, payload.org_id)
    require_admin_over(request, org)
    if payload.template not in template_names():
        raise NotFound("没有这个方案模板", "no such template", code="template_not_found", detail={"field": "template"})
    scheme = services.template_apply(
        actor=actor(request), name=payload.template, org=org, effective_from=payload.effective_from,
        period_policy=payload.period_policy,
    )
    return Status(201, scheme_out(Scheme.objects.select_related("org").get(pk=scheme.pk), detail=True))
