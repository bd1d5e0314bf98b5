import pytest

from jifen.reports.testing import build_march


@pytest.fixture
def march(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return build_march(world)
