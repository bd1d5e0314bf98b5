import pytest

from jifen.claims import services
from jifen.claims.models import Claim, ClaimState
from jifen.claims.testing import local
from jifen.core.errors import InvalidInput, PermissionDenied
from jifen.rules import services as rules


def slip(setup, actor, *, item=None, subject=None, **kw):
    return services.slip_issue(
        actor=actor, scheme=setup.company_scheme, subject=subject or setup.worker.subject, item=item or setup.praise,
        occurred_at=local(2026, 3, 9, 14), description=kw.pop("description", "客户来电表扬"), **kw,
    )


def test_a_deputy_general_manager_signs_a_slip_that_goes_straight_to_the_notice_road(setup):
    claim = slip(setup, setup.deputy)
    assert claim.origin == "slip" and claim.state == ClaimState.APPROVED
    assert claim.approved_by == setup.deputy and claim.points == 50
    assert [(e.from_state, e.to_state) for e in claim.events.all()] == [("", "approved")]


def test_slip_min_level_from_the_settings_refuses_a_lower_signer(setup):
    # 篇6: 《奖扣分通知单》由副总经理以上人员签字方可生效 — slip_min_level 2 in the scheme's settings.
    with pytest.raises(PermissionDenied) as refused:
        slip(setup, setup.supervisor, item=setup.lateness)
    assert refused.value.code == "slip_level"
    assert "总经理、副总经理" in refused.value.zh
    assert Claim.objects.count() == 0


def test_without_slip_min_level_a_supervisor_may_sign_within_the_limit(setup):
    scheme = setup.company_scheme
    settings = {**scheme.settings, "authorisation": {**scheme.settings["authorisation"], "slip_min_level": None}}
    rules.scheme_update(actor=None, scheme=scheme, settings=settings)
    setup.company_scheme.refresh_from_db()
    claim = slip(setup, setup.supervisor, item=setup.lateness)
    assert claim.points == -5


def test_the_level_can_come_from_the_title_in_the_settings(setup):
    from jifen.orgs.models import RoleBinding

    # The binding itself says level 0, but its title 副总经理 is level 2 in the scheme.
    RoleBinding.objects.filter(user=setup.deputy).update(level=0)
    assert slip(setup, setup.deputy).state == "approved"


def test_a_slip_above_the_signers_limit_is_refused(setup):
    from jifen.orgs.models import RoleBinding

    RoleBinding.objects.filter(user=setup.deputy).update(points_limit=30)
    with pytest.raises(PermissionDenied) as refused:
        slip(setup, setup.deputy)
    assert refused.value.code == "over_points_limit"
    assert slip(setup, setup.gm).points == 50


def test_a_title_tier_caps_the_bindings_limit(setup):
    scheme = setup.company_scheme
    settings = {**scheme.settings, "authorisation": {**scheme.settings["authorisation"], "tiers": [{"title": "副总经理", "points_limit": 20}]}}
    rules.scheme_update(actor=None, scheme=scheme, settings=settings)
    setup.company_scheme.refresh_from_db()
    with pytest.raises(PermissionDenied) as refused:
        slip(setup, setup.deputy)
    assert refused.value.detail["limit"] == 20


def test_nobody_signs_a_slip_for_themself(setup):
    with pytest.raises(PermissionDenied) as refused:
        slip(setup, setup.deputy, subject=setup.deputy.person.subject)
    assert refused.value.code == "own_claim"


def test_a_member_cannot_sign_slips(setup):
    with pytest.raises(PermissionDenied):
        slip(setup, setup.worker_user, subject=setup.leader.subject)


def test_a_slip_needs_a_reason(setup):
    with pytest.raises(InvalidInput) as refused:
        slip(setup, setup.deputy, description="")
    assert refused.value.detail == {"field": "description"}
