"""Every write on schemes, categories and items, and applying a template.

Versioning rule (decided here, tested in tests/test_item_edit.py): editing an item from a date
closes the version in force the day before and opens a new one. A date before the current
version's start is refused. The same date as the current version's start corrects that version
in place, but only while nothing has been recorded under it (a claim or posting referring to
it); once something has, the edit is refused and a later date must be chosen. The audit row
keeps the corrected values either way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from pydantic import ValidationError

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import Conflict, InvalidInput, NotFound, field_error
from jifen.orgs.models import OrgUnit
from jifen.rules.models import SUBJECT_TYPES, Category, Item, ItemVersion, Scheme
from jifen.rules.settings_schema import invalid_from, settings_json, validate_settings
from jifen.rules.template_format import SchemeFields, Template, points_problems, template_load

SCHEME_FIELDS = tuple(SchemeFields.model_fields)
SCHEME_TEXT_FIELDS = ("name", "name_en", "summary")
VERSION_FIELDS = (
    "name", "direction", "points", "points_min", "points_max", "frequency", "cap_per_day", "cap_per_month",
    "cap_per_year", "evidence_required", "min_role", "kind", "leader_matching", "source_text", "note",
)
VERSION_DEFAULTS: dict[str, Any] = {
    "points": None, "points_min": None, "points_max": None, "frequency": ItemVersion.Frequency.PER_EVENT,
    "cap_per_day": None, "cap_per_month": None, "cap_per_year": None, "evidence_required": False,
    "min_role": ItemVersion.MinRole.RECORDER, "kind": ItemVersion.Kind.NORMAL, "leader_matching": None,
    "source_text": "", "note": "",
}
CODE_MAX = 64


def today_in(scheme: Scheme) -> dt.date:
    """Today's date where the scheme runs (its time zone), not the server's."""
    return clock.now().astimezone(ZoneInfo(scheme.time_zone)).date()


# ---------------------------------------------------------------- schemes


def _clean_scheme_fields(values: dict[str, Any]) -> SchemeFields:
    try:
        return SchemeFields.model_validate(values)
    except ValidationError as exc:
        raise invalid_from(exc, prefix="", what_zh="方案", what_en="scheme") from None


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise field_error("name", "方案名称不能为空", "a scheme name is required")
    if len(name) > 200:
        raise field_error("name", "方案名称太长（最多 200 字）", "the scheme name is too long (200 at most)")
    return name


def _check_settings_against_scheme(settings: Any, subject_types: list[str]) -> None:
    base = settings.base_points
    if base is not None:
        stray = sorted(set(base.subject_types) - set(subject_types))
        if stray:
            raise field_error(
                "settings.base_points.subject_types",
                f"基础分适用的对象 {stray} 不在方案的积分对象里",
                f"base points name subject types the scheme does not score: {stray}",
            )


def _scheme_snapshot(scheme: Scheme) -> dict[str, Any]:
    return {f: getattr(scheme, f) for f in ("code", *SCHEME_TEXT_FIELDS, *SCHEME_FIELDS, "settings", "is_active")}


@transaction.atomic
def scheme_create(
    *,
    actor: Any,
    org: OrgUnit,
    code: str,
    name: str,
    subject_types: list[str],
    period_policy: str | None = Scheme.PeriodPolicy.LIFETIME,
    time_zone: str = "Asia/Shanghai",
    notice_cadence: str | None = None,
    review_cadence: str | None = None,
    objection_days: int | None = None,
    redemption_lowers_score: bool = False,
    points_scale: int = 0,
    settings: dict[str, Any] | None = None,
    name_en: str = "",
    summary: str = "",
    template: str = "",
    template_source: str = "",
) -> Scheme:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", code or "") or len(code) > CODE_MAX:
        raise field_error("code", "方案编号只能用小写字母、数字、- 和 _（最多 64 个）", "a scheme code uses a-z, 0-9, - and _ (64 at most)")
    fields = _clean_scheme_fields(
        {
            "subject_types": subject_types, "period_policy": period_policy, "time_zone": time_zone,
            "notice_cadence": notice_cadence, "review_cadence": review_cadence, "objection_days": objection_days,
            "redemption_lowers_score": redemption_lowers_score, "points_scale": points_scale,
        }
    )
    checked = validate_settings(settings)
    _check_settings_against_scheme(checked, fields.subject_types)
    if Scheme.objects.filter(code=code).exists():
        raise Conflict(f"方案编号「{code}」已被使用", f"scheme code {code!r} is taken", code="scheme_exists")
    scheme = Scheme.objects.create(
        code=code,
        name=_clean_name(name),
        name_en=name_en.strip(),
        summary=summary.strip(),
        org=org,
        settings=settings_json(checked),
        template=template,
        template_source=template_source,
        **fields.model_dump(),
    )
    audit_record(actor=actor, action="rules.scheme_create", obj=scheme, org_path=org.path, after=_scheme_snapshot(scheme))
    return scheme


@transaction.atomic
def scheme_update(*, actor: Any, scheme: Scheme, **changes: Any) -> Scheme:
    """Change a scheme's rules; settings are replaced whole and validated like on create."""
    allowed = {*SCHEME_FIELDS, *SCHEME_TEXT_FIELDS, "settings", "is_active"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{unknown}", f"fields that cannot be changed here: {unknown}", code="invalid_field", detail={"field": unknown[0]})
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    before = _scheme_snapshot(scheme)
    if "points_scale" in changes and changes["points_scale"] != scheme.points_scale and scheme.items.exists():
        raise field_error("points_scale", "方案已有积分事项，不能再改分值精度", "points_scale cannot change once the scheme has items")
    fields = _clean_scheme_fields({f: changes.get(f, getattr(scheme, f)) for f in SCHEME_FIELDS})
    checked = validate_settings(changes.get("settings", scheme.settings))
    _check_settings_against_scheme(checked, fields.subject_types)
    for f, value in fields.model_dump().items():
        setattr(scheme, f, value)
    if "name" in changes:
        scheme.name = _clean_name(changes["name"])
    for f in ("name_en", "summary"):
        if f in changes:
            setattr(scheme, f, (changes[f] or "").strip())
    if "is_active" in changes:
        scheme.is_active = bool(changes["is_active"])
    scheme.settings = settings_json(checked)
    after = _scheme_snapshot(scheme)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if not changed:
        return scheme
    scheme.save()
    audit_record(
        actor=actor, action="rules.scheme_update", obj=scheme, org_path=scheme.org.path,
        before={k: before[k] for k in changed}, after=changed,
    )
    return scheme


# ---------------------------------------------------------------- categories


def _clean_code(code: str, what_zh: str, what_en: str) -> str:
    code = (code or "").strip()
    if not code or len(code) > CODE_MAX or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise field_error("code", f"{what_zh}编码只能用字母、数字、- 和 _（最多 64 个）", f"a {what_en} code uses letters, digits, - and _ (64 at most)")
    return code


def _clean_category_subject_types(scheme: Scheme, subject_types: list[str] | None) -> list[str]:
    subject_types = list(subject_types or [])
    bad = [t for t in subject_types if t not in SUBJECT_TYPES]
    if bad:
        raise field_error("subject_types", f"未知的积分对象类型 {bad}", f"unknown subject types {bad}")
    stray = [t for t in subject_types if t not in scheme.subject_types]
    if stray:
        raise field_error("subject_types", f"方案不给 {stray} 积分", f"the scheme does not score {stray}")
    return subject_types


@transaction.atomic
def category_create(
    *, actor: Any, scheme: Scheme, code: str, name: str, subject_types: list[str] | None = None,
    group: str = "", order: int | None = None,
) -> Category:
    code = _clean_code(code, "类别", "category")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise field_error("name", "类别名称不能为空，最多 100 字", "a category name is required (100 at most)")
    if Category.objects.filter(scheme=scheme, code=code).exists():
        raise Conflict(f"类别编码「{code}」已存在", f"category code {code!r} already exists", code="category_exists")
    if order is None:
        order = Category.objects.filter(scheme=scheme).count() + 1
    category = Category.objects.create(
        scheme=scheme, code=code, name=name, order=order,
        subject_types=_clean_category_subject_types(scheme, subject_types), group=(group or "").strip(),
    )
    audit_record(
        actor=actor, action="rules.category_create", obj=category, org_path=scheme.org.path,
        after={"scheme": scheme.code, "code": code, "name": name, "subject_types": category.subject_types, "group": category.group},
    )
    return category


@transaction.atomic
def category_update(*, actor: Any, category: Category, **changes: Any) -> Category:
    allowed = {"name", "subject_types", "group", "order"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{unknown}", f"fields that cannot be changed here: {unknown}", code="invalid_field", detail={"field": unknown[0]})
    category = Category.objects.select_related("scheme__org").select_for_update().get(pk=category.pk)
    before = {f: getattr(category, f) for f in allowed}
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name or len(name) > 100:
            raise field_error("name", "类别名称不能为空，最多 100 字", "a category name is required (100 at most)")
        category.name = name
    if "subject_types" in changes:
        category.subject_types = _clean_category_subject_types(category.scheme, changes["subject_types"])
    if "group" in changes:
        category.group = (changes["group"] or "").strip()
    if "order" in changes:
        category.order = int(changes["order"])
    after = {f: getattr(category, f) for f in allowed}
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        category.save()
        audit_record(
            actor=actor, action="rules.category_update", obj=category, org_path=category.scheme.org.path,
            before={k: before[k] for k in changed}, after=changed,
        )
    return category


# ---------------------------------------------------------------- items and versions


def clean_version_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Check one version's fields (points already in the scheme's units); raise on the first problem."""
    fields = {**VERSION_DEFAULTS, **fields}
    unknown = sorted(set(fields) - set(VERSION_FIELDS))
    if unknown:
        raise InvalidInput(f"未知的事项字段：{unknown}", f"unknown item fields: {unknown}", code="invalid_field", detail={"field": unknown[0]})
    name = (fields.get("name") or "").strip()
    if not name or len(name) > 300:
        raise field_error("name", "事项名称不能为空，最多 300 字", "an item name is required (300 at most)")
    fields["name"] = name
    choices = {
        "direction": ItemVersion.Direction, "frequency": ItemVersion.Frequency,
        "min_role": ItemVersion.MinRole, "kind": ItemVersion.Kind,
    }
    for field, enum in choices.items():
        if fields[field] not in enum.values:
            raise field_error(field, f"「{fields[field]}」不是允许的取值 {list(enum.values)}", f"{fields[field]!r} is not one of {list(enum.values)}")
        fields[field] = str(fields[field])
    for field in ("points", "points_min", "points_max", "cap_per_day", "cap_per_month", "cap_per_year"):
        value = fields[field]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise field_error(field, "应为整数", "must be a whole number")
    problems = points_problems(fields["points"], fields["points_min"], fields["points_max"])
    if problems:
        field, zh, en = problems[0]
        raise field_error(field, zh, en)
    for field in ("cap_per_day", "cap_per_month", "cap_per_year"):
        if fields[field] is not None and fields[field] < 1:
            raise field_error(field, "上限至少为 1（不限请留空）", "a cap is at least 1 (leave empty for none)")
    if not isinstance(fields["evidence_required"], bool):
        raise field_error("evidence_required", "应为是或否", "must be true or false")
    if fields["leader_matching"] is not None and not isinstance(fields["leader_matching"], bool):
        raise field_error("leader_matching", "应为是、否或留空", "must be true, false or empty")
    fields["source_text"] = (fields["source_text"] or "").strip()
    fields["note"] = (fields["note"] or "").strip()
    return fields


def _version_values(version: ItemVersion) -> dict[str, Any]:
    return {f: getattr(version, f) for f in VERSION_FIELDS}


def item_version_in_use(version: ItemVersion) -> bool:
    """Whether anything (a claim, a posting …) has been recorded under this version.

    Looks at every model that points at ItemVersion, so apps added later are covered without
    an edit here.
    """
    for rel in ItemVersion._meta.related_objects:
        if rel.related_model._default_manager.filter(**{rel.field.name: version}).exists():
            return True
    return False


def _version_audit(version: ItemVersion) -> dict[str, Any]:
    return {"number": version.number, "effective_from": version.effective_from, "effective_to": version.effective_to, **_version_values(version)}


@transaction.atomic
def item_create(
    *, actor: Any, scheme: Scheme, category: Category, code: str, effective_from: dt.date,
    order: int | None = None, **version_fields: Any,
) -> Item:
    """A new catalog item with its first version, in force from `effective_from`."""
    if category.scheme_id != scheme.pk:
        raise field_error("category", "类别不属于这个方案", "the category belongs to another scheme")
    code = _clean_code(code, "事项", "item")
    fields = clean_version_fields(version_fields)
    if Item.objects.filter(scheme=scheme, code=code).exists():
        raise Conflict(f"事项编码「{code}」已存在", f"item code {code!r} already exists", code="item_exists")
    if order is None:
        order = Item.objects.filter(scheme=scheme).count() + 1
    item = Item.objects.create(scheme=scheme, category=category, code=code, order=order)
    version = ItemVersion.objects.create(item=item, number=1, effective_from=effective_from, **fields)
    audit_record(
        actor=actor, action="rules.item_create", obj=item, org_path=scheme.org.path,
        after={"scheme": scheme.code, "category": category.code, "code": code, **_version_audit(version)},
    )
    return item


def _latest(item: Item) -> ItemVersion:
    latest = ItemVersion.objects.filter(item=item).order_by("-number").first()
    if latest is None:  # an item is never created without a version
        raise NotFound("事项没有任何版本", "the item has no versions", code="item_without_versions")
    return latest


@transaction.atomic
def item_edit(*, actor: Any, item: Item, effective_from: dt.date, **changes: Any) -> ItemVersion:
    """Change an item from a date: the version in force until then keeps its values for the past."""
    item = Item.objects.select_related("scheme__org").select_for_update().get(pk=item.pk)
    latest = _latest(item)
    fields = clean_version_fields({**_version_values(latest), **changes})
    if fields == _version_values(latest):
        return latest
    path = item.scheme.org.path
    if latest.effective_to is not None:
        # Retired: editing from a later date brings it back with the new values.
        if effective_from <= latest.effective_to:
            raise field_error(
                "effective_from",
                f"事项已于 {latest.effective_to + dt.timedelta(days=1)} 停用，新版本须在此之后生效",
                f"the item was retired from {latest.effective_to + dt.timedelta(days=1)}; a new version must start later",
            )
    elif effective_from < latest.effective_from:
        raise field_error(
            "effective_from",
            f"生效日期 {effective_from} 早于当前版本的生效日期 {latest.effective_from}",
            f"effective date {effective_from} is before the current version's start {latest.effective_from}",
        )
    elif effective_from == latest.effective_from:
        if item_version_in_use(latest):
            raise Conflict(
                f"当前版本（{latest.effective_from} 起）已有积分记录，不能原样修改；请填写更晚的生效日期",
                f"records already use the current version (from {latest.effective_from}); choose a later effective date",
                code="version_in_use", detail={"field": "effective_from"},
            )
        before = _version_audit(latest)
        for f, value in fields.items():
            setattr(latest, f, value)
        latest.save()
        audit_record(
            actor=actor, action="rules.item_correct", obj=item, org_path=path,
            summary=f"{item.code} v{latest.number} corrected before use", before=before, after=_version_audit(latest),
        )
        return latest
    else:
        latest.effective_to = effective_from - dt.timedelta(days=1)
        latest.save(update_fields=["effective_to"])
    version = ItemVersion.objects.create(item=item, number=latest.number + 1, effective_from=effective_from, **fields)
    audit_record(
        actor=actor, action="rules.item_edit", obj=item, org_path=path,
        summary=f"{item.code} v{version.number} from {effective_from}",
        before=_version_audit(latest), after=_version_audit(version),
    )
    return version


@transaction.atomic
def item_retire(*, actor: Any, item: Item, on: dt.date) -> Item | None:
    """Stop using an item from `on`. Returns None when the item never took effect and is removed."""
    item = Item.objects.select_related("scheme__org").select_for_update().get(pk=item.pk)
    latest = _latest(item)
    path = item.scheme.org.path
    if latest.effective_to is not None:
        raise Conflict(
            f"事项「{item.code}」已于 {latest.effective_to + dt.timedelta(days=1)} 停用",
            f"item {item.code!r} was already retired from {latest.effective_to + dt.timedelta(days=1)}",
            code="item_retired",
        )
    if on < latest.effective_from:
        raise field_error(
            "on", f"停用日期 {on} 早于当前版本的生效日期 {latest.effective_from}",
            f"retirement date {on} is before the current version's start {latest.effective_from}",
        )
    if on == latest.effective_from:
        # The version never took effect: drop it if nothing was recorded under it.
        if item_version_in_use(latest):
            raise Conflict(
                "当前版本已有积分记录，请选更晚的停用日期", "records already use the current version; choose a later date",
                code="version_in_use", detail={"field": "on"},
            )
        audit_record(
            actor=actor, action="rules.item_retire", obj=item, org_path=path,
            summary=f"{item.code} v{latest.number} withdrawn before it took effect", before=_version_audit(latest),
        )
        latest.delete()
        if not ItemVersion.objects.filter(item=item).exists():
            item.delete()
            return None
        return item
    before = _version_audit(latest)
    latest.effective_to = on - dt.timedelta(days=1)
    latest.save(update_fields=["effective_to"])
    audit_record(
        actor=actor, action="rules.item_retire", obj=item, org_path=path,
        summary=f"{item.code} retired from {on}", before=before, after=_version_audit(latest),
    )
    return item


@transaction.atomic
def item_move(*, actor: Any, item: Item, category: Category) -> Item:
    """Put an item under another category of the same scheme (not versioned: it only files the item)."""
    item = Item.objects.select_related("scheme__org", "category").select_for_update().get(pk=item.pk)
    if category.scheme_id != item.scheme_id:
        raise field_error("category", "类别不属于这个方案", "the category belongs to another scheme")
    if category.pk == item.category_id:
        return item
    before = {"category": item.category.code}
    item.category = category
    item.save(update_fields=["category"])
    audit_record(
        actor=actor, action="rules.item_move", obj=item, org_path=item.scheme.org.path,
        before=before, after={"category": category.code},
    )
    return item


# ---------------------------------------------------------------- templates


def template_scheme_code(name: str, org_path: str, *, hashed: bool = False) -> str:
    """`p7-town-jifen-plus--demo-zhangji-shahe`; long ones are cut and keep a hash, so codes stay unique."""
    full = f"{slugify(name)}--{slugify(org_path.replace('/', '-'))}"
    if len(full) <= CODE_MAX and not hashed:
        return full
    digest = hashlib.sha1(f"{name}|{org_path}".encode()).hexdigest()[:8]
    return f"{full[: CODE_MAX - 9].rstrip('-')}-{digest}"


def _version_fields_from_template(scheme: Scheme, item: Any) -> dict[str, Any]:
    def units(value: Any) -> int | None:
        return None if value is None else scheme.to_units(value)

    return {
        "name": item.name, "direction": item.direction, "points": units(item.points),
        "points_min": units(item.points_min), "points_max": units(item.points_max), "frequency": item.frequency,
        "cap_per_day": item.caps.per_day, "cap_per_month": item.caps.per_month, "cap_per_year": item.caps.per_year,
        "evidence_required": item.evidence_required, "min_role": item.min_role, "kind": item.kind,
        "leader_matching": item.leader_matching, "source_text": item.source_text, "note": item.note,
    }


def _create_from_template(
    *, actor: Any, template: Template, org: OrgUnit, code: str, effective_from: dt.date, period_policy: str | None
) -> Scheme:
    assert template.scheme is not None
    fields = template.scheme.model_dump()
    if period_policy is not None:
        fields["period_policy"] = period_policy
    scheme = scheme_create(
        actor=actor, org=org, code=code, name=f"{template.title}（{org.name}）"[:200], name_en=template.title_en,
        summary=template.summary, template=template.name, template_source=template.source,
        settings=settings_json(template.settings), **fields,
    )
    # Bulk inserts: a county applies one template to hundreds of villages.
    categories = Category.objects.bulk_create(
        [
            Category(
                scheme=scheme, code=c.code, name=c.name, order=i, subject_types=list(c.subject_types), group=c.group or "",
            )
            for i, c in enumerate(template.categories, start=1)
        ]
    )
    by_code = {c.code: c for c in categories}
    pairs = template.items()
    items = Item.objects.bulk_create(
        [Item(scheme=scheme, category=by_code[c.code], code=i.code, order=n) for n, (c, i) in enumerate(pairs, start=1)]
    )
    ItemVersion.objects.bulk_create(
        [
            ItemVersion(item=item, number=1, effective_from=effective_from, **clean_version_fields(_version_fields_from_template(scheme, t)))
            for item, (_c, t) in zip(items, pairs, strict=True)
        ]
    )
    audit_record(
        actor=actor, action="rules.template_apply", obj=scheme, org_path=org.path,
        summary=f"{template.name} → {org.path}: {len(categories)} categories, {len(items)} items from {effective_from}",
        after={"template": template.name, "org": org.path, "categories": len(categories), "items": len(items), "effective_from": effective_from},
    )
    return scheme


def template_apply(
    *, actor: Any, name: str, org: OrgUnit, effective_from: dt.date | None = None, period_policy: str | None = None
) -> Scheme:
    """Create the scheme a template describes for `org`. Applying it again returns the same scheme.

    `period_policy` is the adopter's choice where the template leaves it open (篇3, 篇5).
    """
    template = template_load(name)
    template_check_applicable(template)
    code = None
    # Two org paths can slug alike (a-b/c and a/b-c); the second then gets the hashed code.
    for candidate in dict.fromkeys([template_scheme_code(name, org.path), template_scheme_code(name, org.path, hashed=True)]):
        existing = Scheme.objects.filter(code=candidate).first()
        if existing is None:
            code = code or candidate
        elif existing.template == name and existing.org_id == org.pk:
            return existing
    if code is None:
        raise Conflict(
            "方案编号已被其他方案占用", f"the scheme codes for {name!r} at {org.path!r} are taken by other schemes",
            code="scheme_exists",
        )
    assert template.scheme is not None
    if effective_from is None:
        effective_from = clock.now().astimezone(ZoneInfo(template.scheme.time_zone)).date()
    try:
        with transaction.atomic():
            return _create_from_template(
                actor=actor, template=template, org=org, code=code, effective_from=effective_from,
                period_policy=period_policy,
            )
    except (IntegrityError, Conflict):
        # Someone applied the same template to the same unit at the same moment.
        existing = Scheme.objects.filter(code=code, template=name, org=org).first()
        if existing is None:
            raise
        return existing


def template_check_applicable(template: Template) -> None:
    """A programme (篇1) is not a scheme: it is set up by `jifen programme`, never applied."""
    name = template.name
    if template.kind == "programme":
        raise InvalidInput(
            f"「{name}」是示范村评选计划（{template.source}），不是积分方案，不能直接套用；"
            "计划由 jifen programme 命令设置（该功能尚未提供）",
            f"{name!r} is a demonstration-village programme ({template.source}), not a scheme, and cannot be applied; "
            "programmes are set up with `jifen programme` (not built yet)",
            code="template_is_programme",
        )
