"""Tiered authorisation (篇6, 篇8): a claim above the reviewer's points limit is refused and
approved by a higher role; 篇6's "slips valid only when signed by a deputy GM or above" is
configuration (settings.authorisation.slip_min_level)."""

import pytest

from jifen.claims import services
from jifen.claims.models import Claim, ClaimEvent
from jifen.claims.testing import local
from jifen.claims.tests.flow import (
    assert_ledger_clean,
    balance,
    history,
    keys,
    publish,
    state,
    tick,
)
from jifen.claims.tests.helpers import pre_approved
from jifen.core.errors import PermissionDenied


def test_above_the_reviewers_limit_refused_then_approved_by_the_org_admin_and_posted(setup):
    w = setup.world
    claim = pre_approved(setup, points=80)  # the reviewer's limit is 50, the org admin's 1000
    events = ClaimEvent.objects.count()
    with pytest.raises(PermissionDenied) as refused:
        services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    assert refused.value.code == "over_points_limit"
    assert refused.value.zh == "80 分超出您的授权上限 50 分，需由授权更高的人员审批"
    assert refused.value.en == "80 points exceed your limit of 50; an approver with a higher limit is needed"
    assert state(claim) == "pre_approved" and ClaimEvent.objects.count() == events

    # The reviewer may still lower it to what they may sign …
    with pytest.raises(PermissionDenied):
        services.claim_review(actor=w.reviewer, claim=claim, outcome="change", points=60, reason="酌减")
    # … but here the org admin approves the full amount.
    services.claim_review(actor=w.admin, claim=Claim.objects.get(pk=claim.pk), outcome="approve", reason="镇里审批")
    tick(local(2026, 4, 1, 0, 5))
    tick(local(2026, 4, 8, 0, 6))
    assert state(claim) == "posted" and balance(setup.scheme, w.zhangsan.subject) == 80
    assert history(claim)[2] == ("pre_approved", "approved", "admin")
    assert_ledger_clean()


def test_a_second_check_that_raises_points_needs_the_limit_too(setup):
    w = setup.world
    claim = pre_approved(setup, points=40)
    services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    publish(setup)
    services.objection_file(claim=Claim.objects.get(pk=claim.pk), reason="他调解了三次，应当多加", user=w.neighbour)
    with pytest.raises(PermissionDenied) as refused:
        services.claim_second_check(actor=w.reviewer, claim=Claim.objects.get(pk=claim.pk), outcome="change", points=70, reason="加分")
    assert refused.value.code == "over_points_limit"
    assert state(claim) == "disputed" and Claim.objects.get(pk=claim.pk).points == 40
    services.claim_second_check(actor=w.admin, claim=Claim.objects.get(pk=claim.pk), outcome="change", points=70, reason="加分")
    assert Claim.objects.get(pk=claim.pk).points == 70


def test_slips_need_a_deputy_general_manager_or_above_by_configuration(setup):
    scheme = setup.company_scheme

    def issue(actor):
        return services.slip_issue(
            actor=actor, scheme=scheme, subject=setup.worker.subject, item=setup.praise, occurred_at=local(2026, 3, 9, 9),
            description="客户表扬",
        )

    with pytest.raises(PermissionDenied) as refused:
        issue(setup.supervisor)  # 主管, level 1: 50 is inside the limit, but the level is too low
    assert refused.value.code == "slip_level"
    assert refused.value.zh == "奖扣分通知单须由总经理、副总经理及以上人员签发"
    assert Claim.objects.count() == 0

    claim = issue(setup.deputy)
    publish(setup, actor=setup.deputy, scheme=scheme)
    tick(local(2026, 3, 13, 10, 1))
    assert state(claim) == "posted" and balance(scheme, setup.worker.subject) == 50
    assert f"claim:{claim.pk}" in keys(scheme)
    assert_ledger_clean()
