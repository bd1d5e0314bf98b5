"""Who may do what to a claim: roles over the subject's unit, the item's minimum role, tiered
authorisation (篇6, 篇8) and the rule that nobody decides about themselves or their household.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jifen.core.errors import InvalidInput, PermissionDenied, zh
from jifen.orgs.models import ROLE_RANK, HouseholdMember, OrgUnit, Person, Role, Subject, Unit
from jifen.orgs.selectors import bindings_over, user_role_rank
from jifen.rules.models import ItemVersion, Scheme
from jifen.rules.settings_schema import scheme_settings

RECORDER_UP = (Role.RECORDER, Role.REVIEWER, Role.ORG_ADMIN, Role.PLATFORM_ADMIN)
REVIEWER_UP = (Role.REVIEWER, Role.ORG_ADMIN, Role.PLATFORM_ADMIN)
RECORDER = ROLE_RANK[Role.RECORDER]
REVIEWER = ROLE_RANK[Role.REVIEWER]

ROLE_ZH = {r.value: str(r.label) for r in Role}


def signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def require_signed_in(user: Any) -> None:
    if not signed_in(user):
        raise PermissionDenied("请先登录", "please sign in first", code="not_signed_in")


def own_subject_ids(user: Any) -> set[int]:
    """Subjects a user may not decide about: themself, their household and its members, units they run."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return set()
    ids = set(Person.objects.filter(pk=person_id).values_list("subject_id", flat=True))
    stays = HouseholdMember.objects.filter(person_id=person_id, left_on__isnull=True)
    household_ids = list(stays.values_list("household_id", flat=True))
    ids |= set(stays.values_list("household__subject_id", flat=True))
    ids |= set(
        HouseholdMember.objects.filter(household_id__in=household_ids, left_on__isnull=True).values_list(
            "person__subject_id", flat=True
        )
    )
    ids |= set(Unit.objects.filter(contact_id=person_id).values_list("subject_id", flat=True))
    return ids


def refuse_own(user: Any, subject: Subject, *, what_zh: str, what_en: str) -> None:
    if subject.pk in own_subject_ids(user):
        raise PermissionDenied(
            f"不能{what_zh}关于本人或本户的申报，请由其他人处理",
            f"you cannot {what_en} a claim about yourself or your own household; someone else must",
            code="own_claim",
            detail={"subject": subject.pk},
        )


def rank_over(user: Any, org: OrgUnit) -> int:
    if not signed_in(user):
        return -1
    return user_role_rank(user=user, org=org)


def item_rank(version: ItemVersion) -> int:
    return ROLE_RANK[Role(version.min_role)]


def require_rank(user: Any, org: OrgUnit, rank: int, *, what_zh: str, what_en: str) -> None:
    if rank_over(user, org) < rank:
        role = next(r for r, n in ROLE_RANK.items() if n == rank)
        raise PermissionDenied(
            f"需要「{org.name}」的{ROLE_ZH[role]}或更高权限才能{what_zh}",
            f"{what_en} needs the {role} role or above over {org.path}",
            code="forbidden",
            detail={"org": org.path, "role": role},
        )


def require_item_role(user: Any, org: OrgUnit, version: ItemVersion, *, floor: int, what_zh: str, what_en: str) -> None:
    """The item's minimum role (`min_role`), and never below `floor`."""
    require_rank(user, org, max(floor, item_rank(version)), what_zh=f"{what_zh}「{version.name}」", what_en=f"{what_en} {version.name!r}")


@dataclass(frozen=True)
class Grant:
    """What one role binding allows: the points limit per slip or approval (None: none) and its level."""

    limit: int | None
    level: int
    title: str


