"""Random sequences of postings, reversals, key replays and batches around period boundaries.

After every step `ledger verify` must be clean; after every sequence each account's score and
balance for every grain must equal a plain recomputation from a list of (day, amount) entries
that uses the calendar directly (ISO weeks, months, quarters, years), not the buckets.
"""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jifen.core.errors import Conflict, IdempotencyMismatch
from jifen.ledger import selectors, services
from jifen.ledger.models import SCORE_KINDS
from jifen.ledger.services import Leg
from jifen.ledger.testing import SHANGHAI
from jifen.ledger.verify import ledger_verify

DAYS = [
    dt.date(2025, 12, 28), dt.date(2025, 12, 29), dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 1, 4),
    dt.date(2026, 3, 29), dt.date(2026, 3, 31), dt.date(2026, 4, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 1),
    dt.date(2026, 9, 30), dt.date(2026, 10, 1),
]
TIMES = [dt.time(0, 0), dt.time(0, 30), dt.time(7, 59), dt.time(8, 0), dt.time(23, 59)]  # 08:00 Shanghai = 00:00 UTC
GRAINS = ("week", "month", "quarter", "year", "all")
KINDS = ("award", "deduct", "fixed", "base", "redeem", "expire")
COUNTER = {"redeem": "shop", "expire": "expiry"}

instant = st.builds(lambda d, t: dt.datetime.combine(d, t, SHANGHAI), st.sampled_from(DAYS), st.sampled_from(TIMES))
member = st.integers(0, 2)
op = st.one_of(
    st.tuples(st.just("post"), st.sampled_from(KINDS), member, st.integers(1, 40), instant),
    st.tuples(st.just("reverse"), st.integers(0, 20), st.booleans(), instant),
    st.tuples(st.just("replay"), st.integers(0, 20), st.booleans()),
    st.tuples(
        st.just("bulk"),
        st.lists(st.tuples(member, st.integers(1, 60)), min_size=1, max_size=3, unique_by=lambda x: x[0]),
        instant,
        st.sampled_from(["", "fixed:a", "fixed:b"]),
    ),
)


