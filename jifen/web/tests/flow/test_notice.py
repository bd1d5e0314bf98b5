"""The public notice board: masked notices, objections (validated, rate-limited), print layout with QR, household card."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jifen.claims import services
from jifen.claims.models import ClaimState, Objection
from jifen.claims.services import OBJECTIONS_PER_HOUR
from jifen.claims.testing import local
from jifen.core import clock
from jifen.web.tests.flow.conftest import declare, signed_in, to_noticed
from jifen.web.views.notice import card_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_board_lists_current_notices_without_sign_in(setup):
    claim, notice = to_noticed(setup)
    response = Client().get("/board/demo/zhangji/shahe/g1/")
    assert response.status_code == 200
    assert [n.pk for n in response.context["current"]] == [notice.pk]
    assert response.context["past"] == []


def test_a_notice_masks_names_and_shows_no_phone_or_id(setup):
    claim, notice = to_noticed(setup)
    response = Client().get(f"/notices/{notice.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<td data-label="姓名" class="masked-name">张*</td>' in html
    assert "张三" not in html
    for secret in ("13800000001", setup.world.zhangsan.id_number):
        assert secret not in html
    assert '<svg class="qr qr-30" role="img"' in html
    assert "@media print" not in html  # the print layout lives in the stylesheet


def test_the_notice_page_costs_the_same_queries_for_more_lines(setup):
    small = to_noticed(setup)[1]
    with clock.frozen(local(2026, 4, 10, 10)):
        for day in (2, 3, 4):
            claim = services.claim_declare(
                actor=setup.world.member, scheme=setup.scheme, subject=setup.world.zhangsan.subject, item=setup.mediate,
                points=20, occurred_at=local(2026, 4, day, 9), description="调解", place="沙河村",
            )
            services.claim_pre_approve(actor=setup.world.recorder, claim=claim)
            services.claim_review(actor=setup.world.reviewer, claim=claim, outcome="approve")
        big = services.notice_publish(actor=setup.world.reviewer, scheme=setup.scheme)
        with CaptureQueriesContext(connection) as few:
            Client().get(f"/notices/{small.pk}/")
        with CaptureQueriesContext(connection) as many:
            response = Client().get(f"/notices/{big.pk}/")
    assert len(response.context["entries"]) == 3
    assert len(many) == len(few)


def test_anyone_may_object_and_the_claim_goes_to_second_check(setup):
    claim, notice = to_noticed(setup)
    response = Client().post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": "他那天不在村里", "name": "李四", "phone": "13912345678"})
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.name, objection.phone, objection.reason, objection.filed_by_id) == ("李四", "13912345678", "他那天不在村里", None)
    claim.refresh_from_db()
    assert claim.state == ClaimState.DISPUTED
    page = Client().get(f"/notices/{notice.pk}/").content.decode()
    assert "李*" in page and "李四" not in page and "13912345678" not in page


def test_a_bad_objection_is_refused_and_changes_nothing(setup):
    claim, notice = to_noticed(setup)
    client = Client()
    short = client.post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": "不"})
    assert short.status_code == 422
    bad_phone = client.post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": "他那天不在村里", "phone": "12345"})
    assert bad_phone.status_code == 422
    assert "手机号" in bad_phone.content.decode()
    other = declare(setup, day=7)
    not_listed = client.post(f"/notices/{notice.pk}/", {"claim": other.pk, "reason": "他那天不在村里"})
    assert not_listed.status_code == 422
    assert Objection.objects.count() == 0
    claim.refresh_from_db()
    assert claim.state == ClaimState.NOTICED


def test_objections_are_rate_limited_per_address(setup):
    claim, notice = to_noticed(setup)
    client = Client()
    for n in range(OBJECTIONS_PER_HOUR):
        assert client.post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": f"第{n}次：不属实"}).status_code == 302
    refused = client.post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": "再一次：不属实"})
    assert refused.status_code == 429
    assert "同一地址一小时内最多提交 5 条异议" in refused.content.decode()
    assert Objection.objects.count() == OBJECTIONS_PER_HOUR
    # Counted in the database, so the API (or another server process) sees the same count.
    api = client.post(f"/api/v1/public/claims/{claim.pk}/objections", {"reason": "从接口再提一次"}, content_type="application/json",
                      headers={"Idempotency-Key": "flood-objection-1"})
    assert (api.status_code, api.json()["code"]) == (429, "rate_limited"), api.json()
    # Another address may still object; the address itself is never stored.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": "邻居：不属实"}).status_code == 302
    clients = set(Objection.objects.values_list("client", flat=True))
    assert len(clients) == 2 and all(len(c) == 32 and "127.0.0.1" not in c for c in clients)
    # An hour later the first address may object again.
    with clock.frozen(clock.now() + dt.timedelta(minutes=61)):
        assert client.post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": "一小时后：不属实"}).status_code == 302


def test_after_the_window_there_is_no_objection_form(setup):
    claim, notice = to_noticed(setup)
    with clock.frozen(notice.window_closes_at + dt.timedelta(minutes=1)):
        page = Client().get(f"/notices/{notice.pk}/")
        assert page.context["form"] is None
        response = Client().post(f"/notices/{notice.pk}/", {"claim": claim.pk, "reason": "他那天不在村里"})
        board = Client().get("/board/demo/zhangji/shahe/")
    assert response.status_code == 302
    assert Objection.objects.count() == 0
    assert [n.pk for n in board.context["past"]] == [notice.pk]


def test_the_household_card_in_full_for_the_household_and_masked_by_qr(setup):
    claim, notice = to_noticed(setup, subject=setup.world.household.subject)
    services.claims_post_due(now=notice.window_closes_at + dt.timedelta(minutes=1))
    pk = setup.world.household.pk
    full = signed_in(setup.world.member).get(f"/card/{pk}/")
    assert full.status_code == 200
    html = full.content.decode()
    assert '<dd class="head-name">张三</dd>' in html
    assert '<td data-label="本年积分" class="num score">20</td>' in html
    token = card_token(setup.world.household)
    assert f"/card/q/{token}/" in html
    public = Client().get(f"/card/q/{token}/").content.decode()
    assert '<dd class="head-name">张*</dd>' in public and "李梅" not in public
    assert Client().get(f"/card/q/{token}x/").status_code == 404
    assert signed_in(setup.world.outsider).get(f"/card/{pk}/").status_code == 404
    assert signed_in(setup.world.recorder).get(f"/card/{pk}/").status_code == 200