def grants_over(*, user: Any, scheme: Scheme, org: OrgUnit, roles: tuple[str, ...]) -> list[Grant] | None:
    """The user's grants over `org`; None means unlimited (superuser or platform admin).

    A binding's limit is its own `points_limit`, capped by the scheme's tier for its title
    (settings.authorisation.tiers); its level is the higher of the binding's `level` and the
    level the scheme gives its title (settings.authorisation.titles).
    """
    if getattr(user, "is_superuser", False) and getattr(user, "is_active", False):
        return None
    bindings = list(bindings_over(user=user, org=org, roles=roles))
    if any(b.role == Role.PLATFORM_ADMIN for b in bindings):
        return None
    auth = scheme_settings(scheme).authorisation
    tiers = {t.title: t.points_limit for t in auth.tiers if t.points_limit is not None} if auth else {}
    levels = {t.title: t.level for t in auth.titles} if auth else {}
    grants = []
    for binding in bindings:
        limits = [x for x in (binding.points_limit, tiers.get(binding.title)) if x is not None]
        grants.append(
            Grant(limit=min(limits) if limits else None, level=max(binding.level, levels.get(binding.title, 0)), title=binding.title)
        )
    return grants


def require_points_authority(
    *, user: Any, scheme: Scheme, org: OrgUnit, points: int, roles: tuple[str, ...] = REVIEWER_UP, slip: bool = False
) -> None:
    """Tiered authorisation: some binding over `org` must cover |points| (and, for a slip, the
    scheme's minimum signing level, e.g. 篇6 "副总经理以上人员签字方可生效")."""
    grants = grants_over(user=user, scheme=scheme, org=org, roles=roles)
    if grants is None:
        return
    auth = scheme_settings(scheme).authorisation
    if slip and auth is not None and auth.slip_min_level is not None:
        level = auth.slip_min_level
        grants = [g for g in grants if g.level >= level]
        if not grants:
            titles = "、".join(t.title for t in sorted(auth.titles, key=lambda t: -t.level) if t.level >= level)
            raise PermissionDenied(
                f"奖扣分通知单须由{titles or f'级别 {level}'}及以上人员签发",
                f"a slip is valid only when signed at level {level} or above ({titles or 'see the scheme settings'})",
                code="slip_level",
                detail={"min_level": level},
            )
    need = scheme.from_units(abs(points))
    if need == 0:
        return
    limits = [g.limit for g in grants if g.limit is not None]
    if not limits:
        raise PermissionDenied(
            "您没有奖扣分授权分值，请由有授权的人员审批",
            "you hold no points limit here; someone with an authorised limit must approve",
            code="no_points_limit",
        )
    best = max(limits)
    if need > Decimal(best):
        raise PermissionDenied(
            f"{need} 分超出您的授权上限 {best} 分，需由授权更高的人员审批",
            f"{need} points exceed your limit of {best}; an approver with a higher limit is needed",
            code="over_points_limit",
            detail={"points": str(need), "limit": best},
        )


SUBJECT_KIND_TYPES = {
    Subject.Kind.PERSON: {"person", "party_member", "staff", "teacher"},
    Subject.Kind.HOUSEHOLD: {"household"},
    Subject.Kind.UNIT: {"unit"},
}


def require_subject_fits(*, scheme: Scheme, version: ItemVersion, subject: Subject) -> None:
    """The subject is inside the scheme's unit, active, and of a type the item's category scores."""
    if not subject.is_active:
        raise InvalidInput(f"「{subject.name}」已停用", f"{subject.name!r} is inactive", code="subject_inactive")
    if not subject.org.is_within(scheme.org):
        raise InvalidInput(
            f"「{subject.name}」不在方案「{scheme.name}」的范围内",
            f"{subject.name!r} is outside the scheme {scheme.code!r}",
            code="subject_outside_scheme",
        )
    category = version.item.category
    wanted = set(category.subject_types or scheme.subject_types or [])
    if wanted and not (wanted & SUBJECT_KIND_TYPES.get(subject.kind, set())):
        raise InvalidInput(
            f"事项「{version.name}」不适用于{zh(subject.get_kind_display())}「{subject.name}」",
            f"item {version.name!r} does not apply to a {subject.kind} ({subject.name!r})",
            code="subject_type_mismatch",
        )
