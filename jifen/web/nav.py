"""The role-aware navigation: which sections a signed-in person sees, from their role bindings.

A section appears when the viewer holds one of its roles anywhere (superusers see them all) and
it has at least one item. Page groups in `jifen/web/routes/` place their links with a `NAV`
list of `(section_key, NavItem)`; they are appended to the section's own items.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jifen.orgs.models import OrgUnit, Role, RoleBinding
from jifen.orgs.selectors import role_bindings_of

ADMIN_ROLES = (Role.ORG_ADMIN, Role.PLATFORM_ADMIN)


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str


@dataclass(frozen=True)
class SectionSpec:
    key: str
    label: str | Promise
    # None: every signed-in person; otherwise any binding with one of these roles.
    roles: tuple[str, ...] | None
    items: tuple[NavItem, ...]


SECTIONS: tuple[SectionSpec, ...] = (
    SectionSpec("member", _("我的"), None, (NavItem(_("首页"), "home"),)),
    SectionSpec("shop", _("积分超市"), (Role.SHOPKEEPER, *ADMIN_ROLES), ()),
    SectionSpec("recorder", _("记录"), (Role.RECORDER, Role.REVIEWER, *ADMIN_ROLES), ()),
    SectionSpec("reviewer", _("审核"), (Role.REVIEWER, *ADMIN_ROLES), ()),
    SectionSpec(
        "admin",
        _("管理"),
        ADMIN_ROLES,
        (NavItem(_("组织架构"), "console"), NavItem(_("人员"), "console_people_home"), NavItem(_("角色授权"), "console_roles_home")),
    ),
)


@dataclass
class Link:
    label: str | Promise
    url: str
    active: bool


@dataclass
class Section:
    key: str
    label: str | Promise
    links: list[Link] = field(default_factory=list)


def bindings(request: HttpRequest) -> list[RoleBinding]:
    """The viewer's bindings in force, read once per request."""
    cached = getattr(request, "_jifen_bindings", None)
    if cached is None:
        cached = list(role_bindings_of(user=getattr(request, "user", None)))
        request._jifen_bindings = cached  # type: ignore[attr-defined]
    return cached


def roles_held(request: HttpRequest) -> set[str]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return set()
    if user.is_superuser:
        return set(Role.values)
    return {b.role for b in bindings(request)}


@functools.cache
def _contributed() -> dict[str, tuple[NavItem, ...]]:
    from jifen.web import routes

    extra: dict[str, list[NavItem]] = {}
    for module in routes.modules():
        for key, item in getattr(module, "NAV", ()):
            extra.setdefault(key, []).append(item)
    return {key: tuple(items) for key, items in extra.items()}


def sections_for(request: HttpRequest) -> list[Section]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    held = roles_held(request)
    current = request.resolver_match.url_name if request.resolver_match else None
    extra = _contributed()
    result = []
    for spec in SECTIONS:
        if spec.roles is not None and not held.intersection(spec.roles):
            continue
        items = (*spec.items, *extra.get(spec.key, ()))
        links = [Link(item.label, reverse(item.url_name), item.url_name == current) for item in items]
        if links:
            result.append(Section(spec.key, spec.label, links))
    return result


def home_unit(request: HttpRequest) -> OrgUnit | None:
    """The unit shown in the header: the viewer's own unit, else the first unit they hold a role over."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if user.person_id:
        return OrgUnit.objects.filter(people__pk=user.person_id).select_related("kind").first()
    held = bindings(request)
    return held[0].org if held else None
