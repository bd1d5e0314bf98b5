"""Base points (篇7 基础分: 100 at the start of each year for residents with no recorded violation).

The subjects are those of `settings.base_points.subject_types` (the scheme's own types when
empty) inside the scheme's org unit. A subject under a veto (一票否决) on 1 January gets no
base points that year. The points are dated 1 January 00:00 in the scheme's zone, so they
count in the new year's score. `frequency: once` grants them a single time ever.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from jifen.core.errors import IllegalTransition, InvalidInput
from jifen.ledger.periods import local_date, scheme_zone
from jifen.orgs.models import Subject, subtree_q
from jifen.rankings.models import PointsRun
from jifen.rankings.points_runs import RunResult, post_run, posted_subjects
from jifen.rankings.reward_locks import job_lock
from jifen.rankings.reward_scores import vetoes_on
from jifen.rules.models import ItemVersion, Scheme
from jifen.rules.settings_schema import BasePoints, scheme_settings


def base_settings(scheme: Scheme) -> BasePoints:
    base = scheme_settings(scheme).base_points
    if base is None:
        raise InvalidInput(f"方案「{scheme.name}」没有基础分设置", f"scheme {scheme.code!r} has no base points", code="no_base_points")
    missing = []
    if base.amount is None:
        missing.append(("基础分数额", "the amount"))
    if base.frequency is None:
        missing.append(("发放频率（每年或一次性）", "the frequency (yearly or once)"))
    if missing:
        raise InvalidInput(
            "请先填写基础分设置：" + "、".join(zh for zh, _ in missing),
            "fill the base points settings first: " + ", ".join(en for _, en in missing),
            code="settings_incomplete",
        )
    return base


def subjects_q(scheme: Scheme, types: list[str]) -> Q:
    """Active subjects of the given scheme subject types inside the scheme's org unit."""
    kinds = {"person": "person", "household": "household", "unit": "unit"}
    q = Q(pk__in=[])
    for subject_type in types:
        if subject_type in kinds:
            q |= Q(kind=kinds[subject_type])
        elif subject_type == "party_member":
            q |= Q(kind="person", person__party__isnull=False)
        elif subject_type in ("staff", "teacher"):
            q |= Q(kind="person", person__employment__is_active=True)
    return Q(q, subtree_q(scheme.org.path, "org__path"), is_active=True)


def _base_item_version(scheme: Scheme, on: dt.date) -> int | None:
    """The catalog line the base points come from (篇7 公益美德类 1), for the ledger's record."""
    return (
        ItemVersion.objects.in_force(on).filter(item__scheme=scheme, kind=ItemVersion.Kind.BASE).order_by("item__order", "pk")
        .values_list("pk", flat=True).first()
    )


@transaction.atomic
def base_points_post(*, scheme: Scheme, year: int, actor: Any = None) -> RunResult:
    """Grant the year's base points to every subject not yet granted them. Safe to repeat."""
    base = base_settings(scheme)
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(f"年份无效：{year!r}", f"not a valid year: {year!r}", code="bad_period")
    first_day = dt.date(year, 1, 1)
    if local_date(scheme, None) < first_day:
        raise IllegalTransition(
            f"{year} 年还没开始，基础分在当年1月1日起发放", f"{year} has not begun; base points are granted from 1 January",
            code="period_not_started",
        )
    once = base.frequency == "once"
    period = str(year)
    job_lock(scheme_id=scheme.pk, job="base" if once else f"base:{period}")
    result = RunResult(kind=PointsRun.Kind.BASE, period=period)
    if once:
        periods = list(PointsRun.objects.filter(scheme=scheme, kind=PointsRun.Kind.BASE).values_list("period", flat=True).distinct())
        done = posted_subjects(scheme=scheme, kind=PointsRun.Kind.BASE, periods=periods)
    else:
        done = posted_subjects(scheme=scheme, kind=PointsRun.Kind.BASE, periods=[period])
    result.already = len(done)
    vetoed = vetoes_on(scheme=scheme, on=first_day)
    units = scheme.to_units(base.amount or 0)
    if units <= 0:
        raise InvalidInput("基础分数额为0，无需发放", "the base amount is zero; nothing to grant", code="settings_incomplete")
    lines = []
    for subject_id, name in (
        Subject.objects.filter(subjects_q(scheme, base.subject_types or list(scheme.subject_types)))
        .order_by("pk").values_list("pk", "name").distinct()
    ):
        if subject_id in done:
            continue
        if subject_id in vetoed:
            result.left_out.append(
                {"subject": subject_id, "name": name,
                 "reason": f"1月1日处于一票否决期（至 {vetoed[subject_id]:%Y-%m-%d}） / vetoed on 1 January"}
            )
            continue
        lines.append((subject_id, units, {}))
    return post_run(
        scheme=scheme, kind=PointsRun.Kind.BASE, period=period, scope="base" if once else f"base:{period}",
        lines=lines, occurred_at=dt.datetime.combine(first_day, dt.time(), tzinfo=scheme_zone(scheme)),
        reason=f"{year}年度基础分", actor=actor, result=result, item_version_id=_base_item_version(scheme, first_day),
    )
