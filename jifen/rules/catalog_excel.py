"""A scheme's catalog to and from Excel, so a village can adapt a template and load it back.

`catalog_import` checks every row first and reports each bad cell (row, column, Chinese and
English reason). Then it applies the rows through the services, inside one transaction with a
savepoint per row, so problems only visible against the stored catalog (a date before the
current version, a version already used) are reported for every row too; if any row is bad,
nothing is written. Items are matched by 编码: a changed row makes a new item version from its
生效日期, an unchanged row changes nothing, so importing an unchanged export is a no-op.
Rows left out of the file are kept (an import never deletes); 停用日期 retires an item.

The columns are documented for officials in docs/catalog-import.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.text import slugify
from pypinyin import lazy_pinyin

from jifen.core.audit import audit_record
from jifen.core.errors import InvalidInput, JifenError, PermissionDenied
from jifen.core.excel import Column, DryRunRollback, ImportReport, read_rows, write_workbook
from jifen.orgs.models import Role
from jifen.orgs.selectors import user_has_role
from jifen.rules import services
from jifen.rules.display import DIRECTION_ZH, FREQUENCY_ZH, KIND_ZH, MIN_ROLE_ZH, TO_FILL_ZH
from jifen.rules.models import SUBJECT_TYPE_NAMES, Category, Item, Scheme
from jifen.rules.selectors import latest_versions, scheme_by_code
from jifen.rules.template_format import points_problems

COLUMNS: tuple[Column, ...] = (
    Column("category_code", "类别编码", "category code", width=14),
    Column("category", "类别", "category", required=True, aliases=("类别名称",), width=16),
    Column("group", "分组", "group", aliases=("班组",), width=10),
    Column("category_subjects", "类别适用对象", "category subjects", aliases=("适用对象",), width=14),
    Column("code", "编码", "code", required=True, aliases=("事项编码",), width=12),
    Column("name", "名称", "name", required=True, aliases=("事项名称", "积分事项"), width=40),
    Column("direction", "方向", "direction", required=True, aliases=("加分/扣分", "方向 加分/扣分", "奖扣"), width=8),
    Column("points", "分值", "points", aliases=("分数",), width=8),
    Column("points_min", "最低分", "min points", width=8),
    Column("points_max", "最高分", "max points", width=8),
    Column("frequency", "频次", "frequency", width=8),
    Column("cap_per_day", "每日上限", "cap per day", width=8),
    Column("cap_per_month", "每月上限", "cap per month", width=8),
    Column("cap_per_year", "每年上限", "cap per year", width=8),
    Column("evidence_required", "需要证据", "evidence required", width=8),
    Column("min_role", "最低授权角色", "minimum role", width=12),
    Column("kind", "类型", "kind", width=10),
    Column("leader_matching", "组长同奖扣", "leader matching", aliases=("组长同加", "组长同扣"), width=10),
    Column("effective_from", "生效日期", "effective from", width=12),
    Column("retire_from", "停用日期", "retired from", width=12),
    Column("version", "版本", "version", width=6),
    Column("source_text", "原文", "source text", width=50),
    Column("note", "备注", "note", aliases=("说明",), width=30),
)
HEADER = {col.key: col.header for col in COLUMNS}
# Where a service's field error lands in the sheet.
FIELD_COLUMN = {
    "name": "name", "direction": "direction", "points": "points", "points_min": "points_min", "points_max": "points_max",
    "frequency": "frequency", "cap_per_day": "cap_per_day", "cap_per_month": "cap_per_month",
    "cap_per_year": "cap_per_year", "evidence_required": "evidence_required", "min_role": "min_role", "kind": "kind",
    "leader_matching": "leader_matching", "effective_from": "effective_from", "on": "retire_from",
    "category": "category", "subject_types": "category_subjects", "group": "group", "code": "code",
    "source_text": "source_text", "note": "note",
}

_YES = {"是", "y", "yes", "true", "1", "√", "需要"}
_NO = {"否", "n", "no", "false", "0", "×", "不需要"}


def _lookup(labels: dict[str, str], extra: dict[str, str] | None = None) -> dict[str, str]:
    table = {v.lower(): k for k, v in labels.items()} | {k: k for k in labels}
    return table | (extra or {})


DIRECTIONS = _lookup(
    DIRECTION_ZH,
    {"加": "award", "扣": "deduct", "奖": "award", "奖分": "award", "奖励": "award", "扣罚": "deduct", "扣除": "deduct", "处罚": "deduct"},
)
FREQUENCIES = _lookup(FREQUENCY_ZH, {"每次积": "per_event", "当次": "per_event", "每周": "per_event", "每年一次": "per_year", "一次": "once"})
MIN_ROLES = _lookup(MIN_ROLE_ZH, {"网格员": "recorder", "记录员/网格员": "recorder", "审核": "reviewer", "管理员": "org_admin"})
KINDS = _lookup(KIND_ZH, {"": "normal", "基础": "base", "固定分": "fixed_monthly", "固定积分": "fixed_monthly", "弄虚作假扣分": "fraud", "否决": "veto"})
SUBJECTS = _lookup(SUBJECT_TYPE_NAMES, {"居民": "person", "村民": "person", "家庭": "household", "户": "household", "商户": "unit", "社团": "unit"})


@dataclass
class _Row:
    number: int
    category_code: str
    category: str
    group: str | None  # None = blank cell: take it from another row of the category
    category_subjects: list[str] | None
    code: str
    fields: dict[str, Any]
    effective_from: dt.date | None
    retire_from: dt.date | None


class _Parser:
    def __init__(self, scheme: Scheme, report: ImportReport) -> None:
        self.scheme = scheme
        self.report = report
        self.bad = False

    def error(self, row: int, key: str, zh: str, en: str) -> None:
        self.bad = True
        self.report.add_error(row, HEADER.get(key, key), zh, en)

    def choice(self, row: int, key: str, text: str, table: dict[str, str], default: str) -> str:
        if not text:
            return default
        value = table.get(text.strip().lower())
        if value is None:
            allowed = "、".join(sorted({t for t in table if not t.isascii()}))
            self.error(row, key, f"「{text}」不是可选的值（可填：{allowed}）", f"{text!r} is not an allowed value")
            return default
        return value

    def points(self, row: int, key: str, text: str) -> int | None:
        if not text or text.strip() in {TO_FILL_ZH, "待定", "-", "—"}:
            return None
        cleaned = text.strip().lstrip("+").removesuffix("分")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            self.error(row, key, f"「{text}」不是数字", f"{text!r} is not a number")
            return None
        if not value.is_finite():
            self.error(row, key, f"「{text}」不是数字", f"{text!r} is not a number")
            return None
        if value < 0:
            self.error(row, key, "分值不能为负数，扣分请在「方向」填扣分", "points are never negative; put 扣分 in 方向 to deduct")
            return None
        try:
            return self.scheme.to_units(value)
        except ValueError:
            self.error(
                row, key, f"「{text}」的小数位数超过方案精度（{self.scheme.points_scale} 位）",
                f"{text!r} has more decimals than the scheme allows ({self.scheme.points_scale})",
            )
            return None

    def whole(self, row: int, key: str, text: str) -> int | None:
        if not text:
            return None
        if not re.fullmatch(r"\d+", text.strip()) or int(text) < 1:
            self.error(row, key, f"「{text}」应为正整数（不限请留空）", f"{text!r} must be a whole number of at least 1 (empty for none)")
            return None
        return int(text)

    def flag(self, row: int, key: str, text: str, *, blank: bool | None) -> bool | None:
        if not text:
            return blank
        value = text.strip().lower()
        if value in _YES:
            return True
        if value in _NO:
            return False
        self.error(row, key, f"「{text}」应填是或否", f"{text!r} must be 是 (yes) or 否 (no)")
        return blank

    def date(self, row: int, key: str, text: str) -> dt.date | None:
        if not text:
            return None
        candidate = text.strip().replace("/", "-").replace(".", "-")
        match = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", candidate)
        if match:
            candidate = "-".join(match.groups())
        try:
            parts = [int(p) for p in candidate.split("T")[0].split("-")]
            return dt.date(*parts)
        except (ValueError, TypeError):
            self.error(row, key, f"「{text}」不是日期（如 2026-07-01）", f"{text!r} is not a date (e.g. 2026-07-01)")
            return None

    def subjects(self, row: int, text: str) -> list[str] | None:
        if not text:
            return None
        found = []
        for piece in re.split(r"[、,，/;；\s]+", text.strip()):
            if not piece:
                continue
            value = SUBJECTS.get(piece.lower())
            if value is None:
                self.error(row, "category_subjects", f"「{piece}」不是积分对象（可填：{'、'.join(SUBJECT_TYPE_NAMES.values())}）", f"{piece!r} is not a subject type")
                continue
            if value not in self.scheme.subject_types:
                self.error(row, "category_subjects", f"本方案不给「{piece}」积分", f"the scheme does not score {piece!r}")
                continue
            if value not in found:
                found.append(value)
        return found

    def row(self, number: int, cells: dict[str, str]) -> _Row | None:
        self.bad = False
        code = cells["code"].strip()
        if not code:
            self.error(number, "code", "编码不能为空（每个事项一个编码，如 p7-1-01）", "a code is required (one per item, e.g. p7-1-01)")
        elif len(code) > 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", code):
            self.error(number, "code", "编码只能用字母、数字、- 和 _", "a code uses letters, digits, - and _")
        category_code = cells["category_code"].strip()
        if category_code and (len(category_code) > 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", category_code)):
            self.error(number, "category_code", "类别编码只能用字母、数字、- 和 _", "a category code uses letters, digits, - and _")
        category = cells["category"].strip()
        if not category and not category_code:
            self.error(number, "category", "类别不能为空", "a category is required")
        name = cells["name"].strip()
        if not name:
            self.error(number, "name", "名称不能为空", "a name is required")
        elif len(name) > 300:
            self.error(number, "name", "名称太长（最多 300 字）", "the name is too long (300 at most)")
        if not cells["direction"].strip():
            self.error(number, "direction", "方向不能为空（加分或扣分）", "a direction is required (加分 or 扣分)")
        fields: dict[str, Any] = {
            "name": name,
            "direction": self.choice(number, "direction", cells["direction"], DIRECTIONS, "award"),
            "points": self.points(number, "points", cells["points"]),
            "points_min": self.points(number, "points_min", cells["points_min"]),
            "points_max": self.points(number, "points_max", cells["points_max"]),
            "frequency": self.choice(number, "frequency", cells["frequency"], FREQUENCIES, "per_event"),
            "cap_per_day": self.whole(number, "cap_per_day", cells["cap_per_day"]),
            "cap_per_month": self.whole(number, "cap_per_month", cells["cap_per_month"]),
            "cap_per_year": self.whole(number, "cap_per_year", cells["cap_per_year"]),
            "evidence_required": self.flag(number, "evidence_required", cells["evidence_required"], blank=False),
            "min_role": self.choice(number, "min_role", cells["min_role"], MIN_ROLES, "recorder"),
            "kind": self.choice(number, "kind", cells["kind"], KINDS, "normal"),
            "leader_matching": self.flag(number, "leader_matching", cells["leader_matching"], blank=None),
            "source_text": cells["source_text"].strip(),
            "note": cells["note"].strip(),
        }
        for field, zh, en in points_problems(fields["points"], fields["points_min"], fields["points_max"]):
            self.error(number, field, zh, en)
        effective_from = self.date(number, "effective_from", cells["effective_from"])
        retire_from = self.date(number, "retire_from", cells["retire_from"])
        if effective_from and retire_from and retire_from <= effective_from:
            self.error(number, "retire_from", "停用日期应晚于生效日期", "the retirement date must be after the effective date")
        group = cells["group"].strip() or None
        subjects = self.subjects(number, cells["category_subjects"])
        if self.bad:
            return None
        return _Row(number, category_code, category, group, subjects, code, fields, effective_from, retire_from)


class _Importer:
    def __init__(self, *, actor: Any, scheme: Scheme, report: ImportReport) -> None:
        self.actor = actor
        self.scheme = scheme
        self.report = report
        self.categories = {c.code: c for c in Category.objects.filter(scheme=scheme)}
        self.items = {i.code: i for i in Item.objects.filter(scheme=scheme).select_related("category")}
        self.latest = {v.item_id: v for v in latest_versions(scheme)}
        self.today = services.today_in(scheme)

    def check_codes(self, records: list[tuple[int, dict[str, str]]]) -> None:
        """A code twice in the file (bad rows included, so every repeat is reported)."""
        seen: dict[str, int] = {}
        for number, cells in records:
            code = cells["code"].strip()
            if not code:
                continue
            if code in seen:
                self.report.add_error(number, HEADER["code"], f"编码「{code}」与第 {seen[code]} 行重复", f"code {code!r} repeats row {seen[code]}")
            seen.setdefault(code, number)

    def check_categories(self, rows: list[_Row]) -> None:
        """One category described two ways in the file.

        A blank category cell (分组, 类别适用对象, 类别 when the code is given) takes the value
        another row of the same category gives.
        """
        described: dict[str, dict[str, tuple[int, Any]]] = {}
        for row in rows:
            known = described.setdefault(row.category_code or f"name:{row.category}", {})
            for attr in ("category", "group", "category_subjects"):
                value = getattr(row, attr)
                if value is None or value == "":
                    continue
                if attr in known and known[attr][1] != value:
                    self.report.add_error(
                        row.number, HEADER[attr], f"同一类别在第 {known[attr][0]} 行填的不一样",
                        f"row {known[attr][0]} describes the same category differently",
                    )
                known.setdefault(attr, (row.number, value))
        for row in rows:
            known = described[row.category_code or f"name:{row.category}"]
            for attr, (_number, value) in known.items():
                if getattr(row, attr) in (None, ""):
                    setattr(row, attr, value)

    def _category(self, row: _Row) -> tuple[Category, bool]:
        category = self.categories.get(row.category_code) if row.category_code else None
        if category is None and not row.category_code:
            category = next((c for c in self.categories.values() if c.name == row.category), None)
        if category is None:
            code = row.category_code or self._new_category_code(row.category)
            category = services.category_create(
                actor=self.actor, scheme=self.scheme, code=code, name=row.category or code,
                subject_types=row.category_subjects or [], group=row.group or "",
            )
            self.categories[category.code] = category
            return category, True
        changes: dict[str, Any] = {}
        if row.category and row.category != category.name:
            changes["name"] = row.category
        if row.group is not None and row.group != category.group:
            changes["group"] = row.group
        if row.category_subjects is not None and row.category_subjects != category.subject_types:
            changes["subject_types"] = row.category_subjects
        if changes:
            category = services.category_update(actor=self.actor, category=category, **changes)
            self.categories[category.code] = category
            return category, True
        return category, False

    def _new_category_code(self, name: str) -> str:
        base = slugify("-".join(lazy_pinyin(name)))[:56] or "category"
        code, n = base, 1
        while code in self.categories:
            n += 1
            code = f"{base}-{n}"
        return code

    def apply(self, row: _Row) -> str:
        """Write one row; returns created / updated / unchanged."""
        category, category_changed = self._category(row)
        item = self.items.get(row.code)
        if item is None:
            item = services.item_create(
                actor=self.actor, scheme=self.scheme, category=category, code=row.code,
                effective_from=row.effective_from or self.today, **row.fields,
            )
            self.items[item.code] = item
            if row.retire_from:
                services.item_retire(actor=self.actor, item=item, on=row.retire_from)
            return "created"
        changed = category_changed
        if item.category_id != category.pk:
            services.item_move(actor=self.actor, item=item, category=category)
            changed = True
        latest = self.latest[item.pk]
        current = {f: getattr(latest, f) for f in services.VERSION_FIELDS}
        fields = services.clean_version_fields(row.fields)
        retired_from = latest.effective_to + dt.timedelta(days=1) if latest.effective_to else None
        reopen = retired_from is not None and row.retire_from is None
        if fields != current or reopen:
            if row.effective_from is None:
                raise InvalidInput("事项有改动，须填写生效日期", "the item changed: give the date it takes effect", code="invalid_field", detail={"field": "effective_from"})
            services.item_edit(actor=self.actor, item=item, effective_from=row.effective_from, **fields)
            changed = True
            retired_from = None
        if row.retire_from is not None and row.retire_from != retired_from:
            if retired_from is not None:
                raise InvalidInput(
                    f"事项已于 {retired_from} 停用，不能改停用日期", f"the item was retired from {retired_from}; that date cannot change",
                    code="invalid_field", detail={"field": "on"},
                )
            services.item_retire(actor=self.actor, item=item, on=row.retire_from)
            changed = True
        return "updated" if changed else "unchanged"


def _require_admin(actor: Any, scheme: Scheme) -> None:
    # The CLI runs as the operator (actor None); web callers must administer the scheme's unit.
    if actor is not None and not user_has_role(user=actor, org=scheme.org, roles=[Role.ORG_ADMIN]):
        raise PermissionDenied("只有方案所属组织的管理员可以导入积分细则", "only an admin of the scheme's org unit may import its catalog")


def catalog_import(
    *, actor: Any, scheme: Scheme, source: Path | str | IO[bytes], dry_run: bool = False, file_name: str = ""
) -> ImportReport:
    _require_admin(actor, scheme)
    report = ImportReport(kind="catalog", dry_run=dry_run)
    records = read_rows(source, COLUMNS, report)
    report.rows = len(records)
    if report.errors:
        return report
    parser = _Parser(scheme, report)
    parsed = [r for r in (parser.row(number, cells) for number, cells in records) if r is not None]
    importer = _Importer(actor=actor, scheme=scheme, report=report)
    importer.check_codes(records)
    importer.check_categories(parsed)
    if report.errors:
        report.errors.sort(key=lambda e: e.row)
        return report
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    try:
        with transaction.atomic():
            for row in parsed:
                try:
                    with transaction.atomic():
                        counts[importer.apply(row)] += 1
                except JifenError as exc:
                    field = (exc.detail or {}).get("field") if isinstance(exc.detail, dict) else None
                    report.add_error(row.number, HEADER.get(FIELD_COLUMN.get(field or "", ""), ""), exc.zh, exc.en)
            if report.errors or dry_run:
                raise DryRunRollback
            if counts["created"] or counts["updated"]:
                audit_record(
                    actor=actor, action="rules.catalog_import", obj=scheme, org_path=scheme.org.path,
                    summary=f"{file_name or 'catalog'}: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged",
                    after={"file": file_name, **counts},
                )
    except DryRunRollback:
        pass
    report.errors.sort(key=lambda e: e.row)
    if not report.errors:
        report.created, report.updated, report.unchanged = counts["created"], counts["updated"], counts["unchanged"]
    return report


def _points_cell(units: int | None, scale: int) -> Any:
    if units is None:
        return None
    return units if scale == 0 else Decimal(units).scaleb(-scale)


def catalog_rows(scheme: Scheme) -> list[list[Any]]:
    rows = []
    versions = sorted(latest_versions(scheme), key=lambda v: (v.item.category.order, v.item.category_id, v.item.order, v.item_id))
    scale = scheme.points_scale
    for v in versions:
        category = v.item.category
        points: Any = _points_cell(v.points, scale)
        if v.needs_input and v.points_min is None and v.points_max is None:
            points = TO_FILL_ZH
        rows.append(
            [
                category.code, category.name, category.group, "、".join(SUBJECT_TYPE_NAMES[t] for t in category.subject_types),
                v.item.code, v.name, DIRECTION_ZH[v.direction], points, _points_cell(v.points_min, scale),
                _points_cell(v.points_max, scale), FREQUENCY_ZH[v.frequency], v.cap_per_day, v.cap_per_month,
                v.cap_per_year, "是" if v.evidence_required else "否", MIN_ROLE_ZH[v.min_role], KIND_ZH[v.kind],
                None if v.leader_matching is None else ("是" if v.leader_matching else "否"), v.effective_from,
                v.effective_to + dt.timedelta(days=1) if v.effective_to else None, v.number, v.source_text, v.note,
            ]
        )
    return rows


HELP_COLUMNS = (Column("column", "列", "column", width=14), Column("meaning", "说明", "meaning", width=90))
HELP_ROWS = [
    ("类别编码", "类别的编码（字母数字）；新类别可留空，按类别名称匹配或自动生成"),
    ("类别", "类别名称，如 社会治安类；同一类别各行须一致"),
    ("分组", "班组表的组名（如 洗涤组），可空"),
    ("类别适用对象", "、".join(SUBJECT_TYPE_NAMES.values()) + "，多个用顿号分隔"),
    ("编码", "事项编码，事项的唯一标识，必填；改了编码就是另一个事项"),
    ("名称", "事项内容，必填"),
    ("方向", "加分 或 扣分"),
    ("分值", f"固定分值（正数）；分值待定填「{TO_FILL_ZH}」或留空；有范围时填最低分和最高分，分值留空"),
    ("最低分 / 最高分", "分值范围，如 10 和 80（视级别而定）"),
    ("频次", "、".join(FREQUENCY_ZH.values())),
    ("每日/每月/每年上限", "该期间最多记几次，不限留空"),
    ("需要证据", "是 或 否"),
    ("最低授权角色", "、".join(MIN_ROLE_ZH.values())),
    ("类型", "、".join(KIND_ZH.values())),
    ("组长同奖扣", "是、否，或留空（按方案设置）"),
    ("生效日期", "改动从哪天起生效（如 2026-07-01）；之前的记录仍按旧分值"),
    ("停用日期", "从哪天起停用该事项；留空表示继续使用"),
    ("版本", "导出时的版本号，仅供查看，导入时忽略"),
    ("原文", "方案原文，可空"),
    ("备注", "说明或备注，可空"),
]


def catalog_export(*, actor: Any, scheme: Scheme, destination: Path | str | IO[bytes]) -> int:
    _require_admin(actor, scheme)
    rows = catalog_rows(scheme)
    write_workbook(destination, [("积分细则", COLUMNS, rows), ("填写说明", HELP_COLUMNS, HELP_ROWS)])
    return len(rows)


def _scheme_option(options: dict[str, Any]) -> Scheme:
    code = options.get("scheme")
    if not code:
        raise InvalidInput("请用 --scheme 指定积分方案编号", "give the scheme code with --scheme", code="scheme_required")
    return scheme_by_code(code)


def import_catalog_command(*, path: Path, options: dict[str, Any]) -> ImportReport:
    scheme = _scheme_option(options)
    return catalog_import(actor=None, scheme=scheme, source=path, dry_run=bool(options.get("dry_run")), file_name=Path(path).name)


def export_catalog_command(*, path: Path, options: dict[str, Any]) -> str:
    scheme = _scheme_option(options)
    count = catalog_export(actor=None, scheme=scheme, destination=path)
    return f"已导出 / exported {count} 个事项 / items of {scheme.code} → {path}"

