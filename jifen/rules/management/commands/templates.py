from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jifen.core.context import RequestContext, acting
from jifen.core.errors import JifenError
from jifen.orgs.selectors import org_by_path
from jifen.rules.display import (
    CADENCE_ZH,
    FREQUENCY_ZH,
    MIN_ROLE_ZH,
    PERIOD_POLICY_ZH,
    TO_FILL,
    flatten,
    null_paths,
    points_text,
    subject_names,
    value_text,
)
from jifen.rules.models import Scheme
from jifen.rules.selectors import items_needing_input
from jifen.rules.services import template_apply, template_check_applicable
from jifen.rules.template_format import Template, template_load, template_names, templates_dir

CHINESE_NUMERALS = "一二三四五六七八九十"


def _ordinal(n: int) -> str:
    return f"{CHINESE_NUMERALS[n - 1]}、" if n <= len(CHINESE_NUMERALS) else f"{n}. "


def _counts(template: Template) -> tuple[int, int, int]:
    pairs = template.items()
    to_fill = sum(
        1
        for _c, i in pairs
        if i.kind in ("normal", "base", "fixed_monthly") and i.points is None and (i.points_min is None or i.points_max is None)
    )
    return len(template.categories), len(pairs), to_fill


class Command(BaseCommand):
    help = "积分方案模板：list 列出、show 查看、apply 套用到组织 / scheme templates: list, show, apply to an org unit"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="list|show|apply")
        sub.add_parser("list", help="列出全部模板 / list every template")
        show = sub.add_parser("show", help="查看模板的规则和积分细则 / print a template's rules and catalog")
        show.add_argument("name", help="模板名，如 p7-town-jifen-plus / template name")
        apply = sub.add_parser("apply", help="把模板套用到组织（重复套用不会重复创建）/ apply to an org unit (idempotent)")
        apply.add_argument("name", help="模板名 / template name")
        apply.add_argument("--org", required=True, help="组织路径，如 demo/zhangji/shahe / org unit path")
        apply.add_argument(
            "--effective-from", type=dt.date.fromisoformat,
            help="细则生效日期 YYYY-MM-DD（默认今天）/ date the catalog takes effect (default today)",
        )
        apply.add_argument(
            "--period-policy", choices=["year_end_clear", "lifetime"],
            help="积分周期（模板未定时由采用方选择）/ period policy where the template leaves it open",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except JifenError as exc:
            raise CommandError(str(exc)) from None

    def _list(self, options: dict[str, Any]) -> None:
        names = template_names()
        self.stdout.write(f"积分方案模板 / scheme templates: {len(names)}（{templates_dir()}）\n")
        for name in names:
            try:
                template = template_load(name)
            except JifenError as exc:
                self.stdout.write(f"  {name}  ⚠ 模板有误 / invalid template: {exc}\n")
                continue
            categories, items, to_fill = _counts(template)
            kind = "积分方案 / scheme" if template.kind == "scheme" else "评选计划 / programme"
            fill = f"，{to_fill} 项待填写 / {to_fill} to be filled" if to_fill else ""
            self.stdout.write(
                f"  {name}  {template.source}  {kind}  {template.title}\n"
                f"      {categories} 个类别 / categories，{items} 个事项 / items{fill}\n"
            )

    def _show(self, options: dict[str, Any]) -> None:
        template = template_load(options["name"])
        out = self.stdout
        out.write(f"{template.name} — {template.title} / {template.title_en}\n")
        lines = f"（种子第 {template.source_lines[0]}–{template.source_lines[1]} 行 / seed lines {template.source_lines[0]}–{template.source_lines[1]}）" if template.source_lines else ""
        out.write(f"来源 / source: {template.source}{lines}\n")
        if template.summary:
            out.write(f"{template.summary}\n")
        if template.kind == "programme":
            out.write("类型 / kind: 示范村评选计划 / demonstration-village programme（用 jifen programme 设置 / set up with jifen programme）\n")
        scheme = template.scheme
        if scheme is not None:
            out.write(
                f"积分对象 / subjects: {subject_names(list(scheme.subject_types))}\n"
                f"积分周期 / period: {PERIOD_POLICY_ZH.get(scheme.period_policy or '', TO_FILL)}\n"
                f"时区 / time zone: {scheme.time_zone}\n"
                f"公示 / notice: {CADENCE_ZH.get(scheme.notice_cadence or '', TO_FILL)}；"
                f"审核 / review: {CADENCE_ZH.get(scheme.review_cadence or '', TO_FILL)}；"
                f"异议期 / objection window: {TO_FILL if scheme.objection_days is None else f'{scheme.objection_days} 天 / days'}\n"
                f"兑换是否降低排名积分 / redemption lowers the ranking score: {value_text(scheme.redemption_lowers_score)}\n"
                f"分值精度 / points scale: {scheme.points_scale}\n"
            )
        settings = template.settings.model_dump(mode="json", exclude_unset=True, by_alias=True)
        if settings:
            out.write("方案设置 / settings:\n")
            for path, value in flatten(settings):
                out.write(f"  {path}: {value_text(value)}\n")
        missing = null_paths(settings)
        if missing:
            out.write(f"待填写的设置 / settings to be filled ({len(missing)}): {', '.join(missing)}\n")
        out.write(f"积分细则 / catalog: {len(template.categories)} 个类别 / categories，{len(template.items())} 个事项 / items\n")
        scale = scheme.points_scale if scheme else 0
        for n, category in enumerate(template.categories, start=1):
            group = f"  分组 / group: {category.group}" if category.group else ""
            out.write(f"{_ordinal(n)}{category.name} ({category.code})  对象 / subjects: {subject_names(list(category.subject_types))}{group}\n")
            for item in category.items:
                flags = [FREQUENCY_ZH[item.frequency]]
                caps = item.caps
                for label, value in (("每日至多", caps.per_day), ("每月至多", caps.per_month), ("每年至多", caps.per_year)):
                    if value is not None:
                        flags.append(f"{label}{value}次")
                if item.evidence_required:
                    flags.append("需证据")
                flags.append(f"最低授权:{MIN_ROLE_ZH[item.min_role]}")
                if item.kind != "normal":
                    flags.append({"base": "基础分", "fixed_monthly": "每月固定分", "fraud": "弄虚作假", "veto": "一票否决"}[item.kind])
                if item.leader_matching is not None:
                    flags.append("组长同奖扣" if item.leader_matching else "组长不同奖扣")
                points = points_text(_Scaled(item, scale), scale)
                out.write(f"  {item.code}  {points}  {item.name}  [{'，'.join(flags)}]\n")
                if item.note:
                    out.write(f"      注 / note: {item.note}\n")

    def _apply(self, options: dict[str, Any]) -> None:
        template_check_applicable(template_load(options["name"]))  # before asking about the org unit
        org = org_by_path(options["org"])
        existed = Scheme.objects.filter(template=options["name"], org=org).exists()
        with acting(RequestContext(channel="cli")):
            scheme = template_apply(
                actor=None, name=options["name"], org=org, effective_from=options["effective_from"],
                period_policy=options["period_policy"],
            )
        categories = scheme.categories.count()
        items = scheme.items.count()
        if existed:
            self.stdout.write(f"已套用过，未重复创建 / already applied, nothing duplicated: {scheme.code}（{scheme.name}）\n")
        else:
            self.stdout.write(
                f"已套用 / applied: {scheme.code}（{scheme.name}）@ {org.path}：{categories} 个类别 / categories，{items} 个事项 / items\n"
            )
        to_fill = list(items_needing_input(scheme))
        missing = [f for f in ("period_policy", "notice_cadence", "objection_days") if getattr(scheme, f) is None]
        missing += null_paths(scheme.settings)
        if to_fill or missing:
            self.stdout.write("启用前请填写 / fill before use:\n")
            for version in to_fill:
                self.stdout.write(f"  事项 / item {version.item.code} {version.name}: {TO_FILL}\n")
            for path in missing:
                self.stdout.write(f"  设置 / setting {path}: {TO_FILL}\n")


class _Scaled:
    """A template item's points as stored units, so points_text formats it like a stored version."""

    def __init__(self, item: Any, scale: int) -> None:
        def units(value: Any) -> int | None:
            return None if value is None else int(value.scaleb(scale))

        self.direction = item.direction
        self.kind = item.kind
        self.points = units(item.points)
        self.points_min = units(item.points_min)
        self.points_max = units(item.points_max)
