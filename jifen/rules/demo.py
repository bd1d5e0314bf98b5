"""Demo step: the demo county adopts four of the seed schemes.

篇7 (p7-town-jifen-plus) for each village and community, 篇4 (p4-party-members) for each party
branch, 篇6 (p6-laundry-company) for the company and 篇3 (p3-school-reading) for the school.

Reads the org units the orgs step (jifen/orgs/demo.py) left in `ctx.data`: "villages" (villages
and communities), "branches" (party branches), "company", "school", and "today" (the demo's
fixed date); when a key is missing it finds the units by kind. Leaves "village_schemes",
"branch_schemes", "company_scheme" and "school_scheme" for later steps.

The seed leaves some numbers open (篇7 names no objection window and no veto period; 篇6
no fixed-point values; 篇3 no period policy or notice cadence). A running demo needs them, so this step fills them as DEMO CHOICES,
printed as such; the templates themselves keep them empty.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from jifen.core import clock
from jifen.core.demo import DemoContext
from jifen.core.errors import NotFound
from jifen.orgs.models import Employment, OrgUnit, subtree_q
from jifen.rules import services
from jifen.rules.models import Scheme
from jifen.rules.selectors import items_needing_input

# Demo choices: values the seed does not give, chosen for the demo only.
DEMO_CHOICES: dict[str, dict[str, Any]] = {
    "p7-town-jifen-plus": {
        "objection_days": 7,
        "settings": {"veto": {"period_days": 365}},
    },
    "p4-party-members": {
        "objection_days": 7,
        "settings": {
            "grading": {
                "weights": {"self": "0.20", "branch": "0.50", "mass": "0.30"},
                "areas": {"*": {"max_points": 20}},
            }
        },
    },
    "p6-laundry-company": {
        "objection_days": 3,
        "settings": {
            "fixed_points": {
                "factors": {
                    # Completed per company with the positions its staff actually hold (see _adopt).
                    "position": {"values": {"总经理": 50, "副总经理": 40, "组长": 30}},
                    "seniority_years": {"per_year": 2},
                }
            },
            "authorisation": {"tiers": {"*": {"points_limit": 100}}},
        },
    },
    "p3-school-reading": {"period_policy": "lifetime", "notice_cadence": "monthly", "objection_days": 7},
}
SCHEME_CHOICES = ("period_policy", "notice_cadence", "objection_days")
# Monthly fixed points for any other position in the demo company (a demo choice).
DEMO_OTHER_POSITION_POINTS = 20
# Items whose points the seed leaves open get this many points in the demo (a demo choice).
DEMO_ITEM_POINTS = 5

PLAN = (
    ("villages", ("village", "community"), "p7-town-jifen-plus", "village_schemes"),
    ("branches", ("party_branch",), "p4-party-members", "branch_schemes"),
    ("company", ("company",), "p6-laundry-company", "company_scheme"),
    ("school", ("school",), "p3-school-reading", "school_scheme"),
)


def demo_effective_from(today: dt.date) -> dt.date:
    """Catalogs in force from 1 January of last year, so the demo's history falls inside them."""
    return dt.date(today.year - 1, 1, 1)


def _units(ctx: DemoContext, key: str, kinds: tuple[str, ...]) -> list[OrgUnit]:
    value = ctx.data.get(key)
    if isinstance(value, OrgUnit):
        return [value]
    if value:
        return [u for u in value if isinstance(u, OrgUnit)]
    qs = OrgUnit.objects.filter(kind__code__in=kinds)
    root = ctx.data.get("root") or ctx.data.get("county")
    if isinstance(root, OrgUnit):
        qs = qs.filter(subtree_q(root.path))
    return list(qs.order_by("path"))


def _element_key(element: Any) -> str | None:
    if isinstance(element, dict):
        for key in ("code", "attribute", "title"):
            if key in element:
                return str(element[key])
    return None


