"""The seed schemes' reward rules as pure functions: candidates and their scores in, lines out.

Shared conventions (the seeds say nothing finer, so these are stated once here):
- Scores are the points earned in the period (scheme units, integers); comparisons are exact
  (an average is compared as total against n × bound, never as a float).
- Ranks are competition ranks: equal scores share a rank and the next rank skips (1, 2, 2, 4).
  Ties at a cut-off (the 5th cash prize, the 10th reader, the 10% quota, the top 3) are all in.
- A subject barred by a veto is listed as excluded and does not take a place; the others
  are ranked without it.
- Nobody with a score of zero or less wins a place, a prize or a title.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

# Titles only a household can hold, only a party member can hold, and only a person can hold.
HOUSEHOLD_TITLES = frozenset(
    {"十星级文明户", "最美家庭", "五好文明家庭", "美丽庭院", "文明家庭", "平安家庭", "卫生清洁户"}
)
PARTY_TITLES = frozenset({"五星党员", "最美党员", "优秀党员"})
PERSON_TITLES = frozenset({"最美村官（网格员、保洁员）", "最美儿媳（公婆、女儿）", "道德模范", "劳动模范", "创业模范", "十大读书人物"})


@dataclass(frozen=True)
class Candidate:
    subject_id: int
    name: str
    score: int
    kind: str = "person"  # person, household, unit: like is compared with like
    barred_until: dt.date | None = None  # set when a veto bars this subject


@dataclass
class Line:
    name: str
    score: int
    outcome: str  # awarded, eligible, excluded
    subject_id: int | None = None
    org_id: int | None = None
    group: str = ""
    rank: int | None = None
    amount_fen: int | None = None
    points: int | None = None
    title: str = ""
    reward: str = ""
    note: str = ""


@dataclass
class Outcome:
    lines: list[Line] = field(default_factory=list)
    summary: dict[str, object] = field(default_factory=dict)


def _order(c: Candidate) -> tuple[int, str, int]:
    return (-c.score, c.name, c.subject_id)


def competition_ranks(candidates: Sequence[Candidate]) -> list[tuple[int, Candidate]]:
    """(rank, candidate), best first; equal scores share a rank (1, 2, 2, 4)."""
    ordered = sorted(candidates, key=_order)
    out: list[tuple[int, Candidate]] = []
    for index, candidate in enumerate(ordered):
        rank = out[-1][0] if out and out[-1][1].score == candidate.score else index + 1
        out.append((rank, candidate))
    return out


def _excluded(candidates: Sequence[Candidate], group: str = "") -> tuple[list[Candidate], list[Line]]:
    """Split off vetoed candidates, returning (eligible, lines recording the exclusions)."""
    eligible = [c for c in candidates if c.barred_until is None]
    lines = [
        Line(
            subject_id=c.subject_id, name=c.name, score=c.score, outcome="excluded", group=group,
            note=f"一票否决，至 {c.barred_until:%Y-%m-%d} 不参与奖励 / vetoed until {c.barred_until:%Y-%m-%d}",
        )
        for c in sorted(candidates, key=_order)
        if c.barred_until is not None
    ]
    return eligible, lines


def rank_table(candidates: Sequence[Candidate], *, amounts_fen: Sequence[int], group: str = "") -> Outcome:
    """篇6: the first len(amounts) ranks of the group get amounts[rank - 1] each."""
    eligible, excluded = _excluded(candidates, group)
    lines = []
    for rank, c in competition_ranks([c for c in eligible if c.score > 0]):
        if rank > len(amounts_fen):
            break
        lines.append(
            Line(subject_id=c.subject_id, name=c.name, score=c.score, outcome="awarded", group=group, rank=rank,
                 amount_fen=amounts_fen[rank - 1], note="并列 / tied" if _tied(eligible, c) else "")
        )
    return Outcome(lines=lines + excluded, summary={"group": group, "members": len(candidates)})


def _tied(candidates: Sequence[Candidate], c: Candidate) -> bool:
    return sum(1 for other in candidates if other.score == c.score) > 1


@dataclass(frozen=True)
class Tier:
    min_units: int
    amount_fen: int | None
    reward: str


def threshold(candidates: Sequence[Candidate], *, tiers: Sequence[Tier]) -> Outcome:
    """篇3: each subject gets the highest tier it reached (score ≥ the tier's minimum)."""
    eligible, excluded = _excluded(candidates)
    ordered_tiers = sorted(tiers, key=lambda t: t.min_units, reverse=True)
    lines = []
    for rank, c in competition_ranks(eligible):
        tier = next((t for t in ordered_tiers if c.score >= t.min_units and c.score > 0), None)
        if tier is None:
            continue
        lines.append(
            Line(subject_id=c.subject_id, name=c.name, score=c.score, outcome="awarded", rank=rank,
                 amount_fen=tier.amount_fen, reward=tier.reward)
        )
    return Outcome(lines=lines + excluded, summary={"participants": len(candidates)})


@dataclass(frozen=True)
class Group:
    org_id: int
    name: str
    kind: str  # the org kind (teaching_group, grade_group)
    member_scores: tuple[int, ...]
    subject_id: int | None = None  # the group's own points account holder, if it has one


def group_average_points(*, total: int, members: int, min_units: int, award: int, step_units: int, step_award: int) -> int | None:
    """Points a group earns (篇3): `award` once the average reaches `min_units`, +`step_award` per full step above."""
    if members == 0 or total < min_units * members:
        return None
    return award + step_award * ((total - min_units * members) // (step_units * members))


def group_average(
    groups: Sequence[Group], *, min_units: int, award: int, step_units: int, step_award: int, scale: int
) -> Outcome:
    """篇3: a group whose per-capita score reaches the minimum earns points for the group."""
    lines = []
    summary_groups = []
    for g in sorted(groups, key=lambda g: (g.kind, g.name, g.org_id)):
        members = len(g.member_scores)
        total = sum(g.member_scores)
        average = (Decimal(total) / members / (10**scale)).quantize(Decimal("0.01")) if members else None
        summary_groups.append(
            {"org": g.org_id, "name": g.name, "kind": g.kind, "members": members, "total": total,
             "average": None if average is None else str(average)}
        )
        points = group_average_points(
            total=total, members=members, min_units=min_units, award=award, step_units=step_units, step_award=step_award
        )
        if points is None:
            continue
        lines.append(
            Line(org_id=g.org_id, subject_id=g.subject_id, name=g.name, group=g.kind, score=total, outcome="awarded",
                 points=points, note=f"{members} 人，人均 {average} / {members} members, average {average}")
        )
    lines.sort(key=lambda line: (-(line.points or 0), line.group, line.name))
    return Outcome(lines=lines, summary={"groups": summary_groups})


def top_n(candidates: Sequence[Candidate], *, n: int, min_units: int, title: str) -> Outcome:
    """篇3: the best n (ties at the n-th place all in) among those with at least the minimum."""
    eligible, excluded = _excluded(candidates)
    lines = [
        Line(subject_id=c.subject_id, name=c.name, score=c.score, outcome="awarded", rank=rank, title=title, group=c.kind)
        for rank, c in competition_ranks(eligible)
        if rank <= n and c.score >= min_units and c.score > 0
    ]
    return Outcome(lines=lines + excluded, summary={"participants": len(candidates)})


def quota_size(*, participants: int, min_share: Decimal) -> int:
    """At least `min_share` of the participants, rounded up (篇2: 10% of 25 → 3)."""
    return math.ceil(Decimal(participants) * min_share)


def quota(candidates: Sequence[Candidate], *, min_share: Decimal, title: str) -> Outcome:
    """篇2: honour at least min_share of the participants, best first (ties at the cut all in)."""
    eligible, excluded = _excluded(candidates)
    size = quota_size(participants=len(candidates), min_share=min_share)
    lines = []
    for rank, c in competition_ranks([c for c in eligible if c.score > 0]):
        if len(lines) >= size and rank > lines[-1].rank:  # type: ignore[operator]
            break
        lines.append(Line(subject_id=c.subject_id, name=c.name, score=c.score, outcome="awarded", rank=rank, title=title, group=c.kind))
    summary = {"participants": len(candidates), "quota": size, "honoured": len(lines)}
    return Outcome(lines=lines + excluded, summary=summary)


def titles_for(kind: str, titles: Sequence[str], *, party_member: bool = False) -> list[str]:
    """The titles a subject of `kind` can hold: household titles for households, party titles for members …"""
    out = []
    for title in titles:
        if title in HOUSEHOLD_TITLES and kind != "household":
            continue
        if title in PARTY_TITLES and not (kind == "person" and party_member):
            continue
        if title in PERSON_TITLES and kind != "person":
            continue
        out.append(title)
    return out


def above_average(candidates: Sequence[Candidate], *, titles: Sequence[str], party_members: frozenset[int] = frozenset()) -> Outcome:
    """篇7: subjects whose score is above the average of their kind are eligible for the titles.

    The average is over every participant of the kind, vetoed ones included (they still earn
    points); a vetoed subject is listed as excluded. Strictly above: exactly average is not.
    """
    by_kind: dict[str, list[Candidate]] = {}
    for c in candidates:
        by_kind.setdefault(c.kind, []).append(c)
    lines: list[Line] = []
    averages = {}
    for kind in sorted(by_kind):
        group = by_kind[kind]
        total, n = sum(c.score for c in group), len(group)
        averages[kind] = {"participants": n, "total": total}
        eligible, excluded = _excluded(group, kind)
        for rank, c in competition_ranks(eligible):
            if c.score * n <= total or c.score <= 0:
                continue
            held = titles_for(kind, titles, party_member=c.subject_id in party_members)
            lines.append(
                Line(subject_id=c.subject_id, name=c.name, score=c.score, outcome="eligible", rank=rank, group=kind,
                     title="、".join(held))
            )
        lines.extend(line for line in excluded if line.score * n > total)
    return Outcome(lines=lines, summary={"averages": averages})
