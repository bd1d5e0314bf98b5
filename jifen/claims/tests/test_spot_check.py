"""抽检核查 (篇2): an inspection's findings become deduction claims carrying the collective
decision they rest on (篇5); they go through the committee and the notice like any claim."""

import datetime as dt

import pytest

from jifen.claims import services
from jifen.claims.models import Claim, SpotCheck
from jifen.claims.services import Finding
from jifen.claims.testing import local
from jifen.claims.tests.flow import assert_ledger_clean, balance, history, state, tick
from jifen.claims.tests.helpers import approve, meeting
from jifen.core.errors import InvalidInput
from jifen.core.models import Notification

DECISION = "2026年3月2日村民代表会议决定：抽检发现环境卫生问题的农户每次扣3分"


def record(setup, findings, **kw):
    w = setup.world
    return services.spot_check_record(
        actor=w.recorder, scheme=setup.scheme, org=w.shahe_grid1, held_on=dt.date(2026, 3, 9), decision_record=DECISION,
        findings=findings, inspectors=[w.reviewer], inspector_names="村妇联 刘主任", households_checked=12, **kw,
    )


def test_findings_become_deductions_that_are_decided_noticed_and_posted(setup):
    w = setup.world
    check = record(
        setup,
        [
            Finding(subject=w.household.subject, item=setup.litter, description="院内垃圾堆放"),
            Finding(subject=w.neighbour_household.subject, item=setup.litter, description="门前污水横流"),
        ],
    )
    assert (check.households_checked, check.decision_record) == (12, DECISION)
    assert set(check.inspectors.values_list("username", flat=True)) == {"recorder", "reviewer"}
    claims = list(Claim.objects.filter(spot_check=check).order_by("pk"))
    assert [(c.origin, c.state, c.points, c.decision_record) for c in claims] == [("spot_check", "pre_approved", -3, DECISION)] * 2
    assert claims[0].occurred_at == local(2026, 3, 9, 12)
    # The households' members with an account hear of it (李梅 has none).
    assert sorted(Notification.objects.filter(kind="claims.spot_check").values_list("recipient__username", flat=True)) == [
        "wangwu", "zhangsan",
    ]

    m = meeting(setup, [approve(claims[0]), approve(claims[1], "reject", reason="复查已整改，免扣")])
    tick(local(2026, 4, 1, 0, 5))
    tick(local(2026, 4, 8, 0, 6))
    assert (state(claims[0]), state(claims[1])) == ("posted", "rejected")
    assert balance(setup.scheme, w.household.subject) == -3
    assert balance(setup.scheme, w.neighbour_household.subject) == 0
    assert Claim.objects.get(pk=claims[0].pk).meeting == m
    assert history(claims[0])[0] == ("", "pre_approved", "recorder")
    assert_ledger_clean()


def test_a_spot_check_is_all_or_nothing(setup):
    w = setup.world
    with pytest.raises(InvalidInput) as refused:
        record(
            setup,
            [
                Finding(subject=w.household.subject, item=setup.litter, description="院内垃圾堆放"),
                Finding(subject=w.neighbour_household.subject, item=setup.mediate, description="这是加分事项", points=10),
            ],
        )
    assert refused.value.zh == "第 2 条：抽检发现只能登记扣分事项"
    assert SpotCheck.objects.count() == 0 and Claim.objects.count() == 0


def test_a_household_outside_the_inspected_unit_is_refused(setup):
    w = setup.world
    with pytest.raises(InvalidInput) as refused:
        record(setup, [Finding(subject=w.outsider_household.subject, item=setup.litter, description="垃圾")])
    assert "不在抽检范围内" in refused.value.zh
    assert SpotCheck.objects.count() == 0


def test_a_spot_check_needs_its_decision_record(setup):
    w = setup.world
    with pytest.raises(InvalidInput) as refused:
        services.spot_check_record(
            actor=w.recorder, scheme=setup.scheme, org=w.shahe_grid1, held_on=dt.date(2026, 3, 9), decision_record=" ",
            findings=[Finding(subject=w.household.subject, item=setup.litter, description="垃圾")],
        )
    assert refused.value.detail == {"field": "decision_record"}
    assert SpotCheck.objects.count() == 0