def fill_open(current: Any, choices: Any) -> tuple[Any, list[str]]:
    """Fill only what the template left open (null or an empty table) with demo choices.

    Lists of objects are matched by their code / attribute / title ("*" = every element).
    Keys the template does not have are not added: a demo choice never adds a rule.
    """
    filled: list[str] = []

    def walk(node: Any, choice: Any, path: str) -> Any:
        if node is None or node == {}:
            filled.append(f"{path}={json.dumps(choice, ensure_ascii=False)}")
            return choice
        if isinstance(node, dict) and isinstance(choice, dict):
            result = dict(node)
            for key, sub in choice.items():
                if key in result:
                    result[key] = walk(result[key], sub, f"{path}.{key}" if path else key)
            return result
        if isinstance(node, list) and isinstance(choice, dict):
            out = []
            for index, element in enumerate(node):
                sub = choice.get(_element_key(element) or "", choice.get("*"))
                out.append(walk(element, sub, f"{path}[{index}]") if sub is not None else element)
            return out
        return node

    return walk(current, choices, ""), filled


def _with_positions(choices: dict[str, Any], org: OrgUnit) -> dict[str, Any]:
    """Give every position held in the company a value, so fixed points cover all its staff."""
    factors = choices.get("settings", {}).get("fixed_points", {}).get("factors", {})
    if "position" not in factors:
        return choices
    held = Employment.objects.filter(subtree_q(org.path, "org__path")).exclude(position="").values_list("position", flat=True)
    values = {p: DEMO_OTHER_POSITION_POINTS for p in sorted(set(held))} | factors["position"]["values"]
    return copy.deepcopy(choices) | {
        "settings": {
            **choices["settings"],
            "fixed_points": {**choices["settings"]["fixed_points"], "factors": {**factors, "position": {"values": values}}},
        }
    }


def _adopt(name: str, org: OrgUnit, effective_from: dt.date) -> tuple[Scheme, list[str]]:
    """Apply the template and fill what the seed left open; returns the scheme and what was filled."""
    scheme = services.template_apply(actor=None, name=name, org=org, effective_from=effective_from)
    choices = _with_positions(DEMO_CHOICES.get(name, {}), org)
    changes: dict[str, Any] = {}
    notes: list[str] = []
    for field in SCHEME_CHOICES:
        if getattr(scheme, field) is None and field in choices:
            changes[field] = choices[field]
            notes.append(f"{field}={choices[field]}")
    settings, filled = fill_open(scheme.settings, choices.get("settings", {}))
    if filled:
        changes["settings"] = settings
        notes.extend(filled)
    if changes:
        scheme = services.scheme_update(actor=None, scheme=scheme, **changes)
    open_items = list(items_needing_input(scheme))
    for version in open_items:
        services.item_edit(
            actor=None, item=version.item, effective_from=version.effective_from,
            points=scheme.to_units(DEMO_ITEM_POINTS), points_min=None, points_max=None,
        )
    if open_items:
        notes.append(f"{len(open_items)} 个事项分值 {DEMO_ITEM_POINTS} / items at {DEMO_ITEM_POINTS} points")
    return scheme, notes


def build(ctx: DemoContext) -> None:
    today = ctx.data.get("today")
    effective_from = demo_effective_from(today if isinstance(today, dt.date) else clock.now().date())
    applied = 0
    for key, kinds, template, result_key in PLAN:
        schemes = []
        notes: list[str] = []
        for org in _units(ctx, key, kinds):
            try:
                scheme, notes = _adopt(template, org, effective_from)
            except NotFound as exc:
                if exc.code != "template_not_found":
                    raise
                # This installation lacks the template: say so, and let the rest of the demo run.
                ctx.say(f"  未能套用 / could not apply {template}: {exc}")
                break
            schemes.append(scheme)
        if notes:
            ctx.say(f"  演示选择 / demo choices for {template}: {'; '.join(notes)}")
        applied += len(schemes)
        ctx.data[result_key] = (schemes[0] if schemes else None) if result_key.endswith("_scheme") else schemes
    ctx.say(f"  积分方案 / schemes adopted: {applied}")
