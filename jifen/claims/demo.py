"""Demo step: a year of claims in every state, generated through the claims services.

Runs after the orgs and rules steps (INSTALLED_APPS order) and before rankings. Reads
`ctx.data["today"]`, `"village_schemes"` (篇7) and `"company_scheme"` (篇6); people, staff and
accounts are found in the database. Walks the twelve months before `today` day by day with
the clock frozen: at 00:05 the claims' tick tasks run (quarterly notices for the villages,
weekly for the company, posting when a window has closed); during the day the year's events
happen in time order:

- villagers declare their own deeds, grid recorders declare on someone's behalf (phone,
  verbal, counter), neighbours report; recorders pre-review (a few are rejected or withdrawn);
  the village committee meets on the 28th and decides the month's claims, the township admin
  approves what is above the village reviewer's limit (tiered authorisation);
- objections on the quarterly notices: one upheld, one revoked, one left open (disputed);
- a claim found false (弄虚作假, ×2 deduction), a reported violation that becomes a veto;
- two organised activities per village (篇2), every attendee posted at once;
- the company: weekly award and deduction slips signed by the deputy general manager (篇6,
  leaders matched), a workshop spot check whose findings the managers decide, and an objection
  whose second check changes the points.

The claims of the last weeks stay where the calendar leaves them (declared, pre-approved,
approved, on notice), so every state is present on `today`. Everything is drawn from
`ctx.rng`: a seed always gives the same claims. Volumes (see VOLUMES): the small county's
three villages get about four declarations a month each; the county and large sizes give
claims to their first twelve villages only, so the step stays within a minute or so.
"""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
import io
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from PIL import Image, ImageDraw

from jifen.claims import services
from jifen.claims import tick as claims_tick
from jifen.claims.authz import own_subject_ids
from jifen.claims.evidence import evidence_store
from jifen.claims.models import Claim, ClaimState, Evidence, Notice, NoticeEntry
from jifen.claims.services import Decision, Finding
from jifen.core import clock
from jifen.core.demo import DemoContext
from jifen.core.errors import JifenError
from jifen.orgs.models import (
    Employment,
    OrgUnit,
    Role,
    RoleBinding,
    Subject,
    User,
    ancestor_paths,
    subtree_q,
)
from jifen.rules.models import Item, Scheme

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Volume:
    villages: int | None  # how many village schemes get claims (None: all)
    per_village_month: int  # declarations per village per month
    company_slips_week: int
    attendees: tuple[int, int]


VOLUMES = {
    "small": Volume(None, 4, 1, (10, 16)),
    "county": Volume(12, 4, 2, (15, 25)),
    "large": Volume(12, 4, 2, (15, 25)),
}

