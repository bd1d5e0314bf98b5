"""Reward rules evaluated into frozen reward lists; points rewards posted, cash rewards paid; honours.

`reward_list_evaluate` reads the rule at `settings.reward_rules[rule_index]`, checks the period
has ended and every number the rule needs is filled, and stores the outcome once: evaluating
the same rule and period again returns the stored list. The rules themselves (ranks, ties,
vetoes) are in jifen.rankings.reward_rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from jifen.ledger.services import postings_bulk
from jifen.orgs.models import Membership, OrgUnit, PartyMembership, Person, Subject, Unit, subtree_q
from jifen.rankings import reward_rules as rr
from jifen.rankings.models import Honour, RewardLine, RewardList
from jifen.rankings.reward_locks import job_lock
from jifen.rankings.reward_periods import PERIOD_NAMES_ZH, Period, period_parse, require_ended
from jifen.rankings.reward_scores import (
    GROUPS_ZH,
    group_standings,
    participants,
    period_scores,
    vetoes_on,
)
from jifen.rules.models import Scheme
from jifen.rules.settings_schema import (
    AboveAverage,
    GroupAverage,
    Quota,
    RankTable,
    RewardRule,
    Threshold,
    TopN,
    scheme_settings,
)

RULE_NAMES_ZH = {
    "rank_table": "排名奖励",
    "threshold": "达标奖励",
    "group_average": "小组人均奖励",
    "top_n": "评选前若干名",
    "quota": "按比例表彰",
    "above_average": "高于平均分推荐",
}


def rule_at(scheme: Scheme, rule_index: int) -> RewardRule:
    rules = scheme_settings(scheme).reward_rules
    if isinstance(rule_index, bool) or not isinstance(rule_index, int) or not 0 <= rule_index < len(rules):
        listing = "；".join(f"{i}: {describe_rule(r)}" for i, r in enumerate(rules)) or "（无）"
        raise NotFound(
            f"方案「{scheme.name}」没有第 {rule_index} 条奖励规则。现有：{listing}",
            f"scheme {scheme.code!r} has no reward rule {rule_index}; it has {len(rules)}",
            code="rule_not_found",
        )
    return rules[rule_index]


def describe_rule(rule: RewardRule) -> str:
    """A short Chinese description of a rule, as an official would say it."""
    period = PERIOD_NAMES_ZH[rule.period]
    if isinstance(rule, RankTable):
        amounts = "/".join("待填" if a is None else str(a) for a in rule.amounts_yuan)
        return f"{period}度{GROUPS_ZH.get(rule.group, rule.group)}前{len(rule.amounts_yuan)}名奖励 {amounts} 元"
    if isinstance(rule, Threshold):
        tiers = "、".join(f"{t.min_points}分→{t.reward or t.amount_yuan}" for t in rule.tiers)
        return f"{period}末达标奖励（{tiers}）"
    if isinstance(rule, GroupAverage):
        return f"{period}末小组人均达到 {rule.min_average} 分奖励 {rule.award_points} 分"
    if isinstance(rule, TopN):
        return f"{period}评选{rule.title or f'前{rule.n}名'}（至少 {rule.min_points} 分）"
    if isinstance(rule, Quota):
        return f"每{period}{rule.title or '表彰'}不少于参与对象的 {rule.min_share}"
    assert isinstance(rule, AboveAverage)
    return f"{period}积分高于平均分可推荐：{'、'.join(rule.titles)}"


def _require_filled(scheme: Scheme, rule: RewardRule) -> None:
    missing: list[tuple[str, str]] = []
    if isinstance(rule, RankTable):
        missing += [(f"第{i}名奖金", f"the amount for place {i}") for i, a in enumerate(rule.amounts_yuan, 1) if a is None]
        if not rule.amounts_yuan:
            missing.append(("各名次奖金", "the amounts per place"))
    elif isinstance(rule, Threshold):
        for i, tier in enumerate(rule.tiers, 1):
            if tier.min_points is None:
                missing.append((f"第{i}档的分数线", f"tier {i}: the minimum points"))
            if tier.amount_yuan is None and not tier.reward:
                missing.append((f"第{i}档的奖励", f"tier {i}: the reward"))
        if not rule.tiers:
            missing.append(("各档分数线", "the tiers"))
    elif isinstance(rule, GroupAverage):
        for name, zh in (("min_average", "人均分数线"), ("award_points", "奖励分"), ("step", "每超过多少分"), ("step_award_points", "每档加分")):
            if getattr(rule, name) is None:
                missing.append((zh, name))
        if not rule.groups:
            missing.append(("参评的小组类型", "groups"))
    elif isinstance(rule, TopN):
        if rule.n is None:
            missing.append(("评选人数", "n"))
    elif isinstance(rule, Quota):
        if rule.min_share is None:
            missing.append(("表彰比例", "min_share"))
    elif isinstance(rule, AboveAverage) and not rule.titles:
        missing.append(("可推荐的称号", "titles"))
    if missing:
        raise InvalidInput(
            f"请先填写奖励规则「{describe_rule(rule)}」的" + "、".join(zh for zh, _ in missing),
            "fill the reward rule first: " + ", ".join(en for _, en in missing),
            code="settings_incomplete",
        )


def _candidates(scheme: Scheme, period: Period, barred: dict[int, dt.date]) -> list[rr.Candidate]:
    return [
        rr.Candidate(subject_id=p.subject_id, name=p.name, score=p.score, kind=p.kind, barred_until=barred.get(p.subject_id))
        for p in participants(scheme=scheme, period=period)
    ]


def _groups(scheme: Scheme, rule: GroupAverage, period: Period) -> list[rr.Group]:
    """Every group of the rule's kinds inside the scheme's unit, with its members' scores (0 for none).

    A member is a person working in the group's unit or holding an open membership of it
    (篇3: every teacher is in one subject group and one grade group).
    """
    scores = period_scores(scheme=scheme, start=period.start, end=period.end)
    units = list(OrgUnit.objects.filter(subtree_q(scheme.org.path), kind__code__in=rule.groups, is_active=True).select_related("kind"))
    own_subject = dict(Unit.objects.filter(org__in=units, is_active=True, subject__is_active=True).values_list("org_id", "subject_id"))
    groups = []
    for unit in units:
        working = set(Person.objects.filter(subtree_q(unit.path, "org__path"), is_active=True).values_list("subject_id", flat=True))
        joined = set(
            Membership.objects.filter(org=unit, until__isnull=True, person__is_active=True).values_list("person__subject_id", flat=True)
        )
        members = sorted(working | joined)
        groups.append(
            rr.Group(org_id=unit.pk, name=unit.name, kind=unit.kind.code, member_scores=tuple(scores.get(s, 0) for s in members),
                     subject_id=own_subject.get(unit.pk))
        )
    return groups


def evaluate(scheme: Scheme, rule: RewardRule, period: Period) -> rr.Outcome:
    """The rule's outcome for the period, from the ledger as it stands."""
    veto_bar = "rewards"
    barred = vetoes_on(scheme=scheme, on=period.last_day, bar=veto_bar)
    if isinstance(rule, (TopN, Quota, AboveAverage)):
        # Titles are honours: a veto that bars honours (but not rewards) also keeps them out.
        barred |= vetoes_on(scheme=scheme, on=period.last_day, bar="honours")
    if isinstance(rule, RankTable):
        standings = group_standings(scheme=scheme, period=period, group=rule.group)
        candidates = [rr.Candidate(s.subject_id, s.name, s.score, barred_until=barred.get(s.subject_id)) for s in standings]
        amounts = [a for a in rule.amounts_fen if a is not None]
        return rr.rank_table(candidates, amounts_fen=amounts, group=rule.group)
    if isinstance(rule, Threshold):
        tiers = [rr.Tier(min_units=scheme.to_units(t.min_points or 0), amount_fen=t.amount_fen, reward=t.reward or "") for t in rule.tiers]
        return rr.threshold(_candidates(scheme, period, barred), tiers=tiers)
    if isinstance(rule, GroupAverage):
        return rr.group_average(
            _groups(scheme, rule, period), min_units=scheme.to_units(rule.min_average or 0),
            award=scheme.to_units(rule.award_points or 0), step_units=scheme.to_units(rule.step or 1),
            step_award=scheme.to_units(rule.step_award_points or 0), scale=scheme.points_scale,
        )
    candidates = _candidates(scheme, period, barred)
    if isinstance(rule, TopN):
        title = rule.title or f"前{rule.n}名"
        by_kind = _by_kind(candidates)
        lines = [line for kind in sorted(by_kind) for line in rr.top_n(by_kind[kind], n=rule.n or 0, min_units=scheme.to_units(rule.min_points or 0), title=title).lines]
        return rr.Outcome(lines=lines, summary={"participants": len(candidates)})
    if isinstance(rule, Quota):
        by_kind = _by_kind(candidates)
        outcome = rr.Outcome(summary={})
        for kind in sorted(by_kind):
            part = rr.quota(by_kind[kind], min_share=rule.min_share or Decimal(0), title=rule.title or "表彰")
            outcome.lines += part.lines
            outcome.summary[kind] = part.summary
        return outcome
    assert isinstance(rule, AboveAverage)
    members = frozenset(
        PartyMembership.objects.filter(person__subject_id__in=[c.subject_id for c in candidates]).values_list("person__subject_id", flat=True)
    )
    return rr.above_average(candidates, titles=rule.titles, party_members=members)


