import datetime as dt

import pytest

from jifen.core.errors import InvalidInput
from jifen.core.models import AuditEvent
from jifen.rules import services
from jifen.rules.models import Scheme


@pytest.mark.django_db
def test_it_fills_the_objection_window_and_settings_and_audits_only_what_changed(world, scheme):
    services.scheme_update(
        actor=world.admin, scheme=scheme, objection_days=5, settings={"veto": {"period_days": 180}}, name="沙河村积分方案（修订）",
    )

    scheme.refresh_from_db()
    assert (scheme.objection_days, scheme.name) == (5, "沙河村积分方案（修订）")
    assert scheme.settings == {"veto": {"period_days": 180}}
    event = AuditEvent.objects.get(action="rules.scheme_update")
    assert event.before == {"name": "沙河村积分方案", "objection_days": 7, "settings": {}}
    assert event.after == {"name": "沙河村积分方案（修订）", "objection_days": 5, "settings": {"veto": {"period_days": 180}}}


@pytest.mark.django_db
def test_an_update_that_changes_nothing_writes_no_audit_row(world, scheme):
    services.scheme_update(actor=world.admin, scheme=scheme, objection_days=7)
    assert not AuditEvent.objects.filter(action="rules.scheme_update").exists()


@pytest.mark.django_db
def test_bad_settings_are_refused_and_the_scheme_is_unchanged(world, scheme):
    services.scheme_update(actor=world.admin, scheme=scheme, settings={"records_per_day": 1})
    with pytest.raises(InvalidInput) as exc:
        services.scheme_update(
            actor=world.admin, scheme=scheme, objection_days=3,
            settings={"records_per_day": 1, "leader_matching": {"applies_to": ["award", "bonus"]}},
        )

    assert exc.value.detail["field"] == "settings.leader_matching.applies_to[1]"
    fresh = Scheme.objects.get(pk=scheme.pk)
    assert (fresh.objection_days, fresh.settings) == (7, {"records_per_day": 1})
    assert AuditEvent.objects.filter(action="rules.scheme_update").count() == 1


@pytest.mark.django_db
def test_the_org_and_code_cannot_be_changed_here(world, scheme):
    with pytest.raises(InvalidInput) as exc:
        services.scheme_update(actor=world.admin, scheme=scheme, code="other")
    assert exc.value.detail["field"] == "code"
    assert Scheme.objects.get(pk=scheme.pk).code == "shahe-test"


@pytest.mark.django_db
def test_points_scale_is_fixed_once_the_scheme_has_items(world, scheme, category):
    services.scheme_update(actor=world.admin, scheme=scheme, points_scale=1)
    services.item_create(
        actor=world.admin, scheme=scheme, category=category, code="a", effective_from=dt.date(2026, 1, 1),
        name="协助处理群体性事件", direction="award", points=150,
    )
    with pytest.raises(InvalidInput) as exc:
        services.scheme_update(actor=world.admin, scheme=scheme, points_scale=0)
    assert exc.value.detail["field"] == "points_scale"
    assert Scheme.objects.get(pk=scheme.pk).points_scale == 1


@pytest.mark.django_db
def test_dropping_a_subject_type_that_base_points_use_is_refused(world, scheme):
    services.scheme_update(
        actor=world.admin, scheme=scheme, settings={"base_points": {"amount": 100, "subject_types": ["household"]}},
    )
    with pytest.raises(InvalidInput) as exc:
        services.scheme_update(actor=world.admin, scheme=scheme, subject_types=["person"])
    assert exc.value.detail["field"] == "settings.base_points.subject_types"
    assert Scheme.objects.get(pk=scheme.pk).subject_types == ["person", "household"]