# Village items a declaration may name (篇7 codes) and how often; the honours are above the
# village reviewer's 50-point limit sometimes (p7-4-03 = 100).
PERSON_ITEMS = {
    "p7-1-05": 4, "p7-1-11": 2, "p7-1-14": 3, "p7-2-03": 4, "p7-2-05": 6, "p7-2-06": 5, "p7-2-08": 2, "p7-2-09": 3,
    "p7-2-13": 3, "p7-3-03": 4, "p7-3-06": 5, "p7-3-07": 3, "p7-3-13": 5, "p7-4-05": 1, "p7-4-04": 1, "p7-4-03": 1,
}
HOUSEHOLD_ITEMS = {"p7-5-02": 1, "p7-5-05": 1, "p7-5-07": 1, "p7-5-08": 3, "p7-5-04": 1}
ACTIVITY_ITEMS = (("p7-2-04", "春季义务植树", 3, 12), ("p7-3-06", "秋季村庄环境整治义务劳动", 9, 20))
DEEDS = {
    "p7-1-05": "调解邻里宅基地纠纷", "p7-1-11": "劝阻并举报聚众赌博", "p7-1-14": "参加村里组织的夜间巡逻",
    "p7-2-03": "带父母到镇卫生院体检", "p7-2-05": "参加敬老院志愿服务", "p7-2-06": "帮留守老人收麦子",
    "p7-2-08": "参加无偿献血", "p7-2-09": "拾到钱包归还失主", "p7-2-13": "帮扶贫困户修缮房屋",
    "p7-3-03": "清扫村道、清除小广告", "p7-3-06": "参加修路义务劳动", "p7-3-07": "参加村民代表会议",
    "p7-3-13": "帮邻居抢收晾晒的粮食", "p7-4-05": "获评乡镇“好媳妇”", "p7-4-04": "获评县级“孝老爱亲模范”",
    "p7-4-03": "获评市级“见义勇为先进个人”", "p7-5-02": "全年邻里团结无纠纷", "p7-5-05": "房前屋后种花种树",
    "p7-5-07": "坚持垃圾分类", "p7-5-08": "家庭内外整洁卫生", "p7-5-04": "家庭成员考上大学",
}
COMPANY_AWARDS = ("p6-1-01", "p6-1-03", "p6-1-04", "p6-1-06", "p6-3-02", "p6-4-02", "p6-6-01", "p6-7-01", "p6-9-02")
COMPANY_DEDUCTIONS = ("p6-2-01", "p6-2-03", "p6-2-05", "p6-2-06", "p6-2-09")
PHOTOS = 8


def _schemes(ctx: DemoContext, key: str) -> list[Scheme]:
    value = ctx.data.get(key)
    if isinstance(value, Scheme):
        return [value]
    return [s for s in (value or []) if isinstance(s, Scheme)]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def _photo(n: int, taken: dt.datetime) -> bytes:
    """A small camera-like JPEG carrying EXIF (model, capture time, GPS) that storage strips."""
    image = Image.new("RGB", (480, 360), (60 + 23 * n % 180, 120 + 41 * n % 120, 90 + 67 * n % 150))
    draw = ImageDraw.Draw(image)
    for k in range(6):
        draw.rectangle((20 + 60 * k, 40 + 17 * ((n + k) % 9), 60 + 60 * k, 320), fill=(200 - 20 * k, 40 * (n % 5), 30 * k))
    exif = Image.Exif()
    exif[0x0110] = "DemoPhone 12"
    exif.get_ifd(0x8769)[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 24.0, float(n)), "E", (114.0, 3.0, float(n))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


@dataclass
class Village:
    scheme: Scheme
    org: OrgUnit
    reviewer: User
    approver: User  # the township's org admin, for what is above the reviewer's limit
    recorders: dict[str, User]  # grid path → recorder
    members: list[User]  # villagers with an account
    people: list[Subject]  # villagers who may be the subject of a claim (no staff, no staff household)
    households: list[Subject]
    items: dict[str, Item]