def _by_kind(candidates: Sequence[rr.Candidate]) -> dict[str, list[rr.Candidate]]:
    out: dict[str, list[rr.Candidate]] = {}
    for c in candidates:
        out.setdefault(c.kind, []).append(c)
    return out


@transaction.atomic
def reward_list_evaluate(*, scheme: Scheme, rule_index: int, period: str, actor: Any = None) -> RewardList:
    """Evaluate the scheme's reward rule for an ended period into a frozen list (once; later calls return it)."""
    rule = rule_at(scheme, rule_index)
    parsed = period_parse(period, kind=rule.period)
    existing = RewardList.objects.filter(scheme=scheme, rule_index=rule_index, period=parsed.label).first()
    if existing is not None:
        return existing
    _require_filled(scheme, rule)
    require_ended(scheme, parsed, what_zh="奖励评定", what_en="a reward list")
    job_lock(scheme_id=scheme.pk, job=f"reward:{rule_index}:{parsed.label}")
    existing = RewardList.objects.filter(scheme=scheme, rule_index=rule_index, period=parsed.label).first()
    if existing is not None:
        return existing
    outcome = evaluate(scheme, rule, parsed)
    reward_list = RewardList.objects.create(
        scheme=scheme, rule_index=rule_index, rule_type=rule.type, rule=rule.model_dump(mode="json"),
        period=parsed.label, period_start=parsed.start, period_end=parsed.end, summary=outcome.summary,
        actor=actor if getattr(actor, "pk", None) else None, evaluated_at=clock.now(),
    )
    RewardLine.objects.bulk_create(
        [
            RewardLine(
                reward_list=reward_list, order=order, subject_id=line.subject_id, org_id=line.org_id, name=line.name[:100],
                group=line.group, rank=line.rank, score=line.score, outcome=line.outcome, amount_fen=line.amount_fen,
                points=line.points, title=line.title[:100], reward=line.reward[:200], note=line.note[:300],
            )
            for order, line in enumerate(outcome.lines, 1)
        ],
        batch_size=2000,
    )
    awarded = [line for line in outcome.lines if line.outcome != RewardLine.Outcome.EXCLUDED]
    audit_record(
        actor=actor, action="rankings.reward_list_evaluate", obj=reward_list, org_path=scheme.org.path,
        summary=f"{scheme.code} {describe_rule(rule)} {parsed.label}: {len(awarded)} lines",
        after={"rule_index": rule_index, "period": parsed.label, "lines": len(outcome.lines), "awarded": len(awarded),
               "amount_fen": sum(line.amount_fen or 0 for line in awarded), "points": sum(line.points or 0 for line in awarded)},
    )
    return reward_list


