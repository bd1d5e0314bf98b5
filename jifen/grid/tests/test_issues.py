import datetime as dt
import io

import pytest
from django.core.management import call_command

from jifen.core import clock
from jifen.core.errors import IllegalTransition, PermissionDenied
from jifen.core.models import AuditEvent
from jifen.grid import selectors, services
from jifen.grid.models import Issue, IssueEvent, IssueKind, IssueLevel, IssueState
from jifen.grid.tests.conftest import NOW

pytestmark = pytest.mark.django_db


def tick(at: dt.datetime) -> str:
    out = io.StringIO()
    call_command("tick", "--now", at.isoformat(), stdout=out)
    return out.getvalue()


def report(w, **kw) -> Issue:
    with clock.frozen(NOW):
        return services.issue_report(
            actor=kw.pop("actor", w.recorder), kind=kw.pop("kind", IssueKind.NEED), title=kw.pop("title", "路灯坏了"),
            household=kw.pop("household", w.household), **kw,
        )


def test_worker_report_goes_to_the_households_worker_with_the_kinds_deadline(grid_world):
    w = grid_world
    issue = report(w, kind=IssueKind.DISPUTE)
    assert issue.channel == Issue.Channel.WORKER
    assert issue.state == IssueState.ASSIGNED
    assert issue.assignee == w.recorder_person
    assert issue.deadline == NOW + dt.timedelta(days=7)
    assert issue.grid == w.shahe_grid1
    assert list(IssueEvent.objects.filter(issue=issue).values_list("action", "from_state", "to_state")) == [
        ("report", "", "assigned")
    ]


def test_villager_reports_for_own_household_only(grid_world):
    w = grid_world
    issue = report(w, actor=w.member, title="邻里纠纷", kind=IssueKind.DISPUTE)
    assert issue.channel == Issue.Channel.VILLAGER
    assert issue.reporter == w.zhangsan
    assert issue.assignee == w.recorder_person
    with pytest.raises(PermissionDenied):
        report(w, actor=w.member, household=w.neighbour_household)
    with pytest.raises(PermissionDenied):
        report(w, actor=w.outsider)
    assert Issue.objects.count() == 1


def test_overdue_issue_escalates_to_grid_leader_then_township_on_tick(grid_world):
    w = grid_world
    issue = report(w, kind=IssueKind.EMERGENCY)  # one day
    assert "0 to grid leaders, 0 to townships" in tick(NOW + dt.timedelta(hours=23))
    issue.refresh_from_db()
    assert issue.level == IssueLevel.GRID

    first = NOW + dt.timedelta(days=1, minutes=1)
    assert "1 to grid leaders, 0 to townships" in tick(first)
    issue.refresh_from_db()
    assert (issue.level, issue.assignee, issue.state) == (IssueLevel.LEADER, w.reviewer_person, IssueState.ASSIGNED)
    assert issue.deadline == first + dt.timedelta(days=3)
    # Running the tick again at the same time changes nothing.
    assert "0 to grid leaders, 0 to townships" in tick(first)

    second = first + dt.timedelta(days=3, minutes=1)
    assert "0 to grid leaders, 1 to townships" in tick(second)
    issue.refresh_from_db()
    assert (issue.level, issue.assignee, issue.state) == (IssueLevel.TOWNSHIP, None, IssueState.REPORTED)
    assert issue.deadline == second + dt.timedelta(days=7)
    # At the township it stays, overdue, once that deadline passes too.
    assert "0 to grid leaders, 0 to townships" in tick(second + dt.timedelta(days=30))
    history = list(IssueEvent.objects.filter(issue=issue).values_list("action", "from_level", "to_level", "to_state"))
    assert history == [
        ("report", None, 0, "assigned"), ("escalate", 0, 1, "assigned"), ("escalate", 1, 2, "reported"),
    ]
    assert AuditEvent.objects.filter(action="grid.issue_escalate", object_id=str(issue.pk)).count() == 2


def test_escalation_skips_closed_issues(grid_world):
    w = grid_world
    issue = report(w, kind=IssueKind.EMERGENCY)
    with clock.frozen(NOW + dt.timedelta(hours=2)):
        services.issue_close(actor=w.recorder, issue=issue, action_taken="已联系电工修复", rating=5)
    assert "0 to grid leaders, 0 to townships" in tick(NOW + dt.timedelta(days=5))
    issue.refresh_from_db()
    assert (issue.state, issue.level, issue.rating) == (IssueState.CLOSED, IssueLevel.GRID, 5)


