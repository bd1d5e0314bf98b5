import pytest

from jifen.programme.testing import programme_setup


@pytest.fixture
def prog(world):
    return programme_setup(world)
