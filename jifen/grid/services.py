"""Every write of grid management (篇5): posts, household links, boards, visits and issues.

Each runs in a transaction and writes its audit row (and an issue's history row) inside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q

from jifen.claims.evidence import MAX_PER_CLAIM, Upload, evidence_store
from jifen.core import clock
from jifen.core.audit import audit_record
from jifen.core.errors import (
    Conflict,
    IdempotencyMismatch,
    IllegalTransition,
    PermissionDenied,
    field_error,
)
from jifen.grid import authz
from jifen.grid.models import (
    GridPost,
    HouseholdLink,
    Issue,
    IssueEvent,
    IssueKind,
    IssueLevel,
    IssueState,
    ServiceBoard,
    Visit,
    VisitPhoto,
)
from jifen.orgs.models import Household, HouseholdMember, OrgUnit, Person, Subject, ancestor_paths

TIME_ZONE = "Asia/Shanghai"
MAX_PHOTOS = MAX_PER_CLAIM

# 篇5 asks for "明确办结时限" without numbers; these are the defaults a recorder may shorten or
# lengthen when assigning. An emergency must be handled the same day.
DEFAULT_DAYS = {IssueKind.EMERGENCY: 1, IssueKind.DISPUTE: 7, IssueKind.COMPLAINT: 7, IssueKind.NEED: 15}
# Time each level gets once an issue is escalated to it.
ESCALATION_DAYS = {IssueLevel.LEADER: 3, IssueLevel.TOWNSHIP: 7}
MAX_DEADLINE_DAYS = 366


def local_today(now: dt.datetime | None = None) -> dt.date:
    return (now or clock.now()).astimezone(ZoneInfo(TIME_ZONE)).date()


def _hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def _clean_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not (8 <= len(key) <= 100):
        raise field_error("key", "幂等键长度须为 8–100 个字符", "an idempotency key is 8–100 characters")
    return key


def _require_grid(org: OrgUnit) -> OrgUnit:
    if org.kind.code != "grid":
        raise field_error("grid", f"「{org.name}」不是网格", f"{org.path} is not a grid")
    return org


def _require_signed_in(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录", "sign in first", code="not_signed_in")


def _text(value: str, field: str, zh: str, en: str, *, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise field_error(field, f"{zh}含有非法字符", f"{en} contains a NUL character")
    if required and not value:
        raise field_error(field, f"{zh}不能为空", f"{en} is required")
    if len(value) > max_length:
        raise field_error(field, f"{zh}最多 {max_length} 个字", f"{en} is at most {max_length} characters")
    return value


# --- setting up grids --------------------------------------------------------------------------

@transaction.atomic
def grid_post_assign(
    *, actor: Any, grid: OrgUnit, person: Person, post: str, phone: str = "", duties: str = "", on: dt.date | None = None
) -> GridPost:
    """Put `person` on `post` in `grid`; a new leader or guide replaces the one before."""
    _require_grid(grid)
    authz.require_admin(actor, grid)
    if post not in GridPost.Post.values:
        raise field_error("post", f"未知的网格职务「{post}」", f"unknown grid post {post!r}")
    on = on or local_today()
    phone = _text(phone or person.mobile, "phone", "电话", "phone", max_length=32)
    duties = _text(duties, "duties", "职责", "duties", max_length=200)
    existing = GridPost.objects.select_for_update().filter(grid=grid, person=person, post=post, until__isnull=True).first()
    if existing is not None:
        existing.phone, existing.duties = phone, duties
        existing.save(update_fields=["phone", "duties"])
        audit_record(actor=actor, action="grid.post_update", obj=existing, org_path=grid.path, after={"phone": phone, "duties": duties})
        return existing
    if post != GridPost.Post.WORKER:
        for previous in GridPost.objects.select_for_update().filter(grid=grid, post=post, until__isnull=True):
            _post_end(actor=actor, grid_post=previous, on=on)
    try:
        with transaction.atomic():
            created = GridPost.objects.create(grid=grid, person=person, post=post, phone=phone, duties=duties, since=on)
    except IntegrityError:
        raise Conflict("该职务刚被他人设置，请刷新后重试", "someone else just set this post; reload and retry", code="grid_post_conflict") from None
    audit_record(
        actor=actor, action="grid.post_assign", obj=created, org_path=grid.path,
        after={"person": person.pk, "post": post, "phone": phone, "duties": duties},
    )
    return created


def _post_end(*, actor: Any, grid_post: GridPost, on: dt.date) -> None:
    if grid_post.until is not None:
        return
    grid_post.until = on
    grid_post.save(update_fields=["until"])
    if grid_post.post == GridPost.Post.WORKER:
        HouseholdLink.objects.filter(worker=grid_post, until__isnull=True).update(until=on)
    audit_record(actor=actor, action="grid.post_end", obj=grid_post, org_path=grid_post.grid.path, after={"until": on})


@transaction.atomic
def grid_post_end(*, actor: Any, grid_post: GridPost, on: dt.date | None = None) -> GridPost:
    """End a post; a grid worker's households are left without a worker until relinked."""
    authz.require_admin(actor, grid_post.grid)
    locked = GridPost.objects.select_for_update().select_related("grid").get(pk=grid_post.pk)
    if locked.until is not None:
        raise IllegalTransition("该职务已结束", "this post has already ended", code="grid_post_ended")
    _post_end(actor=actor, grid_post=locked, on=on or local_today())
    return locked