def test_township_admin_assigns_and_the_assignee_closes(grid_world):
    w = grid_world
    issue = report(w, kind=IssueKind.EMERGENCY)
    tick(NOW + dt.timedelta(days=2))
    tick(NOW + dt.timedelta(days=6))
    issue.refresh_from_db()
    assert issue.level == IssueLevel.TOWNSHIP
    later = NOW + dt.timedelta(days=6, hours=1)
    with clock.frozen(later):
        with pytest.raises(PermissionDenied):
            services.issue_assign(actor=w.recorder, issue=issue, assignee=w.recorder_person, deadline=later + dt.timedelta(days=2))
        services.issue_assign(actor=w.admin, issue=issue, assignee=w.reviewer_person, deadline=later + dt.timedelta(days=2), note="乡镇督办")
        services.issue_close(actor=w.reviewer, issue=issue, action_taken="协调解决")
        with pytest.raises(IllegalTransition):
            services.issue_close(actor=w.reviewer, issue=issue, action_taken="again")
        services.issue_rate(actor=w.member, issue=issue, rating=4, note="满意")
        with pytest.raises(IllegalTransition):
            services.issue_rate(actor=w.member, issue=issue, rating=5)
    issue.refresh_from_db()
    assert (issue.state, issue.rating, issue.action_taken) == (IssueState.CLOSED, 4, "协调解决")
    assert [e.action for e in selectors.issue_history(issue)] == ["report", "escalate", "escalate", "assign", "close", "rate"]


def test_open_and_overdue_counts_per_grid_village_and_township(grid_world):
    w = grid_world
    report(w, kind=IssueKind.EMERGENCY, title="a")  # overdue after a day
    report(w, kind=IssueKind.NEED, title="b")  # 15 days
    closed = report(w, kind=IssueKind.NEED, title="c")
    with clock.frozen(NOW):
        services.issue_report(actor=w.admin, kind=IssueKind.COMPLAINT, title="d", grid=w.quanshui_grid1)
        services.issue_close(actor=w.recorder, issue=closed, action_taken="done")
    at = NOW + dt.timedelta(days=2)
    total, villages = selectors.issue_counts(w.township, now=at)
    assert (total.open, total.overdue, total.closed) == (3, 1, 1)
    assert [(c.unit.code, c.open, c.overdue, c.closed) for c in villages] == [("quanshui", 1, 0, 0), ("shahe", 2, 1, 1)]
    _, grids = selectors.issue_counts(w.shahe, now=at)
    assert [(c.unit.code, c.open, c.overdue) for c in grids] == [("g1", 2, 1), ("g2", 0, 0)]
    assert selectors.issues_open_overdue(w.shahe, at) == selectors.OpenOverdue(open=2, overdue=1)
    assert selectors.issues_open_overdue(w.township, NOW - dt.timedelta(seconds=1)) == selectors.OpenOverdue(open=0, overdue=0)
    assert [i.title for i in selectors.issues_overdue_for(w.recorder_person.pk, now=at)] == ["a"]


def test_idempotent_report_replays_and_refuses_other_content(grid_world):
    w = grid_world
    first = report(w, key="issue-key-0001")
    again = report(w, key="issue-key-0001")
    assert again.pk == first.pk
    from jifen.core.errors import IdempotencyMismatch

    with pytest.raises(IdempotencyMismatch):
        report(w, key="issue-key-0001", title="另一件事")
    assert Issue.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_escalate_each_issue_once(grid_world):
    import threading

    from django.db import connection

    w = grid_world
    issues = [report(w, kind=IssueKind.EMERGENCY, title=f"急事{i}") for i in range(3)]
    at = NOW + dt.timedelta(days=2)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run():
        try:
            barrier.wait()
            with clock.frozen(at):
                results.append(services.issues_escalate_overdue(now=at))
        except Exception as exc:  # noqa: BLE001 (reported in the assertion below)
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, tuple) for r in results), results
    assert sum(r[0] for r in results) == 3 and sum(r[1] for r in results) == 0
    assert IssueEvent.objects.filter(action="escalate").count() == 3
    assert set(Issue.objects.filter(pk__in=[i.pk for i in issues]).values_list("level", flat=True)) == {IssueLevel.LEADER}
