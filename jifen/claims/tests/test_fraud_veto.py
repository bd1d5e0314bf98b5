"""篇7: a claim found false (弄虚作假) costs the multiplier × its points; a veto (一票否决) bars
redemption and rewards for the configured period while points keep accruing."""

import datetime as dt

import pytest

from jifen.claims import services
from jifen.claims.models import Claim, NoticeEntry, Veto
from jifen.claims.selectors import require_not_vetoed, veto_active, veto_in_force
from jifen.claims.testing import local
from jifen.claims.tests.flow import assert_ledger_clean, balance, history, keys, state, tick
from jifen.claims.tests.helpers import approved
from jifen.core import clock
from jifen.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from jifen.core.models import Notification
from jifen.ledger.models import Transaction
from jifen.rules import services as rules

APRIL_1 = local(2026, 4, 1, 0, 5)
WINDOW_CLOSES = local(2026, 4, 8, 0, 5)


def posted(setup, **kw):
    claim = approved(setup, **kw)
    tick(APRIL_1)
    tick(WINDOW_CLOSES)
    assert state(claim) == "posted"
    return Claim.objects.get(pk=claim.pk)


def test_a_posted_claim_found_false_is_reversed_and_costs_double(setup):
    w = setup.world
    claim = posted(setup, item=setup.help)  # 5 points
    assert balance(setup.scheme, w.zhangsan.subject) == 5

    with clock.frozen(local(2026, 5, 6, 10)):
        penalty = services.claim_fraud_find(
            actor=w.reviewer, claim=claim, reason="照片是网上下载的", decision_record="五月村务会认定",
        )
    claim.refresh_from_db()
    assert (claim.state, claim.is_fraud) == ("revoked", True)
    assert (penalty.origin, penalty.state, penalty.points, penalty.source_claim) == ("fraud", "posted", -10, claim)
    assert penalty.decision_record == "五月村务会认定" and penalty.item_version.item == setup.fraud
    # The award is reversed and the penalty is ×2 (settings.fraud_multiplier): 5 − 5 − 10.
    assert balance(setup.scheme, w.zhangsan.subject) == -10
    assert keys(setup.scheme) == sorted([f"claim:{claim.pk}", f"claim:{claim.pk}:fraud", f"claim:{claim.pk}:reversal"])
    fraud_tx = Transaction.objects.get(key=f"claim:{claim.pk}:fraud")
    assert fraud_tx.source_id == str(penalty.pk) and fraud_tx.occurred_at == local(2026, 5, 6, 10)
    assert history(claim)[-1] == ("posted", "revoked", "reviewer")
    assert history(penalty) == [("", "posted", "reviewer")]
    assert Notification.objects.filter(kind="claims.fraud", recipient=w.member).get().body == "扣 -10 分：照片是网上下载的"

    # Found once: a second finding is refused and changes nothing.
    with pytest.raises(IllegalTransition):
        services.claim_fraud_find(actor=w.admin, claim=claim, reason="再认定一次")
    assert balance(setup.scheme, w.zhangsan.subject) == -10 and Claim.objects.filter(origin="fraud").count() == 1
    assert_ledger_clean()


def test_the_multiplier_comes_from_the_scheme_settings(setup):
    w = setup.world
    rules.scheme_update(actor=None, scheme=setup.scheme, settings={**setup.scheme.settings, "fraud_multiplier": "1.5"})
    setup.scheme.refresh_from_db()
    claim = approved(setup, item=setup.help)  # 5 points, not yet on notice
    penalty = services.claim_fraud_find(actor=w.reviewer, claim=claim, reason="虚报")
    assert penalty.points == -8  # 7.5 rounded half up to whole points
    assert balance(setup.scheme, w.zhangsan.subject) == -8
    assert keys(setup.scheme) == [f"claim:{claim.pk}:fraud"]  # nothing to reverse: it was never posted


def test_a_claim_found_false_on_notice_leaves_the_notice_and_is_never_posted(setup):
    w = setup.world
    claim = approved(setup, points=30)
    tick(APRIL_1)
    with clock.frozen(local(2026, 4, 3, 9)):
        services.objection_file(claim=Claim.objects.get(pk=claim.pk), reason="是他自己编的", user=w.neighbour)
        services.claim_fraud_find(actor=w.admin, claim=Claim.objects.get(pk=claim.pk), reason="核实为编造")  # 60 > the reviewer's 50
    assert NoticeEntry.objects.get(claim=claim).state == "revoked"
    assert Claim.objects.get(pk=claim.pk).objections.get().status == "revoked"
    tick(WINDOW_CLOSES)
    assert state(claim) == "revoked"
    assert balance(setup.scheme, w.zhangsan.subject) == -60
    assert_ledger_clean()


def test_only_a_reviewer_not_of_the_household_finds_fraud(setup):
    w = setup.world
    claim = approved(setup, item=setup.help)
    for actor, code in ((w.recorder, "forbidden"), (w.member, "forbidden")):
        with pytest.raises(PermissionDenied) as refused:
            services.claim_fraud_find(actor=actor, claim=claim, reason="虚报")
        assert refused.value.code == code
    assert state(claim) == "approved" and Claim.objects.filter(origin="fraud").count() == 0 and keys(setup.scheme) == []


