"""Party-member annual evaluation (篇4 党员积分制考核).

Steps as the seed lists them: self scoring and branch scoring over the five areas of the
100-point scale; mass scoring at the year-end meeting (each representative scores each member;
optionally the highest and the lowest are dropped); organisation check (组织核分) at the party
members' meeting; branch rating (支部评定) into grades.

The final score is Σ weight × score over self, branch and mass (weights from
`settings.grading.weights`, summing to 1), to two decimals, half up. Bands are read as the seed
writes them: "80分以上" is 80 and above, "60-79分" is 60 up to (not including) 80, "60分以下" is
below 60, so 79.5 is qualified. A member whose band is the streak's grade (warning) for
`streak.years` years running (this year and the years before, in this scheme) is graded as the
streak says (unqualified). The top `report_upward_top` members of the highest band (ties all in)
are reported upward. Members exempted by the branch (over 70, long illness) are listed, not graded.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import IllegalTransition, InvalidInput, NotFound, field_error
from jifen.orgs.models import OrgUnit, PartyMembership
from jifen.rankings.models import (
    PartyAreaScore,
    PartyEvaluation,
    PartyEvaluationMember,
    PartyMassScore,
)
from jifen.rules.models import Scheme
from jifen.rules.settings_schema import GradeBand, Grading, scheme_settings

WEIGHTED = ("self", "branch", "mass")
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
EXEMPTION_ZH = dict(PartyMembership.Exemption.choices)


def grading_settings(scheme: Scheme) -> Grading:
    """The scheme's grading rule, refused until every number it needs is filled."""
    grading = scheme_settings(scheme).grading
    if grading is None:
        raise InvalidInput(f"方案「{scheme.name}」没有党员考核设置", f"scheme {scheme.code!r} has no grading", code="no_grading")
    missing: list[tuple[str, str]] = []
    if grading.scale is None:
        missing.append(("总分（百分制）", "the scale"))
    if not grading.areas:
        missing.append(("考核方面", "the areas"))
    missing += [(f"「{a.name}」的分值", f"points of area {a.code}") for a in grading.areas if a.max_points is None]
    used = [m for m in WEIGHTED if m in grading.methods]
    if not used:
        missing.append(("计分方式（自我、支部、群众）", "the scoring methods"))
    missing += [(f"「{m}」的权重", f"the weight of {m}") for m in used if grading.weights.get(m) is None]
    if not grading.bands:
        missing.append(("等次分数线", "the grade bands"))
    if missing:
        raise InvalidInput(
            "请先填写党员考核设置：" + "、".join(zh for zh, _ in missing),
            "fill the grading settings first: " + ", ".join(en for _, en in missing),
            code="settings_incomplete",
        )
    area_total = sum(a.max_points or 0 for a in grading.areas)
    if area_total != grading.scale:
        raise InvalidInput(
            f"各方面分值之和为 {area_total}，应等于总分 {grading.scale}",
            f"the areas add up to {area_total}, not the scale {grading.scale}",
            code="settings_inconsistent",
        )
    weight_total = sum((grading.weights[m] or Decimal(0)) for m in used)
    if weight_total != 1:
        raise InvalidInput(
            f"自我、支部、群众积分的权重之和为 {weight_total}，应为 1",
            f"the weights add up to {weight_total}, not 1",
            code="settings_inconsistent",
        )
    return grading


def band_for(bands: list[GradeBand], score: Decimal) -> GradeBand:
    """The band a score falls in, reading each band's minimum as its edge (see the module docstring)."""
    ordered = sorted(bands, key=lambda b: (b.min is None, -(b.min or 0)))
    for band in ordered:
        if band.min is None or score >= band.min:
            return band
    return ordered[-1]


def mass_average(scores: list[Decimal], *, trim: bool) -> tuple[Decimal, int]:
    """Mean of the representatives' scores (two decimals, half up); with `trim`, one highest and one lowest dropped."""
    values = sorted(scores)
    if trim and len(values) >= 3:
        values = values[1:-1]
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP), len(values)


def _points(value: object, field: str, maximum: int) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise field_error(field, "分值应为整数或一位小数", f"{field} must be a whole number or one decimal place")
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error(field, f"分值不是数字：{value!r}", f"{field} is not a number: {value!r}") from None
    if not points.is_finite() or points != points.quantize(TENTH):
        raise field_error(field, "分值最多一位小数", f"{field} allows one decimal place")
    if not 0 <= points <= maximum:
        raise field_error(field, f"分值应在 0–{maximum} 之间", f"{field} must be between 0 and {maximum}")
    return points.quantize(TENTH)


