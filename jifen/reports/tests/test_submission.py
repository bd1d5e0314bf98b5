"""monthly_report_submit: a frozen, append-only snapshot; idempotent; refused to outsiders and early."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jifen.claims.testing import local
from jifen.core import clock
from jifen.core.errors import Conflict, IdempotencyMismatch, InvalidInput, PermissionDenied
from jifen.core.models import AuditEvent
from jifen.reports import selectors
from jifen.reports.models import MonthlyReportSubmission
from jifen.reports.services import monthly_report_submit
from jifen.reports.testing import _post

MARCH = dt.date(2026, 3, 1)
APRIL_5 = local(2026, 4, 5, 10)


@pytest.mark.django_db
def test_submission_freezes_the_figures_with_who_and_when(march):
    w = march.world
    with clock.frozen(APRIL_5):
        submission = monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-a", note="三月月报")
    assert (submission.revision, submission.submitted_by, submission.submitted_at) == (1, w.reviewer, APRIL_5)
    assert submission.submitted_by_name == "陈审核"
    assert submission.figures == selectors.monthly_figures(village=w.shahe, month=MARCH)
    assert submission.figures["households"] == {"total": 2, "active": 1}
    event = AuditEvent.objects.get(action="reports.monthly_report_submit")
    assert (event.actor_id, event.org_path, event.after["revision"]) == (w.reviewer.pk, "demo/zhangji/shahe", 1)


@pytest.mark.django_db
def test_submitting_twice_with_one_key_writes_one_row(march):
    w = march.world
    with clock.frozen(APRIL_5):
        first = monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-a")
        again = monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-a")
        # A second click with a fresh key but unchanged figures returns the standing submission too.
        other_key = monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-b")
    assert first.pk == again.pk == other_key.pk
    assert MonthlyReportSubmission.objects.count() == 1
    assert AuditEvent.objects.filter(action="reports.monthly_report_submit").count() == 1


@pytest.mark.django_db
def test_a_key_reused_for_another_month_is_refused(march):
    w = march.world
    with clock.frozen(APRIL_5):
        monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-key-0001")
        with pytest.raises(IdempotencyMismatch):
            monthly_report_submit(actor=w.reviewer, village=w.shahe, month=dt.date(2026, 2, 1), key="shahe-key-0001")
    assert MonthlyReportSubmission.objects.count() == 1


@pytest.mark.django_db
def test_changed_figures_make_a_new_revision_and_keep_the_first(march):
    w, s = march.world, march.setup
    with clock.frozen(APRIL_5):
        first = monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-a")
        _post(s.scheme, "late-march-award", w.wangwu.subject, 5, "award", local(2026, 3, 30, 9), s.help)
        second = monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-b")
    assert (first.revision, second.revision) == (1, 2)
    assert first.figures["households"] == {"total": 2, "active": 1}
    assert second.figures["households"] == {"total": 2, "active": 2}
    assert selectors.latest_submission(village=w.shahe, month=MARCH).pk == second.pk


@pytest.mark.django_db
def test_figures_changed_since_review_are_refused(march):
    w, s = march.world, march.setup
    with clock.frozen(APRIL_5):
        seen = selectors.figures_hash(selectors.monthly_figures(village=w.shahe, month=MARCH))
        _post(s.scheme, "late-march-award", w.wangwu.subject, 5, "award", local(2026, 3, 30, 9), s.help)
        with pytest.raises(Conflict) as err:
            monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-a", reviewed_hash=seen)
    assert err.value.code == "figures_changed"
    assert MonthlyReportSubmission.objects.count() == 0


@pytest.mark.django_db
def test_submissions_cannot_be_edited_or_deleted(march):
    w = march.world
    with clock.frozen(APRIL_5):
        submission = monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-a")
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReportSubmission.objects.filter(pk=submission.pk).update(note="改过")
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReportSubmission.objects.filter(pk=submission.pk).delete()


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "recorder", "outsider"])
def test_only_the_village_committee_and_admins_submit(march, who):
    w = march.world
    with clock.frozen(APRIL_5), pytest.raises(PermissionDenied):
        monthly_report_submit(actor=getattr(w, who), village=w.shahe, month=MARCH, key="shahe-2026-03-a")
    assert MonthlyReportSubmission.objects.count() == 0


@pytest.mark.django_db
def test_the_township_admin_may_submit_for_a_village(march):
    w = march.world
    with clock.frozen(APRIL_5):
        assert monthly_report_submit(actor=w.admin, village=w.shahe, month=MARCH, key="admin-shahe-03").revision == 1


@pytest.mark.django_db
def test_a_month_not_over_cannot_be_submitted(march):
    w = march.world
    with clock.frozen(local(2026, 3, 31, 23)), pytest.raises(InvalidInput) as err:
        monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, key="shahe-2026-03-a")
    assert err.value.code == "month_not_over"
    assert MonthlyReportSubmission.objects.count() == 0


@pytest.mark.django_db
def test_bad_keys_and_long_notes_are_refused(march):
    w = march.world
    with clock.frozen(APRIL_5):
        for kwargs in ({"key": "short"}, {"key": "has space in it"}, {"key": "shahe-2026-03-a", "note": "长" * 501}):
            with pytest.raises(InvalidInput):
                monthly_report_submit(actor=w.reviewer, village=w.shahe, month=MARCH, **kwargs)
    assert MonthlyReportSubmission.objects.count() == 0
