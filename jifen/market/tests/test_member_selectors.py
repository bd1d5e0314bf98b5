"""The reads behind the villager's own supermarket pages: which shops serve a member, the veto
known beforehand (it must agree with what redemption_create refuses), the limits already taken,
the member's receipts and the balance after a redemption."""

from __future__ import annotations

import pytest

from jifen.claims.services import veto_lift, veto_record
from jifen.core import clock
from jifen.core.errors import PermissionDenied
from jifen.ledger import services as ledger
from jifen.ledger.testing import award, local
from jifen.market import selectors, services
from jifen.market.tests.conftest import NOW


def _give(mk, subject, points, key):
    account = ledger.account_for(scheme=mk.scheme, subject=subject)
    award(scheme=mk.scheme, account=account, points=points, key=key, at=local(2026, 3, 2, 9))
    return account


def _refused_for_veto(mk, subject) -> bool:
    try:
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=subject, lines=[(mk.soap, 1)], idempotency_key=f"try-{subject.pk}")
    except PermissionDenied as exc:
        assert exc.code == "vetoed"
        return True
    return False


def test_the_veto_known_beforehand_agrees_with_the_services_refusal(world, mk):
    _give(mk, world.limei.subject, 50, "lm")
    _give(mk, world.neighbour_household.subject, 50, "ww")
    veto = veto_record(actor=world.reviewer, scheme=mk.scheme, subject=world.limei.subject, starts_on=local(2026, 3, 1).date(), reason="违法建房")
    # 李梅's veto bars her, her household (through a member) — not the neighbours.
    for subject, barred in ((world.limei.subject, True), (mk.hh, True), (world.neighbour_household.subject, False)):
        found = selectors.redemption_veto(scheme=mk.scheme, subject=subject, on=NOW)
        assert (found.pk if found else None) == (veto.pk if barred else None), subject
        assert _refused_for_veto(mk, subject) is barred, subject
    veto_lift(actor=world.reviewer, veto=veto, reason="已整改")
    assert selectors.redemption_veto(scheme=mk.scheme, subject=mk.hh, on=NOW) is None


def test_a_households_veto_bars_its_members_own_points(world, mk):
    _give(mk, world.zhangsan.subject, 50, "zs")
    veto = veto_record(actor=world.reviewer, scheme=mk.scheme, subject=mk.hh, starts_on=local(2026, 3, 1).date(), reason="违法建房")
    assert selectors.redemption_veto(scheme=mk.scheme, subject=world.zhangsan.subject, on=NOW) == veto
    assert _refused_for_veto(mk, world.zhangsan.subject)
    # Before the veto starts, nothing is barred.
    assert selectors.redemption_veto(scheme=mk.scheme, subject=mk.hh, on=local(2026, 2, 28, 12)) is None


def test_shops_for_member_are_those_of_their_village_and_above_serving_their_accounts(world, mk):
    township = services.shop_create(actor=world.admin, org=world.township, code="town", name="张集镇积分超市")
    services.shop_create(actor=world.admin, org=world.quanshui, code="qs", name="泉水河村积分超市")  # another village
    closed = services.shop_create(actor=world.admin, org=world.shahe, code="old", name="旧超市")
    services.shop_create(actor=world.admin, org=world.shahe_grid1, code="g1", name="一组兑换点", kind="partner")
    from jifen.market.models import Shop

    Shop.objects.filter(pk=closed.pk).update(is_active=False)
    found = selectors.shops_for_member(person=world.zhangsan, household=world.household, on=NOW)
    assert [(e.shop.name, [(a.subject.name, a.balance) for a in e.accounts]) for e in found] == [
        ("沙河村积分超市", [("张三户", 200)]),  # supermarkets first, the nearest first; then partner shops
        ("张集镇积分超市", [("张三户", 200)]),
        ("一组兑换点", [("张三户", 200)]),
    ]
    assert township.pk == found[1].shop.pk
    # No account in a scheme the shops serve: no shop. 赵六 lives in another village.
    assert selectors.shops_for_member(person=world.wangwu, household=world.neighbour_household, on=NOW) == []
    assert selectors.shops_for_member(person=world.zhaoliu, household=world.outsider_household, on=NOW) == []


def test_a_person_without_a_household_is_served_by_their_own_account(world, mk):
    _give(mk, world.reviewer_person.subject, 30, "rv")
    found = selectors.shops_for_member(person=world.reviewer_person, household=None, on=NOW)
    assert [(e.shop.name, [(a.subject.name, a.balance, a.veto) for a in e.accounts]) for e in found] == [
        ("沙河村积分超市", [("陈审核", 30, None)])
    ]


def test_limits_taken_count_the_households_redemptions_in_the_period(world, mk):
    _give(mk, world.limei.subject, 100, "lm")
    with clock.frozen(local(2026, 2, 27, 9)):  # last month: another period
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 2)], idempotency_key="feb")
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=world.limei.subject, lines=[(mk.oil, 1), (mk.voucher, 1)], idempotency_key="a")
    cancelled = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1)], idempotency_key="b")
    services.redemption_cancel(actor=mk.keeper, redemption=cancelled, reason="拿错", idempotency_key="x")
    goods = [mk.oil, mk.soap, mk.voucher]
    on = NOW.date()
    assert selectors.limits_taken(goods=goods, subject=mk.hh, on=on) == {mk.oil.pk: 1, mk.voucher.pk: 1}
    assert selectors.limits_taken(goods=goods, subject=world.zhangsan.subject, on=on) == {mk.oil.pk: 1, mk.voucher.pk: 1}
    assert selectors.limits_taken(goods=goods, subject=world.neighbour_household.subject, on=on) == {mk.oil.pk: 0, mk.voucher.pk: 0}
    assert selectors.limits_taken(goods=[mk.soap], subject=mk.hh, on=on) == {}


def test_a_daily_limit_counts_only_today(world, mk):
    daily = services.good_create(actor=mk.keeper, shop=mk.shop, code="haircut", name="理发", unit="次", price_points=10, kind="service",
                                 limit_per_household=1, limit_period="day")
    with clock.frozen(local(2026, 3, 9, 9)):
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(daily, 1)], idempotency_key="yesterday")
    assert selectors.limits_taken(goods=[daily], subject=mk.hh, on=NOW.date()) == {daily.pk: 0}
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(daily, 1)], idempotency_key="today")
    assert selectors.limits_taken(goods=[daily], subject=mk.hh, on=NOW.date()) == {daily.pk: 1}


@pytest.mark.parametrize("cancel", [False, True])
def test_redemptions_of_member_and_the_balance_after(world, mk, cancel):
    _give(mk, world.neighbour_household.subject, 50, "ww")
    ours = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1)], idempotency_key="a")
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=world.neighbour_household.subject, lines=[(mk.soap, 1)], idempotency_key="b")
    with clock.frozen(local(2026, 3, 10, 11)):
        later = services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 2)], idempotency_key="c")
    if cancel:
        services.redemption_cancel(actor=mk.keeper, redemption=ours, reason="拿错", idempotency_key="x")
        ours.refresh_from_db()
    assert list(selectors.redemptions_of_member(person=world.limei, household=world.household)) == [later, ours]
    assert list(selectors.redemptions_of_member(person=world.limei, household=None)) == []
    assert selectors.redemption_balance_after(redemption=ours) == (None if cancel else 150)
    assert selectors.redemption_balance_after(redemption=later) == (180 if cancel else 130)
