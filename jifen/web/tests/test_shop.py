import re

import pytest
from django.urls import reverse

from jifen.core import clock
from jifen.ledger import selectors as ledger_selectors
from jifen.market.models import Redemption
from jifen.market.tests.conftest import NOW, build_market


@pytest.fixture
def mk(world):
    with clock.frozen(NOW):
        yield build_market(world)


@pytest.fixture
def keeper(client, mk):
    client.force_login(mk.keeper)
    return client


@pytest.mark.django_db
def test_shop_home_goes_straight_to_the_only_counter(keeper, mk):
    response = keeper.get(reverse("shop_home"))
    assert response.status_code == 302 and response.url == reverse("shop_counter", args=[mk.shop.pk])


@pytest.mark.django_db
def test_counter_finds_the_member_with_a_masked_phone_and_the_household_balance(keeper, mk, world):
    page = keeper.get(reverse("shop_counter", args=[mk.shop.pk]), {"q": "李梅"}).content.decode()
    assert "<strong>李梅</strong>" in page and "户号 SH-001" in page and "可用 200 分" in page
    assert "138****0002" in page and "13800000002" not in page
    assert reverse("shop_redeem", args=[mk.shop.pk, mk.hh.pk]) in page
    partial = keeper.get(reverse("shop_counter", args=[mk.shop.pk]), {"q": "0003"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<strong>王五</strong>" in partial and "<html" not in partial
    assert "没有找到与「赵六」相符的人员。" in keeper.get(reverse("shop_counter", args=[mk.shop.pk]), {"q": "赵六"}).content.decode()


@pytest.mark.django_db
def test_basket_is_redeemed_once_and_the_receipt_shown(keeper, mk, world):
    url = reverse("shop_redeem", args=[mk.shop.pk, mk.hh.pk])
    with clock.frozen(NOW):
        page = keeper.get(url).content.decode()
        key = re.search(r'name="key" value="([0-9a-f]{32})"', page).group(1)
        assert "可用积分：200 分" in page and "食用油" in page and "每户每月限 2桶" in page
        form = {"key": key, f"qty_{mk.oil.pk}": "1", f"qty_{mk.soap.pk}": "2", f"qty_{mk.voucher.pk}": ""}
        first = keeper.post(url, form)
        again = keeper.post(url, form)  # a double tap: the same key
    redemption = Redemption.objects.get()
    assert first.status_code == 302 and first.url == reverse("shop_receipt", args=[redemption.pk])
    assert again.status_code == 302 and again.url == first.url
    assert ledger_selectors.balance_of(account=mk.account) == 130
    with clock.frozen(NOW):
        receipt = keeper.get(first.url).content.decode()
    assert f"小票 {redemption.receipt_no}" in receipt and "剩余积分：130 分" in receipt
    assert "撤销兑换（03-11 10:00 前可撤销）" in receipt


@pytest.mark.django_db
def test_refusal_is_shown_on_the_form_and_nothing_is_redeemed(keeper, mk):
    url = reverse("shop_redeem", args=[mk.shop.pk, mk.hh.pk])
    with clock.frozen(NOW):
        response = keeper.post(url, {"key": "a" * 32, f"qty_{mk.oil.pk}": "3"})
        assert response.status_code == 422
        assert "「食用油」每户每月限兑 2桶，本期已兑 0桶，本次不能再兑 3桶" in response.content.decode()
        response = keeper.post(url, {"key": "b" * 32, f"qty_{mk.soap.pk}": "abc"})
        assert response.status_code == 422 and "数量应为整数：洗衣皂" in response.content.decode()
        response = keeper.post(url, {"key": "c" * 32})
        assert response.status_code == 422 and "请至少选择一件商品。" in response.content.decode()
    assert not Redemption.objects.exists()


@pytest.mark.django_db
def test_cancel_from_the_receipt(keeper, mk):
    url = reverse("shop_redeem", args=[mk.shop.pk, mk.hh.pk])
    with clock.frozen(NOW):
        done = keeper.post(url, {"key": "d" * 32, f"qty_{mk.soap.pk}": "1"})
        redemption = Redemption.objects.get()
        response = keeper.post(reverse("shop_cancel", args=[redemption.pk]), {"key": "e" * 32, "reason": "顾客退货"}, follow=True)
    page = response.content.decode()
    assert "已撤销，积分与库存已退回。" in page and "剩余积分：200 分" in page
    assert done.status_code == 302
    assert Redemption.objects.get().status == "cancelled"


@pytest.mark.django_db
def test_members_and_other_villages_cannot_use_the_counter(client, mk, world):
    client.force_login(world.member)
    assert client.get(reverse("shop_counter", args=[mk.shop.pk])).status_code == 403
    assert client.post(reverse("shop_redeem", args=[mk.shop.pk, mk.hh.pk]), {"key": "f" * 32, f"qty_{mk.soap.pk}": "1"}).status_code == 403
    client.force_login(world.outsider)
    assert client.get(reverse("shop_home")).status_code == 200
    assert not Redemption.objects.exists()


@pytest.mark.django_db
def test_counter_appears_in_the_shopkeepers_navigation(keeper, mk):
    page = keeper.get(reverse("shop_counter", args=[mk.shop.pk])).content.decode()
    assert f'href="{reverse("shop_home")}"' in page
