import pytest

from jifen.claims.services import veto_lift, veto_record
from jifen.core.errors import Conflict, IdempotencyMismatch, InvalidInput, PermissionDenied
from jifen.ledger import selectors as ledger_selectors
from jifen.ledger.models import Posting
from jifen.ledger.testing import local
from jifen.ledger.verify import ledger_verify
from jifen.market import selectors, services
from jifen.market.models import Redemption, StockMovement
from jifen.market.tests.helpers import snapshot


def test_basket_redemption_posts_one_redeem_transaction_and_moves_stock(world, mk):
    r = services.redemption_create(
        actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.soap, 3), (mk.voucher, 1)], idempotency_key="k1"
    )
    assert r.receipt_no == f"{mk.shop.pk:04d}-000001"
    assert r.total_units == 50 + 30 + 30
    assert r.status == "completed"
    assert r.person_id == world.zhangsan.pk  # the household head came to the counter
    assert r.household_id == mk.hh.pk
    # one ledger transaction, redeem kind, two legs: household -110, shop +110
    legs = sorted(Posting.objects.filter(transaction=r.transaction).values_list("kind", "amount", "counts_in_score"))
    assert legs == [("redeem", -110, False), ("redeem", 110, False)]
    assert r.transaction.source_type == "redemption" and r.transaction.source_id == r.receipt_no
    # balance lowered, score unchanged
    assert ledger_selectors.balance_of(account=mk.account) == 90
    assert ledger_selectors.score_of(account=mk.account) == 200
    # stock out for goods, none for the voucher
    assert selectors.stock_level(good=mk.oil) == 9
    assert selectors.stock_level(good=mk.soap) == 97
    assert StockMovement.objects.filter(redemption=r).count() == 2
    assert not StockMovement.objects.filter(good=mk.voucher).exists()
    # costs at average purchase cost (oil 45.00, soap 2.50) and catalogue cost for the voucher
    assert r.total_cost_fen == 4500 + 3 * 250 + 8000
    receipt = selectors.redemption_receipt(redemption=r)
    assert receipt.receipt_no == r.receipt_no
    assert [(line.name, line.quantity, line.points) for line in receipt.lines] == [
        ("食用油", 1, 50), ("洗衣皂", 3, 30), ("体检券", 1, 30)
    ]
    assert receipt.total_points == 110 and receipt.balance_now == 90
    assert ledger_verify().ok


def test_receipt_numbers_follow_each_other(world, mk):
    a = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="a")
    b = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="b")
    assert (a.receipt_no, b.receipt_no) == (f"{mk.shop.pk:04d}-000001", f"{mk.shop.pk:04d}-000002")


def test_same_good_twice_in_a_basket_is_one_line(world, mk):
    r = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1), (mk.soap, 2)], idempotency_key="m")
    assert list(r.lines.values_list("good_id", "quantity")) == [(mk.soap.pk, 3)]


def test_refused_for_insufficient_balance_writes_nothing(world, mk):
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 2), (mk.soap, 11)], idempotency_key="k")
    assert exc.value.code == "insufficient_balance"
    assert exc.value.zh == "「张三户」积分余额不足：可用 200 分，本次需要 210 分"
    assert "insufficient balance" in exc.value.en
    assert snapshot() == before


def test_refused_for_a_subject_without_an_account(world, mk):
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.redemption_create(
            actor=mk.keeper, shop=mk.shop, subject=world.neighbour_household.subject, lines=[(mk.soap, 1)], idempotency_key="k"
        )
    assert exc.value.code == "insufficient_balance"
    assert "可用 0 分，本次需要 10 分" in exc.value.zh
    assert snapshot() == before


def test_refused_under_veto_writes_nothing_and_lifting_it_allows(world, mk):
    veto = veto_record(actor=world.reviewer, scheme=mk.scheme, subject=world.limei.subject, starts_on=local(2026, 3, 1).date(), reason="违法建房")
    before = snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="k")
    assert exc.value.code == "vetoed"
    assert "一票否决期（至 2027-02-28）" in exc.value.zh and "家庭成员" in exc.value.zh
    assert "veto" in exc.value.en
    assert snapshot() == before
    veto_lift(actor=world.reviewer, veto=veto, reason="已整改")
    r = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="k")
    assert r.total_units == 10


def test_refused_over_the_household_limit_counting_earlier_redemptions(world, mk):
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1)], idempotency_key="first")
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        # 李梅 redeems for herself: the limit is her household's
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=world.limei.subject, lines=[(mk.oil, 2)], idempotency_key="k")
    # 李梅 has no account of her own, but the limit is checked first
    assert exc.value.code == "limit_exceeded"
    assert exc.value.zh == "「食用油」每户每月限兑 2桶，本期已兑 1桶，本次不能再兑 2桶"
    assert exc.value.detail == {"good": mk.oil.pk, "limit": 2, "taken": 1, "requested": 2}
    assert snapshot() == before


