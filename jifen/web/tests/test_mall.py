"""The villager's own supermarket pages (/me/market/): browse, confirm and redeem, refusals that
write nothing, the same key showing the same receipt, and receipts scoped to the household.

The market world (jifen/market/tests/conftest.py) at 10 March 2026, 10:00: Shahe's supermarket
with oil (50 points, 10 in stock, 2 a month per household), soap (10 points, 100 in stock) and a
health-check voucher (30 points, no stock, 1 a year); household SH-001 (张三 the head, 李梅)
holds 200 points. 王五 (SH-002) is a neighbour; 赵六 lives in another village.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from jifen.claims.services import veto_record
from jifen.core import clock
from jifen.ledger import selectors as ledger_selectors
from jifen.ledger import services as ledger
from jifen.ledger.testing import award, local
from jifen.market import services as market
from jifen.market.models import Redemption
from jifen.market.selectors import stock_level
from jifen.market.tests.conftest import NOW, build_market
from jifen.market.tests.helpers import snapshot
from jifen.web.views import mall

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def mk(world):
    with clock.frozen(NOW):
        yield build_market(world)


@pytest.fixture
def member(client, mk, world):
    client.force_login(world.member)
    return client


def _page(client, url: str = "/me/market/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _redeem(client, mk, quantities: dict, *, key: str = KEY, confirm: bool = True, account=None):
    form = {"key": key, "account": str(account if account is not None else mk.account.pk)}
    form.update({f"qty_{good.pk}": str(q) for good, q in quantities.items()})
    if confirm:
        form["confirm"] = "1"
    return client.post(reverse("mall_redeem", args=[mk.shop.pk]), form)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ------------------------------------------------------------------ browse


@pytest.mark.django_db
def test_the_market_shows_the_households_shop_goods_balance_stock_and_limits(member, mk):
    page = re.sub(r"\s+", " ", _page(member))
    assert "<h2>沙河村积分超市 <small" in page
    assert '<span class="who">张三户 · 沙河村积分制</span> <span class="mall-balance">可用 200 分</span>' in page
    # Cheapest first within a category; price in points per unit; stock as available / sold out.
    assert re.findall(r'<label for="qty_\d+_\d+" class="mall-name"><strong>(.+?)</strong>', page) == ["体检券", "洗衣皂", "食用油"]
    assert "50 分/桶" in page and "10 分/块" in page and "30 分/张" in page
    assert '<span class="badge good">有货 10桶</span>' in page and '<span class="badge good">有货 100块</span>' in page
    assert '<span class="badge good">可兑换</span>' in page  # the voucher keeps no stock
    assert "每户每月限 2桶，已兑 0桶" in page and "每户每年限 1张，已兑 0张" in page
    assert re.search(r'name="key" value="[0-9a-f]{32}"', page)
    assert f'<input type="hidden" name="account" value="{mk.account.pk}">' in page
    assert "下一步：核对兑换单" in page and "<img" not in page.split('<main id="main">')[1]


@pytest.mark.django_db
def test_a_sold_out_good_is_marked_and_cannot_be_put_in_the_basket(member, mk):
    with clock.frozen(NOW):
        market.stock_adjust(actor=mk.keeper, good=mk.soap, quantity=-100, reason="受潮报废", idempotency_key="spoilt")
    page = re.sub(r"\s+", " ", _page(member))
    assert '<span class="badge overdue">已兑完</span>' in page
    assert re.search(rf'name="qty_{mk.soap.pk}" value="" aria-label="洗衣皂 数量" disabled>', page)


@pytest.mark.django_db
def test_taken_counts_follow_the_households_redemptions_this_period(member, mk, world):
    with clock.frozen(NOW):
        # 李梅 redeemed one bottle for the household at the counter: it counts for 张三 too.
        market.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, person=world.limei, lines=[(mk.oil, 1)], idempotency_key="k1")
    page = _page(member)
    assert "每户每月限 2桶，已兑 1桶" in page and "可用 150 分" in page and "有货 9桶" in page


@pytest.mark.django_db
def test_someone_from_another_village_or_without_points_sees_no_shop(client, mk, world):
    client.force_login(world.outsider)
    page = _page(client)
    assert "还没有为您服务的积分超市" in page and "沙河村积分超市" not in page
    client.force_login(world.neighbour)  # SH-002 holds no account in Shahe's scheme
    assert "沙河村积分超市" not in _page(client)
    assert client.post(reverse("mall_redeem", args=[mk.shop.pk]), {"key": KEY, f"qty_{mk.soap.pk}": "1"}).status_code == 404


@pytest.mark.django_db
def test_a_veto_in_force_is_explained_before_trying(member, mk, world):
    with clock.frozen(NOW):
        veto_record(actor=world.reviewer, scheme=mk.scheme, subject=world.limei.subject, starts_on=local(2026, 3, 1).date(), reason="违法建房")
    page = re.sub(r"\s+", " ", _page(member))
    assert "一票否决期内（至 2027年2月28日），暂停兑换：违法建房" in page
    assert "下一步：核对兑换单" not in page and "一票否决期内不能兑换，期满后再来。" in page


@pytest.mark.django_db
def test_a_person_and_household_account_both_served_offer_a_choice(member, mk, world):
    with clock.frozen(NOW):
        own = ledger.account_for(scheme=mk.scheme, subject=world.zhangsan.subject)
        award(scheme=mk.scheme, account=own, points=40, key="zs", at=local(2026, 3, 2, 9))
    page = re.sub(r"\s+", " ", _page(member))
    assert f'<input type="radio" name="account" value="{mk.account.pk}" checked> 张三户（可用 200 分）' in page
    assert f'<input type="radio" name="account" value="{own.pk}"> 张三（可用 40 分）' in page
    with clock.frozen(NOW):
        response = _redeem(member, mk, {mk.soap: 1}, account=own.pk)
    redemption = Redemption.objects.get()
    assert response.status_code == 302
    assert (redemption.subject_id, redemption.household_id, redemption.person_id) == (
        world.zhangsan.subject_id, mk.hh.pk, world.zhangsan.pk,
    )
    assert ledger_selectors.balance_of(account=own) == 30 and ledger_selectors.balance_of(account=mk.account) == 200


@pytest.mark.django_db
def test_the_market_page_costs_a_fixed_number_of_queries(member, mk, django_assert_max_num_queries):
    member.get("/me/market/")
    with django_assert_max_num_queries(21):
        member.get("/me/market/")
    with clock.frozen(NOW):  # more goods and more receipts cost no more queries
        for n in range(5):
            market.good_create(actor=mk.keeper, shop=mk.shop, code=f"extra-{n}", name=f"毛巾{n}", unit="条", price_points=8, limit_per_household=3)
            market.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 1)], idempotency_key=f"q{n}")
    with django_assert_max_num_queries(21):
        assert "毛巾4" in member.get("/me/market/").content.decode()


# ------------------------------------------------------------------ redeem


@pytest.mark.django_db
def test_the_basket_is_confirmed_first_and_nothing_is_written_until_then(member, mk):
    before = snapshot()
    with clock.frozen(NOW):
        response = _redeem(member, mk, {mk.oil: 1, mk.soap: 2}, confirm=False)
    page = _text(response)
    assert response.status_code == 200 and "<h1>核对兑换单</h1>" in page
    assert '<th scope="row">食用油</th><td>1桶</td><td class="num">50</td>' in page
    assert '<th scope="row">洗衣皂</th><td>2块</td><td class="num">20</td>' in page
    assert '<td class="num mall-total">70</td>' in page
    assert '<dd class="mall-balance">200</dd>' in page and '<dd class="mall-after">130</dd>' in page
    assert f'<input type="hidden" name="key" value="{KEY}">' in page and '<input type="hidden" name="confirm" value="1">' in page
    assert snapshot() == before


@pytest.mark.django_db
def test_confirming_redeems_once_and_a_double_submit_shows_the_same_receipt(member, mk, world):
    with clock.frozen(NOW):
        first = _redeem(member, mk, {mk.oil: 1, mk.soap: 2})
        after_first = snapshot()
        again = _redeem(member, mk, {mk.oil: 1, mk.soap: 2})  # a double tap: the same key
    redemption = Redemption.objects.get()
    assert first.status_code == 302 and first.url == reverse("mall_receipt", args=[redemption.pk])
    assert again.status_code == 302 and again.url == first.url
    assert snapshot() == after_first
    assert (redemption.subject_id, redemption.person_id, redemption.actor_id, redemption.scheme_id) == (
        mk.hh.pk, world.zhangsan.pk, world.member.pk, mk.scheme.pk,
    )
    assert redemption.key == f"me:{world.member.pk}:{KEY}"
    assert ledger_selectors.balance_of(account=mk.account) == 130
    assert (stock_level(good=mk.oil), stock_level(good=mk.soap)) == (9, 98)
    with clock.frozen(NOW):
        receipt = _text(member.get(first.url))
    assert f"兑换成功，请凭小票 {redemption.receipt_no} 到超市领取。" in receipt
    assert f"<h1>小票 {redemption.receipt_no}</h1>" in receipt
    assert '<span class="mall-time">2026年3月10日 10:00</span>' in receipt
    assert "兑换人：张三户" in receipt and '<span class="badge good">已兑换</span>' in receipt
    assert '<td class="mall-total">70</td>' in receipt and "兑换后余额：130 分" in receipt


def _assert_refused(member, mk, quantities, message, *, key=KEY, status=422):
    before = snapshot()
    with clock.frozen(NOW):
        response = _redeem(member, mk, quantities, key=key)
    assert response.status_code == status
    assert message in _text(response)
    assert snapshot() == before
    return response


@pytest.mark.django_db
def test_refused_for_balance_writes_nothing(member, mk):
    response = _assert_refused(member, mk, {mk.soap: 21}, "「张三户」积分余额不足：可用 200 分，本次需要 210 分")
    assert 'class="alert error mall-refusal"' in response.content.decode()
    assert ledger_selectors.balance_of(account=mk.account) == 200


@pytest.mark.django_db
def test_refused_over_the_household_limit_writes_nothing(member, mk):
    _assert_refused(member, mk, {mk.oil: 3}, "「食用油」每户每月限兑 2桶，本期已兑 0桶，本次不能再兑 3桶")
    assert stock_level(good=mk.oil) == 10


@pytest.mark.django_db
def test_refused_for_stock_writes_nothing(member, mk):
    with clock.frozen(NOW):
        market.stock_adjust(actor=mk.keeper, good=mk.soap, quantity=-99, reason="受潮报废", idempotency_key="spoilt")
    _assert_refused(member, mk, {mk.soap: 2}, "「洗衣皂」库存不足：现有 1块，需要 2块")
    assert stock_level(good=mk.soap) == 1


@pytest.mark.django_db
def test_refused_under_a_members_veto_writes_nothing(member, mk, world):
    with clock.frozen(NOW):
        veto_record(actor=world.reviewer, scheme=mk.scheme, subject=world.limei.subject, starts_on=local(2026, 3, 1).date(), reason="违法建房")
    _assert_refused(member, mk, {mk.soap: 1}, "「张三户」（家庭成员）处于一票否决期（至 2027-02-28），暂停兑换：违法建房")


@pytest.mark.django_db
def test_the_same_key_with_another_basket_is_refused_and_writes_nothing(member, mk):
    with clock.frozen(NOW):
        _redeem(member, mk, {mk.soap: 1})
    _assert_refused(member, mk, {mk.soap: 2}, "这张兑换单已经提交过，不能再改动。请回到积分超市重新选择。")
    assert Redemption.objects.count() == 1


@pytest.mark.django_db
def test_bad_forms_are_refused_on_the_market_page(member, mk, world):
    _assert_refused(member, mk, {mk.soap: "abc"}, "数量应为 0 到 999 的整数：洗衣皂")
    _assert_refused(member, mk, {mk.soap: "1000"}, "数量应为 0 到 999 的整数：洗衣皂")
    response = _assert_refused(member, mk, {mk.soap: "abc"}, "返回积分超市")
    assert f'name="qty_{mk.soap.pk}" value=""' in response.content.decode()
    _assert_refused(member, mk, {}, "请至少选择一件商品。")
    _assert_refused(member, mk, {mk.soap: 1}, "兑换单已过期，请重新提交。", key="not-a-key")
    # An account that is not one this shop serves for me (the neighbours'): refused, not used.
    with clock.frozen(NOW):
        theirs = ledger.account_for(scheme=mk.scheme, subject=world.neighbour_household.subject)
        award(scheme=mk.scheme, account=theirs, points=100, key="ww", at=local(2026, 3, 2, 9))
    before = snapshot()
    with clock.frozen(NOW):
        response = _redeem(member, mk, {mk.soap: 1}, account=theirs.pk)
    assert response.status_code == 422 and "请选择用哪个积分账户兑换。" in _text(response)
    assert snapshot() == before


@pytest.mark.django_db
def test_a_refusal_is_shown_in_english_when_english_is_chosen(member, mk):
    member.post(reverse("set_language"), {"language": "en", "next": "/me/market/"})
    page = re.sub(r"\s+", " ", _page(member))
    assert "Limit 2 桶 per household (monthly), 0 桶 taken" in page and "In stock: 10 桶" in page
    assert "Next: check the basket" in page and "200 points available" in page
    with clock.frozen(NOW):
        assert "<h1>Check your basket</h1>" in _text(_redeem(member, mk, {mk.oil: 1}, confirm=False))
    before = snapshot()
    with clock.frozen(NOW):
        response = _redeem(member, mk, {mk.oil: 3})
    page = _text(response)
    assert response.status_code == 422
    assert "&#x27;食用油&#x27; is limited to 2 per household per month; 0 already redeemed this period, 3 more is too many" in page
    assert snapshot() == before


@pytest.mark.django_db
def test_only_post_redeems(member, mk):
    assert member.get(reverse("mall_redeem", args=[mk.shop.pk])).status_code == 405


# ------------------------------------------------------------------ receipts


def _counter(mk, subject, lines, key, **kw):
    with clock.frozen(NOW):
        return market.redemption_create(actor=mk.keeper, shop=mk.shop, subject=subject, lines=lines, idempotency_key=key, **kw)


@pytest.mark.django_db
def test_receipts_list_the_households_redemptions_newest_first_and_no_others(member, mk, world):
    with clock.frozen(NOW):
        theirs = ledger.account_for(scheme=mk.scheme, subject=world.neighbour_household.subject)
        award(scheme=mk.scheme, account=theirs, points=100, key="ww", at=local(2026, 3, 2, 9))
        limei = ledger.account_for(scheme=mk.scheme, subject=world.limei.subject)
        award(scheme=mk.scheme, account=limei, points=100, key="lm", at=local(2026, 3, 2, 9))
    first = _counter(mk, mk.hh, [(mk.soap, 1)], "a")
    with clock.frozen(local(2026, 3, 10, 11)):
        hers = market.redemption_create(actor=mk.keeper, shop=mk.shop, subject=world.limei.subject, lines=[(mk.soap, 2)], idempotency_key="b")
    neighbours = _counter(mk, world.neighbour_household.subject, [(mk.soap, 3)], "c")
    page = _text(member.get(reverse("mall_receipts")))
    assert re.findall(r'<strong class="mono">(\S+)</strong>', page) == [hers.receipt_no, first.receipt_no]
    assert neighbours.receipt_no not in page
    assert "20 分" in page and "沙河村积分超市 · 李梅 · 2026年3月10日 11:00" in page
    # 李梅's own receipt counts against the household: 张三 may open it; the neighbours' is not found.
    assert member.get(reverse("mall_receipt", args=[hers.pk])).status_code == 200
    assert member.get(reverse("mall_receipt", args=[neighbours.pk])).status_code == 404
    assert member.get(reverse("mall_receipt", args=[999999])).status_code == 404


@pytest.mark.django_db
def test_another_household_sees_none_of_ours(client, mk, world):
    ours = _counter(mk, mk.hh, [(mk.soap, 1)], "a")
    client.force_login(world.neighbour)
    assert ours.receipt_no not in client.get(reverse("mall_receipts")).content.decode()
    assert client.get(reverse("mall_receipt", args=[ours.pk])).status_code == 404
    client.force_login(mk.keeper)  # the shopkeeper has the counter's pages, not the member's view of ours
    assert client.get(reverse("mall_receipt", args=[ours.pk])).status_code == 404


@pytest.mark.django_db
def test_receipts_are_paginated(member, mk, monkeypatch):
    monkeypatch.setattr(mall, "RECEIPTS_PER_PAGE", 2)
    made = [_counter(mk, mk.hh, [(mk.soap, 1)], f"k{n}") for n in range(3)]
    one, two = _text(member.get(reverse("mall_receipts"))), _text(member.get(reverse("mall_receipts"), {"page": 2}))
    assert re.findall(r'<strong class="mono">(\S+)</strong>', one) == [made[2].receipt_no, made[1].receipt_no]
    assert re.findall(r'<strong class="mono">(\S+)</strong>', two) == [made[0].receipt_no]
    assert "第 1 / 2 页" in one and "第 2 / 2 页" in two


@pytest.mark.django_db
def test_a_cancelled_receipt_is_marked_with_no_balance_after(member, mk):
    r = _counter(mk, mk.hh, [(mk.oil, 1)], "a")
    with clock.frozen(local(2026, 3, 10, 10, 30)):
        market.redemption_cancel(actor=mk.keeper, redemption=r, reason="顾客退货", idempotency_key="x")
    page = _text(member.get(reverse("mall_receipt", args=[r.pk])))
    assert '<span class="badge overdue">已撤销</span>' in page
    assert "已于 2026年3月10日 10:30 撤销（顾客退货），积分与商品已退回。" in page
    assert "兑换后余额" not in page
    assert '<li class="cancelled">' in member.get(reverse("mall_receipts")).content.decode()


@pytest.mark.django_db
def test_the_balance_after_is_that_of_the_moment_not_of_today(member, mk):
    r1 = _counter(mk, mk.hh, [(mk.oil, 1)], "a")
    with clock.frozen(local(2026, 3, 10, 12)):
        market.redemption_create(actor=mk.keeper, shop=mk.shop, subject=mk.hh, lines=[(mk.soap, 3)], idempotency_key="b")
    assert "兑换后余额：150 分" in _text(member.get(reverse("mall_receipt", args=[r1.pk])))
    assert ledger_selectors.balance_of(account=mk.account) == 120


# ------------------------------------------------------------------ member home and navigation


@pytest.mark.django_db
def test_the_member_home_has_the_supermarket_box_and_the_nav_link(member, mk):
    page = re.sub(r"\s+", " ", _page(member, "/me/"))
    assert '<section class="mall-box"> <h2>积分超市</h2>' in page
    assert '<span class="who">张三户 · 沙河村积分制</span> <span class="mall-balance">可用 200 分</span>' in page
    assert f'<a class="button" href="{reverse("mall")}">去兑换</a>' in page
    assert re.search(r'<div class="nav-section nav-member">.*<a href="/me/market/">积分超市</a>', page)


@pytest.mark.django_db
def test_the_member_home_has_no_box_without_a_shop(client, mk, world):
    client.force_login(world.outsider)
    assert "mall-box" not in _page(client, "/me/")
