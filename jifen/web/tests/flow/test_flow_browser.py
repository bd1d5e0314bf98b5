"""The claim's road in a real browser (Debian's Chromium, a 360-px phone): declare with a photo,
pre-approve, committee approval, public notice with masked names, the window closing under
`jifen tick --now`, the points on the villager's page, a good redeemed from the phone at the
village supermarket's self-service pages (and the receipt at the counter); an objection; the recorder's pinyin search;
member pages that fit 360 px; the member home's transfer size. Screenshots: artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command

from jifen.claims import services
from jifen.claims.models import Claim, ClaimState, Notice, NoticeEntry, Objection
from jifen.claims.testing import claims_setup, photo
from jifen.core import clock
from jifen.ledger import services as ledger
from jifen.ledger.models import Account
from jifen.ledger.selectors import balances_units
from jifen.ledger.testing import award
from jifen.market import services as market
from jifen.market.models import Redemption
from jifen.market.selectors import stock_level
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.orgs.testing import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOME_BUDGET = 150 * 1024


@pytest.fixture
def setup(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return claims_setup(world)


def _yesterday(setup) -> str:
    return str(clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date() - dt.timedelta(days=1))


def _submit(browsing, selector: str = "main form button[type=submit]") -> None:
    with browsing.page.expect_navigation():
        browsing.page.click(selector)


def test_a_good_deed_goes_from_the_phone_to_the_villagers_points(phone, setup, tmp_path):
    w = setup.world
    picture = tmp_path / "deed.jpg"
    picture.write_bytes(photo(size=(640, 480)))

    # 1. The villager declares with a photo from the phone.
    phone.sign_in("13800000001", World.PASSWORD)
    phone.goto("/me/declare/")
    assert phone.page.get_attribute("#id_photos", "capture") == "environment"
    assert phone.page.get_attribute("#id_photos", "accept") == "image/*"
    phone.page.select_option("#id_item", str(setup.help.pk))
    phone.page.select_option("#id_subject", str(w.household.subject_id))  # the household's points (the supermarket redeems those)
    phone.page.fill("#id_occurred_on", _yesterday(setup))
    phone.page.fill("#id_occurred_time", "09:30")
    phone.page.fill("#id_place", "村东头")
    phone.page.fill("#id_description", "帮留守老人挑水")
    phone.page.set_input_files("#id_photos", str(picture))
    phone.check("01-declare-filled")
    _submit(phone, "main form.declare button[type=submit]")
    claim = Claim.objects.get()
    assert phone.page.url == f"{phone.base_url}/claims/{claim.pk}/"
    assert phone.page.inner_text(".badge.state-declared") == "已申报"
    assert phone.page.locator(".thumbs img").count() == 1
    phone.check("02-declared")
    phone.page.context.clear_cookies()

    # 2. The recorder pre-approves it from the queue (the photo's thumbnail shows there).
    phone.sign_in("recorder", World.PASSWORD)
    phone.goto("/recorder/")
    assert phone.page.locator("ul.queue li").count() == 1
    assert phone.page.locator("ul.queue img").count() == 1
    phone.check("03-recorder-queue")
    phone.page.check(f"input[name=claims][value='{claim.pk}']")
    _submit(phone, "main form button[type=submit]")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PRE_APPROVED
    phone.page.context.clear_cookies()

    # 3. The committee approves it at its meeting, then publishes the notice.
    phone.sign_in("reviewer", World.PASSWORD)
    phone.goto("/review/")
    phone.page.check(f"input[name=claims][value='{claim.pk}']")
    phone.page.fill("#id_attendee_names", "王大爷、李书记")
    phone.page.fill("#id_minutes", "月度审核会")
    phone.check("04-meeting")
    _submit(phone, "main form.meeting > button[type=submit]")
    claim.refresh_from_db()
    assert (claim.state, claim.meeting.minutes) == (ClaimState.APPROVED, "月度审核会")
    _submit(phone, "section.publish button[type=submit]")
    notice = Notice.objects.get()
    assert phone.page.url == f"{phone.base_url}/notices/{notice.pk}/"
    phone.page.context.clear_cookies()

    # 4. Anyone sees the notice, with the name masked; the print layout carries the QR code.
    phone.goto(f"/notices/{notice.pk}/")
    assert phone.page.inner_text("td.masked-name") == "张**"  # 张三户
    assert "张三" not in phone.page.content()
    assert phone.page.locator("svg.qr").count() == 1
    phone.check("05-notice-public")
    phone.page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    phone.page.emulate_media(media="print")
    assert phone.page.locator(".objection").is_visible() is False
    assert phone.page.locator(".site-header").is_visible() is False
    assert phone.page.locator("table.notice-entries thead").is_visible() is True
    phone.shot("06-notice-print")
    phone.page.emulate_media(media="screen")
    phone.page.set_viewport_size({"width": 360, "height": 740})

    # 5. The window closes: the tick, run with a fake clock, posts the claim.
    call_command("tick", now=(notice.window_closes_at + dt.timedelta(minutes=1)).isoformat())
    claim.refresh_from_db()
    assert claim.state == ClaimState.POSTED

    # 6. The villager sees the points.
    phone.sign_in("13800000001", World.PASSWORD)
    phone.goto("/me/")
    assert phone.page.inner_text(".score-card .balance") == "5"
    assert phone.page.inner_text(".score-card .score") == "5"
    phone.check("07-my-points")
    phone.goto("/me/history/")
    assert phone.page.locator(f"a.notice-ref[href='/notices/{notice.pk}/']").count() == 1
    phone.check("08-my-history")
    account = Account.objects.get(subject=w.household.subject)
    assert balances_units(account_ids=[account.pk]) == {account.pk: 5}

    # 7. The villager redeems a good for the household from the phone, at the village
    # supermarket's self-service pages: the balance falls, the score stays, the stock goes down.
    keeper_person = orgs.person_create(actor=None, org=w.shahe, name="孙店长", mobile="13700000040")
    keeper = orgs.user_create(actor=None, username="shopkeeper", password=World.PASSWORD, person=keeper_person)
    orgs.role_binding_grant(actor=None, user=keeper, org=w.shahe, role=Role.SHOPKEEPER)
    shop = market.shop_create(actor=w.admin, org=w.shahe, code="supermarket", name="沙河村积分超市")
    soap = market.good_create(actor=keeper, shop=shop, code="soap", name="洗衣皂", unit="块", price_points=3)
    market.stock_purchase(actor=keeper, good=soap, quantity=10, unit_cost_fen=250, fund=None, reason="捐赠", idempotency_key="e2e-soap")
    phone.goto("/me/")
    assert phone.page.inner_text(".mall-box .mall-balance") == "可用 5 分"
    _submit(phone, ".mall-box a.button >> text=去兑换")
    assert phone.page.inner_text(".mall-accounts .mall-balance") == "可用 5 分"
    assert phone.page.inner_text("ul.mall-goods li .mall-stock") == "有货 10块"
    phone.page.fill(f"input[name=qty_{soap.pk}]", "1")
    phone.check("09-market-basket")
    _submit(phone, "form.mall-basket button[type=submit]")
    assert (phone.page.inner_text(".mall-total"), phone.page.inner_text(".mall-after")) == ("3", "2")
    phone.check("10-confirm")
    _submit(phone, "form.mall-confirm button[type=submit]")
    redemption = Redemption.objects.get()
    assert phone.page.inner_text("h1") == f"小票 {redemption.receipt_no}"
    assert phone.page.inner_text(".mall-after") == "兑换后余额：2 分"
    phone.check("11-receipt")
    assert (redemption.subject_id, redemption.actor_id) == (w.household.subject_id, w.member.pk)
    assert stock_level(good=soap) == 9
    assert balances_units(account_ids=[account.pk]) == {account.pk: 2}
    phone.goto("/me/market/")
    assert phone.page.inner_text(".mall-accounts .mall-balance") == "可用 2 分"
    assert phone.page.inner_text("ul.mall-goods li .mall-stock") == "有货 9块"
    phone.check("12-market-after")
    phone.goto("/me/")
    assert phone.page.inner_text(".score-card .balance") == "2"
    assert phone.page.inner_text(".score-card .score") == "5"
    phone.check("13-after-redeeming")
    phone.goto("/me/history/")
    assert "兑换" in phone.page.inner_text("ul.ledger")
    phone.check("14-history-with-redemption")
    phone.page.context.clear_cookies()

    # 8. At the counter the shopkeeper opens the villager's receipt and hands over the soap.
    phone.sign_in("shopkeeper", World.PASSWORD)
    phone.goto(f"/shop/receipt/{redemption.pk}/")
    assert phone.page.inner_text("h1") == f"小票 {redemption.receipt_no}"
    assert "剩余积分：2 分" in phone.page.inner_text("main")
    phone.check("15-counter-receipt")


def test_an_objection_from_the_board_leads_to_a_second_check(phone, setup):
    w = setup.world
    claim = services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=20,
        occurred_at=clock.now() - dt.timedelta(days=1), description="调解纠纷", place="沙河村",
    )
    services.claim_pre_approve(actor=w.recorder, claim=claim)
    services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    notice = services.notice_publish(actor=w.reviewer, scheme=setup.scheme)

    # A passer-by objects without signing in.
    phone.goto("/board/demo/zhangji/shahe/")
    with phone.page.expect_navigation():
        phone.page.click(f"a[href='/notices/{notice.pk}/']")
    phone.page.select_option("#id_claim", str(claim.pk))
    phone.page.fill("#id_reason", "那天他不在村里")
    phone.page.fill("#id_name", "李四")
    phone.check("01-objection-filled")
    _submit(phone, "section.objection button[type=submit]")
    assert "异议已提交" in phone.page.inner_text(".messages")
    assert "李*" in phone.page.inner_text(".public-objections")
    phone.check("02-objection-filed")
    claim.refresh_from_db()
    assert claim.state == ClaimState.DISPUTED

    # The committee checks again and changes the points; the notice shows the correction.
    phone.sign_in("reviewer", World.PASSWORD)
    phone.goto("/review/objections/")
    assert phone.page.locator("ul.objections li").count() == 1
    phone.check("03-inbox")
    with phone.page.expect_navigation():
        phone.page.click("ul.objections a.button")
    phone.page.select_option("#id_outcome", "change")
    phone.page.fill("#id_points", "10")
    phone.page.fill("#id_reason", "核实只参与了半天")
    _submit(phone, "section.act button[type=submit]")
    claim.refresh_from_db()
    assert (claim.state, claim.points) == (ClaimState.NOTICED, 10)
    assert list(Objection.objects.values_list("status", flat=True)) == ["changed"]
    assert NoticeEntry.objects.get(claim=claim).points == 10
    phone.check("04-second-checked")
    phone.goto(f"/notices/{notice.pk}/")
    assert re.sub(r"\s+", " ", phone.page.inner_text("table.notice-entries td.num")).startswith("+10")
    phone.check("05-notice-amended")


def test_a_recorder_finds_zhangsan_by_zs(phone, setup):
    phone.sign_in("recorder", World.PASSWORD)
    phone.goto("/recorder/find/")
    phone.page.fill("#q", "zs")
    phone.wait_for_count("ul.people li", 1)
    assert phone.page.inner_text("ul.people strong") == "张三"
    assert phone.page.url.endswith("/recorder/find/?q=zs")
    phone.check("01-zs")
    with phone.page.expect_navigation():
        phone.page.click("ul.people a.button")
    assert phone.page.inner_text("h1") == "为张三代为申报"
    phone.check("02-declare-on-behalf")


def test_member_pages_fit_a_360px_phone(phone, setup):
    w = setup.world
    claim = services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.household.subject, item=setup.help,
        occurred_at=clock.now() - dt.timedelta(days=1), description="帮留守老人挑水，" * 12, place="沙河村河东组" * 6,
        evidence=[photo()],
    )
    services.claim_pre_approve(actor=w.recorder, claim=claim)
    services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    notice = services.notice_publish(actor=w.reviewer, scheme=setup.scheme)
    # The supermarket pages, with long names: a shop, goods with limits, one redemption.
    account = ledger.account_for(scheme=setup.scheme, subject=w.household.subject)
    award(scheme=setup.scheme, account=account, points=500, key="e2e-start", at=clock.now() - dt.timedelta(days=2))
    shop = market.shop_create(actor=None, org=w.shahe, code="supermarket", name="沙河村村民委员会积分超市（便民服务中心一楼）")
    oil = market.good_create(
        actor=None, shop=shop, code="oil", name="鲁花一级压榨花生油五升装（每户限兑）", unit="桶", price_points=50,
        limit_per_household=2, limit_period="month",
    )
    market.good_create(actor=None, shop=shop, code="check", name="县人民医院健康体检券", unit="张", price_points=30, kind="voucher",
                       limit_per_household=1, limit_period="year")
    market.stock_purchase(actor=None, good=oil, quantity=10, unit_cost_fen=4500, fund=None, reason="捐赠", idempotency_key="e2e-oil")
    redemption = market.redemption_create(actor=w.member, shop=shop, subject=w.household.subject, lines=[(oil, 1)], idempotency_key="e2e-r")
    phone.sign_in("13800000001", World.PASSWORD)
    pages = [
        ("me", "/me/"), ("history", "/me/history/"), ("declare", "/me/declare/"), ("household", "/me/household/"),
        ("notices", "/me/notices/"), ("claim", f"/claims/{claim.pk}/"), ("notice", f"/notices/{notice.pk}/"),
        ("board", "/board/demo/zhangji/shahe/g1/"), ("card", f"/card/{w.household.pk}/"),
        ("market", "/me/market/"), ("receipts", "/me/market/receipts/"), ("receipt", f"/me/market/receipts/{redemption.pk}/"),
    ]
    for step, (name, path) in enumerate(pages, start=1):
        response = phone.goto(path)
        assert response.status == 200, path
        phone.check(f"{step:02d}-{name}")


def test_the_member_home_stays_under_150kb_without_echarts(phone, setup):
    w = setup.world
    claim = services.claim_declare(
        actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=20,
        occurred_at=clock.now() - dt.timedelta(days=1), description="调解纠纷", place="沙河村",
    )
    services.claim_pre_approve(actor=w.recorder, claim=claim)
    services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    notice = services.notice_publish(actor=w.reviewer, scheme=setup.scheme)
    services.claims_post_due(now=notice.window_closes_at + dt.timedelta(minutes=1))
    phone.sign_in("13800000001", World.PASSWORD)
    size = phone.transfer_size("/me/")
    urls = [url for url, _size in phone.transfers]
    assert not any("echarts" in url for url in urls)
    assert phone.page.locator("svg.chart").count() == 1
    print(f"member home (/me/) transfer: {size} B, budget {HOME_BUDGET} B")
    assert 0 < size <= HOME_BUDGET


def test_declaring_and_finding_work_without_javascript(phone_without_js, setup, tmp_path):
    browsing = phone_without_js
    picture = tmp_path / "deed.jpg"
    picture.write_bytes(photo())
    browsing.sign_in("13800000001", World.PASSWORD)
    browsing.goto("/me/declare/")
    browsing.page.select_option("#id_item", str(setup.help.pk))
    browsing.page.fill("#id_occurred_on", _yesterday(setup))
    browsing.page.fill("#id_place", "村口")
    browsing.page.fill("#id_description", "帮留守老人买药")
    browsing.page.set_input_files("#id_photos", str(picture))
    _submit(browsing, "main form.declare button[type=submit]")
    claim = Claim.objects.get()
    assert (claim.state, claim.evidence_links.count()) == (ClaimState.DECLARED, 1)
    browsing.check("01-declared-without-js")
    browsing.page.context.clear_cookies()
    browsing.sign_in("recorder", World.PASSWORD)
    browsing.goto("/recorder/find/")
    browsing.page.fill("#q", "zs")
    _submit(browsing, "main form.search button[type=submit]")
    assert browsing.page.locator("ul.people strong").all_inner_texts() == ["张三"]
    browsing.check("02-found-without-js")
