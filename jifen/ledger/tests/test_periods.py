import datetime as dt

import pytest

from jifen.core.errors import InvalidInput
from jifen.ledger.periods import bucket_for, bucket_of, buckets_between, grain_days, period_bounds
from jifen.ledger.testing import SHANGHAI, local
from jifen.rules.models import Scheme

D = dt.date


def test_a_bucket_starts_on_monday_or_on_the_first_of_the_month():
    assert bucket_of(D(2026, 3, 31)) == D(2026, 3, 30)  # Tuesday → Monday 30th
    assert bucket_of(D(2026, 4, 2)) == D(2026, 4, 1)  # same ISO week, new month
    assert bucket_of(D(2026, 4, 6)) == D(2026, 4, 6)
    assert bucket_of(D(2026, 1, 1)) == D(2026, 1, 1)  # Thursday of the week of 2025-12-29
    assert bucket_of(D(2025, 12, 31)) == D(2025, 12, 29)


def test_every_grain_is_the_buckets_starting_inside_it():
    assert buckets_between(*grain_days("week", D(2026, 4, 1))) == [D(2026, 3, 30), D(2026, 4, 1)]
    assert buckets_between(*grain_days("week", D(2026, 1, 2))) == [D(2025, 12, 29), D(2026, 1, 1)]
    assert buckets_between(*grain_days("month", D(2026, 3, 15))) == [
        D(2026, 3, 1), D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 23), D(2026, 3, 30),
    ]
    # Q2 2026: April 1 and May 1 (June 1 is a Monday) plus 13 Mondays.
    assert len(buckets_between(*grain_days("quarter", D(2026, 5, 5)))) == 2 + 13
    year = buckets_between(*grain_days("year", D(2026, 7, 1)))
    days = [D(2026, 1, 1) + dt.timedelta(days=i) for i in range(365)]
    assert year == [d for d in days if d.weekday() == 0 or d.day == 1]
    assert len(year) <= 64


def test_period_bounds_are_local_midnights_in_the_scheme_zone():
    scheme = Scheme(time_zone="Asia/Shanghai")
    start, end = period_bounds(scheme=scheme, grain="quarter", on=local(2026, 5, 5, 12))
    assert start == dt.datetime(2026, 4, 1, tzinfo=SHANGHAI)
    assert end == dt.datetime(2026, 7, 1, tzinfo=SHANGHAI)
    assert start.astimezone(dt.UTC) == dt.datetime(2026, 3, 31, 16, tzinfo=dt.UTC)


def test_a_posting_at_utc_evening_falls_on_the_next_local_day():
    scheme = Scheme(time_zone="Asia/Shanghai")
    at = dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on April 1st in Shanghai
    assert bucket_for(scheme, at) == D(2026, 4, 1)
    assert bucket_for(Scheme(time_zone="UTC"), at) == D(2026, 3, 30)


def test_bad_grain_zone_and_naive_time_are_refused_in_both_languages():
    scheme = Scheme(time_zone="Asia/Shanghai")
    with pytest.raises(InvalidInput) as exc:
        period_bounds(scheme=scheme, grain="fortnight", on=D(2026, 1, 1))
    assert exc.value.code == "bad_grain" and "fortnight" in exc.value.en and "周期" in exc.value.zh
    with pytest.raises(InvalidInput) as exc:
        period_bounds(scheme=Scheme(time_zone="Mars/Olympus"), grain="week", on=D(2026, 1, 1))
    assert exc.value.code == "bad_time_zone"
    with pytest.raises(InvalidInput) as exc:
        bucket_for(scheme, dt.datetime(2026, 1, 1))
    assert exc.value.code == "naive_datetime"
    with pytest.raises(InvalidInput):
        period_bounds(scheme=scheme, grain="all", on=D(2026, 1, 1))
