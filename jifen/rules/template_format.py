"""Reading the scheme template files described in `templates/FORMAT.md`.

`template_load(name)` returns a validated `Template`; every problem names the file and the
field path. The folder is `settings.JIFEN_RULES_TEMPLATES_DIR` when set (tests point it at
`tests/sample_templates`), else the environment variable `JIFEN_TEMPLATES_DIR` (a county's own
folder of templates), else the `templates/` folder beside this module.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings as django_settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from jifen.core.errors import InvalidInput, NotFound
from jifen.rules.settings_schema import (
    Cadence,
    SchemeSettings,
    SubjectType,
    bilingual,
    invalid_from,
)

TEMPLATE_NAME = r"^[a-z0-9][a-z0-9-]{0,47}$"
ItemCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def templates_dir() -> Path:
    configured = getattr(django_settings, "JIFEN_RULES_TEMPLATES_DIR", None) or os.environ.get("JIFEN_TEMPLATES_DIR")
    return Path(configured) if configured else Path(__file__).resolve().parent / "templates"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def points_problems(points: Any, points_min: Any, points_max: Any) -> list[tuple[str, str, str]]:
    """What is wrong with a points / range triple, as (field, zh, en); shared with the services."""
    problems = []
    for field, value in (("points", points), ("points_min", points_min), ("points_max", points_max)):
        if value is not None and value < 0:
            problems.append((field, "分值不能为负数，扣分请用方向「扣分」", "points are never negative; use direction deduct"))
    if points is not None and points == 0:
        problems.append(("points", "分值不能为 0", "points must be above 0"))
    if points is not None and (points_min is not None or points_max is not None):
        problems.append(("points", "固定分值和分值范围只能填一种", "give fixed points or a min–max range, not both"))
    if points_max is not None and points_max == 0:
        problems.append(("points_max", "最高分不能为 0", "the maximum must be above 0"))
    if points_min is not None and points_max is not None and points_min > points_max:
        problems.append(("points_min", "最低分不能高于最高分", "the minimum must not be above the maximum"))
    return problems


class Caps(_Model):
    per_day: Annotated[int, Field(ge=1)] | None = None
    per_month: Annotated[int, Field(ge=1)] | None = None
    per_year: Annotated[int, Field(ge=1)] | None = None


class TemplateItem(_Model):
    code: ItemCode
    name: Annotated[str, Field(min_length=1, max_length=300)]
    direction: Literal["award", "deduct"]
    points: Decimal | None = None
    points_min: Decimal | None = None
    points_max: Decimal | None = None
    frequency: Literal["per_event", "per_day", "per_month", "per_quarter", "per_year", "once"] = "per_event"
    caps: Caps = Caps()
    evidence_required: bool = False
    min_role: Literal["member", "recorder", "reviewer", "org_admin"] = "recorder"
    kind: Literal["normal", "base", "fixed_monthly", "fraud", "veto"] = "normal"
    leader_matching: bool | None = None
    source_text: str = ""
    note: str = ""

    @model_validator(mode="after")
    def _points(self) -> TemplateItem:
        problems = points_problems(self.points, self.points_min, self.points_max)
        if problems:
            field, zh, en = problems[0]
            raise bilingual(f"{field}：{zh}", f"{field}: {en}")
        return self


class TemplateCategory(_Model):
    code: ItemCode
    name: Annotated[str, Field(min_length=1, max_length=100)]
    subject_types: list[SubjectType] = []
    group: Annotated[str, Field(max_length=64)] | None = None
    items: list[TemplateItem] = []


class SchemeFields(_Model):
    """The `scheme` block of a template; also what scheme_create / scheme_update validate."""

    subject_types: Annotated[list[SubjectType], Field(min_length=1)]
    period_policy: Literal["year_end_clear", "lifetime"] | None
    time_zone: str = "Asia/Shanghai"
    notice_cadence: Cadence | None = None
    review_cadence: Cadence | None = None
    objection_days: Annotated[int, Field(ge=0, le=365)] | None = None
    redemption_lowers_score: bool = False
    points_scale: Annotated[int, Field(ge=0, le=4)] = 0

    @field_validator("subject_types")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise bilingual("积分对象重复", "subject_types lists a type twice")
        return value

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise bilingual(f"未知的时区「{value}」（如 Asia/Shanghai）", f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from None
        return value


class Template(_Model):
    format: Literal[1]
    name: Annotated[str, Field(pattern=TEMPLATE_NAME)]
    kind: Literal["scheme", "programme"]
    source: str
    source_lines: Annotated[list[int], Field(min_length=2, max_length=2)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=150)]
    title_en: str = ""
    summary: str = ""
    scheme: SchemeFields | None = None
    settings: SchemeSettings = SchemeSettings()
    categories: list[TemplateCategory] = []

    @model_validator(mode="after")
    def _consistent(self) -> Template:
        if self.kind == "scheme" and self.scheme is None:
            raise bilingual("积分方案模板缺少 scheme 部分", "a kind=scheme template needs a scheme block")
        seen_categories: set[str] = set()
        seen_items: set[str] = set()
        for category in self.categories:
            if category.code in seen_categories:
                raise bilingual(f"类别编码「{category.code}」重复", f"category code {category.code!r} appears twice")
            seen_categories.add(category.code)
            if self.scheme is not None:
                stray = set(category.subject_types) - set(self.scheme.subject_types)
                if stray:
                    raise bilingual(f"类别「{category.code}」的适用对象 {sorted(stray)} 不在方案的积分对象里", f"category {category.code!r} names subject types the scheme does not score: {sorted(stray)}")
            for item in category.items:
                if item.code in seen_items:
                    raise bilingual(f"事项编码「{item.code}」重复", f"item code {item.code!r} appears twice")
                seen_items.add(item.code)
                scale = self.scheme.points_scale if self.scheme else 0
                for value in (item.points, item.points_min, item.points_max):
                    if value is not None and (value.scaleb(scale) != value.scaleb(scale).to_integral_value()):
                        raise bilingual(f"事项「{item.code}」的分值 {value} 小数位数超过 points_scale {scale}", f"item {item.code!r}: {value} has more decimals than points_scale {scale}")
        base = self.settings.base_points
        if base is not None and self.scheme is not None:
            stray = set(base.subject_types) - set(self.scheme.subject_types)
            if stray:
                raise bilingual(f"基础分适用的对象 {sorted(stray)} 不在方案的积分对象里", f"settings.base_points names subject types the scheme does not score: {sorted(stray)}")
        return self

    def items(self) -> list[tuple[TemplateCategory, TemplateItem]]:
        return [(category, item) for category in self.categories for item in category.items]


def _template_path(name: str) -> Path:
    return templates_dir() / f"{name}.json"


def template_names() -> list[str]:
    folder = templates_dir()
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


_loaded: dict[tuple[str, int, int], Template] = {}


def template_load(name: str) -> Template:
    path = _template_path(name)
    try:
        stat = path.stat()
    except OSError:
        stat = None
    if stat is None or not path.is_file():
        known = ", ".join(template_names()) or "—"
        raise NotFound(
            f"没有名为「{name}」的方案模板；现有：{known}",
            f"no scheme template named {name!r}; available: {known}",
            code="template_not_found",
        )
    # A county applies one template to hundreds of villages: parse and validate each file once
    # (per version of the file on disk).
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _loaded.get(key)
    if cached is not None:
        return cached
    try:
        raw = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            f"模板文件 {path.name} 不是有效的 UTF-8 JSON：{exc}",
            f"template file {path.name} is not valid UTF-8 JSON: {exc}",
            code="bad_template",
        ) from None
    try:
        template = Template.model_validate(raw)
    except ValidationError as exc:
        raise invalid_from(exc, prefix=path.name, what_zh="方案模板", what_en="scheme template") from None
    if template.name != name:
        raise InvalidInput(
            f"模板文件 {path.name} 里的 name 是「{template.name}」，应与文件名一致",
            f"template file {path.name} says name {template.name!r}; it must match the file name",
            code="bad_template",
        )
    _loaded[key] = template
    return template
