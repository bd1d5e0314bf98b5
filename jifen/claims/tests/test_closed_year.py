"""篇7 clears points at year end: a December deed is noticed in January and posts after the close.
It must not land in the cleared year (whose balance would no longer be zero), and must not be lost."""

from jifen.claims import services
from jifen.claims.models import Claim
from jifen.claims.testing import local, photo
from jifen.claims.tests.flow import balance, state, tick
from jifen.claims.tests.helpers import approve, meeting
from jifen.core import clock
from jifen.ledger.models import Transaction
from jifen.rankings.closing import period_close
from jifen.rankings.reward_scores import balances_before


def test_a_deed_of_a_cleared_year_posts_at_the_start_of_the_open_year(setup):
    w = setup.world
    with clock.frozen(local(2026, 12, 20, 10)):
        claim = services.claim_declare(
            actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.help,
            occurred_at=local(2026, 12, 18, 9), description="冬至给孤寡老人送饺子", place="沙河村一组", evidence=[photo("JPEG")],
        )
        services.claim_pre_approve(actor=w.recorder, claim=claim, reason="属实")
        meeting(setup, [approve(Claim.objects.get(pk=claim.pk))])
    assert "published 1 notice(s)" in tick(local(2027, 1, 1, 0, 5))
    with clock.frozen(local(2027, 1, 2, 9)):
        period_close(scheme=setup.scheme, year=2026)
    assert "posted 1" in tick(local(2027, 1, 8, 0, 10))

    assert state(claim) == "posted"
    tx = Transaction.objects.get(scheme=setup.scheme, key=Claim.objects.get(pk=claim.pk).ledger_key)
    assert tx.occurred_at == local(2027, 1, 1, 0, 0)
    assert "2026年事项，该年已清零" in tx.reason
    # the cleared year stays at zero; the points count in 2027 and can be spent
    assert balances_before(scheme=setup.scheme, day=local(2027, 1, 1).date()).get(w.zhangsan.subject.pk, 0) == 0
    assert balance(setup.scheme, w.zhangsan.subject) == 5


def test_a_deed_of_a_year_not_yet_cleared_keeps_its_own_time(setup):
    w = setup.world
    claim = services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.help,
        occurred_at=local(2026, 3, 5, 9), description="修水管", place="沙河村一组", evidence=[photo("JPEG")],
    )
    services.claim_pre_approve(actor=w.recorder, claim=claim, reason="属实")
    meeting(setup, [approve(Claim.objects.get(pk=claim.pk))])
    tick(local(2026, 4, 1, 0, 5))
    assert "posted 1" in tick(local(2026, 4, 8, 0, 10))
    tx = Transaction.objects.get(scheme=setup.scheme, key=Claim.objects.get(pk=claim.pk).ledger_key)
    assert tx.occurred_at == local(2026, 3, 5, 9) and "已清零" not in tx.reason