def _open(evaluation: PartyEvaluation) -> PartyEvaluation:
    locked = PartyEvaluation.objects.select_for_update().select_related("scheme", "branch").get(pk=evaluation.pk)
    if locked.status != PartyEvaluation.Status.OPEN:
        raise IllegalTransition(
            f"{locked.year} 年度考核已评定，不能再改", f"the {locked.year} evaluation is closed", code="evaluation_closed"
        )
    return locked


def _member(evaluation: PartyEvaluation, member: PartyEvaluationMember | int) -> PartyEvaluationMember:
    member_id = member if isinstance(member, int) else getattr(member, "pk", None)
    found = PartyEvaluationMember.objects.select_for_update().filter(pk=member_id, evaluation=evaluation).first()
    if found is None:
        raise NotFound("该党员不在本次考核名单中", "the member is not in this evaluation", code="member_not_found")
    if found.is_exempt:
        raise IllegalTransition(
            f"「{found.name}」经支部讨论不纳入考核（{EXEMPTION_ZH.get(found.exemption, found.exemption)}）",
            f"{found.name!r} is exempted from the evaluation", code="member_exempt",
        )
    if found.checked_at is not None:
        raise IllegalTransition(
            f"「{found.name}」的积分已经组织核分，不能再改", f"{found.name!r} has been checked; scores are final",
            code="member_checked",
        )
    return found


@transaction.atomic
def party_evaluation_open(*, actor: Any, scheme: Scheme, branch: OrgUnit, year: int, trim_mass: bool = False) -> PartyEvaluation:
    """Open a branch's evaluation for `year` with every member of the branch; opening again returns it."""
    grading = grading_settings(scheme)
    if not branch.is_within(scheme.org):
        raise InvalidInput(f"「{branch.name}」不在方案「{scheme.name}」范围内", f"{branch.path!r} is outside the scheme", code="org_outside_scheme")
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise InvalidInput(f"年份无效：{year!r}", f"not a valid year: {year!r}", code="bad_period")
    existing = PartyEvaluation.objects.filter(scheme=scheme, branch=branch, year=year).first()
    if existing is not None:
        return existing
    weights = {m: str(grading.weights[m]) for m in WEIGHTED if m in grading.methods}
    evaluation = PartyEvaluation.objects.create(
        scheme=scheme, branch=branch, year=year, weights=weights, trim_mass=bool(trim_mass),
        actor=actor if getattr(actor, "pk", None) else None, opened_at=clock.now(),
    )
    allowed = set(grading.exemptions)
    members = []
    for membership in PartyMembership.objects.filter(branch=branch, person__is_active=True).select_related("person").order_by("person__name", "pk"):
        exempt = membership.exemption if membership.exemption in allowed else ""
        members.append(
            PartyEvaluationMember(
                evaluation=evaluation, membership=membership, subject_id=membership.person.subject_id, name=membership.person.name,
                klass=membership.klass, exemption=exempt, exemption_note=membership.exemption_note if exempt else "",
            )
        )
    PartyEvaluationMember.objects.bulk_create(members)
    audit_record(
        actor=actor, action="rankings.party_evaluation_open", obj=evaluation, org_path=branch.path,
        summary=f"{branch.name} {year}: {len(members)} members", after={"year": year, "members": len(members), "weights": weights, "trim_mass": trim_mass},
    )
    return evaluation


