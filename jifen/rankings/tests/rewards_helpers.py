"""Helpers for the reward tests: seed templates adopted with their open numbers filled, staff, postings."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from jifen.core import clock
from jifen.ledger.services import account_for
from jifen.ledger.testing import award
from jifen.ledger.verify import ledger_verify
from jifen.orgs import services as orgs
from jifen.orgs.models import OrgUnit, Person, Subject
from jifen.rules import services as rules
from jifen.rules.models import Scheme

SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = iter(range(1, 10**6))


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def frozen(*args: int):
    """clock.frozen at a local Shanghai time."""
    return clock.frozen(local(*args))


def merge(base: Any, extra: Any) -> Any:
    """Deep-merge `extra` into `base` (dicts merge, everything else is replaced)."""
    if isinstance(base, dict) and isinstance(extra, dict):
        out = copy.deepcopy(base)
        for key, value in extra.items():
            out[key] = merge(out.get(key), value)
        return out
    return copy.deepcopy(extra)


def adopt(template: str, org: OrgUnit, *, settings: dict[str, Any] | None = None, **fields: Any) -> Scheme:
    """Apply a seed template to `org`, then fill what the test needs (settings are deep-merged)."""
    scheme = rules.template_apply(actor=None, name=template, org=org, effective_from=dt.date(2024, 1, 1))
    changes: dict[str, Any] = dict(fields)
    if settings:
        changes["settings"] = merge(scheme.settings, settings)
    if changes:
        scheme = rules.scheme_update(actor=None, scheme=scheme, **changes)
    return Scheme.objects.select_related("org").get(pk=scheme.pk)


def unit(parent: OrgUnit, code: str, name: str, kind: str) -> OrgUnit:
    return orgs.org_unit_create(actor=None, parent=parent, code=code, name=name, kind=kind)


def person(org: OrgUnit, name: str) -> Person:
    return orgs.person_create(actor=None, org=org, name=name)


def employee(org: OrgUnit, name: str, *, position: str = "员工", is_leader: bool = False,
             hire_date: dt.date | None = dt.date(2020, 1, 1), **fields: Any) -> Person:
    p = person(org, name)
    orgs.employment_set(actor=None, person=p, org=org, employee_no=f"E{next(_seq):05d}", position=position,
                        is_leader=is_leader, hire_date=hire_date, **fields)
    return p


def give(scheme: Scheme, subject: Subject | Person, points: int, at: dt.datetime, *, kind: str = "award") -> None:
    """Post `points` (negative: a deduction) to the subject's account, dated `at`."""
    target = subject.subject if isinstance(subject, Person) else subject
    account = account_for(scheme=scheme, subject=target)
    if points < 0 and kind == "award":
        kind = "deduct"
    counter = "shop" if kind == "redeem" else "issuance"
    award(scheme=scheme, account=account, points=points, key=f"t-{next(_seq)}", at=at, kind=kind, counter=counter)


def assert_ledger_clean() -> None:
    report = ledger_verify()
    assert report.ok, [m.line() for m in report.mismatches]