@transaction.atomic
def service_board_set(*, actor: Any, grid: OrgUnit, supervision_phone: str, work_content: str) -> ServiceBoard:
    _require_grid(grid)
    authz.require_admin(actor, grid)
    phone = _text(supervision_phone, "supervision_phone", "监督电话", "supervision phone", max_length=32)
    content = _text(work_content, "work_content", "工作内容", "work content", max_length=2000)
    board, _ = ServiceBoard.objects.update_or_create(
        grid=grid, defaults={"supervision_phone": phone, "work_content": content, "updated_at": clock.now()}
    )
    audit_record(actor=actor, action="grid.board_set", obj=board, org_path=grid.path, after={"supervision_phone": phone})
    return board


@transaction.atomic
def household_grid_move(*, actor: Any, household: Household, grid: OrgUnit) -> Household:
    """Put a household (and its points subject) into `grid` of its own village; its worker link ends."""
    _require_grid(grid)
    authz.require_admin(actor, grid)
    locked = Household.objects.select_for_update().select_related("org", "village").get(pk=household.pk)
    if not grid.is_within(locked.village):
        raise field_error("grid", "网格必须在该户所在村之内", "the grid must be inside the household's village")
    if locked.org_id == grid.pk:
        return locked
    before = locked.org.path
    locked.org = grid
    locked.save(update_fields=["org"])
    Subject.objects.filter(pk=locked.subject_id).update(org=grid)
    HouseholdLink.objects.filter(household=locked, until__isnull=True).update(until=local_today())
    audit_record(actor=actor, action="grid.household_move", obj=locked, org_path=grid.path, before={"org": before}, after={"org": grid.path})
    return locked


def _check_link(household: Household, worker: GridPost) -> None:
    if worker.post != GridPost.Post.WORKER or worker.until is not None:
        raise field_error("worker", "只能联系到在岗的网格员", "households link only to a serving grid worker")
    if household.org_id != worker.grid_id:
        raise field_error(
            "worker", f"户「{household.number}」不在该网格员的网格内", f"household {household.number} is not in the worker's grid"
        )


@transaction.atomic
def household_link_set(*, actor: Any, household: Household, worker: GridPost, on: dt.date | None = None) -> HouseholdLink:
    """Link a household to the grid worker who looks after it, ending any earlier link."""
    authz.require_admin(actor, worker.grid)
    locked = Household.objects.select_for_update().get(pk=household.pk)
    _check_link(locked, worker)
    on = on or local_today()
    current = HouseholdLink.objects.filter(household=locked, until__isnull=True).first()
    if current is not None and current.worker_id == worker.pk:
        return current
    if current is not None:
        current.until = on
        current.save(update_fields=["until"])
    link = HouseholdLink.objects.create(household=locked, worker=worker, since=on)
    audit_record(
        actor=actor, action="grid.household_link", obj=link, org_path=worker.grid.path,
        before={"worker": current.worker_id if current else None}, after={"worker": worker.pk, "household": locked.pk},
    )
    return link


