"""篇6 组长加奖/加扣: when a team member is awarded or deducted, the team leader gets the same;
on or off per scheme (settings.leader_matching), and per item (leader_matching on the version).

The laundry company (claims_setup): weekly notice, 3-day window; 10 March 2026 is a Tuesday,
so a slip noticed today closes on 13 March at 10:00.
"""

import datetime as dt

from jifen.claims import services
from jifen.claims.models import Claim
from jifen.claims.testing import local
from jifen.claims.tests.flow import assert_ledger_clean, balance, keys, publish, state, tick
from jifen.rules import services as rules

CLOSES = local(2026, 3, 13, 10, 1)


def slip(setup, item, subject=None, *, day=9):
    return services.slip_issue(
        actor=setup.deputy, scheme=setup.company_scheme, subject=subject or setup.worker.subject, item=item,
        occurred_at=local(2026, 3, day, 8), description="客户来电表扬" if item == setup.praise else "迟到20分钟",
    )


def post_all(setup):
    publish(setup, actor=setup.deputy, scheme=setup.company_scheme)
    tick(CLOSES)


def test_the_team_leader_gets_the_same_award_and_deduction(setup):
    praise = slip(setup, setup.praise)
    late = slip(setup, setup.lateness, day=10)
    post_all(setup)
    assert (state(praise), state(late)) == ("posted", "posted")
    scheme = setup.company_scheme
    assert balance(scheme, setup.worker.subject) == 45
    assert balance(scheme, setup.leader.subject) == 45
    assert keys(scheme) == sorted(
        [f"claim:{praise.pk}", f"claim:{praise.pk}:leader", f"claim:{late.pk}", f"claim:{late.pk}:leader"]
    )
    assert_ledger_clean()


def test_switched_off_in_the_scheme_the_leader_gets_nothing(setup):
    scheme = setup.company_scheme
    rules.scheme_update(actor=None, scheme=scheme, settings={**scheme.settings, "leader_matching": {"enabled": False}})
    scheme.refresh_from_db()
    praise = slip(setup, setup.praise)
    post_all(setup)
    assert state(praise) == "posted"
    assert (balance(scheme, setup.worker.subject), balance(scheme, setup.leader.subject)) == (50, 0)
    assert keys(scheme) == [f"claim:{praise.pk}"]


def test_awards_only_when_the_scheme_says_so(setup):
    scheme = setup.company_scheme
    rules.scheme_update(
        actor=None, scheme=scheme, settings={**scheme.settings, "leader_matching": {"enabled": True, "applies_to": ["award"]}}
    )
    scheme.refresh_from_db()
    slip(setup, setup.praise)
    slip(setup, setup.lateness, day=10)
    post_all(setup)
    assert (balance(scheme, setup.worker.subject), balance(scheme, setup.leader.subject)) == (45, 50)


def test_an_item_can_switch_matching_off_inside_a_scheme_that_has_it_on(setup):
    scheme = setup.company_scheme
    rules.item_edit(actor=None, item=setup.lateness, effective_from=dt.date(2026, 3, 1), leader_matching=False)
    slip(setup, setup.praise)
    slip(setup, setup.lateness, day=10)
    post_all(setup)
    assert (balance(scheme, setup.worker.subject), balance(scheme, setup.leader.subject)) == (45, 50)


def test_the_village_scheme_without_the_rule_matches_nobody(setup):
    # 篇7 has no team leaders' match: the village scheme's settings do not name it.
    w = setup.world
    claim = services.slip_issue(
        actor=w.reviewer, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=20,
        occurred_at=local(2026, 3, 9, 9), description="调解纠纷",
    )
    tick(local(2026, 4, 1, 0, 5))
    tick(local(2026, 4, 8, 0, 6))
    assert keys(setup.scheme) == [f"claim:{claim.pk}"]


def test_the_leader_is_not_matched_on_their_own_slip(setup):
    own = slip(setup, setup.praise, subject=setup.leader.subject)
    post_all(setup)
    assert balance(setup.company_scheme, setup.leader.subject) == 50
    assert keys(setup.company_scheme) == [f"claim:{own.pk}"]


def test_a_matched_claim_found_false_reverses_the_leaders_match_too(setup):
    scheme = setup.company_scheme
    rules.scheme_update(actor=None, scheme=scheme, settings={**scheme.settings, "fraud_multiplier": 2})
    scheme.refresh_from_db()
    praise = slip(setup, setup.praise)
    post_all(setup)
    penalty = services.claim_fraud_find(actor=setup.gm, claim=Claim.objects.get(pk=praise.pk), reason="表扬电话是亲戚打的")
    assert penalty.points == -100
    # Worker: +50 −50 −100; leader: +50 −50 (the match goes with the claim; the penalty is the worker's own).
    assert (balance(scheme, setup.worker.subject), balance(scheme, setup.leader.subject)) == (-100, 0)
    assert f"claim:{praise.pk}:leader:reversal" in keys(scheme)
    assert_ledger_clean()
