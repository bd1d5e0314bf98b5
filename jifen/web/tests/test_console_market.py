"""Admin pages of the points supermarket and its funds: shops, goods, stock, funds, statements,
and paying a reward list's cash from a fund.

The world is the market tests' (jifen/market/tests/conftest.py) at 10 March 2026: 沙河村's
supermarket with oil (10 in stock at 45 yuan), soap (100 at 2.50) and a health-check voucher,
and the township's fund of 20 000 yuan, 19 300 after those purchases. 赵六 administers 泉水河村,
the other village (village B): none of 沙河村's or the township's shops and funds are theirs.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from jifen.core import clock
from jifen.core.models import AuditEvent
from jifen.market import selectors, services
from jifen.market.models import Fund, FundMovement, Good, Shop, StockMovement
from jifen.market.tests.conftest import NOW, build_market
from jifen.market.tests.helpers import snapshot
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.rankings.models import RewardLine, RewardList, RewardPayment


@pytest.fixture
def mk(world):
    # The clock stays at NOW for the whole test, as in the market's own tests.
    with clock.frozen(NOW):
        yield build_market(world)


@pytest.fixture
def admin(client, world):
    client.force_login(world.admin)
    return client


@pytest.fixture
def village_b_admin(client, world):
    orgs.role_binding_grant(actor=None, user=world.outsider, org=world.quanshui, role=Role.ORG_ADMIN)
    client.force_login(world.outsider)
    return client


def page_of(response) -> str:
    return response.content.decode()


def errors(response, form: str = "form") -> dict[str, list[str]]:
    return dict(response.context[form].errors)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response) -> list[str]:
    return messages_of(client.get(response["Location"]))


# ---------------------------------------------------------------- navigation and pickers


@pytest.mark.django_db
def test_the_admin_navigation_links_goods_and_funds(admin, world):
    page = page_of(admin.get("/"))
    assert f'href="{reverse("console_market_home")}">商品与库存</a>' in page
    assert f'href="{reverse("console_funds_home")}">资金</a>' in page
    assert admin.get(reverse("console_market_home"))["Location"] == "/console/org/demo/zhangji/-/shops/"
    assert admin.get(reverse("console_funds_home"))["Location"] == "/console/org/demo/zhangji/-/funds/"


@pytest.mark.django_db
def test_a_member_has_no_market_console(client, world):
    client.force_login(world.member)
    assert client.get(reverse("console_market_home")).status_code == 403
    assert client.get(reverse("console_shops", args=[world.shahe.path])).status_code == 403


# ---------------------------------------------------------------- shops


@pytest.mark.django_db
def test_the_shops_page_lists_the_shops_below_with_the_schemes_they_redeem(admin, world, mk):
    response = admin.get(reverse("console_shops", args=[world.township.path]))
    assert response.status_code == 200
    assert [(shop.name, [s.name for s in schemes]) for shop, schemes in response.context["rows"]] == [
        ("沙河村积分超市", ["沙河村积分制"])
    ]
    page = page_of(response)
    assert f'href="/console/shop/{mk.shop.pk}/">沙河村积分超市</a>' in page
    assert re.search(r'name="code"', page) and 'aria-current="page">积分超市</a>' in page


@pytest.mark.django_db
def test_opening_a_shop(admin, world, mk):
    response = admin.post(
        reverse("console_shops", args=[world.shahe.path]),
        {"name": "沙河村东头兑换点", "code": "east", "kind": "partner", "address": "东头小卖部", "cancel_window_minutes": "60"},
    )
    shop = Shop.objects.get(org=world.shahe, code="east")
    assert response.status_code == 302 and response["Location"] == f"/console/shop/{shop.pk}/"
    assert (shop.name, shop.kind, shop.address, shop.cancel_window_minutes) == ("沙河村东头兑换点", "partner", "东头小卖部", 60)
    assert AuditEvent.objects.filter(action="market.shop_create", actor_id=world.admin.pk, object_id=str(shop.pk)).count() == 1
    assert follow_messages(admin, response) == ["已开设「沙河村东头兑换点」。"]


@pytest.mark.django_db
def test_a_taken_shop_code_is_refused_on_its_field_and_nothing_is_written(admin, world, mk):
    before = snapshot()
    response = admin.post(
        reverse("console_shops", args=[world.shahe.path]),
        {"name": "又一个超市", "code": "supermarket", "kind": "supermarket", "cancel_window_minutes": "1440"},
    )
    assert response.status_code == 422
    assert errors(response) == {"code": ["「沙河村」已有编号为「supermarket」的兑换点"]}
    assert snapshot() == before and Shop.objects.count() == 1


@pytest.mark.django_db
def test_shop_errors_are_in_english_for_an_english_reader(admin, world, mk):
    admin.cookies.load({"django_language": "en"})
    response = admin.post(
        reverse("console_shops", args=[world.shahe.path]),
        {"name": "x", "code": "supermarket", "kind": "supermarket", "cancel_window_minutes": "-5"},
    )
    assert response.status_code == 422
    assert errors(response) == {"cancel_window_minutes": ["cancel_window_minutes must be between 0 and 129600"]}


@pytest.mark.django_db
def test_village_b_admin_cannot_see_or_open_village_a_shops(village_b_admin, world, mk):
    client = village_b_admin
    assert client.get(reverse("console_shops", args=[world.shahe.path])).status_code == 403
    response = client.post(reverse("console_shops", args=[world.shahe.path]), {"name": "x", "code": "x", "kind": "supermarket",
                                                                                 "cancel_window_minutes": "1"})
    assert response.status_code == 403 and Shop.objects.count() == 1
    assert client.get(reverse("console_shop", args=[mk.shop.pk])).status_code == 403
    assert client.get(reverse("console_good", args=[mk.oil.pk])).status_code == 403
    assert client.get(reverse("console_shop", args=[99999])).status_code == 404
    # Their own village is theirs: the page opens, empty.
    assert client.get(reverse("console_shops", args=[world.quanshui.path])).context["rows"] == []


# ---------------------------------------------------------------- goods


@pytest.mark.django_db
def test_the_shop_page_lists_goods_with_stock_level_and_average_cost(admin, world, mk):
    services.stock_purchase(actor=None, good=mk.oil, quantity=10, unit_cost_fen=5000, fund=None, reason="第二批", idempotency_key="b2")
    response = admin.get(reverse("console_shop", args=[mk.shop.pk]))
    rows = [(g.code, s.level if s else None, s.average_cost_fen if s else g.cost_fen) for g, s in response.context["rows"]]
    assert rows == [("health-check", None, 8000), ("soap", 100, 250), ("oil", 20, 4750)]  # by category
    page = page_of(response)
    assert page.count('<tr class="good') == 3
    assert '<td class="num level" data-label="库存">20桶</td>' in page
    assert "47.50" in page and "950.00" in page  # average cost; value 20 × 47.50


@pytest.mark.django_db
def test_the_shop_page_costs_the_same_queries_for_more_goods(admin, world, mk, django_assert_num_queries):
    url = reverse("console_shop", args=[mk.shop.pk])
    admin.get(url)
    with django_assert_num_queries(9):
        admin.get(url)
    for i in range(10):
        good = services.good_create(actor=None, shop=mk.shop, code=f"g{i}", name=f"商品{i}", price_points=5)
        services.stock_purchase(actor=None, good=good, quantity=3, unit_cost_fen=100, fund=None, reason="进货", idempotency_key=f"g{i}")
    with django_assert_num_queries(9):
        admin.get(url)


GOOD = {
    "code": "rice-10kg", "name": "大米10斤", "kind": "goods", "category": "粮油", "unit": "袋", "price_points": "80",
    "cost_yuan": "32.50", "tracks_stock": "", "limit_per_household": "1", "limit_period": "week",
    "active_from": "2026-03-01", "active_until": "2026-12-31",
}


@pytest.mark.django_db
def test_listing_a_good_with_every_setting(admin, world, mk):
    response = admin.post(reverse("console_shop", args=[mk.shop.pk]), GOOD)
    good = Good.objects.get(shop=mk.shop, code="rice-10kg")
    assert response["Location"] == f"/console/good/{good.pk}/"
    assert (good.name, good.category, good.unit, good.price_points, good.cost_fen, good.tracks_stock) == (
        "大米10斤", "粮油", "袋", 80, 3250, True
    )
    assert (good.limit_per_household, good.limit_period, good.active_from, good.active_until) == (
        1, "week", dt.date(2026, 3, 1), dt.date(2026, 12, 31)
    )
    service = admin.post(reverse("console_shop", args=[mk.shop.pk]), GOOD | {"code": "haircut", "kind": "service", "unit": "次"})
    assert service.status_code == 302 and Good.objects.get(code="haircut").tracks_stock is False
    kept = admin.post(reverse("console_shop", args=[mk.shop.pk]), GOOD | {"code": "card", "kind": "voucher", "tracks_stock": "yes"})
    assert kept.status_code == 302 and Good.objects.get(code="card").tracks_stock is True


@pytest.mark.django_db
def test_bad_good_values_are_shown_on_their_fields_and_nothing_is_listed(admin, world, mk):
    url = reverse("console_shop", args=[mk.shop.pk])
    before = Good.objects.count()
    response = admin.post(url, GOOD | {"price_points": "0"})
    assert response.status_code == 422 and errors(response) == {"price_points": ["所需积分应在 1 到 10000000 之间"]}
    response = admin.post(url, GOOD | {"active_until": "2026-02-01"})
    assert errors(response) == {"active_until": ["下架日期早于上架日期"]}
    response = admin.post(url, GOOD | {"code": "oil"})
    assert errors(response) == {"code": ["「沙河村积分超市」已有编号为「oil」的商品"]}
    response = admin.post(url, GOOD | {"cost_yuan": "1.234", "code": "油 桶"})
    assert set(errors(response)) == {"cost_yuan", "code"}
    assert errors(response)["code"] == ["编号只能用小写字母、数字、- 和 _。"]
    admin.cookies.load({"django_language": "en"})
    response = admin.post(url, GOOD | {"limit_per_household": "0"})
    assert errors(response) == {"limit_per_household": ["limit_per_household must be between 1 and 100000"]}
    assert Good.objects.count() == before


@pytest.mark.django_db
def test_editing_a_good(admin, world, mk):
    data = {f"edit-{k}": v for k, v in GOOD.items() if k not in ("code", "tracks_stock")}
    data |= {"edit-name": "食用油5升", "edit-unit": "桶", "edit-price_points": "55", "edit-tracks_stock": "on"}
    response = admin.post(reverse("console_good", args=[mk.oil.pk]), data)
    assert response.status_code == 302
    oil = Good.objects.get(pk=mk.oil.pk)
    assert (oil.name, oil.price_points, oil.limit_period, oil.is_active, oil.tracks_stock) == ("食用油5升", 55, "week", False, True)
    event = AuditEvent.objects.get(action="market.good_update")
    assert event.before["price_points"] == 50 and event.after["price_points"] == 55
    refused = admin.post(reverse("console_good", args=[mk.oil.pk]), data | {"edit-price_points": "-1"})
    assert refused.status_code == 422 and errors(refused, "edit_form") == {"price_points": ["所需积分应在 1 到 10000000 之间"]}
    assert Good.objects.get(pk=mk.oil.pk).price_points == 55


# ---------------------------------------------------------------- stock


def purchase(client, good, key="p1", **values):
    data = {"purchase-quantity": "5", "purchase-unit_cost_yuan": "48.00", "purchase-fund": "", "purchase-reason": "三月进货",
            "purchase-key": key}
    data |= {f"purchase-{k}": v for k, v in values.items()}
    return client.post(reverse("console_good_purchase", args=[good.pk]), data)


@pytest.mark.django_db
def test_the_good_page_carries_a_fresh_key_on_each_stock_form(admin, world, mk):
    page = page_of(admin.get(reverse("console_good", args=[mk.oil.pk])))
    keys = re.findall(r'name="(purchase|adjust|take)-key" value="([0-9a-f]{32})"', page)
    assert [k for k, _ in keys] == ["purchase", "adjust", "take"] and len({v for _, v in keys}) == 3
    assert page.count('<tr class="movement') == 1  # the first purchase


@pytest.mark.django_db
def test_a_purchase_paid_from_a_fund_once_however_often_it_is_sent(admin, world, mk):
    response = purchase(admin, mk.oil, fund=str(mk.fund.pk))
    assert response.status_code == 302 and response["Location"] == f"/console/good/{mk.oil.pk}/#stock"
    assert follow_messages(admin, response) == ["已入库 5桶，共 240.00 元；现有库存 15桶。 款项从「积分超市专项资金」支出。"]
    movement = StockMovement.objects.get(key="web:p1")
    assert (movement.quantity, movement.unit_cost_fen, movement.total_cost_fen, movement.level_after) == (5, 4800, 24000, 15)
    assert movement.fund_movement.amount_fen == -24000 and selectors.fund_balance(fund=mk.fund) == 1_930_000 - 24000
    before = snapshot()
    again = purchase(admin, mk.oil, fund=str(mk.fund.pk))
    assert again.status_code == 302 and snapshot() == before
    assert follow_messages(admin, again) == ["这张表单此前已提交并记录，没有重复记录。"]


@pytest.mark.django_db
def test_a_purchase_the_fund_cannot_cover_is_refused_without_writes(admin, world, mk):
    before = snapshot()
    response = purchase(admin, mk.oil, quantity="1000", fund=str(mk.fund.pk))
    assert response.status_code == 422
    assert errors(response, "purchase_form") == {
        "__all__": ["资金「积分超市专项资金」余额不足：余额 19300.00 元，需支出 48000.00 元"]
    }
    assert snapshot() == before
    # The refused form keeps its key and values, and opens where it was.
    page = page_of(response)
    assert 'name="purchase-key" value="p1"' in page and '<details class="action-form" id="purchase" open>' in page


@pytest.mark.django_db
def test_a_purchase_offers_only_funds_the_admin_holds_over_the_shop(admin, world, mk):
    quanshui = services.fund_create(actor=None, org=world.quanshui, code="qs", name="泉水河村资金")
    offered = admin.get(reverse("console_good", args=[mk.oil.pk])).context["purchase_form"].fields["fund"].queryset
    assert [f.name for f in offered] == ["积分超市专项资金"]
    before = snapshot()
    response = purchase(admin, mk.oil, fund=str(quanshui.pk))
    assert response.status_code == 422 and list(errors(response, "purchase_form")) == ["fund"]
    assert snapshot() == before


@pytest.mark.django_db
def test_an_adjustment_with_its_reason_and_a_refused_one(admin, world, mk):
    url = reverse("console_good_adjust", args=[mk.oil.pk])
    response = admin.post(url, {"adjust-quantity": "-3", "adjust-reason": "运输破损", "adjust-key": "a1"})
    assert follow_messages(admin, response) == ["库存已调整 -3桶，现有 7桶。"]
    assert selectors.stock_level(good=mk.oil) == 7
    before = snapshot()
    assert admin.post(url, {"adjust-quantity": "-3", "adjust-reason": "运输破损", "adjust-key": "a1"}).status_code == 302
    assert snapshot() == before
    refused = admin.post(url, {"adjust-quantity": "-8", "adjust-reason": "过期", "adjust-key": "a2"})
    assert refused.status_code == 422
    assert errors(refused, "adjust_form") == {"__all__": ["「食用油」库存不足：现有 7桶，需要 8桶"]}
    no_reason = admin.post(url, {"adjust-quantity": "2", "adjust-reason": "", "adjust-key": "a3"})
    assert list(errors(no_reason, "adjust_form")) == ["reason"]
    assert snapshot() == before


@pytest.mark.django_db
def test_the_same_key_with_other_content_is_refused_and_a_fresh_key_given(admin, world, mk):
    url = reverse("console_good_adjust", args=[mk.oil.pk])
    admin.post(url, {"adjust-quantity": "-1", "adjust-reason": "破损", "adjust-key": "same"})
    before = snapshot()
    response = admin.post(url, {"adjust-quantity": "-2", "adjust-reason": "破损", "adjust-key": "same"})
    assert response.status_code == 422
    assert errors(response, "adjust_form") == {"__all__": ["这张表单已经提交过不同的内容，请核对后重新提交。"]}
    assert snapshot() == before
    fresh = re.search(r'name="adjust-key" value="([^"]+)"', page_of(response))[1]
    assert fresh != "same" and len(fresh) == 32


@pytest.mark.django_db
def test_a_stock_take_shows_the_shortage_or_surplus(admin, world, mk):
    url = reverse("console_good_stocktake", args=[mk.oil.pk])
    response = admin.post(url, {"take-counted": "8", "take-reason": "", "take-key": "t1"})
    assert follow_messages(admin, response) == ["盘点：账面 10桶，实盘 8桶，短缺 2桶。"]
    movement = StockMovement.objects.get(key="web:t1")
    assert (movement.kind, movement.quantity, movement.counted, movement.reason) == ("stocktake", -2, 8, "盘点短缺 2桶")
    response = admin.post(url, {"take-counted": "11", "take-reason": "找到一箱", "take-key": "t2"})
    assert follow_messages(admin, response) == ["盘点：账面 8桶，实盘 11桶，盈余 3桶。"]
    response = admin.post(url, {"take-counted": "11", "take-reason": "", "take-key": "t3"})
    assert follow_messages(admin, response) == ["盘点：账面与实盘相符，都是 11桶。"]
    before = snapshot()
    refused = admin.post(url, {"take-counted": "-1", "take-reason": "", "take-key": "t4"})
    assert refused.status_code == 422 and errors(refused, "take_form") == {"counted": ["盘点数量应在 0 到 1000000000 之间"]}
    assert snapshot() == before
    page = page_of(admin.get(reverse("console_good", args=[mk.oil.pk])))
    assert page.count('<tr class="movement') == 4
    assert page.index("找到一箱") < page.index("盘点短缺 2桶")  # newest first


@pytest.mark.django_db
def test_the_good_page_costs_the_same_queries_for_more_movements(admin, world, mk, django_assert_num_queries):
    url = reverse("console_good", args=[mk.oil.pk])
    admin.get(url)
    with django_assert_num_queries(11):
        admin.get(url)
    for i in range(10):
        services.stock_adjust(actor=world.admin, good=mk.oil, quantity=1, reason=f"找到{i}", idempotency_key=f"q{i}")
    with django_assert_num_queries(11):
        page = page_of(admin.get(url))
    assert page.count('<tr class="movement') == 11


@pytest.mark.django_db
def test_a_voucher_keeps_no_stock_and_its_page_offers_no_stock_forms(admin, world, mk):
    page = page_of(admin.get(reverse("console_good", args=[mk.voucher.pk])))
    assert "purchase-key" not in page and "不管理库存" in page
    before = snapshot()
    response = admin.post(reverse("console_good_adjust", args=[mk.voucher.pk]), {"adjust-quantity": "1", "adjust-reason": "x", "adjust-key": "v"})
    assert response.status_code == 422
    assert errors(response, "adjust_form") == {"__all__": ["「体检券」是服务或券，不管理库存"]}
    assert snapshot() == before


@pytest.mark.django_db
def test_village_b_admin_cannot_write_village_a_stock(village_b_admin, world, mk):
    before = snapshot()
    assert purchase(village_b_admin, mk.oil).status_code == 403
    url = reverse("console_good_adjust", args=[mk.oil.pk])
    assert village_b_admin.post(url, {"adjust-quantity": "-1", "adjust-reason": "x", "adjust-key": "b"}).status_code == 403
    url = reverse("console_good_stocktake", args=[mk.oil.pk])
    assert village_b_admin.post(url, {"take-counted": "0", "take-key": "b"}).status_code == 403
    assert village_b_admin.post(reverse("console_good", args=[mk.oil.pk]), {"edit-name": "x"}).status_code == 403
    assert village_b_admin.post(reverse("console_good_adjust", args=[99999]), {}).status_code == 404
    assert snapshot() == before


# ---------------------------------------------------------------- funds


@pytest.mark.django_db
def test_the_funds_page_lists_the_funds_below_with_balances(admin, world, mk):
    services.fund_allocate(actor=None, fund=mk.fund, org=world.shahe, year=2026, amount_fen=300_000, reason="沙河村2026", idempotency_key="al")
    response = admin.get(reverse("console_funds", args=[world.township.path]))
    assert [(f.name, f.balance_fen) for f in response.context["funds"]] == [
        ("积分超市专项资金", 1_630_000), ("积分超市专项资金（沙河村 2026年）", 300_000)
    ]
    page = page_of(response)
    assert '<td class="num balance" data-label="余额（元）">16300.00</td>' in page
    assert '<td class="num balance" data-label="余额（元）">3000.00</td>' in page
    village = admin.get(reverse("console_funds", args=[world.shahe.path])).context["funds"]
    assert [f.name for f in village] == ["积分超市专项资金（沙河村 2026年）"]


@pytest.mark.django_db
def test_the_funds_page_costs_the_same_queries_for_more_funds(admin, world, mk, django_assert_num_queries):
    url = reverse("console_funds", args=[world.township.path])
    admin.get(url)
    with django_assert_num_queries(8):
        admin.get(url)
    for i in range(5):
        fund = services.fund_create(actor=None, org=world.shahe, code=f"f{i}", name=f"资金{i}")
        services.fund_receive(actor=None, fund=fund, amount_fen=100, source_kind="other", reason="x", idempotency_key=f"f{i}")
    with django_assert_num_queries(8):
        admin.get(url)


@pytest.mark.django_db
def test_opening_a_fund_and_a_taken_code(admin, world, mk):
    url = reverse("console_funds", args=[world.shahe.path])
    response = admin.post(url, {"name": "沙河村集体奖励金", "code": "reward", "note": "村集体收入"})
    fund = Fund.objects.get(org=world.shahe, code="reward")
    assert response["Location"] == f"/console/fund/{fund.pk}/" and (fund.name, fund.note) == ("沙河村集体奖励金", "村集体收入")
    before = snapshot()
    again = admin.post(url, {"name": "又一笔", "code": "reward"})
    assert again.status_code == 422 and errors(again) == {"code": ["「沙河村」已有编号为「reward」的资金"]}
    assert snapshot() == before


def receive(client, fund, key="r1", **values):
    data = {"receive-amount_yuan": "1234.56", "receive-source_kind": "donation", "receive-reason": "乡贤张某捐赠", "receive-key": key}
    data |= {f"receive-{k}": v for k, v in values.items()}
    return client.post(reverse("console_fund_receive", args=[fund.pk]), data)


@pytest.mark.django_db
def test_receiving_money_once_however_often_it_is_sent(admin, world, mk):
    response = receive(admin, mk.fund)
    assert response["Location"] == f"/console/fund/{mk.fund.pk}/"
    assert follow_messages(admin, response) == ["已收入 1234.56 元，余额 20534.56 元。"]
    movement = FundMovement.objects.get(key="web:r1")
    assert (movement.kind, movement.amount_fen, movement.source_kind, movement.reason) == ("receipt", 123_456, "donation", "乡贤张某捐赠")
    before = snapshot()
    assert follow_messages(admin, receive(admin, mk.fund)) == ["这张表单此前已提交并记录，没有重复记录。"]
    assert snapshot() == before
    refused = receive(admin, mk.fund, key="r2", amount_yuan="0")
    assert refused.status_code == 422 and list(errors(refused, "receive_form")) == ["amount_yuan"]
    huge = receive(admin, mk.fund, key="r3", amount_yuan="100000000000.01")
    assert errors(huge, "receive_form") == {"amount_yuan": ["金额（分）应在 1 到 10000000000000 之间"]}
    assert snapshot() == before


def allocate(client, fund, key="al1", **values):
    data = {"allocate-org_path": "demo/zhangji/shahe", "allocate-year": "2026", "allocate-amount_yuan": "3000",
            "allocate-reason": "2026年沙河村积分超市", "allocate-key": key}
    data |= {f"allocate-{k}": v for k, v in values.items()}
    return client.post(reverse("console_fund_allocate", args=[fund.pk]), data)


@pytest.mark.django_db
def test_allocating_to_a_village_and_the_refusals(admin, world, mk):
    response = allocate(admin, mk.fund)
    child = Fund.objects.get(parent=mk.fund)
    assert follow_messages(admin, response) == ["已下拨 3000.00 元到「积分超市专项资金（沙河村 2026年）」。"]
    assert (child.org, child.year, selectors.fund_balance(fund=child), selectors.fund_balance(fund=mk.fund)) == (
        world.shahe, 2026, 300_000, 1_630_000
    )
    before = snapshot()
    assert allocate(admin, mk.fund).status_code == 302 and snapshot() == before
    too_much = allocate(admin, mk.fund, key="al2", amount_yuan="16300.01")
    assert too_much.status_code == 422
    assert errors(too_much, "allocate_form") == {"__all__": ["资金「积分超市专项资金」余额不足：余额 16300.00 元，需支出 16300.01 元"]}
    outside = allocate(admin, mk.fund, key="al3", org_path="demo")
    assert errors(outside, "allocate_form") == {"org_path": ["「演示县」不在资金「积分超市专项资金」的范围内"]}
    unknown = allocate(admin, mk.fund, key="al4", org_path="demo/zhangji/nowhere")
    assert errors(unknown, "allocate_form") == {"org_path": ["找不到组织「demo/zhangji/nowhere」"]}
    assert snapshot() == before


@pytest.mark.django_db
def test_the_statement_shows_every_movement_with_its_balance_after(admin, world, mk):
    allocate(admin, mk.fund)
    response = admin.get(reverse("console_fund", args=[mk.fund.pk]))
    rows = [(line.kind, income, spending, line.balance_after_fen) for line, income, spending in response.context["statement"]]
    assert rows == [
        ("allocation_out", 0, 300_000, 1_630_000), ("purchase", 0, 25_000, 1_930_000), ("purchase", 0, 45_000, 1_955_000),
        ("receipt", 2_000_000, 0, 2_000_000),
    ]
    assert response.context["totals"] == {"opening": 0, "income": 2_000_000, "spending": 370_000, "closing": 1_630_000}
    page = page_of(response)
    assert re.findall(r'class="num balance-after" data-label="余额（元）">([\d.]+)<', page) == ["16300.00", "19300.00", "19550.00", "20000.00"]
    assert admin.get(reverse("console_fund", args=[mk.fund.pk]), {"period": "2026-04"}).context["totals"]["closing"] is None
    bad = admin.get(reverse("console_fund", args=[mk.fund.pk]), {"period": "2026-13"})
    assert bad.status_code == 422 and bad.context["period_form"].errors == {"period": ["月份无效：2026-13"]}


def sheet_rows(content: bytes, name: str) -> list[list[object]]:
    return [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(content))[name].iter_rows()]


@pytest.mark.django_db
def test_a_fund_statement_downloads_as_xlsx(admin, world, mk):
    allocate(admin, mk.fund)
    response = admin.post(reverse("console_fund_export", args=[mk.fund.pk]), {"export-period": "2026"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="funds-demo-zhangji-subsidy-2026.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["资金汇总", "1 积分超市专项资金"]
    assert sheet_rows(response.content, "资金汇总")[1] == [1, "积分超市专项资金", "张集镇", None, None, 0, 20000, 3700, 16300]
    sheet = sheet_rows(response.content, "1 积分超市专项资金")
    assert [(r[2], r[5], r[6], r[7]) for r in sheet[2:-1]] == [
        ("收入", 20000, None, 20000), ("采购支出", None, 450, 19550), ("采购支出", None, 250, 19300), ("下拨", None, 3000, 16300)
    ]
    assert sheet[-1][4:8] == ["本期合计 / totals", 20000, 3700, 16300]
    event = AuditEvent.objects.get(action="market.export_fund_statement")
    assert (event.actor_id, event.object_id, event.after) == (world.admin.pk, str(mk.fund.pk), {"period": "2026", "funds": 1})


@pytest.mark.django_db
def test_the_funds_of_a_unit_download_as_one_workbook(admin, world, mk):
    allocate(admin, mk.fund)
    response = admin.post(reverse("console_funds_export", args=[world.township.path]), {"export-period": ""})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["资金汇总", "1 积分超市专项资金", "2 积分超市专项资金（沙河村 2026年）"]
    assert sheet_rows(response.content, "资金汇总")[2] == [2, "积分超市专项资金（沙河村 2026年）", "沙河村", 2026, "积分超市专项资金", 0, 3000, 0, 3000]
    bad = admin.post(reverse("console_funds_export", args=[world.township.path]), {"export-period": "2026-Q5"})
    assert bad.status_code == 422
    assert errors(bad, "export_form") == {"period": ["期间「2026-Q5」无效（应为 2026、2026-03 或 2026-Q1）"]}


@pytest.mark.django_db
def test_village_b_admin_cannot_see_or_move_village_a_money(village_b_admin, world, mk):
    client = village_b_admin
    shahe_fund = services.fund_create(actor=None, org=world.shahe, code="s", name="沙河村资金")
    before = snapshot()
    assert client.get(reverse("console_funds", args=[world.shahe.path])).status_code == 403
    assert client.get(reverse("console_funds", args=[world.township.path])).status_code == 403
    assert client.post(reverse("console_funds", args=[world.shahe.path]), {"name": "x", "code": "x"}).status_code == 403
    assert client.get(reverse("console_fund", args=[shahe_fund.pk])).status_code == 403
    assert receive(client, shahe_fund).status_code == 403
    assert allocate(client, mk.fund, org_path=world.quanshui.path).status_code == 403
    assert client.post(reverse("console_fund_export", args=[mk.fund.pk]), {"export-period": ""}).status_code == 403
    assert client.post(reverse("console_funds_export", args=[world.shahe.path]), {"export-period": ""}).status_code == 403
    assert client.get(reverse("console_fund", args=[99999])).status_code == 404
    assert snapshot() == before
    assert client.get(reverse("console_funds", args=[world.quanshui.path])).context["funds"] == []


# ---------------------------------------------------------------- paying a reward list's cash


def make_reward_list(world, mk, *, cash: bool = True) -> RewardList:
    rl = RewardList.objects.create(
        scheme=mk.scheme, rule_index=0, rule_type="rank_table", rule={}, period="2025", period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2026, 1, 1), evaluated_at=clock.now(),
    )
    lines = [
        (world.household.subject, "张三户", 1, "awarded", 50_000),
        (world.neighbour_household.subject, "王五户", 2, "awarded", 30_000),
        (world.outsider_household.subject, "赵六户", None, "excluded", None),  # vetoed: never paid
    ]
    for order, (subject, name, rank, outcome, amount) in enumerate(lines, 1):
        RewardLine.objects.create(
            reward_list=rl, order=order, subject=subject, name=name, rank=rank, score=100, outcome=outcome,
            amount_fen=amount if cash else None, points=None if cash or amount is None else 10,
        )
    return rl


@pytest.fixture
def reward_list(world, mk):
    return make_reward_list(world, mk)


def pay(client, reward_list, fund, key="pay1"):
    return client.post(reverse("console_reward_list_pay", args=[reward_list.pk]), {"pay-fund": str(fund.pk), "pay-key": key})


@pytest.mark.django_db
def test_the_reward_list_offers_the_funds_the_admin_may_spend(admin, world, mk, reward_list):
    services.fund_create(actor=None, org=world.quanshui, code="qs", name="泉水河村资金")  # another village: not for 沙河村's list
    # Last year's allocation may not be spent this year.
    services.fund_allocate(actor=None, fund=mk.fund, org=world.shahe, year=2025, amount_fen=100, reason="2025", idempotency_key="old")
    response = admin.get(reverse("console_reward_list", args=[reward_list.pk]))
    assert [f.name for f in response.context["pay_form"].fields["fund"].queryset] == ["积分超市专项资金"]
    assert response.context["cash"] == {"lines": 2, "total_fen": 80_000, "paid": 0, "unpaid_fen": 80_000}
    page = page_of(response)
    assert "获奖现金 2 笔，共 800.00 元；已发放 0 笔，待发放 800.00 元。" in page
    assert re.search(r'name="pay-key" value="[0-9a-f]{32}"', page)
    assert "积分超市专项资金（张集镇）· 余额 19299.00 元" in page


@pytest.mark.django_db
def test_paying_a_reward_list_once_however_often_it_is_sent(admin, world, mk, reward_list):
    response = pay(admin, reward_list, mk.fund)
    assert response["Location"] == f"/console/reward-list/{reward_list.pk}/#cash"
    assert follow_messages(admin, response) == ["已从「积分超市专项资金」发放 2 笔现金奖励，共 800.00 元。"]
    assert sorted(RewardPayment.objects.values_list("line__name", "amount_fen")) == [("张三户", 50_000), ("王五户", 30_000)]
    assert selectors.fund_balance(fund=mk.fund) == 1_930_000 - 80_000
    before = snapshot()
    again = pay(admin, reward_list, mk.fund)
    assert follow_messages(admin, again) == ["这次发放此前已办理（共 800.00 元），没有重复发放。"]
    assert snapshot() == before and RewardPayment.objects.count() == 2
    page = admin.get(reverse("console_reward_list", args=[reward_list.pk]))
    assert "现金奖励已全部发放：2 笔，共 800.00 元" in page_of(page) and "pay_form" not in page.context
    assert page_of(page).count('<span class="badge good">已发放</span>') == 2
    other_key = pay(admin, reward_list, mk.fund, key="pay2")
    assert other_key.status_code == 422
    assert errors(other_key, "pay_form") == {"__all__": ["本名单的现金奖励已全部发放"]}
    assert snapshot() == before


@pytest.mark.django_db
def test_a_reward_list_the_fund_cannot_cover_is_refused_whole(admin, world, mk, reward_list):
    small = services.fund_create(actor=None, org=world.shahe, code="small", name="村集体奖励金")
    services.fund_receive(actor=None, fund=small, amount_fen=60_000, source_kind="collective_income", reason="集体收入", idempotency_key="in")
    before = snapshot()
    response = pay(admin, reward_list, small)
    assert response.status_code == 422
    assert errors(response, "pay_form") == {"__all__": ["资金「村集体奖励金」余额不足：余额 600.00 元，需支出 800.00 元"]}
    assert snapshot() == before and not RewardPayment.objects.exists()
    admin.cookies.load({"django_language": "en"})
    response = pay(admin, reward_list, small)
    assert errors(response, "pay_form") == {
        "__all__": ["fund '村集体奖励金' has 600.00 yuan, 800.00 needed; a fund never goes negative"]
    }


@pytest.mark.django_db
def test_a_reward_list_without_cash_has_no_pay_form(admin, world, mk):
    reward_list = make_reward_list(world, mk, cash=False)
    response = admin.get(reverse("console_reward_list", args=[reward_list.pk]))
    assert "cash" not in response.context and "现金奖励发放" not in page_of(response)
    assert f'/console/reward-list/{reward_list.pk}/pay/' not in page_of(response)


@pytest.mark.django_db
def test_village_b_admin_cannot_pay_village_a_rewards(village_b_admin, world, mk, reward_list):
    own = services.fund_create(actor=None, org=world.quanshui, code="qs", name="泉水河村资金")
    services.fund_receive(actor=None, fund=own, amount_fen=1_000_000, source_kind="other", reason="x", idempotency_key="qs")
    before = snapshot()
    assert village_b_admin.get(reverse("console_reward_list", args=[reward_list.pk])).status_code == 403
    assert pay(village_b_admin, reward_list, own).status_code == 403
    assert pay(village_b_admin, reward_list, mk.fund).status_code == 403
    assert village_b_admin.post(reverse("console_reward_list_pay", args=[99999]), {}).status_code == 404
    assert snapshot() == before and not RewardPayment.objects.exists()
