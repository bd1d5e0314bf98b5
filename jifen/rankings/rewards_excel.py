"""Exports for the notice board and the finance office: reward lists, dividends, party grades, 篇8's list.

`jifen export rewards FILE --scheme CODE [--period P]`: every evaluated reward list of the
scheme (for one period, or all), one sheet each. `jifen export dividends FILE --scheme CODE
[--org PATH] [--period P]`, `jifen export party-evaluation FILE --scheme CODE --org BRANCH
--period YEAR`, `jifen export zero-or-negative FILE --scheme CODE`.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from jifen.core.audit import audit_record
from jifen.core.errors import InvalidInput, NotFound
from jifen.core.excel import Column, write_workbook
from jifen.orgs.models import OrgUnit
from jifen.rankings.closing import zero_or_negative_list
from jifen.rankings.evaluation import EXEMPTION_ZH, party_evaluation_results
from jifen.rankings.models import DividendDistribution, PartyEvaluation, RewardList
from jifen.rankings.reward_periods import period_parse
from jifen.rankings.rewards import RULE_NAMES_ZH, reward_lines
from jifen.rules.models import Scheme
from jifen.rules.selectors import scheme_by_code

OUTCOME_ZH = {"awarded": "获奖", "eligible": "符合推荐条件", "excluded": "不参与"}

REWARD_COLUMNS = (
    Column("order", "序号", "no.", width=6),
    Column("rank", "名次", "rank", width=6),
    Column("name", "姓名/名称", "name", width=16),
    Column("group", "组别", "group", width=12),
    Column("score", "期间积分", "points in period", width=10),
    Column("outcome", "结果", "outcome", width=12),
    Column("amount", "奖金（元）", "amount (yuan)", width=10),
    Column("points", "奖励积分", "points awarded", width=10),
    Column("title", "称号", "title", width=24),
    Column("reward", "奖品", "reward", width=16),
    Column("note", "备注", "note", width=40),
)


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _scheme(options: dict[str, Any]) -> Scheme:
    if not options.get("scheme"):
        raise InvalidInput("请用 --scheme 指定积分方案", "name the scheme with --scheme", code="missing_option")
    return scheme_by_code(options["scheme"])


def _org(options: dict[str, Any], *, required: bool) -> OrgUnit | None:
    path = (options.get("org") or "").strip().strip("/")
    if not path:
        if required:
            raise InvalidInput("请用 --org 指定组织路径", "name the org unit with --org", code="missing_option")
        return None
    unit = OrgUnit.objects.filter(path=path).first()
    if unit is None:
        raise NotFound(f"找不到组织「{path}」", f"no org unit at {path!r}", code="org_not_found")
    return unit


def export_rewards_command(*, path: Path, options: dict[str, Any]) -> str:
    scheme = _scheme(options)
    lists = RewardList.objects.filter(scheme=scheme).order_by("period_start", "period", "rule_index")
    if options.get("period"):
        lists = lists.filter(period=period_parse(options["period"]).label)
    lists = list(lists)
    if not lists:
        raise NotFound(
            "还没有评定的奖励名单（请先评定：jifen rewards evaluate）", "no evaluated reward list yet (jifen rewards evaluate)",
            code="no_reward_lists",
        )
    sheets = []
    scale = scheme.points_scale
    for reward_list in lists:
        rows = [
            (line.order, line.rank, line.name, line.group, scheme.from_units(line.score) if scale else line.score,
             OUTCOME_ZH.get(line.outcome, line.outcome), yuan(line.amount_fen),
             None if line.points is None else (scheme.from_units(line.points) if scale else line.points),
             line.title, line.reward, line.note)
            for line in reward_lines(reward_list=reward_list)
        ]
        sheets.append((f"{reward_list.period} {reward_list.rule_index}-{RULE_NAMES_ZH.get(reward_list.rule_type, '')}"[:31], REWARD_COLUMNS, rows))
    write_workbook(path, sheets)
    audit_record(actor=None, action="rankings.export_rewards", obj=scheme, org_path=scheme.org.path,
                 summary=f"{scheme.code}: {len(lists)} lists → {path}", after={"lists": [r.pk for r in lists]})
    return f"已导出 {len(lists)} 份奖励名单 / exported {len(lists)} reward list(s) to {path}"


DIVIDEND_COLUMNS = (
    Column("order", "序号", "no.", width=6),
    Column("name", "户主/家庭", "household", width=18),
    Column("points", "期间积分", "points", width=10),
    Column("share", "分红（元）", "share (yuan)", width=12),
    Column("remainder", "尾差调整（分）", "rounding (fen)", width=12),
    Column("note", "备注", "note", width=40),
)


def export_dividends_command(*, path: Path, options: dict[str, Any]) -> str:
    scheme = _scheme(options)
    qs = DividendDistribution.objects.filter(scheme=scheme).select_related("org").order_by("created_at", "pk")
    org = _org(options, required=False)
    if org is not None:
        qs = qs.filter(org=org)
    if options.get("period"):
        qs = qs.filter(period=period_parse(options["period"]).label)
    distributions = list(qs)
    if not distributions:
        raise NotFound("没有符合条件的分红", "no dividend matches", code="no_dividends")
    scale = scheme.points_scale
    sheets = [
        (
            f"{d.org.name} {d.period} {d.pk}"[:31],
            DIVIDEND_COLUMNS,
            [
                (line.order, line.name, scheme.from_units(line.points) if scale else line.points, yuan(line.share_fen),
                 line.remainder_fen or None, line.note)
                for line in d.lines.order_by("order")
            ] + [(None, "合计 / total", None, yuan(d.pool_fen), None, f"{d.households} 户参与分红")],
        )
        for d in distributions
    ]
    write_workbook(path, sheets)
    audit_record(actor=None, action="rankings.export_dividends", obj=scheme, org_path=scheme.org.path,
                 summary=f"{scheme.code}: {len(distributions)} dividends → {path}")
    return f"已导出 {len(distributions)} 次分红 / exported {len(distributions)} dividend(s) to {path}"


PARTY_COLUMNS = (
    Column("rank", "名次", "rank", width=6),
    Column("name", "姓名", "name", width=12),
    Column("klass", "类别", "class", width=10),
    Column("self", "自我积分", "self", width=10),
    Column("branch", "支部积分", "branch", width=10),
    Column("mass", "群众积分", "mass", width=10),
    Column("final", "综合得分", "final", width=10),
    Column("grade", "等次", "grade", width=10),
    Column("upward", "上报街道", "reported upward", width=10),
    Column("note", "备注", "note", width=30),
)


def export_party_evaluation_command(*, path: Path, options: dict[str, Any]) -> str:
    scheme = _scheme(options)
    branch = _org(options, required=True)
    if not options.get("period"):
        raise InvalidInput("请用 --period 指定年度", "name the year with --period", code="missing_option")
    year = period_parse(options["period"], kind="year").start.year
    evaluation = PartyEvaluation.objects.filter(scheme=scheme, branch=branch, year=year).first()
    if evaluation is None:
        raise NotFound(f"「{branch.name if branch else ''}」{year} 年没有党员考核", "no evaluation for that branch and year", code="no_evaluation")
    classes = {"backbone": "骨干类", "ordinary": "普通类", "floating": "流动类"}
    rows = [
        (m.rank, m.name, classes.get(m.klass, m.klass), m.self_score, m.branch_score, m.mass_score, m.final_score,
         m.grade_name if not m.is_exempt else "不纳入考核", "是" if m.reported_upward else "",
         f"{EXEMPTION_ZH.get(m.exemption, m.exemption)} {m.exemption_note}".strip() if m.is_exempt else m.check_note)
        for m in party_evaluation_results(evaluation=evaluation)
    ]
    write_workbook(path, [(f"{year} 党员积分考核", PARTY_COLUMNS, rows)])
    audit_record(actor=None, action="rankings.export_party_evaluation", obj=evaluation, org_path=evaluation.branch.path,
                 summary=f"{evaluation.branch.name} {year} → {path}")
    return f"已导出 {len(rows)} 名党员 / exported {len(rows)} member(s) to {path}"


ZERO_COLUMNS = (
    Column("employee_no", "工号", "employee no", width=12),
    Column("name", "姓名", "name", width=12),
    Column("org", "部门", "unit", width=16),
    Column("position", "职务", "position", width=12),
    Column("score", "积分", "points", width=10),
)


def export_zero_or_negative_command(*, path: Path, options: dict[str, Any]) -> str:
    scheme = _scheme(options)
    rows = zero_or_negative_list(scheme=scheme)
    scale = scheme.points_scale
    write_workbook(path, [("零分或负分人员", ZERO_COLUMNS, [
        (r.employee_no, r.name, r.org_name, r.position, scheme.from_units(r.score) if scale else r.score) for r in rows
    ])])
    audit_record(actor=None, action="rankings.export_zero_or_negative", obj=scheme, org_path=scheme.org.path,
                 summary=f"{scheme.code}: {len(rows)} people → {path}")
    return f"已导出 {len(rows)} 人 / exported {len(rows)} people to {path}"
