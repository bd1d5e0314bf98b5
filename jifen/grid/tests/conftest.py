import pytest

from jifen.grid.testing import NOW, grid_setup

__all__ = ["NOW"]


@pytest.fixture
def grid_world(world):
    return grid_setup(world)
