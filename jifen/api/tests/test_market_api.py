"""The points supermarket and leaderboards through the API."""

from __future__ import annotations

import pytest

from jifen.core import clock
from jifen.market.models import Redemption, StockMovement
from jifen.market.tests.conftest import NOW, build_market


@pytest.fixture
def mk(world):
    with clock.frozen(NOW):
        yield build_market(world)


def redeem(client, mk, quantity=1, **kw):
    return client.post("/redemptions", {"shop_id": mk.shop.pk, "subject_id": mk.hh.pk,
                                        "lines": [{"good_id": mk.oil.pk, "quantity": quantity}]}, **kw)


def test_a_member_redeems_for_their_household_and_sees_the_receipt(as_user, world, mk):
    member = as_user(world.member)
    response = redeem(member, mk)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["total_points"], body["balance_now"], body["subject_name"]) == ("50", "150", "张三户")
    assert [(line["name"], line["quantity"]) for line in body["lines"]] == [("食用油", 1)]
    assert as_user(world.member).get(f"/redemptions/{body['id']}").status_code == 200
    assert as_user(world.neighbour).get(f"/redemptions/{body['id']}").status_code == 404
    assert as_user(world.neighbour).get("/redemptions").json()["total"] == 0
    assert StockMovement.objects.filter(good=mk.oil, kind="redemption").count() == 1


def test_a_neighbour_cannot_redeem_someone_elses_points(as_user, world, mk):
    response = redeem(as_user(world.neighbour), mk)
    assert response.status_code == 403
    assert not Redemption.objects.exists()


def test_a_retried_redemption_is_replayed_not_redeemed_twice(as_user, world, mk):
    member = as_user(world.member)
    first = redeem(member, mk, key="redeem-retry-01")
    second = redeem(member, mk, key="redeem-retry-01")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert Redemption.objects.count() == 1
    assert redeem(member, mk, quantity=2, key="redeem-retry-01").status_code == 422


def test_over_the_limit_or_balance_nothing_is_written(as_user, world, mk):
    response = redeem(as_user(world.member), mk, quantity=3)  # oil: 2 a month per household
    assert (response.status_code, response.json()["code"]) == (409, "limit_exceeded")
    assert not Redemption.objects.exists()
    assert StockMovement.objects.filter(kind="redemption").count() == 0


def test_a_cancelled_redemption_gives_points_and_stock_back(as_user, world, mk):
    keeper = as_user(mk.keeper)
    redemption_id = redeem(as_user(world.member), mk).json()["id"]
    cancelled = keeper.post(f"/redemptions/{redemption_id}/cancel", {"reason": "拿错了"})
    assert cancelled.status_code == 200, cancelled.content
    assert (cancelled.json()["status"], cancelled.json()["balance_now"]) == ("cancelled", "200")


def test_stock_is_for_shopkeepers(as_user, world, mk):
    keeper = as_user(mk.keeper)
    stock = keeper.get(f"/shops/{mk.shop.pk}/stock").json()
    assert {(row["name"], row["level"], row["average_cost_fen"]) for row in stock} == {("食用油", 10, 4500), ("洗衣皂", 100, 250)}
    assert as_user(world.member).get(f"/shops/{mk.shop.pk}/stock").status_code == 403
    # The township's fund is not the village keeper's to spend; the township's admin may.
    refused = keeper.post(f"/goods/{mk.soap.pk}/stock/purchase",
                          {"quantity": 10, "unit_cost_fen": 300, "fund_id": mk.fund.pk, "reason": "补货"})
    assert refused.status_code == 403, refused.content
    bought = as_user(world.admin).post(f"/goods/{mk.soap.pk}/stock/purchase",
                                       {"quantity": 10, "unit_cost_fen": 300, "fund_id": mk.fund.pk, "reason": "补货"})
    assert bought.status_code == 201, bought.content
    assert bought.json()["level_after"] == 110
    taken = keeper.post(f"/goods/{mk.soap.pk}/stock/take", {"counted": 108, "reason": "盘点"})
    assert (taken.status_code, taken.json()["quantity"]) == (201, -2)
    movements = keeper.get(f"/goods/{mk.soap.pk}/stock-movements").json()
    assert [m["kind"] for m in movements["items"]] == ["stocktake", "purchase", "purchase"]
    assert as_user(world.member).post(f"/goods/{mk.soap.pk}/stock/adjust", {"quantity": -1, "reason": "x"}).status_code == 403


