"""A small month of village life, built with the services, for the reports' tests.

March 2026 in Shahe (沙河村, 5 people, households SH-001 张三+李梅 and SH-002 王五):
- an activity (帮助解决留守老人困难, 5 points each) attended by 张三 and 李梅, awarded on 8 March;
- 张三 declares a mediation (20) that stays declared; 王五 declares one (30) that is approved;
  王五 declares another (10) and withdraws it;
- 李梅 is deducted 3 (乱扔垃圾) on 12 March, posted directly;
- 陈审核 (a party member) redeems 2 points on 15 March;
- 刘记录 has a job in the village office (a cadre) and does nothing in March;
- 王五 was deducted 3 on 20 February (before the month), and 张三 declares again on 2 April (after);
Quanshuihe (泉水河村): 赵六 is awarded 7 (参加志愿服务) on 9 March under the village's own scheme.

Market: 张三 redeems a 5-point bar of soap at Shahe's supermarket on 15 March.
Grid (刘记录 works Shahe grid 1): SH-002 visited on 25 February, SH-001 on 12 and 13 March; a need
reported on 20 February (deadline 7 March, still open), a complaint reported on 2 March and closed
on 10 March, a dispute reported on 28 March (deadline 4 April, open).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jifen.claims import services as claims
from jifen.claims.models import Activity
from jifen.claims.testing import Setup, claims_setup, local
from jifen.core import clock
from jifen.grid import services as grid
from jifen.grid.testing import grid_setup
from jifen.ledger import services as ledger
from jifen.ledger.models import Account
from jifen.ledger.services import Leg
from jifen.market import services as market
from jifen.orgs import services as orgs
from jifen.orgs.models import Subject
from jifen.orgs.testing import World
from jifen.rules import services as rules
from jifen.rules.models import Item, Scheme


@dataclass
class Month:
    setup: Setup
    world: World
    activity: Activity
    quanshui_scheme: Scheme
    volunteer: Item


def _post(scheme: Scheme, key: str, subject: Subject, points: int, kind: str, when: dt.datetime, item: Item | None) -> None:
    counter = ledger.system_account(scheme=scheme, kind=Account.Kind.SHOP if kind == "redeem" else Account.Kind.ISSUANCE)
    account = ledger.account_for(scheme=scheme, subject=subject)
    version_id = item.versions.get().pk if item is not None else None
    ledger.transaction_post(
        scheme=scheme, key=key, source_type="test", source_id=key, actor=None, occurred_at=when, reason=key,
        legs=[Leg(account, points, kind), Leg(counter, -points, kind)], item_version_id=version_id,
    )


def build_march(world: World) -> Month:
    w = world
    with clock.frozen(local(2026, 2, 20, 12)):
        setup = claims_setup(w)
        orgs.party_membership_set(actor=None, person=w.reviewer_person, branch=w.shahe)
        orgs.employment_set(actor=None, person=w.recorder_person, org=w.shahe, employee_no="SH-STAFF-1", position="文书")
        _post(setup.scheme, "feb-deduct-wangwu", w.wangwu.subject, -3, "deduct", local(2026, 2, 20, 9), setup.litter)
        quanshui_scheme = rules.scheme_create(
            actor=None, org=w.quanshui, code="quanshui-points", name="泉水河村积分制", subject_types=["person", "household"],
            period_policy="year_end_clear", notice_cadence="monthly", objection_days=7,
        )
        virtue = rules.category_create(actor=None, scheme=quanshui_scheme, code="virtue", name="公益美德类", subject_types=["person"])
        volunteer = rules.item_create(
            actor=None, scheme=quanshui_scheme, category=virtue, code="volunteer", name="参加志愿服务", direction="award",
            points=7, effective_from=local(2026, 1, 1).date(),
        )
    with clock.frozen(local(2026, 3, 20, 12)):
        activity = claims.activity_create(
            actor=w.recorder, scheme=setup.scheme, org=w.shahe_grid1, item=setup.help, held_at=local(2026, 3, 8, 9),
            title="看望留守老人", place="沙河村",
        )
        claims.activity_attendance_add(actor=w.recorder, activity=activity, subjects=[w.zhangsan.subject, w.limei.subject])
        claims.activity_award(actor=w.recorder, activity=activity)
        claims.claim_declare(
            actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=20,
            occurred_at=local(2026, 3, 5, 9), description="调解邻里纠纷", place="沙河村",
        )
        approved = claims.claim_declare(
            actor=w.neighbour, scheme=setup.scheme, subject=w.wangwu.subject, item=setup.mediate, points=30,
            occurred_at=local(2026, 3, 6, 9), description="调解土地纠纷", place="沙河村",
        )
        claims.claim_pre_approve(actor=w.recorder, claim=approved)
        claims.claim_review(actor=w.reviewer, claim=approved, outcome="approve")
        withdrawn = claims.claim_declare(
            actor=w.neighbour, scheme=setup.scheme, subject=w.wangwu.subject, item=setup.mediate, points=10,
            occurred_at=local(2026, 3, 7, 9), description="帮忙调解", place="沙河村",
        )
        claims.claim_withdraw(actor=w.neighbour, claim=withdrawn, reason="重复申报")
        _post(setup.scheme, "mar-deduct-limei", w.limei.subject, -3, "deduct", local(2026, 3, 12, 9), setup.litter)
        _post(setup.scheme, "mar-redeem-chen", w.reviewer_person.subject, -2, "redeem", local(2026, 3, 15, 9), None)
        _post(quanshui_scheme, "mar-award-zhaoliu", w.zhaoliu.subject, 7, "award", local(2026, 3, 9, 9), volunteer)
    with clock.frozen(local(2026, 2, 20, 12)):
        grid_setup(w, at=local(2026, 2, 20, 12))
        grid.issue_report(actor=w.recorder, kind="need", title="修路", household=w.neighbour_household)
    with clock.frozen(local(2026, 2, 25, 12)):
        grid.visit_record(actor=w.recorder, household=w.neighbour_household, visited_on=local(2026, 2, 25).date(), notes="二月走访")
    with clock.frozen(local(2026, 3, 2, 12)):
        complaint = grid.issue_report(actor=w.recorder, kind="complaint", title="噪音", household=w.household)
    with clock.frozen(local(2026, 3, 10, 12)):
        grid.issue_close(actor=w.recorder, issue=complaint, action_taken="已协调", rating=5)
    with clock.frozen(local(2026, 3, 13, 12)):
        for day in (12, 13):
            grid.visit_record(actor=w.recorder, household=w.household, visited_on=local(2026, 3, day).date(), notes="三月走访")
    with clock.frozen(local(2026, 3, 15, 12)):
        shop = market.shop_create(actor=w.admin, org=w.shahe, code="supermarket", name="沙河村积分超市")
        soap = market.good_create(actor=w.admin, shop=shop, code="soap", name="洗衣皂", price_points=5, kind="voucher")
        market.redemption_create(actor=w.admin, shop=shop, subject=w.zhangsan.subject, lines=[(soap, 1)], idempotency_key="mar-soap-zs")
    with clock.frozen(local(2026, 3, 28, 12)):
        grid.issue_report(actor=w.recorder, kind="dispute", title="宅基地纠纷", household=w.household)
    with clock.frozen(local(2026, 4, 2, 12)):
        claims.claim_declare(
            actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=10,
            occurred_at=local(2026, 4, 1, 9), description="四月的申报", place="沙河村",
        )
    return Month(setup=setup, world=w, activity=activity, quanshui_scheme=quanshui_scheme, volunteer=volunteer)