def reward_lines(*, reward_list: RewardList) -> list[RewardLine]:
    return list(reward_list.lines.select_related("subject", "org").order_by("order"))


@dataclass
class PostResult:
    reward_list: RewardList
    posted: int
    not_posted: list[str]  # names of group lines with no points account


@transaction.atomic
def reward_list_post(*, reward_list: RewardList, actor: Any) -> PostResult:
    """Post the list's points rewards to the winners' accounts as one ledger batch (once)."""
    locked = RewardList.objects.select_for_update().select_related("scheme", "scheme__org").get(pk=reward_list.pk)
    lines = [line for line in locked.lines.all() if line.points and line.outcome == RewardLine.Outcome.AWARDED]
    postable = [line for line in lines if line.subject_id is not None]
    not_posted = [line.name for line in lines if line.subject_id is None]
    if locked.transaction_id is not None:
        return PostResult(reward_list=locked, posted=len(postable), not_posted=not_posted)
    if not postable:
        raise InvalidInput(
            "本名单没有可入账的积分奖励" + (f"（{'、'.join(not_posted)} 没有积分账户）" if not_posted else ""),
            "this list has no points reward that can be posted" + (" (the groups hold no points account)" if not_posted else ""),
            code="nothing_to_post",
        )
    scheme = locked.scheme
    rule = rule_at(scheme, locked.rule_index) if locked.rule_index < len(scheme_settings(scheme).reward_rules) else None
    what = describe_rule(rule) if rule is not None else RULE_NAMES_ZH.get(locked.rule_type, locked.rule_type)
    batch = postings_bulk(
        scheme=scheme, key=f"reward-list:{locked.pk}", kind="award",
        lines=[(line.subject_id, scheme.from_units(line.points) if scheme.points_scale else line.points) for line in postable],  # type: ignore[misc]
        occurred_at=clock.now(), reason=f"{locked.period} {what}"[:500], actor=actor, source_type="reward_list",
        source_id=locked.pk, scope=f"reward-list:{locked.pk}", on_duplicate="refuse",
    )
    locked.transaction = batch.transaction
    locked.posted_at = clock.now()
    locked.save(update_fields=["transaction", "posted_at"])
    audit_record(
        actor=actor, action="rankings.reward_list_post", obj=locked, org_path=scheme.org.path,
        summary=f"{scheme.code} {locked.period}: {len(postable)} lines posted",
        after={"transaction": batch.transaction.pk if batch.transaction else None, "lines": len(postable), "not_posted": not_posted},
    )
    return PostResult(reward_list=locked, posted=len(postable), not_posted=not_posted)


