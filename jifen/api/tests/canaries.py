"""Claims, evidence, notices, objections, meetings, activities and postings full of canary
personal data, for the leak walk (test_leaks.py) and the public scan.

`seed_claims(world, org=..., person=..., user=..., tag=...)` builds, in the unit `org`, a scheme
with one item and, for `person`: a declared claim with a photo, a second claim decided at a
meeting, a third one on a published notice with an objection carrying a canary name and phone,
an activity they attended and were awarded for (postings in their account), a reward list
and a points run naming them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jifen.claims import services as claims
from jifen.claims.evidence import evidence_store
from jifen.claims.models import Claim
from jifen.claims.testing import photo
from jifen.core import clock
from jifen.ledger.models import Account, Transaction
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.rankings.models import PointsRun, PointsRunLine, RewardLine, RewardList
from jifen.rules import services as rules


def seed_claims(world: Any, *, org: Any, person: Any, user: Any, tag: str, mobile: str) -> tuple[dict[str, int], list[str]]:
    slug = {"甲": "a", "乙": "b"}.get(tag, "x")
    staff = orgs.user_create(actor=None, username=f"staff_{slug}")
    orgs.role_binding_grant(actor=None, user=staff, org=org, role=Role.ORG_ADMIN, points_limit=1000)
    now = clock.now()
    earlier = now - dt.timedelta(hours=2)
    scheme = rules.scheme_create(
        actor=None, org=org, code=f"canary-{slug}", name=f"金丝雀方案{tag}", subject_types=["person", "household"],
        period_policy="lifetime", notice_cadence="monthly", review_cadence="monthly", objection_days=7,
    )
    category = rules.category_create(actor=None, scheme=scheme, code="virtue", name="公益美德类", subject_types=["person", "household"])
    item = rules.item_create(
        actor=None, scheme=scheme, category=category, code="help", name="帮助邻里", direction="award", points=5, effective_from=(now - dt.timedelta(days=30)).date(),
    )
    subject = person.subject
    evidence = evidence_store(actor=user, upload=photo(colour=(10, 200, 90 + len(tag))))

    def declare(description: str, **kw: Any) -> Claim:
        return claims.claim_declare(
            actor=user, scheme=scheme, subject=subject, item=item, occurred_at=earlier, description=description,
            place=f"金丝雀地点{tag}", **kw,
        )

    declared = declare(f"金丝雀申报{tag}", evidence=[evidence])
    decided = claims.claim_pre_approve(actor=staff, claim=declare(f"金丝雀会议{tag}"))
    meeting = claims.meeting_record(
        actor=staff, scheme=scheme, org=org, held_on=now.date() - dt.timedelta(days=1),
        decisions=[claims.Decision(claim=decided, outcome="approve")], minutes=f"金丝雀纪要{tag}",
    )
    noticed = claims.claim_pre_approve(actor=staff, claim=declare(f"金丝雀公示{tag}"))
    noticed = claims.claim_review(actor=staff, claim=noticed, outcome="approve")
    notice = claims.notice_publish(actor=staff, scheme=scheme, org=org)
    objection = claims.objection_file(
        claim=noticed, reason=f"金丝雀异议{tag}", user=user, name=f"金丝雀异议人{tag}", phone=mobile,
    )
    activity = claims.activity_create(
        actor=staff, scheme=scheme, org=org, item=item, held_at=earlier, title=f"金丝雀活动{tag}", place=f"金丝雀活动地点{tag}",
    )
    claims.activity_attendance_add(actor=staff, activity=activity, subjects=[subject])
    claims.activity_award(actor=staff, activity=activity)
    account = Account.objects.get(scheme=scheme, subject=subject)
    tx = Transaction.objects.filter(scheme=scheme).order_by("pk").first()
    # Reward lists and points runs are written by the rankings' evaluation and runs, which need a
    # whole year of data; the leak walk only needs rows that name the canary.
    reward_list = RewardList.objects.create(
        scheme=scheme, rule_index=0, rule_type="top_n", rule={"type": "top_n"}, period=str(now.year),
        period_start=dt.date(now.year, 1, 1), period_end=dt.date(now.year + 1, 1, 1), summary={}, evaluated_at=now,
    )
    RewardLine.objects.create(
        reward_list=reward_list, order=1, subject=subject, name=person.name, rank=1, score=5, outcome="awarded",
        note=f"金丝雀奖励{tag}",
    )
    run = PointsRun.objects.create(
        scheme=scheme, kind="fixed", period=f"{now.year}-{now.month:02d}", number=1, transaction=tx, posted=1, total=5,
        created_at=now,
    )
    PointsRunLine.objects.create(run=run, subject=subject, amount=5)
    objects = {
        "scheme": scheme.pk, "category": category.pk, "item": item.pk, "claim": declared.pk, "evidence": evidence.pk,
        "notice": notice.pk, "objection": objection.pk, "activity": activity.pk, "meeting": meeting.pk,
        "account": account.pk, "subject": subject.pk, "reward_list": reward_list.pk, "run": run.pk,
        "noticed_claim": noticed.pk,
    }
    canaries = [f"金丝雀申报{tag}", f"金丝雀会议{tag}", f"金丝雀公示{tag}", f"金丝雀地点{tag}", f"金丝雀异议{tag}",
                f"金丝雀异议人{tag}", mobile, f"金丝雀纪要{tag}", f"金丝雀活动地点{tag}", f"金丝雀奖励{tag}"]
    return objects, canaries
