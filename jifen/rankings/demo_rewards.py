"""Demo: the company's fixed points, the villages' base points and a closed 2025, reward lists, one party evaluation.

Reads what the orgs and rules steps left in `ctx.data` ("today", "admin", "company_scheme",
"village_schemes", "branch_schemes"). Runs at the demo's fixed date (today, noon in Shanghai),
so a seed always gives the same result:

- 篇6 company: fixed points for every month from January 2025 to the last full month; the last
  month is run twice to show the second run posts nothing (timed, printed);
- 篇7 villages: base points for 2025, reward lists for 2025 (above average), a few honours for
  eligible households, the year-end clearing of 2025 which opens 2026 with its base points;
- 篇6 company: the monthly, quarterly and yearly rank tables of the last ended periods;
- 篇4: one branch's 2025 evaluation with self, branch and (trimmed) mass scores.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from jifen.core import clock
from jifen.core.demo import DemoContext
from jifen.core.errors import JifenError
from jifen.ledger.verify import ledger_verify
from jifen.rankings.base_points import base_points_post
from jifen.rankings.closing import period_close
from jifen.rankings.evaluation import (
    grading_settings,
    party_evaluation_close,
    party_evaluation_mass_record,
    party_evaluation_open,
    party_evaluation_org_check,
    party_evaluation_score,
)
from jifen.rankings.fixed_points import fixed_points_post
from jifen.rankings.models import PartyEvaluation, RewardLine
from jifen.rankings.rewards import honour_award, reward_list_evaluate
from jifen.rules.models import Scheme
from jifen.rules.settings_schema import AboveAverage, RankTable, scheme_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_MONTH = dt.date(2025, 1, 1)
REPRESENTATIVES = 7  # 村民代表 at the year-end meeting


def _months(first: dt.date, today: dt.date) -> list[str]:
    """Every month from `first` up to the last full month before `today`."""
    out, day = [], first
    while (day.year, day.month) < (today.year, today.month):
        out.append(day.strftime("%Y-%m"))
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def _schemes(ctx: DemoContext, key: str) -> list[Scheme]:
    value = ctx.data.get(key)
    if isinstance(value, Scheme):
        return [value]
    return [s for s in (value or []) if isinstance(s, Scheme)]


def build(ctx: DemoContext) -> None:
    today = ctx.data.get("today") if isinstance(ctx.data.get("today"), dt.date) else clock.now().date()
    admin = ctx.data.get("admin")
    with clock.frozen(dt.datetime.combine(today, dt.time(12, 0), tzinfo=SHANGHAI)):
        company(ctx, today, admin)
        villages(ctx, admin)
        party(ctx, admin)
    report = ledger_verify()
    ctx.say(f"  账本核对 / ledger verify: {report.summary()}")


def company(ctx: DemoContext, today: dt.date, admin: Any) -> None:
    for scheme in _schemes(ctx, "company_scheme"):
        months = _months(FIRST_MONTH, today)
        posted = 0
        started = time.monotonic()
        for month in months[:-1]:
            posted += fixed_points_post(scheme=scheme, month=month, actor=admin).posted
        t0 = time.monotonic()
        last = fixed_points_post(scheme=scheme, month=months[-1], actor=admin)
        t1 = time.monotonic()
        again = fixed_points_post(scheme=scheme, month=months[-1], actor=admin)
        t2 = time.monotonic()
        posted += last.posted
        ctx.say(
            f"  固定积分 / fixed points {scheme.org.name} {months[0]}–{months[-1]}: {posted} 笔/lines "
            f"({time.monotonic() - started:.1f}s); {months[-1]} 第一次 {last.posted} 人 {t1 - t0:.2f}s，"
            f"再次运行 {again.posted} 人（已入账 {again.already}）{t2 - t1:.2f}s / first run {last.posted}, second run {again.posted}"
        )
        lists = []
        last_month = months[-1]
        quarter = _last_quarter(today)
        for index, rule in enumerate(scheme_settings(scheme).reward_rules):
            if not isinstance(rule, RankTable):
                continue
            period = {"month": last_month, "quarter": quarter, "year": str(today.year - 1)}.get(rule.period)
            if period is None:
                continue
            reward_list = reward_list_evaluate(scheme=scheme, rule_index=index, period=period, actor=admin)
            lines = list(reward_list.lines.filter(outcome=RewardLine.Outcome.AWARDED))
            lists.append(f"{period} {rule.group}: {len(lines)} 人 {sum(x.amount_fen or 0 for x in lines) // 100} 元")
        ctx.say(f"  奖励名单 / reward lists {scheme.org.name}: {'; '.join(lists)}")


def _last_quarter(today: dt.date) -> str:
    quarter = (today.month - 1) // 3  # the quarter before the current one, 0 = last year's Q4
    return f"{today.year - 1}-Q4" if quarter == 0 else f"{today.year}-Q{quarter}"


def villages(ctx: DemoContext, admin: Any) -> None:
    schemes = _schemes(ctx, "village_schemes")
    if not schemes:
        return
    started = time.monotonic()
    base = lists = honours = cleared = 0
    for scheme in schemes:
        base += base_points_post(scheme=scheme, year=2025, actor=admin).posted
        for index, rule in enumerate(scheme_settings(scheme).reward_rules):
            if not isinstance(rule, AboveAverage):
                continue
            reward_list = reward_list_evaluate(scheme=scheme, rule_index=index, period="2025", actor=admin)
            lists += 1
            # The village committee picks its ten-star households from the eligible ones (here: the top two).
            for line in reward_list.lines.filter(outcome=RewardLine.Outcome.ELIGIBLE, group="household").order_by("order")[:2]:
                honour_award(scheme=scheme, subject=line.subject, title="十星级文明户", period="2025", actor=admin)
                honours += 1
        result = period_close(scheme=scheme, year=2025, actor=admin)
        cleared += result.close.accounts
        if result.base is not None:
            base += result.base.posted
    ctx.say(
        f"  村（社区）/ villages: {len(schemes)} 个方案，基础分 {base} 人次，2025 年评定名单 {lists} 份，"
        f"十星级文明户 {honours} 户，清零 {cleared} 个账户 ({time.monotonic() - started:.1f}s)"
    )


def party(ctx: DemoContext, admin: Any) -> None:
    for scheme in _schemes(ctx, "branch_schemes"):
        try:
            grading = grading_settings(scheme)
        except JifenError:
            continue
        evaluation = party_evaluation_open(actor=admin, scheme=scheme, branch=scheme.org, year=2025, trim_mass=True)
        members = [m for m in evaluation.members.order_by("pk") if not m.is_exempt]
        if not members:
            continue
        rng = ctx.rng
        # Each member's year, as a share of full marks: most do well, a few are warned.
        level = {m.pk: rng.choice((0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.5)) for m in members}
        for m in members:
            for method in ("self", "branch"):
                areas = {}
                for a in grading.areas:
                    top = a.max_points or 0
                    areas[a.code] = Decimal(min(top, max(0, round(top * level[m.pk]) + rng.randint(-2, 1))))
                party_evaluation_score(actor=admin, evaluation=evaluation, member=m, method=method, areas=areas)
        scale = grading.scale or 100
        for i in range(1, REPRESENTATIVES + 1):
            scores = {m.pk: min(scale, max(0, round(scale * level[m.pk]) + rng.randint(-10, 10))) for m in members}
            party_evaluation_mass_record(actor=admin, evaluation=evaluation, representative=f"村民代表{i}", scores=scores)
        for m in members:
            party_evaluation_org_check(actor=admin, evaluation=evaluation, member=m)
        party_evaluation_close(actor=admin, evaluation=evaluation)
        graded = list(PartyEvaluation.objects.get(pk=evaluation.pk).members.all())
        counts: dict[str, int] = {}
        for m in graded:
            key = m.grade_name or "不纳入考核"
            counts[key] = counts.get(key, 0) + 1
        ctx.say(f"  党员考核 / party evaluation {scheme.org.name} 2025: " + "，".join(f"{k} {v}" for k, v in counts.items()))
        return