@transaction.atomic
def household_links_bulk(
    *, actor: Any, links: Sequence[tuple[Household, GridPost]], on: dt.date | None = None
) -> int:
    """Link many unlinked households at once (a new grid's set-up, the demo); one audit row."""
    on = on or local_today()
    grids = {worker.grid_id: worker.grid for _, worker in links}
    for grid in grids.values():
        authz.require_admin(actor, grid)
    ids = [household.pk for household, _ in links]
    if len(set(ids)) != len(ids):
        raise field_error("links", "同一户出现了两次", "a household appears twice")
    linked = set(HouseholdLink.objects.filter(household_id__in=ids, until__isnull=True).values_list("household_id", flat=True))
    if linked:
        raise Conflict(f"{len(linked)} 户已有网格员", f"{len(linked)} households already have a grid worker", code="already_linked")
    for household, worker in links:
        _check_link(household, worker)
    HouseholdLink.objects.bulk_create(
        [HouseholdLink(household=household, worker=worker, since=on) for household, worker in links], batch_size=500
    )
    audit_record(
        actor=actor, action="grid.household_links_bulk", object_type="grid.householdlink",
        org_path=next(iter(grids.values())).path if grids else "", summary=f"{len(links)} 户 / households",
        after={"count": len(links), "grids": sorted(g.path for g in grids.values())},
    )
    return len(links)


# --- visits ------------------------------------------------------------------------------------

@transaction.atomic
def visit_record(
    *,
    actor: Any,
    household: Household,
    visited_on: dt.date,
    notes: str = "",
    photos: Iterable[Upload] = (),
    visitor: Person | None = None,
    key: str | None = None,
) -> Visit:
    """Record a home visit (入户走访); the visitor defaults to the recording grid worker."""
    _require_signed_in(actor)
    key = _clean_key(key)
    household = Household.objects.select_related("org", "org__kind").get(pk=household.pk)
    visitor = visitor or getattr(actor, "person", None)
    if visitor is None:
        raise field_error("visitor", "请指明走访人", "name the person who visited")
    notes = _text(notes, "notes", "走访记录", "notes", max_length=4000)
    content = _hash({"household": household.pk, "visited_on": visited_on, "notes": notes, "visitor": visitor.pk})
    if key is not None:
        existing = Visit.objects.filter(key=key).first()
        if existing is not None:
            if existing.content_hash != content or existing.recorded_by_id != actor.pk:
                raise IdempotencyMismatch("同一幂等键对应了不同的走访", "this key was used for another visit", code="idempotency_mismatch")
            return existing
    authz.require_work_in(actor, household.org)
    if not isinstance(visited_on, dt.date) or isinstance(visited_on, dt.datetime):
        raise field_error("visited_on", "走访日期无效", "the visit date is not a date")
    if visited_on > local_today():
        raise field_error("visited_on", "走访日期不能晚于今天", "the visit date cannot be in the future")
    if visited_on < local_today() - dt.timedelta(days=366):
        raise field_error("visited_on", "走访日期不能早于一年前", "the visit date cannot be more than a year ago")
    photos = list(photos)
    if len(photos) > MAX_PHOTOS:
        raise field_error("photos", f"最多上传 {MAX_PHOTOS} 张照片", f"at most {MAX_PHOTOS} photos")
    stored = [evidence_store(actor=actor, upload=p, time_zone=TIME_ZONE, index=i) for i, p in enumerate(photos, 1)]
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household, visitor=visitor, grid=household.org, visited_on=visited_on, notes=notes,
                recorded_by=actor, recorded_at=clock.now(), key=key, content_hash=content,
            )
    except IntegrityError:
        raise Conflict("同一幂等键的走访正在保存", "a visit with this key is being saved", code="idempotency_in_progress") from None
    seen: set[int] = set()
    for order, evidence in enumerate(stored):
        if evidence.pk in seen:
            continue
        seen.add(evidence.pk)
        VisitPhoto.objects.create(visit=visit, evidence=evidence, order=order)
    audit_record(
        actor=actor, action="grid.visit_record", obj=visit, org_path=household.org.path,
        after={"household": household.pk, "visited_on": visited_on, "photos": len(seen)},
    )
    return visit


# --- issues (民情) -----------------------------------------------------------------------------