class Year:
    """The year's events, run in time order with the claims' tick every night."""

    def __init__(self, ctx: DemoContext, today: dt.date) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.today = today
        self.end = _local(today, 10)
        month = today.month
        self.start = dt.date(today.year - 1, month, 1) + dt.timedelta(days=32)
        self.start = self.start.replace(day=1)  # the first day of the month after today's, a year ago
        self.events: list[tuple[dt.datetime, int, Callable[[], Any]]] = []  # a heap: events may schedule later ones
        self.seq = 0
        self.done: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.photos: list[Evidence] = []

    def at(self, when: dt.datetime, fn: Callable[[], Any]) -> None:
        if when <= self.end:
            self.seq += 1
            heapq.heappush(self.events, (when, self.seq, fn))

    def months(self) -> list[tuple[int, int]]:
        out, day = [], self.start
        while day <= self.today:
            out.append((day.year, day.month))
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return out

    def attempt(self, label: str, fn: Callable[[], Any]) -> Any:
        """Run one service call; a refusal (a cap, 一日一记录 …) is counted, not fatal."""
        try:
            with transaction.atomic():
                result = fn()
        except JifenError as exc:
            self.refused[f"{label}:{exc.code}"] += 1
            return None
        self.done[label] += 1
        return result

    def tick_due(self, day: dt.date, now: dt.datetime) -> bool:
        """Whether the nightly tick has anything to do: a period starts (weekly notices on
        Mondays, monthly and quarterly on the 1st) or a notice window has closed. Skipping the
        idle nights only saves time; the tick itself decides what is due."""
        if day.weekday() == 0 or day.day == 1:
            return True
        # A window that closed since yesterday's run; a claim put back on an already closed
        # notice by a second check waits for the next Monday's run.
        return Notice.objects.filter(window_closes_at__gt=now - dt.timedelta(days=1), window_closes_at__lte=now).exists()

    def run(self) -> None:
        """Day by day: the claims' tick at 00:05, then the day's events in time order (one
        transaction a day; each service call inside is its own savepoint)."""
        day = self.start
        while day <= self.today:
            now = _local(day, 0, 5)
            following = _local(day + dt.timedelta(days=1), 0, 5)
            with transaction.atomic():
                if self.tick_due(day, now):
                    with clock.frozen(now):
                        claims_tick.publish_due_notices(now=now)
                        claims_tick.post_due_claims(now=now)
                while self.events and self.events[0][0] < following:
                    when, _, fn = heapq.heappop(self.events)
                    with clock.frozen(when):
                        fn()
            day += dt.timedelta(days=1)


def _village(scheme: Scheme, items: dict[str, Item]) -> Village | None:
    org = scheme.org
    bindings = RoleBinding.objects.filter(is_active=True).select_related("user", "org")
    reviewer = next((b.user for b in bindings.filter(org=org, role=Role.REVIEWER).order_by("pk")), None)
    approver = next(
        (b.user for b in bindings.filter(org__path__in=ancestor_paths(org.path)[:-1], role=Role.ORG_ADMIN).order_by("-org__path", "pk")),
        None,
    )
    recorders = {b.org.path: b.user for b in bindings.filter(subtree_q(org.path, "org__path"), role=Role.RECORDER).order_by("pk")}
    if reviewer is None or approver is None or not recorders:
        return None
    staff = [b.user for b in bindings.filter(subtree_q(org.path, "org__path")).exclude(role=Role.MEMBER).order_by("pk")]
    barred: set[int] = set()
    for user in staff:
        barred |= own_subject_ids(user)
    members = list(
        User.objects.filter(
            is_active=True, person__isnull=False, role_bindings__role=Role.MEMBER, role_bindings__org=org,
        ).exclude(person__subject_id__in=barred).select_related("person__subject__org").order_by("pk").distinct()
    )
    subjects = Subject.objects.filter(subtree_q(org.path, "org__path"), is_active=True, org__path__in=list(recorders)).exclude(pk__in=barred)
    return Village(
        scheme=scheme, org=org, reviewer=reviewer, approver=approver, recorders=recorders, members=members,
        people=list(subjects.filter(kind=Subject.Kind.PERSON).select_related("org").order_by("pk")),
        households=list(subjects.filter(kind=Subject.Kind.HOUSEHOLD).select_related("org").order_by("pk")),
        items=items,
    )


@dataclass
class Plan:
    """One declaration and what will become of it."""

    village: Village
    origin: str
    subject: Subject
    item: str
    at: dt.datetime
    fate: str  # approve | reject_pre | withdraw | reject_meeting
    declarer: User
    channel: str = "app"
    claim: Claim | None = None


