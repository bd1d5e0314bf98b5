import pytest
from django.test import testcases

from jifen.core.db import maintenance

_original_fixture_teardown = testcases.TransactionTestCase._fixture_teardown


def _fixture_teardown_with_maintenance(self):
    # Emptying append-only tables between transactional tests needs the maintenance switch.
    with maintenance():
        return _original_fixture_teardown(self)


testcases.TransactionTestCase._fixture_teardown = _fixture_teardown_with_maintenance


@pytest.fixture(autouse=True)
def _default_language():
    # A request with an English cookie leaves English active on the worker's thread; every test
    # starts from the product's default language, as a fresh request would.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db):
    from jifen.orgs.testing import build_world

    return build_world()


def pytest_collection_modifyitems(items):
    # A transactional test empties every table when it ends, rows that migrations insert (org
    # kinds …) included; have each one restore them, whatever order xdist runs tests in.
    for item in items:
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        fixtures = getattr(item, "fixturenames", ())
        if "live_server" in fixtures or "transactional_db" in fixtures:
            kwargs["transaction"] = True
        if kwargs.get("transaction") and not kwargs.get("serialized_rollback"):
            item.add_marker(pytest.mark.django_db(**{**kwargs, "serialized_rollback": True}), append=False)