def test_goods_are_listed_to_villagers_and_edited_by_the_shopkeeper(as_user, world, mk):
    listed = as_user(world.member).get("/goods", {"shop_id": mk.shop.pk}).json()
    assert sorted(g["code"] for g in listed["items"]) == ["health-check", "oil", "soap"]
    assert as_user(world.outsider).get("/goods").json()["total"] == 0
    changed = as_user(mk.keeper).patch(f"/goods/{mk.oil.pk}", {"price_points": 60})
    assert changed.status_code == 200 and changed.json()["price_points"] == 60
    created = as_user(mk.keeper).post(f"/shops/{mk.shop.pk}/goods", {"code": "rice", "name": "大米", "price_points": 40, "unit": "袋"})
    assert created.status_code == 201 and created.json()["tracks_stock"] is True
    assert as_user(world.member).patch(f"/goods/{mk.oil.pk}", {"price_points": 1}).status_code == 403


def test_funds_are_for_admins(as_user, world, mk):
    admin = as_user(world.admin)
    funds = admin.get("/funds").json()
    assert [(f["code"], f["balance_fen"]) for f in funds["items"]] == [("subsidy", 2_000_000 - 45_000 - 25_000)]
    assert as_user(world.member).get("/funds").json()["total"] == 0
    assert as_user(world.member).get(f"/funds/{mk.fund.pk}").status_code == 404
    received = admin.post(f"/funds/{mk.fund.pk}/receive", {"amount_fen": 50_000, "source_kind": "donation", "reason": "乡贤捐赠"})
    assert received.status_code == 201 and received.json()["balance_fen"] == 1_980_000
    kinds = [m["kind"] for m in admin.get(f"/funds/{mk.fund.pk}/movements").json()["items"]]
    assert kinds == ["receipt", "purchase", "purchase", "receipt"]


def test_statistics(as_user, world, mk):
    redeem(as_user(world.member), mk)
    admin = as_user(world.admin)
    rate = admin.get("/statistics/redemption-rate", {"org_id": world.shahe.pk, "start": "2026-01-01", "end": "2027-01-01"}).json()
    assert (rate["households"], rate["households_redeemed"]) == (2, 1)
    redeemed = admin.get("/statistics/redeemed", {"org_id": world.shahe.pk, "start": "2026-01-01", "by": "good"}).json()
    assert [(r["name"], r["quantity"], r["points"]) for r in redeemed["rows"]] == [("食用油", 1, "50")]
    assert redeemed["stock_value_fen"] == 9 * 4500 + 100 * 250
    liability = admin.get("/statistics/liability", {"scheme_id": mk.scheme.pk}).json()
    assert (liability["outstanding_points"], liability["basis"]) == ("150", "redeemed")
    assert as_user(world.member).get("/statistics/redemption-rate", {"org_id": world.shahe.pk}).status_code == 403
    assert admin.get("/statistics/redemption-rate").status_code == 422


def test_leaderboard_and_own_rank(as_user, world, mk):
    admin = as_user(world.admin)
    board = admin.get(f"/schemes/{mk.scheme.pk}/leaderboard", {"period": "2026"})
    assert board.status_code == 200, board.content
    assert [(r["rank"], r["name"], r["score"]) for r in board.json()["items"]] == [(1, "张三户", "200")]
    assert [r["name"] for r in as_user(world.member).get(f"/schemes/{mk.scheme.pk}/leaderboard", {"period": "2026"}).json()["items"]] == ["张三户"]
    assert [r["name"] for r in as_user(world.neighbour).get(f"/schemes/{mk.scheme.pk}/leaderboard", {"period": "2026"}).json()["items"]] == ["张**"]
    mine = as_user(world.member).get(f"/schemes/{mk.scheme.pk}/my-rank", {"period": "2026", "subject_id": mk.hh.pk})
    assert mine.status_code == 200, mine.content
    assert (mine.json()["rank"], mine.json()["out_of"], mine.json()["points_to_next"]) == (1, 1, None)
    assert as_user(world.neighbour).get(f"/schemes/{mk.scheme.pk}/my-rank", {"subject_id": mk.hh.pk}).status_code == 404
    assert as_user(world.outsider).get(f"/schemes/{mk.scheme.pk}/leaderboard").status_code == 404
    assert admin.get(f"/schemes/{mk.scheme.pk}/leaderboard", {"period": "2026-13"}).status_code == 422
