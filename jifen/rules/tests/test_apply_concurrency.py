"""Two officials applying the same template to the same unit at the same moment get one scheme."""

import threading

import pytest
from django.db import connections

from jifen.core.models import AuditEvent
from jifen.orgs.testing import build_world
from jifen.rules import services
from jifen.rules.models import Item, Scheme


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_simultaneous_applies_create_one_scheme(sample_templates):
    world = build_world()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def apply():
        try:
            barrier.wait()
            results.append(services.template_apply(actor=None, name="p7-town-jifen-plus", org=world.shahe).pk)
        except Exception as exc:  # noqa: BLE001 - the assertion below shows what went wrong
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(results) == 4 and len(set(results)) == 1
    assert Scheme.objects.count() == 1
    assert Item.objects.count() == 8
    assert AuditEvent.objects.filter(action="rules.template_apply").count() == 1
