"""The villager's own supermarket in a real browser (Debian's Chromium) on a 360 px phone, with
and without JavaScript: from the member home to the receipt; a refusal shown on the page."""

from __future__ import annotations

import re

import pytest

from jifen.claims.services import veto_record
from jifen.core import clock
from jifen.ledger import selectors as ledger_selectors
from jifen.market.models import Redemption
from jifen.market.selectors import stock_level
from jifen.market.tests.conftest import NOW, build_market
from jifen.orgs.testing import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _submit(browsing, selector: str) -> None:
    with browsing.page.expect_navigation():
        browsing.page.click(selector)


def test_a_villager_redeems_from_the_phone_and_sees_the_receipt(phone, world):
    with clock.frozen(NOW):
        mk = build_market(world)
    phone.sign_in("zhangsan", World.PASSWORD)
    phone.goto("/me/")
    assert phone.page.inner_text(".mall-box .mall-balance") == "可用 200 分"
    phone.check("1-home")
    _submit(phone, ".mall-box a.button >> text=去兑换")
    assert phone.page.url.endswith("/me/market/")
    assert phone.page.locator("ul.mall-goods li").count() == 3
    assert "有货 10桶" in phone.page.inner_text("ul.mall-goods li >> nth=2")
    phone.page.fill(f"input[name=qty_{mk.oil.pk}]", "1")
    phone.page.fill(f"input[name=qty_{mk.soap.pk}]", "2")
    phone.check("2-basket")
    _submit(phone, "form.mall-basket button[type=submit]")
    assert phone.page.inner_text("h1") == "核对兑换单"
    assert phone.page.inner_text(".mall-total") == "70" and phone.page.inner_text(".mall-after") == "130"
    phone.check("3-confirm")
    _submit(phone, "form.mall-confirm button[type=submit]")
    redemption = Redemption.objects.get()
    assert phone.page.inner_text("h1") == f"小票 {redemption.receipt_no}"
    assert f"兑换成功，请凭小票 {redemption.receipt_no} 到超市领取。" in phone.page.inner_text(".messages")
    assert phone.page.inner_text(".mall-after") == "兑换后余额：130 分"
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d", phone.page.inner_text(".mall-time"))
    phone.check("4-receipt")
    assert ledger_selectors.balance_of(account=mk.account) == 130
    assert (stock_level(good=mk.oil), stock_level(good=mk.soap)) == (9, 98)
    # Back on the shelf: the balance and the stock have fallen, the limit counts the bottle.
    phone.goto("/me/market/")
    assert phone.page.inner_text(".mall-accounts .mall-balance") == "可用 130 分"
    assert "有货 9桶" in phone.page.inner_text("ul.mall-goods li >> nth=2")
    assert "每户每月限 2桶，已兑 1桶" in phone.page.inner_text("ul.mall-goods li >> nth=2")
    phone.goto("/me/market/receipts/")
    assert phone.page.locator("ul.mall-receipts li").count() == 1
    phone.check("5-receipts")


def test_without_javascript_a_refusal_is_shown_and_a_veto_explained(phone_without_js, world):
    browsing = phone_without_js
    with clock.frozen(NOW):
        mk = build_market(world)
    browsing.sign_in("zhangsan", World.PASSWORD)
    browsing.goto("/me/market/")
    browsing.page.fill(f"input[name=qty_{mk.oil.pk}]", "3")
    _submit(browsing, "form.mall-basket button[type=submit]")
    _submit(browsing, "form.mall-confirm button[type=submit]")
    assert browsing.page.inner_text(".mall-refusal") == "「食用油」每户每月限兑 2桶，本期已兑 0桶，本次不能再兑 3桶"
    browsing.check("1-refused")
    assert not Redemption.objects.exists()
    veto_record(actor=world.reviewer, scheme=mk.scheme, subject=world.limei.subject, starts_on=clock.now().date(), reason="违法建房")
    browsing.goto("/me/market/")
    assert browsing.page.inner_text(".mall-veto").startswith("一票否决期内（至 ")
    assert browsing.page.locator("form.mall-basket button[type=submit]").count() == 0
    browsing.check("2-vetoed")
