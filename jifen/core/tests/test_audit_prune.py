import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from jifen.core import clock
from jifen.core.audit import audit_prune, audit_record
from jifen.core.errors import InvalidInput
from jifen.core.models import AuditEvent

NOW = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def row_at(days_ago):
    with clock.frozen(NOW - dt.timedelta(days=days_ago)):
        return audit_record(actor=None, action=f"test.{days_ago}")


@pytest.mark.django_db
def test_prune_deletes_only_rows_past_retention_and_records_itself():
    old, kept = row_at(200), row_at(179)
    with clock.frozen(NOW):
        assert audit_prune(actor=None) == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    event = AuditEvent.objects.get(action="core.audit_prune")
    assert event.after["deleted"] == 1 and event.after["older_than_days"] == 180


@pytest.mark.django_db
def test_prune_refuses_less_than_180_days_and_deletes_nothing():
    row_at(200)
    with pytest.raises(InvalidInput):
        audit_prune(actor=None, older_than_days=179)
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db
def test_the_command_prunes_and_refuses_short_retention(capsys):
    row_at(400), row_at(300)
    with clock.frozen(NOW):
        with pytest.raises(CommandError, match="180"):
            call_command("audit", "prune", "--older-than-days", "90")
        assert AuditEvent.objects.count() == 2
        call_command("audit", "prune", "--older-than-days", "365")
    assert "deleted 1 audit row" in capsys.readouterr().out
    assert sorted(AuditEvent.objects.values_list("action", flat=True)) == ["core.audit_prune", "test.300"]