# --------------------------------------------------------------------------- honours


def _honour_titles(scheme: Scheme) -> set[str]:
    settings = scheme_settings(scheme)
    titles = set(settings.honours)
    for rule in settings.reward_rules:
        if isinstance(rule, AboveAverage):
            titles.update(rule.titles)
        elif isinstance(rule, (TopN, Quota)) and rule.title:
            titles.add(rule.title)
    return titles


@transaction.atomic
def honour_award(*, scheme: Scheme, subject: Subject, title: str, period: str, actor: Any, note: str = "") -> Honour:
    """Grant an honour title for a period, if the subject is eligible.

    Where the scheme has an above-average rule (篇7) for the title, the subject must be on
    that rule's evaluated list for the period; a subject barred by a veto never is. Titles for
    households (十星级文明户 …) go to households, party titles (五星党员 …) to party members.
    """
    title = (title or "").strip()
    titles = _honour_titles(scheme)
    if title not in titles:
        raise InvalidInput(
            f"方案「{scheme.name}」没有称号「{title}」（可授：{'、'.join(sorted(titles)) or '无'}）",
            f"scheme {scheme.code!r} has no honour {title!r}",
            code="unknown_honour",
        )
    kind_ok = rr.titles_for(subject.kind, [title], party_member=PartyMembership.objects.filter(person__subject=subject).exists())
    if not kind_ok:
        zh, en = ("家庭户", "households") if title in rr.HOUSEHOLD_TITLES else ("党员", "party members") if title in rr.PARTY_TITLES else ("个人", "persons")
        raise InvalidInput(
            f"「{title}」只授予{zh}，「{subject.name}」不是", f"{title!r} is only for {en}", code="honour_wrong_subject",
        )
    settings = scheme_settings(scheme)
    rule_index = next(
        (i for i, r in enumerate(settings.reward_rules) if isinstance(r, AboveAverage) and title in r.titles), None
    )
    reward_list = None
    if rule_index is not None:
        rule = settings.reward_rules[rule_index]
        parsed = period_parse(period, kind=rule.period)
        reward_list = RewardList.objects.filter(scheme=scheme, rule_index=rule_index, period=parsed.label).first()
        if reward_list is None:
            raise IllegalTransition(
                f"请先评定 {parsed.label} 的「{describe_rule(rule)}」名单，再授予称号",
                f"evaluate the above-average list for {parsed.label} before granting honours",
                code="list_not_evaluated",
            )
        line = reward_list.lines.filter(subject=subject).first()
        if line is None or line.outcome != RewardLine.Outcome.ELIGIBLE or title not in line.title.split("、"):
            reason_zh = line.note if line is not None and line.outcome == RewardLine.Outcome.EXCLUDED else "积分未高于平均分"
            raise IllegalTransition(
                f"「{subject.name}」不符合「{title}」的条件：{reason_zh}",
                f"{subject.name!r} is not eligible for {title!r} in {parsed.label}",
                code="not_eligible",
            )
        label = parsed.label
    else:
        label = period_parse(period).label
        barred = vetoes_on(scheme=scheme, on=period_parse(label).last_day, bar="honours") | vetoes_on(
            scheme=scheme, on=period_parse(label).last_day, bar="rewards"
        )
        if subject.pk in barred:
            raise IllegalTransition(
                f"「{subject.name}」处于一票否决期，不能授予称号", f"{subject.name!r} is vetoed and cannot be honoured",
                code="vetoed",
            )
    if Honour.objects.filter(scheme=scheme, subject=subject, title=title, period=label).exists():
        raise Conflict(f"「{subject.name}」已获 {label}「{title}」", f"{subject.name!r} already holds {title!r} for {label}", code="honour_exists")
    honour = Honour.objects.create(
        scheme=scheme, subject=subject, title=title, period=label, reward_list=reward_list, note=note[:300],
        actor=actor if getattr(actor, "pk", None) else None, awarded_at=clock.now(),
    )
    audit_record(
        actor=actor, action="rankings.honour_award", obj=honour, org_path=scheme.org.path,
        summary=f"{scheme.code} {label} {title}: {subject.name}", after={"subject": subject.pk, "title": title, "period": label},
    )
    return honour


def honours_of(*, scheme: Scheme, period: str | None = None) -> list[Honour]:
    qs = Honour.objects.filter(scheme=scheme).select_related("subject")
    if period:
        qs = qs.filter(Q(period=period_parse(period).label))
    return list(qs.order_by("period", "title", "subject__name"))
