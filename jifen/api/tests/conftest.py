import pytest

from jifen.api.testing import ApiClient
from jifen.web.tests.browser import chromium, desktop  # noqa: F401 (fixtures)


@pytest.fixture
def as_user(world):
    """as_user(world.admin) → an ApiClient with a real token of that user."""
    clients = {}

    def make(user, language="zh-CN"):
        key = (user.pk if user else None, language)
        if key not in clients:
            clients[key] = ApiClient(user, language=language)
        return clients[key]

    return make
