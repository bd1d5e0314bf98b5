import pytest
from django.test import testcases

from jifen.core.db import maintenance

_original_fixture_teardown = testcases.TransactionTestCase._fixture_teardown


def _fixture_teardown_with_maintenance(self):
    # Emptying append-only tables between transactional tests needs the maintenance switch.
    with maintenance():
        return _original_fixture_teardown(self)


testcases.TransactionTestCase._fixture_teardown = _fixture_teardown_with_maintenance


@pytest.fixture
def world(db):
    from jifen.orgs.testing import build_world

    return build_world()
