"""Claims tests run at a fixed moment: 10 March 2026, 10:00 in Shanghai."""

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
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return claims_setup(world)
