"""Dashboard figures for a subtree: participation against targets, villages compared, points over time."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.claims.testing import local
from jifen.core import clock
from jifen.core.errors import InvalidInput, PermissionDenied
from jifen.ledger import services as ledger
from jifen.ledger.models import Account
from jifen.ledger.services import Leg
from jifen.orgs import services as orgs
from jifen.orgs.testing import make_id_number
from jifen.reports import selectors
from jifen.reports.selectors import dashboard, targets_for
from jifen.reports.services import pilot_village_set, report_targets_set
from jifen.rules import services as rules

MARCH = dt.date(2026, 3, 1)


def add_villages(township, count, *, start=0):
    """`count` villages of 2 people and 2 households each; even-numbered ones have one active household."""
    scheme = rules.scheme_create(
        actor=None, org=township, code=f"{township.code}-bulk-{start}", name="全镇积分制", subject_types=["person"],
        period_policy="lifetime", notice_cadence="monthly", objection_days=7,
    )
    category = rules.category_create(actor=None, scheme=scheme, code="village", name="村庄建设类", subject_types=["person"])
    item = rules.item_create(
        actor=None, scheme=scheme, category=category, code="clean", name="打扫卫生", direction="award", points=2,
        effective_from=dt.date(2026, 1, 1),
    )
    version = item.versions.get().pk
    issuance = ledger.system_account(scheme=scheme, kind=Account.Kind.ISSUANCE)
    villages = []
    for i in range(start, start + count):
        village = orgs.org_unit_create(actor=None, parent=township, code=f"v{i:03d}", name=f"村{i:03d}", kind="village")
        people = [
            orgs.person_create(actor=None, org=village, name=f"村民{i}-{j}", id_number=make_id_number("420882", "19700101", i * 2 + j, True))
            for j in range(2)
        ]
        for j, person in enumerate(people):
            orgs.household_create(actor=None, village=village, org=village, number=f"H{j}", head=person)
        if i % 2 == 0:
            ledger.transaction_post(
                scheme=scheme, key=f"bulk-{i}", source_type="test", source_id=i, actor=None, occurred_at=local(2026, 3, 3 + i % 20, 9),
                reason="打扫卫生", item_version_id=version,
                legs=[Leg(ledger.account_for(scheme=scheme, subject=people[0].subject), 2, "award"), Leg(issuance, -2, "award")],
            )
        villages.append(village)
    return villages


@pytest.mark.django_db
def test_participation_against_the_default_targets(march):
    w = march.world
    board = dashboard(org=w.township, month=MARCH)
    rows = {r.village.name: r for r in board.villages}
    shahe, quanshui = rows["沙河村"], rows["泉水河村"]
    assert (shahe.households_active, shahe.households_total, shahe.household_rate) == (1, 2, Decimal("0.5000"))
    assert (shahe.household_target, shahe.meets_household_target) == (Decimal("0.50"), True)
    assert (shahe.party_active, shahe.party_total, shahe.party_rate, shahe.meets_party_target) == (1, 2, Decimal("0.5000"), False)
    assert (quanshui.household_rate, quanshui.party_rate, quanshui.meets_party_target) == (Decimal("1.0000"), None, None)
    assert shahe.net_points == Decimal(7) and quanshui.net_points == Decimal(7)
    assert (board.households_active, board.households_total, board.household_rate) == (2, 3, Decimal("0.6667"))
    assert board.villages_meeting_target == 2
    # 张三 redeemed at the supermarket: 1 of Shahe's 5 people, 1 of the township's 6 (篇1: target 30%).
    assert (board.redemption_available, board.redeemers, board.residents, board.redemption_rate) == (True, 1, 6, Decimal("0.1667"))
    assert (shahe.redemption_rate, shahe.meets_redemption_target) == (Decimal("0.2000"), False)
    assert quanshui.redemption_rate == Decimal("0.0000")
    assert [r.village.name for r in board.top] == ["泉水河村", "沙河村"]


@pytest.mark.django_db
def test_a_pilot_village_is_held_to_seventy_percent(march):
    w = march.world
    with clock.frozen(local(2026, 4, 5, 10)):
        pilot_village_set(actor=w.admin, village=w.shahe, pilot=True)
    shahe = next(r for r in dashboard(org=w.township, month=MARCH).villages if r.village == w.shahe)
    assert (shahe.pilot, shahe.household_target, shahe.meets_household_target) == (True, Decimal("0.70"), False)


@pytest.mark.django_db
def test_targets_set_above_apply_below_and_defaults_otherwise(march):
    w = march.world
    assert targets_for(w.shahe) == selectors.DEFAULTS
    assert (selectors.DEFAULTS.party_and_cadres, selectors.DEFAULTS.redemption) == (Decimal("1.00"), Decimal("0.30"))
    orgs.role_binding_grant(actor=None, user=w.admin, org=w.county, role="org_admin")
    with clock.frozen(local(2026, 4, 5, 10)):
        report_targets_set(
            actor=w.admin, org=w.county, party_and_cadres="0.90", pilot_households="0.80", other_households="0.60", redemption="0.35"
        )
    found = targets_for(w.shahe)
    assert (found.party_and_cadres, found.other_households, found.redemption, found.set_at) == (
        Decimal("0.90"), Decimal("0.60"), Decimal("0.35"), "demo")
    shahe = next(r for r in dashboard(org=w.township, month=MARCH).villages if r.village == w.shahe)
    assert (shahe.household_target, shahe.meets_household_target) == (Decimal("0.60"), False)


@pytest.mark.django_db
def test_targets_must_be_shares_and_set_by_admins(march):
    w = march.world
    with clock.frozen(local(2026, 4, 5, 10)):
        with pytest.raises(PermissionDenied):
            report_targets_set(actor=w.reviewer, org=w.shahe, party_and_cadres="1", pilot_households="0.7", other_households="0.5", redemption="0.3")
        for bad in ("1.5", "-0.1", "0.333", 0.5, "abc"):
            with pytest.raises(InvalidInput):
                report_targets_set(actor=w.admin, org=w.township, party_and_cadres=bad, pilot_households="0.7", other_households="0.5", redemption="0.3")
        with pytest.raises(PermissionDenied):
            pilot_village_set(actor=w.reviewer, village=w.shahe, pilot=True)
    assert targets_for(w.shahe) == selectors.DEFAULTS
    assert selectors.is_pilot(w.shahe) is False


@pytest.mark.django_db
def test_points_by_category_over_twelve_months(march):
    board = dashboard(org=march.world.township, month=MARCH)
    assert board.months[0] == "2025-04" and board.months[-1] == "2026-03" and len(board.months) == 12
    series = {s["name"]: s["points"] for s in board.category_series}
    assert series["公益美德类"][-2:] == ["0", "17"]
    assert series["奖励惩罚类"][-2:] == ["-3", "-3"]
    assert set(series["公益美德类"][:-1]) == {"0"}


@pytest.mark.django_db
def test_a_township_of_many_villages_costs_the_same_queries_as_a_few(world):
    small = orgs.org_unit_create(actor=None, parent=world.county, code="small", name="小镇", kind="township")
    big = orgs.org_unit_create(actor=None, parent=world.county, code="big", name="大镇", kind="township")
    add_villages(small, 3)
    add_villages(big, 40, start=100)
    with CaptureQueriesContext(connection) as few:
        small_board = dashboard(org=small, month=MARCH)
    with CaptureQueriesContext(connection) as many:
        big_board = dashboard(org=big, month=MARCH)
    assert len(big_board.villages) == 40 and len(small_board.villages) == 3
    assert len(many) == len(few) == 18
    assert (big_board.households_active, big_board.households_total) == (20, 80)
    assert [r.village.name for r in big_board.top] == ["村100", "村102", "村104", "村106", "村108"]
    assert [r.village.name for r in big_board.bottom] == ["村139", "村137", "村135", "村133", "村131"]
