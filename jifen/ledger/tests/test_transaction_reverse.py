import datetime as dt

import pytest

from jifen.core import clock
from jifen.core.errors import Conflict, IdempotencyMismatch, IllegalTransition
from jifen.ledger import selectors, services
from jifen.ledger.models import Posting
from jifen.ledger.services import Leg
from jifen.ledger.testing import award, ledger_snapshot, local
from jifen.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db

GRAINS = ("week", "month", "quarter", "year", "all")


def sums(account, on):
    return {g: (selectors.score_of(account=account, grain=g, on=on), selectors.balance_of(account=account, grain=g, on=on)) for g in GRAINS}


def test_a_reversal_mirrors_the_original_and_restores_every_period(world, scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=5, key="keep", at=local(2026, 3, 2, 9))
    before = sums(acc.zhangsan, dt.date(2026, 3, 31))
    wrong = award(scheme=scheme, account=acc.zhangsan, points=20, key="wrong", at=local(2026, 3, 31, 23, 30))
    assert sums(acc.zhangsan, dt.date(2026, 3, 31)) != before
    rev = services.transaction_reverse(transaction=wrong, key="rev:wrong", actor=world.reviewer, reason="异议成立，撤销")
    assert rev.reverses_id == wrong.pk and rev.occurred_at == wrong.occurred_at
    assert (rev.source_type, rev.source_id) == (wrong.source_type, wrong.source_id)
    assert list(Posting.objects.filter(transaction=rev).order_by("line").values_list("account_id", "amount", "kind", "counts_in_score")) == [
        (acc.zhangsan.pk, -20, "reversal", True),
        (acc.issuance.pk, 20, "reversal", True),
    ]
    assert sums(acc.zhangsan, dt.date(2026, 3, 31)) == before
    assert ledger_verify().ok


def test_a_reversal_of_a_redemption_keeps_the_score_untouched(world, scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=30, key="a", at=local(2026, 3, 2, 9))
    redeem = services.transaction_post(
        scheme=scheme, key="r", source_type="redemption", source_id="9", actor=None, occurred_at=local(2026, 3, 3, 9),
        reason="兑换食用油", legs=[Leg(acc.zhangsan, -12, "redeem"), Leg(acc.shop, 12, "redeem")],
    )
    services.transaction_reverse(transaction=redeem, key="rr", actor=world.admin, reason="退货")
    assert Posting.objects.filter(transaction__reverses=redeem, account_id=acc.zhangsan.pk).get().counts_in_score is False
    assert selectors.balance_of(account=acc.zhangsan) == 30
    assert selectors.score_of(account=acc.zhangsan, grain="month", on=dt.date(2026, 3, 1)) == 30


def test_a_correction_can_be_booked_in_the_current_period(world, scheme, acc):
    wrong = award(scheme=scheme, account=acc.zhangsan, points=20, key="wrong", at=local(2026, 3, 10, 9))
    with clock.frozen(local(2026, 4, 15, 10)):
        services.transaction_reverse(transaction=wrong, key="rev", actor=world.admin, reason="更正", occurred_at=clock.now())
    assert selectors.score_of(account=acc.zhangsan, grain="month", on=dt.date(2026, 3, 1)) == 20
    assert selectors.score_of(account=acc.zhangsan, grain="month", on=dt.date(2026, 4, 1)) == -20
    assert selectors.balance_of(account=acc.zhangsan) == 0


def test_reversing_twice_is_refused_and_replaying_the_key_returns_the_reversal(world, scheme, acc):
    wrong = award(scheme=scheme, account=acc.zhangsan, points=20, key="wrong", at=local(2026, 3, 10, 9))
    rev = services.transaction_reverse(transaction=wrong, key="rev", actor=world.admin, reason="更正")
    before = ledger_snapshot()
    assert services.transaction_reverse(transaction=wrong, key="rev", actor=world.admin, reason="更正").pk == rev.pk
    with pytest.raises(Conflict) as exc:
        services.transaction_reverse(transaction=wrong, key="rev-2", actor=world.admin, reason="再次更正")
    assert exc.value.code == "already_reversed" and exc.value.detail == {"transaction": wrong.pk, "reversed_by": rev.pk}
    with pytest.raises(IdempotencyMismatch):
        services.transaction_reverse(transaction=wrong, key="rev", actor=world.admin, reason="别的理由")
    with pytest.raises(IllegalTransition):
        services.transaction_reverse(transaction=rev, key="rev-rev", actor=world.admin, reason="撤销冲正")
    assert ledger_snapshot() == before


def test_a_reversal_that_would_overdraw_a_non_negative_account_is_refused(world, scheme, acc):
    services.account_set_non_negative(account=acc.zhangsan, non_negative=True, actor=world.admin)
    gift = award(scheme=scheme, account=acc.zhangsan, points=20, key="gift", at=local(2026, 3, 2, 9))
    services.transaction_post(
        scheme=scheme, key="spend", source_type="redemption", source_id="1", actor=None, occurred_at=local(2026, 3, 3, 9),
        reason="兑换大米", legs=[Leg(acc.zhangsan, -15, "redeem"), Leg(acc.shop, 15, "redeem")],
    )
    before = ledger_snapshot()
    with pytest.raises(Conflict) as exc:
        services.transaction_reverse(transaction=gift, key="undo-gift", actor=world.admin, reason="误发")
    assert exc.value.code == "insufficient_balance"
    assert ledger_snapshot() == before
