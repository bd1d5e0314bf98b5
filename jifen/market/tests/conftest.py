"""Market tests run at 10 March 2026, 10:00 in Shanghai, in Shahe village's supermarket.

`mk` holds: the scheme (veto rule on), the supermarket and its shopkeeper 孙店长, three goods
(oil: stock, 50 points, 2 a month per household; soap: stock, 10 points; a health-check
voucher: no stock, 30 points, 1 a year), a township fund with 20 000 yuan, and household
SH-001 (张三 and 李梅) holding 200 points.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from jifen.core import clock
from jifen.ledger import services as ledger
from jifen.ledger.testing import award, local, make_scheme
from jifen.market import services as market
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.orgs.testing import World, make_id_number

NOW = local(2026, 3, 10, 10)


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as at:
        yield at


def build_market(world: World) -> SimpleNamespace:
    scheme = make_scheme(world.shahe, subject_types=["person", "household"], settings={"veto": {"period_days": 365}})
    keeper_person = orgs.person_create(
        actor=None, org=world.shahe, name="孙店长", id_number=make_id_number("420881", "19750101", 40, True), mobile="13700000040"
    )
    keeper = orgs.user_create(actor=None, username="shopkeeper", password=World.PASSWORD, person=keeper_person)
    orgs.role_binding_grant(actor=None, user=keeper, org=world.shahe, role=Role.SHOPKEEPER)
    shop = market.shop_create(actor=world.admin, org=world.shahe, code="supermarket", name="沙河村积分超市")
    oil = market.good_create(
        actor=keeper, shop=shop, code="oil", name="食用油", unit="桶", price_points=50, category="粮油",
        limit_per_household=2, limit_period="month",
    )
    soap = market.good_create(actor=keeper, shop=shop, code="soap", name="洗衣皂", unit="块", price_points=10, category="日用品")
    voucher = market.good_create(
        actor=keeper, shop=shop, code="health-check", name="体检券", unit="张", price_points=30, kind="voucher", cost_fen=8000,
        limit_per_household=1, limit_period="year",
    )
    fund = market.fund_create(actor=world.admin, org=world.township, code="subsidy", name="积分超市专项资金")
    market.fund_receive(
        actor=world.admin, fund=fund, amount_fen=2_000_000, source_kind="fiscal_subsidy", reason="县财政补贴", idempotency_key="fund-in-1"
    )
    # The township's fund, so the township's admin buys the first stock with it.
    market.stock_purchase(
        actor=world.admin, good=oil, quantity=10, unit_cost_fen=4500, fund=fund, reason="首批进货", idempotency_key="buy-oil-1"
    )
    market.stock_purchase(
        actor=world.admin, good=soap, quantity=100, unit_cost_fen=250, fund=fund, reason="首批进货", idempotency_key="buy-soap-1"
    )
    hh = world.household.subject
    account = ledger.account_for(scheme=scheme, subject=hh)
    award(scheme=scheme, account=account, points=200, key="start-hh", at=local(2026, 3, 1, 9))
    return SimpleNamespace(
        scheme=scheme, shop=shop, keeper=keeper, oil=oil, soap=soap, voucher=voucher, fund=fund, hh=hh, account=account
    )


@pytest.fixture
def mk(world, frozen):
    return build_market(world)