@transaction.atomic
def party_evaluation_score(
    *, actor: Any, evaluation: PartyEvaluation, member: PartyEvaluationMember, method: str, areas: Mapping[str, object]
) -> PartyEvaluationMember:
    """Enter a member's self or branch score, one value per area (replacing an earlier entry)."""
    evaluation = _open(evaluation)
    grading = grading_settings(evaluation.scheme)
    if method not in ("self", "branch") or method not in grading.methods:
        raise field_error("method", "计分方式应为 self（自我积分）或 branch（支部积分）", "method must be self or branch")
    found = _member(evaluation, member)
    codes = {a.code: a for a in grading.areas}
    unknown = sorted(set(areas) - set(codes))
    missing = [codes[c].name for c in codes if c not in areas]
    if unknown or missing:
        raise field_error(
            "areas",
            "须为每个方面各填一个分值" + (f"；缺少：{'、'.join(missing)}" if missing else "") + (f"；不认识：{'、'.join(unknown)}" if unknown else ""),
            f"give one value per area (missing {missing}, unknown {unknown})",
        )
    values = {code: _points(areas[code], f"areas.{code}", codes[code].max_points or 0) for code in codes}
    PartyAreaScore.objects.filter(member=found, method=method).delete()
    PartyAreaScore.objects.bulk_create([PartyAreaScore(member=found, method=method, area=c, points=v) for c, v in values.items()])
    total = sum(values.values(), Decimal(0))
    setattr(found, f"{method}_score", total)
    found.save(update_fields=[f"{method}_score"])
    audit_record(
        actor=actor, action="rankings.party_evaluation_score", obj=found, org_path=evaluation.branch.path,
        summary=f"{found.name} {method} {total}", after={"method": method, "areas": values, "total": total},
    )
    return found


@transaction.atomic
def party_evaluation_mass_record(
    *, actor: Any, evaluation: PartyEvaluation, representative: str, scores: Mapping[int, object]
) -> int:
    """One representative's scores at the year-end meeting: {member id: score on the scale}. Returns how many."""
    evaluation = _open(evaluation)
    grading = grading_settings(evaluation.scheme)
    if "mass" not in grading.methods:
        raise InvalidInput("本方案没有群众积分", "this scheme has no mass scoring", code="no_mass_scoring")
    name = (representative or "").strip() if isinstance(representative, str) else ""
    if not name or len(name) > 50:
        raise field_error("representative", "请填写代表姓名（最多50字）", "the representative's name is required (50 characters at most)")
    if not scores:
        raise field_error("scores", "没有任何分数", "no scores given")
    rows = []
    for member_id, value in scores.items():
        found = _member(evaluation, member_id)
        rows.append((found, _points(value, f"scores.{member_id}", grading.scale or 0)))
    for found, score in rows:
        PartyMassScore.objects.update_or_create(member=found, representative=name, defaults={"score": score})
    audit_record(
        actor=actor, action="rankings.party_evaluation_mass_record", obj=evaluation, org_path=evaluation.branch.path,
        summary=f"{evaluation.branch.name} {evaluation.year}: {name} scored {len(rows)}",
        after={"representative": name, "scores": {f.pk: s for f, s in rows}},
    )
    return len(rows)


def _incomplete(evaluation: PartyEvaluation, member: PartyEvaluationMember, grading: Grading) -> list[str]:
    weights = evaluation.weights
    missing = []
    if "self" in weights and member.self_score is None:
        missing.append("自我积分")
    if "branch" in weights and member.branch_score is None:
        missing.append("支部积分")
    if "mass" in weights:
        count = member.mass_scores.count()
        if count == 0 or (evaluation.trim_mass and count < 3):
            missing.append("群众积分" + ("（去掉最高最低分须至少3位代表）" if evaluation.trim_mass else ""))
    return missing


@transaction.atomic
def party_evaluation_org_check(*, actor: Any, evaluation: PartyEvaluation, member: PartyEvaluationMember, note: str = "") -> PartyEvaluationMember:
    """组织核分: the party members' meeting confirms a member's scores; they are final after this."""
    evaluation = _open(evaluation)
    grading = grading_settings(evaluation.scheme)
    found = _member(evaluation, member)
    missing = _incomplete(evaluation, found, grading)
    if missing:
        raise IllegalTransition(
            f"「{found.name}」还缺少：{'、'.join(missing)}", f"{found.name!r} still lacks {len(missing)} score(s)", code="scores_missing"
        )
    found.checked_at = clock.now()
    found.check_note = (note or "")[:300]
    found.save(update_fields=["checked_at", "check_note"])
    audit_record(
        actor=actor, action="rankings.party_evaluation_org_check", obj=found, org_path=evaluation.branch.path,
        summary=f"{found.name} checked", after={"note": found.check_note},
    )
    return found


def _streak_years(evaluation: PartyEvaluation, grading: Grading) -> dict[int, set[int]]:
    """subject id → earlier years (within the streak's reach) whose band was the streak's grade."""
    if grading.streak is None or grading.streak.years < 2:
        return {}
    earlier = range(evaluation.year - grading.streak.years + 1, evaluation.year)
    rows = PartyEvaluationMember.objects.filter(
        evaluation__scheme=evaluation.scheme, evaluation__status=PartyEvaluation.Status.CLOSED,
        evaluation__year__in=list(earlier), band=grading.streak.grade,
    ).values_list("subject_id", "evaluation__year")
    out: dict[int, set[int]] = {}
    for subject_id, year in rows:
        out.setdefault(subject_id, set()).add(year)
    return out


