"""The demo's grids (篇5): posts in every grid, each household linked to its grid's worker, and
some home visits and villagers' issues in the first villages. Bulk writes for posts and links;
visits and issues go through the services one by one, so their number is capped."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q

from jifen.core import clock
from jifen.core.demo import DemoContext
from jifen.grid import services
from jifen.grid.models import GridPost, IssueKind
from jifen.orgs.models import Household, OrgUnit, Person, Role, RoleBinding

MAX_VISITS = 400
MAX_ISSUES = 40
ISSUES = [
    (IssueKind.NEED, "申请低保政策咨询", "户主询问低保申请条件与材料。"),
    (IssueKind.DISPUTE, "宅基地边界纠纷", "与邻居对宅基地边界有争议，请求村里调解。"),
    (IssueKind.COMPLAINT, "垃圾清运不及时", "门前垃圾点已三天未清运。"),
    (IssueKind.EMERGENCY, "老人突发疾病需送医", "独居老人夜间不适，需要协助送医。"),
    (IssueKind.NEED, "路灯损坏", "村口路灯不亮，夜间出行不便。"),
]


def _person_of(binding: RoleBinding | None) -> Person | None:
    return binding.user.person if binding is not None and binding.user.person_id else None


def build(ctx: DemoContext) -> None:
    grids: list[OrgUnit] = [g for g in ctx.data.get("grids", []) if g.parent and g.parent.kind.code == "village"]
    admin = ctx.data.get("admin")
    if not grids or admin is None:
        ctx.say("  网格：没有村级网格，跳过 / grids: no village grids, skipped")
        return
    rng = ctx.rng
    today: dt.date = ctx.data.get("today") or services.local_today()
    bindings = RoleBinding.objects.filter(
        Q(role=Role.RECORDER, org__in=grids) | Q(role=Role.REVIEWER, org__kind__code="village") | Q(role=Role.ORG_ADMIN, org__kind__code="township"),
        is_active=True,
    ).select_related("user__person", "org")
    by_org: dict[tuple[str, int], RoleBinding] = {(b.role, b.org_id): b for b in bindings}
    posts: list[GridPost] = []
    worker_of: dict[int, GridPost] = {}
    for grid in grids:
        village = grid.parent
        township = village.parent if village else None
        leader = _person_of(by_org.get((Role.REVIEWER, village.pk)))
        guide = _person_of(by_org.get((Role.ORG_ADMIN, township.pk))) if township else None
        worker = _person_of(by_org.get((Role.RECORDER, grid.pk)))
        if leader:
            posts.append(GridPost(grid=grid, person=leader, post=GridPost.Post.LEADER, duties="统筹网格工作，听取网格员报告", since=today))
        if guide:
            posts.append(GridPost(grid=grid, person=guide, post=GridPost.Post.GUIDE, duties="驻点联系，指导网格工作", since=today))
        if worker:
            post = GridPost(grid=grid, person=worker, post=GridPost.Post.WORKER, duties="联系农户、入户走访、收集民情", since=today)
            posts.append(post)
            worker_of[grid.pk] = post
    services.grid_posts_bulk(actor=admin, posts=posts, on=today)
    households = list(Household.objects.filter(org__in=grids, is_active=True).select_related("org").order_by("org__path", "number"))
    links = [(h, worker_of[h.org_id]) for h in households if h.org_id in worker_of]
    services.household_links_bulk(actor=admin, links=links, on=today)
    for grid in grids:
        services.service_board_set(
            actor=admin, grid=grid, supervision_phone="0392-12345" + f"{grid.pk % 100:02d}",
            work_content="宣传政策、采集信息、排查矛盾纠纷、收集村情民意、环境卫生监督",
        )

    visits = issues = 0
    recorder_users: dict[int, Any] = {
        b.org_id: b.user for b in bindings if b.role == Role.RECORDER
    }
    first_of_month = today.replace(day=1)
    for household, post in links:
        if visits >= MAX_VISITS:
            break
        user = recorder_users.get(post.grid_id)
        if user is None:
            continue
        # About four in five households visited this month, the rest last month only.
        this_month = rng.random() < 0.8
        day = first_of_month + dt.timedelta(days=rng.randint(0, max(0, (today - first_of_month).days)))
        if not this_month:
            day = first_of_month - dt.timedelta(days=rng.randint(1, 28))
        services.visit_record(actor=user, household=household, visited_on=day, notes="入户走访：宣传积分政策，了解家庭情况。")
        visits += 1
    now = clock.now()
    for index, (household, post) in enumerate(links[:: max(1, len(links) // MAX_ISSUES)][:MAX_ISSUES]):
        user = recorder_users.get(post.grid_id)
        if user is None:
            continue
        kind, title, description = ISSUES[index % len(ISSUES)]
        # Some were reported weeks ago, so the tick finds them overdue and escalates them.
        reported = now - dt.timedelta(days=rng.choice([0, 1, 3, 10, 20]), hours=rng.randint(0, 12))
        with clock.frozen(reported):
            issue = services.issue_report(actor=user, kind=kind, title=title, description=description, household=household)
            if index % 3 == 0:
                services.issue_close(actor=user, issue=issue, action_taken="已上门核实并协调解决。", rating=rng.randint(3, 5))
        issues += 1
    services.issues_escalate_overdue(now=now)
    ctx.say(
        f"  网格 / grids: {len(posts)} 个职务/posts, {len(links)} 户联系/households linked, "
        f"{visits} 次走访/visits, {issues} 件民情/issues"
    )
