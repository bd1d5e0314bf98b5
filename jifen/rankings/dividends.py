"""Dividends (篇2, 篇5 积分与集体经济收益分红挂钩): a pool in fen shared by household points.

Each household's share is pool × points / total points, in whole fen. The fen the floors leave
over go one each to the households with the largest remainders (ties: more points first, then
the lower subject id), so the shares always add up to the pool exactly.

Households with zero or negative points share nothing (a negative score counts as zero);
`zero_policy` says whether they are listed with 0. Vetoed households (一票否决 barring
rewards on the period's last day) share nothing under `vetoed_policy="exclude"` and are listed
with the reason; under "include" they share like anyone else.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import IdempotencyMismatch, InvalidInput, field_error
from jifen.orgs.models import OrgUnit, Subject, subtree_q
from jifen.rankings.models import DividendDistribution, DividendLine
from jifen.rankings.reward_periods import period_parse, require_ended
from jifen.rankings.reward_scores import period_scores, vetoes_on
from jifen.rules.models import Scheme

MAX_POOL_FEN = 10**13  # 1000亿元: far above any village's income, far below BIGINT


@dataclass(frozen=True)
class Share:
    subject_id: int
    points: int
    share_fen: int
    remainder_fen: int


def largest_remainder(pool_fen: int, points: Sequence[tuple[int, int]]) -> list[Share]:
    """Split `pool_fen` over (subject id, points > 0) in proportion, summing exactly to the pool."""
    total = sum(p for _, p in points)
    if total <= 0:
        raise ValueError("no points to share by")
    floors = []
    for subject_id, p in points:
        quotient, remainder = divmod(pool_fen * p, total)
        floors.append((subject_id, p, quotient, remainder))
    left = pool_fen - sum(q for _, _, q, _ in floors)
    lucky = {s for s, _, _, _ in sorted(floors, key=lambda f: (-f[3], -f[1], f[0]))[:left]}
    return [Share(subject_id=s, points=p, share_fen=q + (1 if s in lucky else 0), remainder_fen=1 if s in lucky else 0) for s, p, q, _ in floors]


def _content_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def dividend_distribute(
    *,
    actor: Any,
    scheme: Scheme,
    org: OrgUnit,
    period: str,
    pool_fen: int,
    key: str,
    vetoed_policy: str = DividendDistribution.VetoedPolicy.EXCLUDE,
    zero_policy: str = DividendDistribution.ZeroPolicy.LIST,
    note: str = "",
) -> DividendDistribution:
    """Share `pool_fen` across the households of `org` by their points in `period`. Idempotent on `key`."""
    key = (key or "").strip() if isinstance(key, str) else ""
    if not key or len(key) > 200:
        raise field_error("key", "缺少幂等键（最多200字符）", "an idempotency key (200 characters at most) is required")
    if isinstance(pool_fen, bool) or not isinstance(pool_fen, int) or not 0 < pool_fen <= MAX_POOL_FEN:
        raise field_error("pool_fen", "分红总额（分）应为正整数", "the pool must be a positive whole number of fen")
    if vetoed_policy not in DividendDistribution.VetoedPolicy.values:
        raise field_error("vetoed_policy", "一票否决户的处理应为 exclude 或 include", "vetoed_policy must be exclude or include")
    if zero_policy not in DividendDistribution.ZeroPolicy.values:
        raise field_error("zero_policy", "零分户的处理应为 list 或 omit", "zero_policy must be list or omit")
    if not org.is_within(scheme.org):
        raise InvalidInput(
            f"「{org.name}」不在方案「{scheme.name}」的范围内", f"{org.path!r} is outside scheme {scheme.code!r}",
            code="org_outside_scheme",
        )
    parsed = period_parse(period)
    digest = _content_hash(
        {"org": org.pk, "period": parsed.label, "pool_fen": pool_fen, "vetoed": vetoed_policy, "zero": zero_policy, "note": note}
    )
    existing = DividendDistribution.objects.filter(scheme=scheme, key=key).first()
    if existing is not None:
        return _replay(existing, digest, key)
    require_ended(scheme, parsed, what_zh="分红", what_en="a dividend")

    scores = period_scores(scheme=scheme, start=parsed.start, end=parsed.end)
    households = list(
        Subject.objects.filter(subtree_q(org.path, "org__path"), kind=Subject.Kind.HOUSEHOLD, is_active=True, accounts__scheme=scheme)
        .order_by("pk").values_list("pk", "name")
    )
    barred = vetoes_on(scheme=scheme, on=parsed.last_day, bar="rewards") if vetoed_policy == "exclude" else {}
    sharing, others = [], []
    for subject_id, name in households:
        points = scores.get(subject_id, 0)
        if subject_id in barred:
            others.append((subject_id, name, points, f"一票否决，至 {barred[subject_id]:%Y-%m-%d} / vetoed"))
        elif points <= 0:
            if zero_policy == DividendDistribution.ZeroPolicy.LIST:
                others.append((subject_id, name, points, "积分为零或负分，不参与分红 / no positive points"))
        else:
            sharing.append((subject_id, name, points))
    if not sharing:
        raise InvalidInput(
            f"「{org.name}」{parsed.label} 没有积分为正的家庭户，无法按积分分红",
            f"no household of {org.path!r} has positive points in {parsed.label}; nothing to share by",
            code="nothing_to_share",
        )
    shares = {s.subject_id: s for s in largest_remainder(pool_fen, [(s, p) for s, _, p in sharing])}
    try:
        with transaction.atomic():
            distribution = DividendDistribution.objects.create(
                scheme=scheme, org=org, period=parsed.label, period_start=parsed.start, period_end=parsed.end, pool_fen=pool_fen,
                key=key, content_hash=digest, vetoed_policy=vetoed_policy, zero_policy=zero_policy,
                total_points=sum(p for _, _, p in sharing), households=len(sharing), note=note[:300],
                actor=actor if getattr(actor, "pk", None) else None, created_at=clock.now(),
            )
    except IntegrityError:
        # The same key was used at the same moment by someone else.
        return _replay(DividendDistribution.objects.get(scheme=scheme, key=key), digest, key)
    ordered = sorted(sharing, key=lambda h: (-shares[h[0]].share_fen, h[1], h[0]))
    lines = [
        DividendLine(distribution=distribution, order=i, subject_id=s, name=name[:100], points=p,
                     share_fen=shares[s].share_fen, remainder_fen=shares[s].remainder_fen)
        for i, (s, name, p) in enumerate(ordered, 1)
    ]
    lines += [
        DividendLine(distribution=distribution, order=len(lines) + i, subject_id=s, name=name[:100], points=p, share_fen=0, note=why)
        for i, (s, name, p, why) in enumerate(sorted(others, key=lambda o: (-o[2], o[1], o[0])), 1)
    ]
    DividendLine.objects.bulk_create(lines, batch_size=2000)
    assert sum(line.share_fen for line in lines) == pool_fen
    audit_record(
        actor=actor, action="rankings.dividend_distribute", obj=distribution, org_path=org.path,
        summary=f"{scheme.code} {org.name} {parsed.label}: {pool_fen} fen over {len(sharing)} households",
        after={"pool_fen": pool_fen, "households": len(sharing), "listed_without_share": len(others), "key": key},
    )
    return distribution


def _replay(existing: DividendDistribution, digest: str, key: str) -> DividendDistribution:
    if existing.content_hash != digest:
        raise IdempotencyMismatch(
            f"幂等键「{key}」已用于另一次内容不同的分红", f"idempotency key {key!r} was used for a different dividend",
            detail={"key": key, "distribution": existing.pk},
        )
    return existing