@transaction.atomic
def party_evaluation_close(*, actor: Any, evaluation: PartyEvaluation) -> PartyEvaluation:
    """支部评定: compute every member's final score and grade; the evaluation is final after this."""
    evaluation = _open(evaluation)
    grading = grading_settings(evaluation.scheme)
    members = list(evaluation.members.select_for_update().order_by("pk"))
    graded = [m for m in members if not m.is_exempt]
    problems = []
    for m in graded:
        missing = _incomplete(evaluation, m, grading)
        if "org_check" in grading.methods and m.checked_at is None:
            missing.append("组织核分")
        if missing:
            problems.append(f"{m.name}（{'、'.join(missing)}）")
    if problems:
        raise IllegalTransition(
            f"还有 {len(problems)} 名党员未完成：{'；'.join(problems[:10])}",
            f"{len(problems)} member(s) are not complete yet", code="scores_missing",
            detail={"members": problems[:100]},
        )
    weights = {m: Decimal(w) for m, w in evaluation.weights.items()}
    mass: dict[int, list[Decimal]] = {}
    for member_id, score in PartyMassScore.objects.filter(member__in=graded).values_list("member_id", "score"):
        mass.setdefault(member_id, []).append(score)
    streaks = _streak_years(evaluation, grading)
    top_band = band_for(grading.bands, Decimal(10**6))
    for m in graded:
        total = Decimal(0)
        if "self" in weights:
            total += weights["self"] * (m.self_score or 0)
        if "branch" in weights:
            total += weights["branch"] * (m.branch_score or 0)
        if "mass" in weights:
            m.mass_score, m.mass_count = mass_average(mass[m.pk], trim=evaluation.trim_mass)
            total += weights["mass"] * m.mass_score
        m.final_score = total.quantize(CENT, rounding=ROUND_HALF_UP)
        band = band_for(grading.bands, m.final_score)
        m.band, m.grade, m.grade_name = band.code, band.code, band.name
        streak = grading.streak
        if streak is not None and band.code == streak.grade:
            needed = set(range(evaluation.year - streak.years + 1, evaluation.year))
            if needed <= streaks.get(m.subject_id, set()):
                m.grade, m.grade_name = streak.becomes, streak.becomes_name
    ordered = sorted(graded, key=lambda m: (-(m.final_score or 0), m.name, m.pk))
    for index, m in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        m.rank = previous.rank if previous is not None and previous.final_score == m.final_score else index + 1
    top = [m for m in ordered if m.grade == top_band.code]
    if grading.report_upward_top:
        # Competition rank within the top band: ties at the last place are all reported.
        for m in top:
            better = sum(1 for other in top if (other.final_score or 0) > (m.final_score or 0))
            m.reported_upward = better < grading.report_upward_top
    PartyEvaluationMember.objects.bulk_update(
        graded, ["mass_score", "mass_count", "final_score", "band", "grade", "grade_name", "rank", "reported_upward"]
    )
    evaluation.status = PartyEvaluation.Status.CLOSED
    evaluation.closed_at = clock.now()
    evaluation.save(update_fields=["status", "closed_at"])
    counts: dict[str, int] = {}
    for m in graded:
        counts[m.grade] = counts.get(m.grade, 0) + 1
    audit_record(
        actor=actor, action="rankings.party_evaluation_close", obj=evaluation, org_path=evaluation.branch.path,
        summary=f"{evaluation.branch.name} {evaluation.year}: {len(graded)} graded, {len(members) - len(graded)} exempt",
        after={"grades": counts, "exempt": len(members) - len(graded), "reported_upward": [m.name for m in top if m.reported_upward]},
    )
    return evaluation


def party_evaluation_results(*, evaluation: PartyEvaluation) -> list[PartyEvaluationMember]:
    """Graded members by rank, then the exempt ones (listed, not graded)."""
    members = list(evaluation.members.select_related("membership").order_by("pk"))
    graded = sorted((m for m in members if not m.is_exempt), key=lambda m: (m.rank or 10**9, m.name, m.pk))
    return graded + sorted((m for m in members if m.is_exempt), key=lambda m: (m.name, m.pk))
