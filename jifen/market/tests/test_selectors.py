import datetime as dt
from decimal import Decimal

from jifen.core import clock
from jifen.ledger import services as ledger
from jifen.ledger.testing import award, local
from jifen.market import selectors, services


def _give(mk, subject, points, key):
    account = ledger.account_for(scheme=mk.scheme, subject=subject)
    award(scheme=mk.scheme, account=account, points=points, key=key, at=local(2026, 2, 1, 9))


def test_redemption_rate_computed_by_hand_for_a_small_village(world, mk):
    # Shahe: households SH-001 (张三, 李梅) and SH-002 (王五); six people in its units
    # (张三, 李梅, 王五, 陈审核, 刘记录 and the shopkeeper 孙店长).
    _give(mk, world.neighbour_household.subject, 100, "hh2")
    _give(mk, world.limei.subject, 100, "limei")
    with clock.frozen(local(2026, 2, 20, 9)):  # February: outside the period
        services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=world.neighbour_household.subject, lines=[(mk.soap, 1)], idempotency_key="feb")
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="a")  # 张三 (head)
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key="b")  # 张三 again
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=world.limei.subject, lines=[(mk.soap, 1)], idempotency_key="c")  # 李梅
    cancelled = services.redemption_create(
        actor=mk.keeper, shop=mk.shop, subject=world.neighbour_household.subject, lines=[(mk.soap, 1)], idempotency_key="d"
    )
    services.redemption_cancel(actor=mk.keeper, redemption=cancelled, reason="拿错", idempotency_key="x")

    march = selectors.redemption_rate(org=world.shahe, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    assert (march.households_total, march.households_redeemed, march.people_total, march.people_redeemed) == (2, 1, 6, 2)
    assert march.household_rate == Decimal("0.5000")
    assert march.person_rate == Decimal("0.3333")  # 2 / 6

    q1 = selectors.redemption_rate(org=world.shahe, start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 1))
    assert (q1.households_redeemed, q1.people_redeemed) == (2, 3)  # February's 王五 household counts
    assert q1.household_rate == Decimal("1.0000") and q1.person_rate == Decimal("0.5000")

    grid2 = selectors.redemption_rate(org=world.shahe_grid2, start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 1))
    assert (grid2.households_total, grid2.households_redeemed, grid2.people_total, grid2.people_redeemed) == (0, 0, 1, 0)
    assert grid2.household_rate == Decimal("0.0000")

    other = selectors.redemption_rate(org=world.quanshui, start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1))
    assert (other.households_total, other.households_redeemed, other.people_total, other.people_redeemed) == (1, 0, 1, 0)


def test_person_who_came_for_the_household_counts(world, mk):
    services.redemption_create(
        actor=mk.keeper, shop=mk.shop, subject=mk.hh, person=world.limei, lines=[(mk.soap, 1)], idempotency_key="a"
    )
    rate = selectors.redemption_rate(org=world.shahe, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    assert (rate.households_redeemed, rate.people_redeemed) == (1, 1)
    from jifen.market.models import Redemption

    assert Redemption.objects.get().person_id == world.limei.pk


def test_points_redeemed_by_good_and_by_shop(world, mk):
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.soap, 2)], idempotency_key="a")
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 3), (mk.voucher, 1)], idempotency_key="b")
    by_good = selectors.points_redeemed_by_good(org=world.township, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    assert [(r.name, r.quantity, r.redemptions, r.points, r.cost_fen) for r in by_good] == [
        ("食用油", 1, 1, 50, 4500), ("洗衣皂", 5, 2, 50, 1250), ("体检券", 1, 1, 30, 8000)
    ]  # equal points: in the order the goods were listed
    by_shop = selectors.points_redeemed_by_shop(org=world.shahe, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    assert [(r.name, r.redemptions, r.points, r.cost_fen) for r in by_shop] == [("沙河村积分超市", 2, 130, 13750)]
    assert selectors.points_redeemed_by_shop(org=world.quanshui, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1)) == []


def test_outstanding_points_as_a_liability_at_average_cost(world, mk):
    # Before any redemption: valued at the catalogue (oil 0/50, soap 0/10, voucher 8000/30 → 8000 fen / 90 points)
    before = selectors.outstanding_liability(scheme=mk.scheme)
    assert before.basis == "catalogue"
    assert before.outstanding_points == 200
    assert before.fen_per_point == Decimal("88.8889")
    assert before.liability_fen == 17778  # 200 × 8000 / 90 = 17777.8
    services.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.oil, 1), (mk.soap, 2)], idempotency_key="a")
    after = selectors.outstanding_liability(scheme=mk.scheme)
    # 70 points redeemed cost 4500 + 500 fen: 71.4286 fen a point; 130 points left → 9285.7 fen
    assert (after.basis, after.outstanding_points, after.fen_per_point, after.liability_fen) == ("redeemed", 130, Decimal("71.4286"), 9286)


def test_member_lookup_by_name_household_number_and_phone_tail(world, mk):
    by_name = selectors.member_lookup(shop=mk.shop, query="李梅")
    assert [(m.person.name, m.subject.pk, m.balance) for m in by_name] == [("李梅", mk.hh.pk, 200)]
    by_number = selectors.member_lookup(shop=mk.shop, query="SH-001")
    assert sorted(m.person.name for m in by_number) == ["张三", "李梅"]
    by_phone = selectors.member_lookup(shop=mk.shop, query="0003")
    assert [(m.person.name, m.subject.pk, m.balance) for m in by_phone] == [("王五", world.neighbour_household.subject.pk, None)]
    assert selectors.member_lookup(shop=mk.shop, query="赵六") == []  # another village
    assert selectors.member_lookup(shop=mk.shop, query="  ") == []


def test_funds_of_an_org_with_balances(world, mk):
    services.fund_allocate(actor=world.admin, fund=mk.fund, org=world.shahe, year=2026, amount_fen=30_000, reason="拨付", idempotency_key="a")
    rows = [(f.name, f.balance_fen) for f in selectors.funds_of(org=world.township)]
    assert rows == [("积分超市专项资金", 1_900_000), ("积分超市专项资金（沙河村 2026年）", 30_000)]
    assert [(f.name, f.balance_fen) for f in selectors.funds_of(org=world.shahe)] == [("积分超市专项资金（沙河村 2026年）", 30_000)]