def _plan_village_month(year: Year, v: Village, y: int, m: int, per_month: int) -> list[Plan]:
    rng = year.rng
    plans = []
    last = calendar.monthrange(y, m)[1]
    person_codes, person_weights = zip(*PERSON_ITEMS.items(), strict=True)
    house_codes, house_weights = zip(*HOUSEHOLD_ITEMS.items(), strict=True)
    for _ in range(per_month):
        at = _local(dt.date(y, m, rng.randint(1, last)), rng.randint(8, 18), rng.choice((0, 15, 30, 45)))
        origin = rng.choices(("self", "on_behalf", "third_party"), weights=(5, 3, 2))[0]
        fate = rng.choices(("approve", "reject_pre", "withdraw", "reject_meeting"), weights=(84, 6, 4, 6))[0]
        if origin == "self" and v.members:
            user = rng.choice(v.members)
            subject, item = user.person.subject, rng.choices(person_codes, weights=person_weights)[0]
            plans.append(Plan(v, "self", subject, item, at, fate, user))
        elif origin == "third_party" and v.members:
            user = rng.choice(v.members)
            subject = rng.choice(v.people)
            if subject.pk == user.person.subject_id:
                continue
            plans.append(Plan(v, "third_party", subject, rng.choices(person_codes, weights=person_weights)[0], at, fate, user))
        else:
            if rng.random() < 0.35 and v.households:
                subject, item = rng.choice(v.households), rng.choices(house_codes, weights=house_weights)[0]
            else:
                subject, item = rng.choice(v.people), rng.choices(person_codes, weights=person_weights)[0]
            recorder = v.recorders[subject.org.path]
            channel = rng.choice(("phone", "verbal", "counter", "wechat"))
            plans.append(Plan(v, "on_behalf", subject, item, at, fate, recorder, channel))
    return plans


def _make_sure_of_every_state(year: Year, v: Village, plans: list[Plan]) -> None:
    """Chance decides most fates; the first village makes sure one claim is withdrawn, one
    rejected at the preliminary review, one at the meeting, and two are still only declared."""
    early = [p for p in plans if p.origin != "on_behalf" and p.at.date() < year.today - dt.timedelta(days=40)]
    for plan, fate in zip(early[1::7], ("withdraw", "reject_pre", "reject_meeting"), strict=False):
        plan.fate = fate
    if v.members:
        for n, when in enumerate((_local(year.today - dt.timedelta(days=1), 17), _local(year.today, 7))):
            user = v.members[n % len(v.members)]
            plans.append(Plan(v, "self", user.person.subject, "p7-2-05", when, "approve", user))


def _schedule_plan(year: Year, plan: Plan) -> None:
    rng = year.rng
    declared_at = plan.at + dt.timedelta(minutes=rng.randint(20, 180))
    photos = [year.photos[rng.randrange(len(year.photos))]] if year.photos else []

    def declare() -> None:
        v = plan.village
        plan.claim = year.attempt("declare", lambda: services.claim_declare(
            actor=plan.declarer, scheme=v.scheme, subject=plan.subject, item=v.items[plan.item], occurred_at=plan.at,
            description=DEEDS.get(plan.item, "好人好事"), place=f"{v.org.name}{plan.subject.org.name}", origin=plan.origin,
            channel=plan.channel, evidence=photos,
        ))

    def review() -> None:
        claim = _fresh(plan.claim)
        if claim is None or claim.state != ClaimState.DECLARED:
            return
        recorder = plan.village.recorders[plan.subject.org.path]
        if plan.fate == "withdraw":
            year.attempt("withdraw", lambda: services.claim_withdraw(actor=plan.declarer, claim=claim, reason="记错了日期，重新申报"))
        elif plan.fate == "reject_pre":
            year.attempt("reject", lambda: services.claim_reject(actor=recorder, claim=claim, reason="入户核实，情况不属实"))
        else:
            year.attempt("pre_approve", lambda: services.claim_pre_approve(actor=recorder, claim=claim, reason="入户核实属实"))

    year.at(declared_at, declare)
    year.at(_local(declared_at.date() + dt.timedelta(days=rng.randint(1, 3)), 10, rng.randint(0, 59)), review)


def _fresh(claim: Claim | None) -> Claim | None:
    return Claim.objects.filter(pk=claim.pk).select_related("subject__org", "item_version").first() if claim else None