def test_a_deduction_cannot_be_found_false(setup):
    claim = approved(setup, item=setup.litter)
    with pytest.raises(InvalidInput) as refused:
        services.claim_fraud_find(actor=setup.world.reviewer, claim=claim, reason="x")
    assert refused.value.code == "fraud_needs_award"
    assert state(claim) == "approved"


def report_violation(setup, *, day=8):
    w = setup.world
    return services.claim_declare(
        actor=w.neighbour, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.violation, origin="third_party",
        occurred_at=local(2026, 3, day, 9), description="参与赌博被派出所处理", place="沙河村",
    )


def test_a_veto_bars_redemption_through_the_selector_while_points_keep_accruing(setup):
    w = setup.world
    report = report_violation(setup)
    assert report.points == 0
    services.claim_pre_approve(actor=w.recorder, claim=report)
    services.claim_review(actor=w.reviewer, claim=Claim.objects.get(pk=report.pk), outcome="approve", reason="派出所通报属实")

    veto = Veto.objects.get()
    assert (veto.subject, veto.starts_on, veto.ends_on, veto.source_claim_id) == (
        w.zhangsan.subject, dt.date(2026, 3, 10), dt.date(2027, 3, 9), report.pk,
    )
    assert veto.bars == ["redemption", "rewards"]
    on = dt.date(2026, 6, 1)
    assert veto_in_force(setup.scheme, w.zhangsan.subject, on, bar="redemption") == veto
    assert veto_in_force(setup.scheme, w.zhangsan.subject, on, bar="rewards") == veto
    assert veto_in_force(setup.scheme, w.zhangsan.subject, on, bar="honours") is None  # not barred by this scheme
    assert veto_in_force(setup.scheme, w.wangwu.subject, on, bar="redemption") is None
    assert veto_in_force(setup.scheme, w.zhangsan.subject, dt.date(2027, 3, 10), bar="redemption") is None
    # A time is read in the scheme's zone: 9 March 2027 23:30 in Shanghai is still inside.
    assert veto_in_force(setup.scheme, w.zhangsan.subject, local(2027, 3, 9, 23, 30)) == veto
    assert veto_active is veto_in_force

    # The redemption check (market) refuses through the same selector, in both languages.
    with pytest.raises(PermissionDenied) as refused:
        require_not_vetoed(scheme=setup.scheme, subject=w.zhangsan.subject, on=on, bar="redemption")
    assert refused.value.code == "vetoed"
    assert refused.value.zh == "「张三」处于一票否决期（2026-03-10 至 2027-03-09），不能参与积分兑换"
    assert refused.value.en == "'张三' is under a veto from 2026-03-10 to 2027-03-09 and is barred from redemption"
    require_not_vetoed(scheme=setup.scheme, subject=w.wangwu.subject, on=on, bar="redemption")

    # Points keep accruing under the veto: a good deed in March is posted in April.
    deed = approved(setup, points=20, day=9)
    tick(APRIL_1)
    tick(WINDOW_CLOSES)
    assert (state(report), state(deed)) == ("posted", "posted")
    assert balance(setup.scheme, w.zhangsan.subject) == 20
    assert keys(setup.scheme) == [f"claim:{deed.pk}"]  # the veto record itself carries no points
    assert Notification.objects.filter(kind="claims.veto", recipient=w.member).count() == 1
    assert_ledger_clean()


def test_a_veto_revoked_on_second_check_is_lifted(setup):
    w = setup.world
    report = report_violation(setup)
    services.claim_pre_approve(actor=w.recorder, claim=report)
    services.claim_review(actor=w.reviewer, claim=Claim.objects.get(pk=report.pk), outcome="approve")
    tick(APRIL_1)
    with clock.frozen(local(2026, 4, 2, 9)):
        services.objection_file(claim=Claim.objects.get(pk=report.pk), reason="认错人了", user=w.member)
        services.claim_second_check(actor=w.admin, claim=Claim.objects.get(pk=report.pk), outcome="revoke", reason="派出所更正")
    veto = Veto.objects.get()
    assert veto.lifted_at == local(2026, 4, 2, 9) and veto.lifted_reason == "二次核查撤销：派出所更正"
    assert veto_in_force(setup.scheme, w.zhangsan.subject, dt.date(2026, 4, 3), bar="redemption") is None
    assert veto_in_force(setup.scheme, w.zhangsan.subject, dt.date(2026, 3, 20), bar="redemption") is None


def test_a_scheme_that_turns_its_veto_rule_off_bars_nobody(setup):
    w = setup.world
    services.veto_record(actor=w.reviewer, scheme=setup.scheme, subject=w.zhangsan.subject, starts_on=dt.date(2026, 3, 1), reason="违法")
    assert veto_in_force(setup.scheme, w.zhangsan.subject, dt.date(2026, 3, 2)) is not None
    rules.scheme_update(actor=None, scheme=setup.scheme, settings={**setup.scheme.settings, "veto": {"enabled": False, "period_days": 365}})
    setup.scheme.refresh_from_db()
    assert veto_in_force(setup.scheme, w.zhangsan.subject, dt.date(2026, 3, 2)) is None
