import datetime as dt

import pytest
from django.urls import reverse

from jifen.claims.testing import photo
from jifen.core import clock
from jifen.grid import services
from jifen.grid.models import GridPost, Issue, IssueState, Visit
from jifen.grid.testing import grid_setup

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid_world(world):
    # Real dates: the pages show "this month" from the clock.
    return grid_setup(world, at=clock.now())


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_worker_sees_households_with_this_months_visits(client, grid_world, django_assert_max_num_queries):
    w = grid_world
    services.visit_record(actor=w.recorder, household=w.household, visited_on=services.local_today())
    client.force_login(w.recorder)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("grid_home")).content.decode()
    assert "本月还有 1 户未走访" in page
    first = page[page.index("SH-001"):page.index("SH-002")]
    assert "本月已走访" in first
    assert "本月未走访" in page[page.index("SH-002"):]


def test_worker_records_a_visit_with_a_photo_from_the_phone_form(client, grid_world):
    w = grid_world
    client.force_login(w.recorder)
    url = reverse("grid_visit_new", args=[w.household.pk])
    assert client.get(url).status_code == 200
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.jpg", photo(), content_type="image/jpeg")
    response = client.post(url, {"visited_on": services.local_today().isoformat(), "notes": "了解情况", "key": "k" * 20, "photos": [upload]})
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.notes, visit.photo_links.count()) == ("了解情况", 1)
    link = visit.photo_links.get()
    served = client.get(reverse("grid_visit_photo", args=[visit.pk, link.evidence_id]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    client.force_login(w.outsider)
    assert client.get(reverse("grid_visit_photo", args=[visit.pk, link.evidence_id])).status_code == 404


def test_a_bad_photo_shows_on_the_form_and_saves_nothing(client, grid_world):
    w = grid_world
    client.force_login(w.recorder)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        reverse("grid_visit_new", args=[w.household.pk]),
        {"visited_on": services.local_today().isoformat(), "key": "k" * 20, "photos": [upload]},
    )
    assert response.status_code == 422
    assert "不是有效的 JPEG、PNG 或 WebP 图片" in response.content.decode()
    assert Visit.objects.count() == 0


def test_villager_reports_an_issue_and_rates_it_after_it_is_closed(client, grid_world):
    w = grid_world
    client.force_login(w.member)
    assert client.get(reverse("grid_issue_mine")).status_code == 302
    response = client.post(
        reverse("grid_issue_new", args=[w.household.pk]),
        {"kind": "need", "title": "自来水管漏水", "description": "院内水管破裂", "key": "issue-web-001"},
    )
    issue = Issue.objects.get()
    assert response["Location"] == reverse("grid_issue", args=[issue.pk])
    assert (issue.channel, issue.assignee) == (Issue.Channel.VILLAGER, w.recorder_person)
    client.force_login(w.recorder)
    assert client.post(reverse("grid_issue_close", args=[issue.pk]), {"action_taken": "已联系维修", "rating": ""}).status_code == 302
    client.force_login(w.member)
    page = client.get(reverse("grid_issue", args=[issue.pk])).content.decode()
    assert "评价办理结果" in page and "办结" in page
    assert client.post(reverse("grid_issue_rate", args=[issue.pk]), {"rating": "5", "note": "很满意"}).status_code == 302
    issue.refresh_from_db()
    assert (issue.state, issue.rating) == (IssueState.CLOSED, 5)


def test_outsider_cannot_see_or_record_issues(client, grid_world):
    w = grid_world
    issue = services.issue_report(actor=w.recorder, kind="need", title="路灯", household=w.household)
    client.force_login(w.outsider)
    assert client.get(reverse("grid_issue", args=[issue.pk])).status_code == 404
    assert client.get(reverse("grid_issue_new", args=[w.household.pk])).status_code == 403
    assert client.post(reverse("grid_issue_close", args=[issue.pk]), {"action_taken": "x"}).status_code == 404
    assert Issue.objects.get().state == IssueState.ASSIGNED


def test_overdue_list_and_township_counts(client, grid_world, django_assert_max_num_queries):
    w = grid_world
    with clock.frozen(clock.now() - dt.timedelta(days=3)):
        services.issue_report(actor=w.recorder, kind="emergency", title="老人摔倒", household=w.household)
    client.force_login(w.recorder)
    assert "老人摔倒" in client.get(reverse("grid_overdue")).content.decode()
    client.force_login(w.admin)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("grid_overview", args=[w.township.path])).content.decode()
    row = page[page.index("沙河村</a>"):]
    cells = [c.split(">")[-1] for c in row.split("</td>")[1:4]]
    assert cells == ["1", "1", "0"]
    assert "未划入网格的户（0）" in page
    assert "没有网格员联系的户（1）" in page  # 泉水河村 QS-001


def test_printable_contact_sheet(client, grid_world):
    w = grid_world
    services.service_board_set(actor=w.admin, grid=w.shahe_grid1, supervision_phone="0371-1234567", work_content="收集村情民意")
    client.force_login(w.member)
    page = client.get(reverse("grid_board", args=[w.shahe.path])).content.decode()
    assert "沙河村第一网格 网格化服务公示牌" in page
    assert "13800000005" in page and "0371-1234567" in page and "联系农户、走访、收集民情" in page
    assert GridPost.objects.count() == 2
    client.force_login(w.outsider)
    assert client.get(reverse("grid_board", args=[w.shahe.path])).status_code == 404