def _schedule_meetings(year: Year, v: Village, plans: list[Plan]) -> None:
    """The committee meets on the 28th: the month's pre-approved claims in one meeting, those above
    the reviewer's limit by the township admin (一事一议)."""
    for y, m in year.months():

        def meet(held_on: dt.date = dt.date(y, m, 28)) -> None:
            fates = {p.claim.pk: p.fate for p in plans if p.claim is not None}
            waiting = list(
                Claim.objects.filter(scheme=v.scheme, state=ClaimState.PRE_APPROVED, origin__in=("self", "on_behalf", "third_party"))
                .select_related("subject__org", "item_version").order_by("pk")
            )
            limit = v.scheme.to_units(50)
            decisions, big = [], []
            for claim in waiting:
                if fates.get(claim.pk) == "reject_meeting":
                    decisions.append(Decision(claim=claim, outcome="reject", reason="会议评议：证据不足，不予加分"))
                elif abs(claim.points) > limit:
                    big.append(claim)
                else:
                    decisions.append(Decision(claim=claim, outcome="approve"))
            recorders = list(v.recorders.values())
            if decisions:
                met = year.attempt("meeting", lambda: services.meeting_record(
                    actor=v.reviewer, scheme=v.scheme, org=v.org, held_on=held_on, decisions=decisions, attendees=recorders,
                    attendee_names="村民代表 3 人、老党员 2 人", minutes=f"{held_on:%Y年%m月}积分审核会：逐条评议本月申报。",
                ))
                if met is None:  # all or nothing: decide one by one so one refusal holds back only itself
                    for d in decisions:
                        year.attempt("review", lambda d=d: services.claim_review(
                            actor=v.reviewer, claim=_fresh(d.claim), outcome=d.outcome, reason=d.reason,
                        ))
            for claim in big:
                year.attempt("approve_above_limit", lambda c=claim: services.claim_review(
                    actor=v.approver, claim=c, outcome="approve", reason="超出村审核权限，报镇审批通过",
                ))

        year.at(_local(dt.date(y, m, 28), 15), meet)


def _schedule_objections(year: Year, villages: list[Village]) -> None:
    """On each quarterly notice: an objection a few days in; the second check upholds, revokes,
    or (on the last notice) has not happened yet."""
    outcomes = ("uphold", "revoke", "open")
    for index, v in enumerate(villages):
        for q, (y, m) in enumerate([(y, m) for y, m in year.months() if m in (1, 4, 7, 10)]):
            outcome = outcomes[(index + q) % len(outcomes)]

            def object_(v: Village = v, y: int = y, m: int = m, outcome: str = outcome) -> None:
                first = _local(dt.date(y, m, 1), 0)
                notice = (
                    Notice.objects.filter(scheme=v.scheme, published_at__gte=first, published_at__lt=first + dt.timedelta(days=2))
                    .order_by("pk").first()
                )
                if notice is None:
                    return
                entries = list(NoticeEntry.objects.filter(notice=notice, claim__state=ClaimState.NOTICED).order_by("pk"))
                if not entries:
                    return
                claim = Claim.objects.get(pk=year.rng.choice(entries).claim_id)
                objector = year.rng.choice(v.members) if v.members else None
                if objector is not None and objector.person.subject_id == claim.subject_id:
                    objector = None
                year.attempt("objection", lambda: services.objection_file(
                    claim=claim, reason="这件事我在场，情况和公示的不一样", user=objector,
                    name="" if objector else "匿名村民",
                ))
                if outcome == "open":
                    return

                def check() -> None:
                    fresh = _fresh(claim)
                    if fresh is None or fresh.state != ClaimState.DISPUTED:
                        return
                    actor = v.approver if abs(fresh.points) > v.scheme.to_units(50) else v.reviewer
                    reason = "二次核查：走访三户邻居，情况属实" if outcome == "uphold" else "二次核查：事情不属实，撤销积分"
                    year.attempt(f"second_check_{outcome}", lambda: services.claim_second_check(
                        actor=actor, claim=fresh, outcome=outcome, reason=reason,
                    ))

                year.at(_local(dt.date(y, m, 5), 16), check)

            year.at(_local(dt.date(y, m, 3), 9, 30), object_)


