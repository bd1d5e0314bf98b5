"""The goods, stock and fund admin pages in a real browser (Debian's Chromium) on a 360 px phone:
nothing wider than the screen, forms that work with and without JavaScript, refusals shown."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from jifen.core import clock
from jifen.market import selectors, services
from jifen.market.models import Fund, Good, StockMovement
from jifen.market.tests.conftest import NOW, build_market
from jifen.orgs.testing import World
from jifen.rankings.models import RewardLine, RewardList, RewardPayment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LONG_NAME = "沙河村河东组乡贤捐赠的特级压榨花生油（五升装，限本村村民兑换）"


def submit(browsing, form: str) -> None:
    with browsing.page.expect_navigation():
        browsing.page.click(f"{form} button[type=submit]")


def test_goods_and_stock_on_a_phone(phone, world):
    with clock.frozen(NOW):
        mk = build_market(world)
    phone.sign_in("admin", World.PASSWORD)
    phone.goto("/console/market/")
    assert phone.page.url.endswith("/console/org/demo/zhangji/-/shops/")
    assert phone.page.locator("table.shops tbody tr").count() == 1
    phone.check("1-shops")
    with phone.page.expect_navigation():
        phone.page.click("table.shops a")
    assert phone.page.inner_text("h1").startswith("沙河村积分超市")
    phone.page.fill("#id_code", "peanut-oil-5l-donated-by-the-east-bank-group")
    phone.page.fill("#id_name", LONG_NAME)
    phone.page.fill("#id_category", "粮油")
    phone.page.fill("#id_unit", "桶")
    phone.page.fill("#id_price_points", "0")
    submit(phone, "form[action='#new-good']")
    assert phone.page.inner_text("#new-good ~ form .field.invalid .error") == "所需积分应在 1 到 10000000 之间"
    phone.check("2-good-refused")
    phone.page.fill("#id_price_points", "60")
    submit(phone, "form[action='#new-good']")
    good = Good.objects.get(code="peanut-oil-5l-donated-by-the-east-bank-group")
    assert phone.page.url.split("#")[0].endswith(f"/console/good/{good.pk}/")
    assert phone.page.inner_text(".messages") == f"已上架「{LONG_NAME}」。"
    phone.check("3-good")

    phone.page.click("#purchase summary")
    phone.page.fill("#id_purchase-quantity", "12")
    phone.page.fill("#id_purchase-unit_cost_yuan", "52.5")
    phone.page.select_option("#id_purchase-fund", str(mk.fund.pk))
    phone.page.fill("#id_purchase-reason", "东头组进货")
    phone.check("4-purchase-form")
    submit(phone, "#purchase")
    assert phone.page.inner_text(".messages") == "已入库 12桶，共 630.00 元；现有库存 12桶。 款项从「积分超市专项资金」支出。"
    assert selectors.fund_balance(fund=mk.fund) == 1_930_000 - 63_000

    phone.page.click("#adjust summary")
    phone.page.fill("#id_adjust-quantity", "-20")
    phone.page.fill("#id_adjust-reason", "破损")
    submit(phone, "#adjust")
    assert phone.page.inner_text("#adjust .alert.error") == f"「{LONG_NAME}」库存不足：现有 12桶，需要 20桶"
    phone.check("5-adjust-refused")
    assert StockMovement.objects.filter(good=good).count() == 1

    phone.page.click("#stocktake summary")
    phone.page.fill("#id_take-counted", "11")
    submit(phone, "#stocktake")
    assert phone.page.inner_text(".messages") == "盘点：账面 12桶，实盘 11桶，短缺 1桶。"
    assert phone.page.locator("table.movements tbody tr").count() == 2
    phone.check("6-stocktake")

    phone.goto(f"/console/shop/{mk.shop.pk}/")
    assert phone.page.locator("table.goods tbody tr").count() == 4
    phone.check("7-goods-with-stock")


def test_funds_on_a_phone_and_the_statement_download(phone, world):
    with clock.frozen(NOW):
        build_market(world)  # the township's fund: one more row on the funds page
    phone.sign_in("admin", World.PASSWORD)
    phone.goto("/console/funds/")
    assert phone.page.url.endswith("/console/org/demo/zhangji/-/funds/")
    phone.page.fill("#id_name", LONG_NAME.replace("花生油", "奖补资金"))
    phone.page.fill("#id_code", "east-bank-award-2026")
    submit(phone, "form[action='#new-fund']")
    fund = Fund.objects.get(code="east-bank-award-2026")
    assert phone.page.url.split("#")[0].endswith(f"/console/fund/{fund.pk}/")
    phone.page.click("#receive summary")
    phone.page.fill("#id_receive-amount_yuan", "8888.88")
    phone.page.select_option("#id_receive-source_kind", "donation")
    phone.page.fill("#id_receive-reason", "乡贤捐赠")
    submit(phone, "#receive")
    assert phone.page.inner_text(".messages") == "已收入 8888.88 元，余额 8888.88 元。"
    phone.page.click("#allocate summary")
    phone.page.fill("#id_allocate-org_path", "demo/zhangji/shahe")
    phone.page.fill("#id_allocate-amount_yuan", "9000")
    phone.page.fill("#id_allocate-reason", "沙河村东头组")
    submit(phone, "#allocate")
    assert "余额不足" in phone.page.inner_text("#allocate .alert.error")
    phone.check("1-allocate-refused")
    phone.page.fill("#id_allocate-amount_yuan", "888.88")
    submit(phone, "#allocate")
    assert phone.page.inner_text(".messages").startswith("已下拨 888.88 元到「")
    assert [c.strip() for c in phone.page.locator("td.balance-after").all_inner_texts()] == ["8000.00", "8888.88"]
    phone.check("2-statement")

    with phone.page.expect_download() as download:
        phone.page.click("#export button[type=submit]")
    book = openpyxl.load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    sheet = book.worksheets[1]
    assert [[c.value for c in row][5:8] for row in sheet.iter_rows(min_row=3)] == [[8888.88, None, 8888.88], [None, 888.88, 8000], [8888.88, 888.88, 8000]]

    phone.goto("/console/org/demo/zhangji/-/funds/")
    assert phone.page.locator("table.funds tbody tr").count() == 3
    phone.check("3-funds")


def test_paying_a_reward_list_without_javascript(phone_without_js, world):
    browsing = phone_without_js
    with clock.frozen(NOW):
        mk = build_market(world)
        rl = RewardList.objects.create(
            scheme=mk.scheme, rule_index=0, rule_type="rank_table", rule={}, period="2025", period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2026, 1, 1), evaluated_at=clock.now(),
        )
    for order, (subject, name, amount) in enumerate(
        [(world.household.subject, "张三户", 50_000), (world.neighbour_household.subject, "王五户", 30_000)], 1
    ):
        RewardLine.objects.create(reward_list=rl, order=order, subject=subject, name=name, rank=order, score=100,
                                  outcome="awarded", amount_fen=amount)
    small = services.fund_create(actor=None, org=world.shahe, code="small", name="村集体奖励金")
    services.fund_receive(actor=None, fund=small, amount_fen=60_000, source_kind="collective_income", reason="集体收入",
                          idempotency_key="in")
    browsing.sign_in("admin", World.PASSWORD)
    browsing.goto(f"/console/reward-list/{rl.pk}/")
    browsing.page.select_option("#id_pay-fund", str(small.pk))
    submit(browsing, "#cash form")
    assert browsing.page.inner_text("#cash .alert.error") == "资金「村集体奖励金」余额不足：余额 600.00 元，需支出 800.00 元"
    browsing.check("1-refused")
    browsing.page.select_option("#id_pay-fund", str(mk.fund.pk))
    submit(browsing, "#cash form")
    assert browsing.page.inner_text(".messages") == "已从「积分超市专项资金」发放 2 笔现金奖励，共 800.00 元。"
    assert "现金奖励已全部发放：2 笔，共 800.00 元" in browsing.page.inner_text("#cash")
    browsing.check("2-paid")
    assert RewardPayment.objects.count() == 2
