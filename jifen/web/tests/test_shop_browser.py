"""The shopkeeper's counter in a real browser (Debian's Chromium) on a 360 px phone, with and without JavaScript."""

from __future__ import annotations

import pytest

from jifen.core import clock
from jifen.ledger import selectors as ledger_selectors
from jifen.market.models import Redemption
from jifen.market.tests.conftest import NOW, build_market
from jifen.orgs.testing import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _redeem_soap(browsing, mk) -> None:
    browsing.page.fill(f"#qty_{mk.soap.pk}", "2")
    browsing.page.fill(f"#qty_{mk.oil.pk}", "1")
    with browsing.page.expect_navigation():
        browsing.page.click("form.shop-basket button[type=submit]")


def test_a_shopkeeper_redeems_a_basket_on_a_phone(phone, world):
    with clock.frozen(NOW):
        mk = build_market(world)
    phone.sign_in("shopkeeper", World.PASSWORD)
    phone.goto("/shop/")
    assert phone.page.inner_text("h1") == "沙河村积分超市"
    phone.page.fill("#q", "0002")  # 李梅's phone tail: her household redeems
    phone.wait_for_count("ul.shop-members li", 1)
    assert "可用 200 分" in phone.page.inner_text("ul.shop-members li")
    phone.check("1-found")
    with phone.page.expect_navigation():
        phone.page.click("ul.shop-members a.button")
    phone.check("2-basket")
    _redeem_soap(phone, mk)
    assert phone.page.inner_text("h1").startswith("小票 ")
    assert "剩余积分：130 分" in phone.page.inner_text("main")
    phone.check("3-receipt")
    assert ledger_selectors.balance_of(account=mk.account) == 130
    phone.page.fill("#reason", "顾客退货")
    with phone.page.expect_navigation():
        phone.page.click("form.shop-cancel button[type=submit]")
    assert "已撤销，积分与库存已退回。" in phone.page.inner_text(".messages")
    phone.check("4-cancelled")
    assert Redemption.objects.get().status == "cancelled"


def test_the_counter_works_without_javascript_and_shows_refusals(phone_without_js, world):
    browsing = phone_without_js
    with clock.frozen(NOW):
        mk = build_market(world)
    browsing.sign_in("shopkeeper", World.PASSWORD)
    browsing.goto(f"/shop/{mk.shop.pk}/")
    browsing.page.fill("#q", "SH-001")
    with browsing.page.expect_navigation():
        browsing.page.click("form.search button[type=submit]")
    assert browsing.page.locator("ul.shop-members li").count() == 2
    with browsing.page.expect_navigation():
        browsing.page.locator("ul.shop-members a.button").first.click()
    browsing.page.fill(f"#qty_{mk.oil.pk}", "3")
    with browsing.page.expect_navigation():
        browsing.page.click("form.shop-basket button[type=submit]")
    assert browsing.page.inner_text("main .alert.error") == "「食用油」每户每月限兑 2桶，本期已兑 0桶，本次不能再兑 3桶"
    browsing.check("refused")
    assert not Redemption.objects.exists()
