import os

import pytest
from django.db import connection


def test_suite_runs_on_the_database_ci_asked_for():
    # CI runs the suite twice; this fails, rather than skips, if the PostgreSQL pass
    # silently fell back to SQLite.
    expected = os.environ.get("JIFEN_EXPECT_VENDOR")
    if not expected:
        pytest.skip("JIFEN_EXPECT_VENDOR not set (ad-hoc run)")
    assert connection.vendor == expected