def _schedule_fraud_and_veto(year: Year, villages: list[Village]) -> None:
    months = year.months()
    if not villages or len(months) < 9:
        return
    v = villages[0]
    y, m = months[7]

    def fraud() -> None:
        claim = (
            Claim.objects.filter(scheme=v.scheme, state=ClaimState.POSTED, origin="self", points__lte=v.scheme.to_units(20))
            .order_by("pk").first()
        )
        if claim is not None:
            year.attempt("fraud", lambda: services.claim_fraud_find(
                actor=v.reviewer, claim=claim, reason="照片为网上下载，当事人承认虚报",
                decision_record=f"{y}年{m}月村两委会议认定弄虚作假，按规定扣除双倍积分",
            ))

    year.at(_local(dt.date(y, m, 20), 10), fraud)

    w = villages[1 % len(villages)]
    y, m = months[5]
    if not w.members or "p7-4-14" not in w.items:
        return
    reporter = w.members[0]
    subject = next((s for s in reversed(w.people) if s.pk != reporter.person.subject_id), None)
    if subject is None:
        return
    plan = Plan(w, "third_party", subject, "p7-4-14", _local(dt.date(y, m, 9), 21), "approve", reporter)

    def report() -> None:
        plan.claim = year.attempt("veto_report", lambda: services.claim_declare(
            actor=reporter, scheme=w.scheme, subject=subject, item=w.items["p7-4-14"], occurred_at=plan.at,
            description="因聚众赌博被派出所行政拘留", place=w.org.name, origin="third_party",
            evidence=year.photos[:1],
        ))

    def check() -> None:
        claim = _fresh(plan.claim)
        if claim is not None and claim.state == ClaimState.DECLARED:
            year.attempt("pre_approve", lambda: services.claim_pre_approve(
                actor=w.recorders[subject.org.path], claim=claim, reason="派出所通报属实",
            ))

    year.at(_local(dt.date(y, m, 10), 9), report)
    year.at(_local(dt.date(y, m, 11), 9), check)


def _schedule_activities(year: Year, v: Village, vol: Volume) -> None:
    grid_path, recorder = next(iter(sorted(v.recorders.items())))
    grid = OrgUnit.objects.get(path=grid_path)
    pool = [s for s in v.people if s.org.path == grid_path]
    for code, title, month, day in ACTIVITY_ITEMS:
        y = next((yy for yy, mm in year.months() if mm == month), None)
        if y is None or code not in v.items or not pool:
            continue
        held = _local(dt.date(y, month, day), 8, 30)
        attendees = year.rng.sample(pool, min(len(pool), year.rng.randint(*vol.attendees)))

        def hold(code: str = code, title: str = title, held: dt.datetime = held, attendees: list[Subject] = attendees) -> None:
            activity = year.attempt("activity", lambda: services.activity_create(
                actor=recorder, scheme=v.scheme, org=grid, item=v.items[code], held_at=held, title=title,
                place=f"{v.org.name}{grid.name}",
            ))
            if activity is None:
                return
            year.attempt("attendance", lambda: services.activity_attendance_add(actor=recorder, activity=activity, subjects=attendees))

            def award() -> None:
                result = year.attempt("activity_award", lambda: services.activity_award(actor=recorder, activity=activity))
                if result is not None:
                    year.done["activity_postings"] += result.posted

            year.at(held + dt.timedelta(hours=9), award)

        year.at(held - dt.timedelta(days=2), hold)