def _event(issue: Issue, *, action: str, actor: Any, from_state: str, from_level: int | None, note: str = "") -> IssueEvent:
    return IssueEvent.objects.create(
        issue=issue, action=action, actor=actor if getattr(actor, "pk", None) else None, at=clock.now(),
        from_state=from_state, to_state=issue.state, from_level=from_level, to_level=issue.level,
        assignee=issue.assignee, deadline=issue.deadline, note=note,
    )


def _issue_snapshot(issue: Issue) -> dict[str, Any]:
    return {"state": issue.state, "level": issue.level, "assignee": issue.assignee_id, "deadline": issue.deadline}


def _own_household_ids(actor: Any) -> set[int]:
    person_id = authz.person_id_of(actor)
    if person_id is None:
        return set()
    return set(HouseholdMember.objects.filter(person_id=person_id, left_on__isnull=True).values_list("household_id", flat=True))


def _default_worker(household: Household | None) -> Person | None:
    if household is None:
        return None
    link = HouseholdLink.objects.filter(household=household, until__isnull=True).select_related("worker__person").first()
    return link.worker.person if link else None


def _clean_deadline(deadline: dt.datetime, now: dt.datetime) -> dt.datetime:
    if not isinstance(deadline, dt.datetime) or deadline.tzinfo is None:
        raise field_error("deadline", "办结时限须为带时区的时间", "the deadline must be an aware date-time")
    if deadline <= now:
        raise field_error("deadline", "办结时限须晚于现在", "the deadline must be in the future")
    if deadline > now + dt.timedelta(days=MAX_DEADLINE_DAYS):
        raise field_error("deadline", "办结时限不能超过一年", "the deadline cannot be more than a year away")
    return deadline


@transaction.atomic
def issue_report(
    *,
    actor: Any,
    kind: str,
    title: str,
    description: str = "",
    household: Household | None = None,
    grid: OrgUnit | None = None,
    reporter: Person | None = None,
    key: str | None = None,
) -> Issue:
    """Record a villager's issue. A grid worker records it for anyone in the grid (and it goes to
    the household's worker); a villager records it for their own household."""
    _require_signed_in(actor)
    key = _clean_key(key)
    if kind not in IssueKind.values:
        raise field_error("kind", f"未知的民情类别「{kind}」", f"unknown issue kind {kind!r}")
    title = _text(title, "title", "标题", "title", max_length=100, required=True)
    description = _text(description, "description", "详细情况", "description", max_length=4000)
    if household is not None:
        household = Household.objects.select_related("org", "org__kind").get(pk=household.pk)
        grid = household.org
    if grid is None:
        raise field_error("grid", "请指明网格或户", "name a grid or a household")
    _require_grid(grid)
    content = _hash({"kind": kind, "title": title, "description": description, "household": household.pk if household else None, "grid": grid.pk})
    if key is not None:
        existing = Issue.objects.filter(key=key).first()
        if existing is not None:
            if existing.content_hash != content or existing.recorded_by_id != actor.pk:
                raise IdempotencyMismatch("同一幂等键对应了不同的民情", "this key was used for another issue", code="idempotency_mismatch")
            return existing
    if authz.can_work_in(actor, grid):
        channel = Issue.Channel.WORKER
        assignee = _default_worker(household) or getattr(actor, "person", None)
    elif household is not None and household.pk in _own_household_ids(actor):
        channel = Issue.Channel.VILLAGER
        reporter = actor.person
        assignee = _default_worker(household)
    else:
        raise PermissionDenied(
            "只能由本网格工作人员或本户村民登记", "only the grid's workers or the household's own members may record this",
            code="not_grid_worker",
        )
    now = clock.now()
    try:
        with transaction.atomic():
            issue = Issue.objects.create(
                grid=grid, household=household, reporter=reporter, channel=channel, kind=kind, title=title,
                description=description, state=IssueState.ASSIGNED if assignee else IssueState.REPORTED,
                level=IssueLevel.GRID, assignee=assignee, deadline=now + dt.timedelta(days=DEFAULT_DAYS[IssueKind(kind)]),
                recorded_by=actor, created_at=now, key=key, content_hash=content,
            )
    except IntegrityError:
        raise Conflict("同一幂等键的民情正在保存", "an issue with this key is being saved", code="idempotency_in_progress") from None
    _event(issue, action="report", actor=actor, from_state="", from_level=None)
    audit_record(actor=actor, action="grid.issue_report", obj=issue, org_path=grid.path, after=_issue_snapshot(issue) | {"kind": kind})
    return issue