def same_period(grain, day, probe):
    if grain == "week":
        return day.isocalendar()[:2] == probe.isocalendar()[:2]
    if grain == "month":
        return (day.year, day.month) == (probe.year, probe.month)
    if grain == "quarter":
        return (day.year, (day.month - 1) // 3) == (probe.year, (probe.month - 1) // 3)
    if grain == "year":
        return day.year == probe.year
    return True


class Model:
    """The oracle: what every account should hold, from first principles."""

    def __init__(self):
        self.entries = []  # (account_id, local day, units, counts_in_score, tx_id)

    def balance(self, account_id):
        return sum(u for a, _, u, _, _ in self.entries if a == account_id)

    def add(self, tx_id, at, legs):
        day = at.astimezone(SHANGHAI).date()
        for account_id, units, counts in legs:
            self.entries.append((account_id, day, units, counts, tx_id))

    def sums(self, account_id, grain, probe):
        rows = [(u, c) for a, d, u, c, _ in self.entries if a == account_id and same_period(grain, d, probe)]
        return sum(u for u, c in rows if c), sum(u for u, _ in rows)


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=1, max_size=10))
def test_random_sequences_keep_the_ledger_consistent(world, scheme, acc, ops):
    members = [acc.zhangsan, acc.wangwu, acc.limei]
    subjects = [world.zhangsan.subject.pk, world.wangwu.subject.pk, world.limei.subject.pk]
    with transaction.atomic():
        services.account_set_non_negative(account=acc.limei, non_negative=True, actor=None)
        system = {k: services.system_account(scheme=scheme, kind=k) for k in ("issuance", "shop", "expiry")}
        model = Model()
        posted = []  # (tx, legs as (account_id, units, counts), kwargs for replay or None)
        reversed_ids = set()
        scope_done = {}  # scope → {member index: tx_id}
        keys = itertools.count()

        for step in ops:
            if step[0] == "post":
                _, kind, m, points, at = step
                sign = 1 if kind in ("award", "fixed", "base") else -1
                counts = kind in SCORE_KINDS
                counter = system[COUNTER.get(kind, "issuance")]
                kwargs = dict(
                    scheme=scheme, key=f"p{next(keys)}", source_type="manual", source_id="", actor=None, occurred_at=at,
                    reason=f"{kind} {points}", legs=[Leg(members[m], sign * points, kind), Leg(counter, -sign * points, kind)],
                )
                legs = [(members[m].pk, sign * points, counts), (counter.pk, -sign * points, counts)]
                if m == 2 and model.balance(members[2].pk) + sign * points < 0:
                    with pytest.raises(Conflict):
                        services.transaction_post(**kwargs)
                    continue
                tx = services.transaction_post(**kwargs)
                model.add(tx.pk, at, legs)
                posted.append((tx, legs, kwargs))
            elif step[0] == "reverse":
                _, index, explicit, at = step
                if not posted:
                    continue
                tx, legs, _ = posted[index % len(posted)]
                when = at if explicit else None
                mirror = [(a, -u, c) for a, u, c in legs]
                if tx.pk in reversed_ids:
                    with pytest.raises(Conflict):
                        services.transaction_reverse(transaction=tx, key=f"r{next(keys)}", actor=None, reason="撤销", occurred_at=when)
                    continue
                delta = sum(u for a, u, _ in mirror if a == members[2].pk)
                if delta < 0 and model.balance(members[2].pk) + delta < 0:
                    with pytest.raises(Conflict):
                        services.transaction_reverse(transaction=tx, key=f"r{next(keys)}", actor=None, reason="撤销", occurred_at=when)
                    continue
                rev = services.transaction_reverse(transaction=tx, key=f"r{next(keys)}", actor=None, reason="撤销", occurred_at=when)
                reversed_ids.add(tx.pk)
                model.add(rev.pk, when or tx.occurred_at, mirror)
                for done in scope_done.values():
                    for m in [m for m, tx_id in done.items() if tx_id == tx.pk]:
                        del done[m]
            elif step[0] == "replay":
                _, index, same = step
                replayable = [p for p in posted if p[2] is not None]
                if not replayable:
                    continue
                tx, legs, kwargs = replayable[index % len(replayable)]
                if same:
                    assert services.transaction_post(**kwargs).pk == tx.pk
                else:
                    changed = dict(kwargs, reason=kwargs["reason"] + "（改）")
                    with pytest.raises(IdempotencyMismatch):
                        services.transaction_post(**changed)
            else:
                _, lines, at, scope = step
                done = scope_done.setdefault(scope, {}) if scope else {}
                fresh = [(m, p) for m, p in lines if m not in done]
                result = services.postings_bulk(
                    scheme=scheme, key=f"b{next(keys)}", kind="fixed", lines=[(subjects[m], p) for m, p in lines],
                    occurred_at=at, reason="固定分", actor=None, source_type="fixed", scope=scope,
                )
                assert sorted(result.skipped) == sorted(subjects[m] for m, _ in lines if m in done)
                if not fresh:
                    assert result.transaction is None
                    continue
                total = sum(p for _, p in fresh)
                legs = [(members[m].pk, p, True) for m, p in fresh] + [(system["issuance"].pk, -total, True)]
                model.add(result.transaction.pk, at, legs)
                posted.append((result.transaction, legs, None))
                for m, _ in fresh:
                    if scope:
                        done[m] = result.transaction.pk

            report = ledger_verify()
            assert report.ok, [m.line() for m in report.mismatches]

        assert selectors.balance_of(account=members[2]) >= 0
        probes = sorted({d for _, d, _, _, _ in model.entries} | {DAYS[0], DAYS[-1]})
        for grain in GRAINS:
            for probe in probes if grain != "all" else probes[:1]:
                board = {a.pk: (a.score, a.balance) for a in selectors.accounts_scores(scheme=scheme, grain=grain, on=probe)}
                for account in members:
                    assert board[account.pk] == model.sums(account.pk, grain, probe), (grain, probe, account.pk)
                for account in system.values():
                    got = (
                        selectors.score_of(account=account, grain=grain, on=probe),
                        selectors.balance_of(account=account, grain=grain, on=probe),
                    )
                    assert got == model.sums(account.pk, grain, probe), (grain, probe, account.kind)
        transaction.set_rollback(True)
