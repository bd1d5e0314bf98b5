"""The later legs of the road for end-to-end tests: notice, `jifen tick`, balances, ledger check."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from jifen.claims import services
from jifen.claims.models import Claim
from jifen.ledger.models import Transaction
from jifen.ledger.selectors import balance_of
from jifen.ledger.services import account_for
from jifen.ledger.verify import ledger_verify


def tick(at: dt.datetime) -> str:
    """Run `jifen tick --now <at>` as the command line does; returns what it printed."""
    out = io.StringIO()
    call_command("tick", now=at.isoformat(), stdout=out)
    return out.getvalue()


def publish(setup, *, actor=None, scheme=None, org=None):
    return services.notice_publish(actor=actor or setup.world.reviewer, scheme=scheme or setup.scheme, org=org)


def balance(scheme, subject):
    return balance_of(account=account_for(scheme=scheme, subject=subject))


def state(claim: Claim) -> str:
    return Claim.objects.get(pk=claim.pk).state


def keys(scheme) -> list[str]:
    return sorted(Transaction.objects.filter(scheme=scheme).values_list("key", flat=True))


def history(claim: Claim) -> list[tuple[str, str, str]]:
    return [(e.from_state, e.to_state, e.actor_name) for e in Claim.objects.get(pk=claim.pk).events.order_by("at", "id")]


def assert_ledger_clean() -> None:
    report = ledger_verify()
    assert report.ok, [m.line() for m in report.mismatches]