def _locked(issue: Issue) -> Issue:
    return Issue.objects.select_for_update(of=("self",)).select_related("grid", "grid__kind").get(pk=issue.pk)


@transaction.atomic
def issue_assign(
    *, actor: Any, issue: Issue, assignee: Person, deadline: dt.datetime, kind: str | None = None, note: str = ""
) -> Issue:
    """Classify and give an open issue to a person with a deadline (分类、落实责任人、明确办结时限)."""
    _require_signed_in(actor)
    locked = _locked(issue)
    authz.require_manage(actor, locked.grid) if locked.level > IssueLevel.GRID else authz.require_work_in(actor, locked.grid)
    if locked.state == IssueState.CLOSED:
        raise IllegalTransition("已办结的民情不能再分派", "a closed issue cannot be assigned", code="issue_closed")
    if kind is not None and kind not in IssueKind.values:
        raise field_error("kind", f"未知的民情类别「{kind}」", f"unknown issue kind {kind!r}")
    reach = _township_of(locked.grid) or locked.grid.parent or locked.grid
    if not assignee.org.is_within(reach):
        raise field_error("assignee", "责任人须在本乡镇之内", "the assignee must belong to the township")
    before, from_state, from_level = _issue_snapshot(locked), locked.state, locked.level
    locked.assignee = assignee
    locked.deadline = _clean_deadline(deadline, clock.now())
    locked.kind = kind or locked.kind
    locked.state = IssueState.ASSIGNED
    locked.save(update_fields=["assignee", "deadline", "kind", "state"])
    _event(locked, action="assign", actor=actor, from_state=from_state, from_level=from_level, note=_text(note, "note", "说明", "note", max_length=500))
    audit_record(actor=actor, action="grid.issue_assign", obj=locked, org_path=locked.grid.path, before=before, after=_issue_snapshot(locked))
    return locked


@transaction.atomic
def issue_close(
    *, actor: Any, issue: Issue, action_taken: str, rating: int | None = None, rating_note: str = ""
) -> Issue:
    """Close an issue with the action taken and, if the villager gave it, their rating (民情反馈)."""
    _require_signed_in(actor)
    locked = _locked(issue)
    is_assignee = locked.assignee_id is not None and locked.assignee_id == authz.person_id_of(actor)
    if not is_assignee:
        authz.require_manage(actor, locked.grid)
    if locked.state == IssueState.CLOSED:
        raise IllegalTransition("该民情已办结", "this issue is already closed", code="issue_closed")
    action_taken = _text(action_taken, "action_taken", "办理结果", "action taken", max_length=4000, required=True)
    rating = _clean_rating(rating, required=False)
    before, from_state = _issue_snapshot(locked), locked.state
    locked.state = IssueState.CLOSED
    locked.closed_at = clock.now()
    locked.action_taken = action_taken
    locked.rating = rating
    locked.rating_note = _text(rating_note, "rating_note", "评价说明", "rating note", max_length=200)
    locked.save(update_fields=["state", "closed_at", "action_taken", "rating", "rating_note"])
    _event(locked, action="close", actor=actor, from_state=from_state, from_level=locked.level, note=action_taken)
    audit_record(
        actor=actor, action="grid.issue_close", obj=locked, org_path=locked.grid.path, before=before,
        after=_issue_snapshot(locked) | {"rating": rating},
    )
    return locked


def _clean_rating(rating: Any, *, required: bool) -> int | None:
    if rating is None and not required:
        return None
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise field_error("rating", "评价须为 1–5 分", "the rating is a whole number from 1 to 5")
    return rating


