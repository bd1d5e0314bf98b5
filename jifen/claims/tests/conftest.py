"""Claims tests run at a fixed moment: 10 March 2026, 10:00 in Shanghai.

Every test built on `setup` ends with `jifen ledger verify`'s check: whatever the workflow
posted, reversed or refused, the ledger must still hold together.
"""

from __future__ import annotations

import pytest

from jifen.claims.testing import claims_setup, local
from jifen.core import clock

NOW = local(2026, 3, 10, 10)


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as at:
        yield at


@pytest.fixture
def setup(world, frozen, settings, tmp_path):
    from jifen.claims.tests.flow import assert_ledger_clean

    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield claims_setup(world)
    # Runs before the database is rolled back (setup depends on the db through `world`).
    assert_ledger_clean()
