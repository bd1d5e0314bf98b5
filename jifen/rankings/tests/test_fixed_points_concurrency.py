"""Two ticks at once: the month's fixed points are posted once (SQLite and PostgreSQL)."""

import datetime as dt
import threading

import pytest
from django.db import connections

from jifen.ledger.models import Posting, Transaction
from jifen.orgs.testing import build_world
from jifen.rankings.fixed_points import fixed_points_post
from jifen.rankings.models import PointsRun
from jifen.rankings.tests.rewards_helpers import adopt, assert_ledger_clean, employee, frozen, unit
from jifen.rankings.tests.test_fixed_points_post import P6_FILLED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_runs_of_a_month_post_it_once():
    world = build_world()
    company = unit(world.county, "xidi", "洗涤公司", "company")
    scheme = adopt("p6-laundry-company", company, settings=P6_FILLED)
    for i in range(12):
        employee(company, f"员工{i:02d}", hire_date=dt.date(2020, 1, 1))
    barrier = threading.Barrier(4)
    posted, errors = [], []

    def run():
        try:
            barrier.wait()
            with frozen(2026, 11, 1, 0, 1):
                posted.append(fixed_points_post(scheme=scheme, month="2026-10").posted)
        except Exception as exc:  # noqa: BLE001 - the assertion below shows what went wrong
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sorted(posted) == [0, 0, 0, 12]
    assert PointsRun.objects.count() == 1
    assert Transaction.objects.filter(source_type="fixed").count() == 1
    assert Posting.objects.filter(kind="fixed", account__subject__isnull=False).count() == 12
    assert_ledger_clean()