def _company(year: Year, scheme: Scheme, vol: Volume) -> None:
    org = scheme.org
    bindings = RoleBinding.objects.filter(is_active=True, org=org).select_related("user")
    deputy = next((b.user for b in bindings.filter(role=Role.REVIEWER, level__gte=2).order_by("pk")), None)
    gm = next((b.user for b in bindings.filter(role=Role.ORG_ADMIN).order_by("pk")), None)
    if deputy is None or gm is None:
        return
    items = {i.code: i for i in Item.objects.filter(scheme=scheme)}
    staff = list(
        Employment.objects.filter(subtree_q(org.path, "org__path"), is_active=True, person__is_active=True)
        .exclude(org=org).select_related("person__subject", "org").order_by("pk")
    )
    barred = own_subject_ids(deputy) | own_subject_ids(gm)
    staff = [e for e in staff if e.person.subject_id not in barred]
    if not staff:
        return
    rng = year.rng
    day = year.start
    while day <= year.today:
        for _ in range(vol.company_slips_week):
            when = _local(day + dt.timedelta(days=rng.randint(0, 4)), rng.randint(8, 17), rng.choice((0, 30)))
            employee = rng.choice(staff)
            deduct = rng.random() < 0.3
            code = rng.choice(COMPANY_DEDUCTIONS if deduct else COMPANY_AWARDS)
            if code not in items:
                continue

            def slip(employee: Employment = employee, code: str = code, when: dt.datetime = when) -> None:
                year.attempt("slip", lambda: services.slip_issue(
                    actor=deputy, scheme=scheme, subject=employee.person.subject, item=items[code],
                    occurred_at=when - dt.timedelta(hours=1), description=f"{employee.org.name}：{items[code].code} 现场记录",
                    place=employee.org.name,
                ))

            year.at(when, slip)
        day += dt.timedelta(days=7)

    # One more slip in the last full week, so the weekly notice published this Monday is still open today.
    last_week = year.today - dt.timedelta(days=year.today.weekday() + 6)
    if "p6-1-03" in items:
        employee = staff[len(staff) // 2]
        year.at(_local(last_week + dt.timedelta(days=1), 16), lambda: year.attempt("slip", lambda: services.slip_issue(
            actor=deputy, scheme=scheme, subject=employee.person.subject, item=items["p6-1-03"],
            occurred_at=_local(last_week + dt.timedelta(days=1), 11), description="客户来电表扬洗涤质量", place=employee.org.name,
        )))

    months = year.months()
    # A workshop spot check in the seventh month; the managers decide its findings the next day.
    y, m = months[min(6, len(months) - 1)]
    team = staff[0].org
    inspector = RoleBinding.objects.filter(org=team, role=Role.RECORDER, is_active=True).select_related("user").first()
    found = [e for e in staff if e.org_id == team.pk and not e.is_leader][:2]
    if inspector is not None and found and "p6-2-05" in items:
        check_day = dt.date(y, m, 15)
        while check_day.weekday() != 0:
            check_day += dt.timedelta(days=1)
        holder: dict[str, Any] = {}

        def spot() -> None:
            holder["check"] = year.attempt("spot_check", lambda: services.spot_check_record(
                actor=inspector.user, scheme=scheme, org=team, held_on=check_day, households_checked=len(found) + 4,
                decision_record=f"{check_day:%Y年%m月%d日}经理办公会决定：现场卫生抽检不合格每处扣5分",
                findings=[Finding(subject=e.person.subject, item=items["p6-2-05"], description="工位地面有积水和线头") for e in found],
                inspector_names="安全员 1 人",
            ))

        def decide() -> None:
            check = holder.get("check")
            if check is None:
                return
            claims = list(Claim.objects.filter(spot_check=check, state=ClaimState.PRE_APPROVED).order_by("pk"))
            if claims:
                year.attempt("meeting", lambda: services.meeting_record(
                    actor=deputy, scheme=scheme, org=org, held_on=check_day + dt.timedelta(days=1),
                    decisions=[Decision(claim=c, outcome="approve") for c in claims], minutes="审议抽检结果，照单扣分",
                ))

        year.at(_local(check_day, 14), spot)
        year.at(_local(check_day + dt.timedelta(days=1), 9), decide)

    # A rationalisation proposal (ranged 10–100) whose second check lowers the points.
    y, m = months[min(8, len(months) - 1)]
    if "p6-1-09" in items:
        slip_day = dt.date(y, m, 4)
        while slip_day.weekday() != 1:  # a Tuesday: noticed the next Monday, window to Thursday
            slip_day += dt.timedelta(days=1)
        subject = staff[-1].person.subject
        holder2: dict[str, Any] = {}

        def proposal() -> None:
            holder2["claim"] = year.attempt("slip", lambda: services.slip_issue(
                actor=deputy, scheme=scheme, subject=subject, item=items["p6-1-09"], points=scheme.to_units(40),
                occurred_at=_local(slip_day, 9), description="提出改进烘干流程的合理化建议并被采用", place=org.name,
            ))

        def objection() -> None:
            claim = _fresh(holder2.get("claim"))
            if claim is not None and claim.state == ClaimState.NOTICED:
                year.attempt("objection", lambda: services.objection_file(claim=claim, reason="建议是班组集体提出的，不应一人得全分"))

        def second_check() -> None:
            claim = _fresh(holder2.get("claim"))
            if claim is not None and claim.state == ClaimState.DISPUTED:
                year.attempt("second_check_change", lambda: services.claim_second_check(
                    actor=gm, claim=claim, outcome="change", points=scheme.to_units(20), reason="核实为班组共同提出，按一半计分",
                ))

        monday = slip_day + dt.timedelta(days=6)
        year.at(_local(slip_day, 11), proposal)
        year.at(_local(monday, 9), objection)
        year.at(_local(monday + dt.timedelta(days=1), 15), second_check)


def build(ctx: DemoContext) -> None:
    started = time.monotonic()
    today = ctx.data.get("today") if isinstance(ctx.data.get("today"), dt.date) else clock.now().date()
    vol = VOLUMES[ctx.size]
    year = Year(ctx, today)
    village_schemes = _schemes(ctx, "village_schemes")[: vol.villages]
    villages = []
    for scheme in village_schemes:
        items = {i.code: i for i in Item.objects.filter(scheme=scheme)}
        v = _village(scheme, items)
        if v is not None and v.people:
            villages.append(v)
    with clock.frozen(_local(year.start, 7)):
        year.photos = [evidence_store(actor=None, upload=_photo(n, _local(year.start, 9, n)), index=n + 1) for n in range(PHOTOS)]
    for index, v in enumerate(villages):
        plans: list[Plan] = []
        for y, m in year.months():
            plans.extend(_plan_village_month(year, v, y, m, vol.per_village_month))
        if index == 0:
            _make_sure_of_every_state(year, v, plans)
        for plan in plans:
            _schedule_plan(year, plan)
        _schedule_meetings(year, v, plans)
        _schedule_activities(year, v, vol)
    _schedule_objections(year, villages)
    _schedule_fraud_and_veto(year, villages)
    for scheme in _schemes(ctx, "company_scheme"):
        _company(year, scheme, vol)
    year.run()

    schemes = [v.scheme for v in villages] + _schemes(ctx, "company_scheme")
    states = Counter(Claim.objects.filter(scheme__in=schemes).values_list("state", flat=True))
    order = [s.value for s in ClaimState]
    ctx.say(
        f"  申报 / claims {year.start}–{today}: " + ", ".join(f"{s} {states.get(s, 0)}" for s in order)
        + f"; 活动入账 / activity postings {year.done['activity_postings']}; 拒绝 / refused {sum(year.refused.values())}"
        + f" ({time.monotonic() - started:.1f}s)"
    )
    missing = [s for s in order if not states.get(s)]
    if missing:
        ctx.say(f"  缺少的状态 / states not reached: {', '.join(missing)}")
    ctx.data["claims_year"] = (year.start, today)