def test_limit_resets_in_the_next_period_and_cancelled_redemptions_do_not_count(world, mk):
    from jifen.core import clock

    r = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 2)], idempotency_key="a")
    services.redemption_cancel(actor=mk.keeper, redemption=r, reason="拿错了", idempotency_key="c")
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 2)], idempotency_key="b")
    with pytest.raises(Conflict):
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1)], idempotency_key="c")
    with clock.frozen(local(2026, 4, 1, 8)):
        r = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1)], idempotency_key="d")
    assert r.day.isoformat() == "2026-04-01"


def test_refused_for_stock_writes_nothing(world, mk):
    services.stock_adjust(actor=mk.keeper, good=mk.soap, quantity=-98, reason="受潮报损", idempotency_key="adj")
    before = snapshot()
    with pytest.raises(Conflict) as exc:
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.soap, 3)], idempotency_key="k")
    assert exc.value.code == "insufficient_stock"
    assert exc.value.zh == "「洗衣皂」库存不足：现有 2块，需要 3块"
    assert snapshot() == before


def test_idempotent_retry_returns_the_same_redemption(world, mk):
    first = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 2)], idempotency_key="retry")
    before = snapshot()
    again = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 2)], idempotency_key="retry")
    assert again.pk == first.pk and again.receipt_no == first.receipt_no
    assert snapshot() == before
    with pytest.raises(IdempotencyMismatch):
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 3)], idempotency_key="retry")
    assert snapshot() == before


def test_member_may_redeem_for_own_household_but_not_for_a_neighbour(world, mk):
    r = services.redemption_create(actor=world.member, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="self")
    assert r.actor_id == world.member.pk
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.redemption_create(actor=world.neighbour, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="x")
    assert snapshot() == before


def test_a_member_may_not_spend_a_spouses_personal_points(world, mk):
    """The household's points are shared; 李梅's own points are hers (张三 is world.member)."""
    from jifen.ledger.services import account_for
    from jifen.ledger.testing import award, local

    spouse = account_for(scheme=mk.scheme, subject=world.limei.subject)
    award(scheme=mk.scheme, account=spouse, points=50, key="limei-50", at=local(2026, 3, 1, 9))
    before = snapshot()
    with pytest.raises(PermissionDenied) as exc:
        services.redemption_create(actor=world.member, shop=mk.shop, subject=world.limei.subject, lines=[(mk.soap, 1)], idempotency_key="wife")
    assert exc.value.code == "forbidden"
    assert snapshot() == before


def test_codes_are_letters_digits_dashes_and_underscores(world, mk):
    before = snapshot()
    for bad in ("大米", "rice bag", "a/b"):
        with pytest.raises(InvalidInput) as exc:
            services.good_create(actor=mk.keeper, shop=mk.shop, code=bad, name="大米", unit="袋", price_points=10)
        assert exc.value.detail["field"] == "code"
        with pytest.raises(InvalidInput):
            services.fund_create(actor=world.admin, org=world.shahe, code=bad, name="资金")
        with pytest.raises(InvalidInput):
            services.shop_create(actor=world.admin, org=world.shahe, code=bad, name="兑换点")
    assert snapshot() == before
    assert services.good_create(actor=mk.keeper, shop=mk.shop, code="Rice_2-kg", name="大米", unit="袋", price_points=10).code == "Rice_2-kg"


def test_subject_outside_the_shops_schemes_is_refused(world, mk):
    with pytest.raises(InvalidInput) as exc:
        services.redemption_create(
            actor=None, shop=mk.shop, subject=world.outsider_household.subject, lines=[(mk.soap, 1)], idempotency_key="x"
        )
    assert exc.value.code == "subject_not_served"


def test_inactive_or_out_of_date_goods_are_refused(world, mk):
    import datetime as dt

    services.good_update(actor=mk.keeper, good=mk.soap, active_until=dt.date(2026, 3, 9))
    before = snapshot()
    with pytest.raises(Exception) as exc:
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="x")
    assert getattr(exc.value, "code", "") == "good_inactive"
    assert snapshot() == before


def test_bad_quantities_are_refused(world, mk):
    for bad in (0, -1, True, 1.0, "2"):
        with pytest.raises(InvalidInput):
            services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, bad)], idempotency_key="x")
    with pytest.raises(InvalidInput):
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[], idempotency_key="x")
    assert Redemption.objects.count() == 0