@transaction.atomic
def issue_rate(*, actor: Any, issue: Issue, rating: int, note: str = "") -> Issue:
    """The villager rates how a closed issue was handled (once; a worker may record it for them)."""
    _require_signed_in(actor)
    locked = _locked(issue)
    own = (locked.reporter_id is not None and locked.reporter_id == authz.person_id_of(actor)) or (
        locked.household_id is not None and locked.household_id in _own_household_ids(actor)
    )
    if not own:
        authz.require_work_in(actor, locked.grid)
    if locked.state != IssueState.CLOSED:
        raise IllegalTransition("办结后才能评价", "an issue is rated once it is closed", code="issue_not_closed")
    if locked.rating is not None:
        raise IllegalTransition("该民情已评价", "this issue has already been rated", code="issue_rated")
    locked.rating = _clean_rating(rating, required=True)
    locked.rating_note = _text(note, "note", "评价说明", "rating note", max_length=200)
    locked.save(update_fields=["rating", "rating_note"])
    _event(locked, action="rate", actor=actor, from_state=locked.state, from_level=locked.level, note=f"{locked.rating}")
    audit_record(actor=actor, action="grid.issue_rate", obj=locked, org_path=locked.grid.path, after={"rating": locked.rating})
    return locked


def _township_of(grid: OrgUnit) -> OrgUnit | None:
    return (
        OrgUnit.objects.filter(path__in=ancestor_paths(grid.path), kind__code="township").order_by("-depth").first()
    )


def _grid_leader(grid: OrgUnit) -> Person | None:
    post = GridPost.objects.filter(grid=grid, post=GridPost.Post.LEADER, until__isnull=True).select_related("person").first()
    return post.person if post else None


def issues_escalate_overdue(*, now: dt.datetime, limit: int = 1000) -> tuple[int, int]:
    """Move every overdue open issue one level up: to the grid leader, then to the township.

    Safe to run twice at once: each move is a compare-and-set on (level, deadline), so only one
    runner wins an issue and only the winner writes the history and audit rows.
    """
    to_leader = to_township = 0
    due = list(
        Issue.objects.filter(~Q(state=IssueState.CLOSED), deadline__lt=now, level__lt=IssueLevel.TOWNSHIP)
        .select_related("grid")
        .order_by("deadline", "id")[:limit]
    )
    for issue in due:
        with transaction.atomic():
            new_level = issue.level + 1
            assignee = _grid_leader(issue.grid) if new_level == IssueLevel.LEADER else None
            deadline = now + dt.timedelta(days=ESCALATION_DAYS[IssueLevel(new_level)])
            won = Issue.objects.filter(
                pk=issue.pk, level=issue.level, deadline=issue.deadline, closed_at__isnull=True
            ).exclude(state=IssueState.CLOSED).update(
                level=new_level, assignee=assignee, deadline=deadline, state=IssueState.ASSIGNED if assignee else IssueState.REPORTED
            )
            if not won:
                continue
            from_state, from_level = issue.state, issue.level
            issue.refresh_from_db()
            target = "网格长" if new_level == IssueLevel.LEADER else "乡镇"
            _event(issue, action="escalate", actor=None, from_state=from_state, from_level=from_level, note=f"逾期升级至{target}")
            audit_record(
                actor=None, action="grid.issue_escalate", obj=issue, org_path=issue.grid.path,
                before={"level": from_level}, after=_issue_snapshot(issue),
            )
            if new_level == IssueLevel.LEADER:
                to_leader += 1
            else:
                to_township += 1
    return to_leader, to_township


@transaction.atomic
def grid_posts_bulk(*, actor: Any, posts: Sequence[GridPost], on: dt.date | None = None) -> list[GridPost]:
    """Create many posts in grids that have none of them yet (a new township's set-up, the demo); one audit row."""
    on = on or local_today()
    grids = {post.grid_id: post.grid for post in posts}
    for grid in grids.values():
        _require_grid(grid)
        authz.require_admin(actor, grid)
    for post in posts:
        if post.post not in GridPost.Post.values:
            raise field_error("post", f"未知的网格职务「{post.post}」", f"unknown grid post {post.post!r}")
        post.since = post.since or on
        post.phone = post.phone or post.person.mobile
    try:
        with transaction.atomic():
            created = GridPost.objects.bulk_create(list(posts), batch_size=500)
    except IntegrityError:
        raise Conflict("部分网格已有该职务", "some grids already have one of these posts", code="grid_post_conflict") from None
    audit_record(
        actor=actor, action="grid.posts_bulk", object_type="grid.gridpost", summary=f"{len(created)} 个职务 / posts",
        org_path=next(iter(grids.values())).path if grids else "", after={"count": len(created)},
    )
    return created
