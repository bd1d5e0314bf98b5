import pytest
from django.db import DatabaseError, connection, transaction

from jifen.core.audit import audit_record
from jifen.core.db import maintenance
from jifen.core.models import AuditEvent


@pytest.mark.django_db
def test_audit_rows_cannot_be_updated():
    event = audit_record(actor=None, action="test.thing", summary="before")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="after")
    event.refresh_from_db()
    assert event.summary == "before"


@pytest.mark.django_db
def test_audit_rows_cannot_be_deleted_even_in_raw_sql():
    event = audit_record(actor=None, action="test.thing")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).count() == 1


@pytest.mark.django_db
def test_maintenance_mode_allows_pruning():
    event = audit_record(actor=None, action="test.thing")
    with maintenance():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert not AuditEvent.objects.filter(pk=event.pk).exists()
