import datetime as dt

import pytest
from PIL import Image

from jifen.claims.evidence import evidence_path
from jifen.claims.testing import photo
from jifen.core import clock
from jifen.core.errors import IdempotencyMismatch, InvalidInput, PermissionDenied
from jifen.grid import selectors, services
from jifen.grid.models import HouseholdLink, Visit
from jifen.grid.tests.conftest import NOW
from jifen.orgs import services as orgs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def visit(w, household, on, **kw) -> Visit:
    with clock.frozen(NOW):
        return services.visit_record(actor=kw.pop("actor", w.recorder), household=household, visited_on=on, **kw)


def test_visit_keeps_notes_and_photos_without_exif(grid_world):
    w = grid_world
    v = visit(w, w.household, dt.date(2026, 11, 9), notes="了解家庭情况，宣传政策", photos=[photo()])
    assert (v.visitor, v.grid, v.notes) == (w.recorder_person, w.shahe_grid1, "了解家庭情况，宣传政策")
    [stored] = selectors.visit_photos(v)
    with Image.open(evidence_path(stored)) as image:
        assert dict(image.getexif()) == {}
    assert stored.captured_at is not None


def test_visit_refuses_a_non_image_and_saves_nothing(grid_world):
    w = grid_world
    with pytest.raises(InvalidInput) as refused:
        visit(w, w.household, dt.date(2026, 11, 9), photos=[b"%PDF-1.4 not a photo"])
    assert refused.value.code == "evidence_bad_type"
    assert Visit.objects.count() == 0


def test_visit_refuses_future_dates_and_outsiders(grid_world):
    w = grid_world
    with pytest.raises(InvalidInput):
        visit(w, w.household, dt.date(2026, 11, 11))
    with pytest.raises(PermissionDenied):
        visit(w, w.household, dt.date(2026, 11, 9), actor=w.outsider)
    with pytest.raises(PermissionDenied):
        visit(w, w.outsider_household, dt.date(2026, 11, 9))
    assert Visit.objects.count() == 0


def test_visit_key_replays_and_mismatch_is_refused(grid_world):
    w = grid_world
    first = visit(w, w.household, dt.date(2026, 11, 9), notes="a", key="visit-key-01")
    assert visit(w, w.household, dt.date(2026, 11, 9), notes="a", key="visit-key-01").pk == first.pk
    with pytest.raises(IdempotencyMismatch):
        visit(w, w.household, dt.date(2026, 11, 9), notes="b", key="visit-key-01")
    assert Visit.objects.count() == 1


def test_monthly_list_of_households_not_visited_per_worker(grid_world):
    w = grid_world
    visit(w, w.household, dt.date(2026, 11, 2))
    visit(w, w.neighbour_household, dt.date(2026, 10, 31))  # last month: does not count for November
    [gap] = selectors.households_not_visited(w.township, 2026, 11)
    assert gap.post == w.worker_post
    assert gap.households == 2
    assert [h.number for h in gap.not_visited] == ["SH-002"]
    [october] = selectors.households_not_visited(w.shahe, 2026, 10)
    assert [h.number for h in october.not_visited] == ["SH-001"]
    assert selectors.visits_in_month(w.township, 2026, 11).count() == 1
    assert selectors.visits_in_month(w.quanshui, 2026, 11).count() == 0


def test_household_in_no_grid_is_listed_until_moved_into_one(grid_world):
    w = grid_world
    loose = orgs.household_create(actor=None, village=w.shahe, org=w.shahe, number="SH-009")
    assert [h.number for h in selectors.households_without_grid(w.township)] == ["SH-009"]
    assert [h.number for h in selectors.households_without_worker(w.township)] == ["QS-001"]
    with clock.frozen(NOW):
        with pytest.raises(InvalidInput):
            services.household_grid_move(actor=w.admin, household=loose, grid=w.quanshui_grid1)
        with pytest.raises(PermissionDenied):
            services.household_grid_move(actor=w.recorder, household=loose, grid=w.shahe_grid2)
        services.household_grid_move(actor=w.admin, household=loose, grid=w.shahe_grid1)
        services.household_link_set(actor=w.admin, household=loose, worker=w.worker_post)
    loose.refresh_from_db()
    assert loose.org == w.shahe_grid1 and loose.subject.org == w.shahe_grid1
    assert list(selectors.households_without_grid(w.township)) == []
    assert HouseholdLink.objects.filter(household=loose, until__isnull=True).get().worker == w.worker_post


def test_moving_a_household_to_another_grid_ends_its_worker_link(grid_world):
    w = grid_world
    with clock.frozen(NOW):
        services.household_grid_move(actor=w.admin, household=w.neighbour_household, grid=w.shahe_grid2)
    assert [h.number for h in selectors.households_without_worker(w.shahe)] == ["SH-002"]
    with clock.frozen(NOW), pytest.raises(InvalidInput):
        services.household_link_set(actor=w.admin, household=w.neighbour_household, worker=w.worker_post)


def test_contact_sheet_lists_leader_then_workers_with_board(grid_world):
    w = grid_world
    with clock.frozen(NOW):
        services.service_board_set(actor=w.admin, grid=w.shahe_grid1, supervision_phone="0371-1234567", work_content="联系群众")
    sheet = selectors.contact_sheet(w.shahe_grid1)
    assert [(p.person.name, p.post, p.phone) for p in sheet.posts] == [
        ("陈审核", "leader", "13800000004"), ("刘记录", "worker", "13800000005"),
    ]
    assert sheet.board.supervision_phone == "0371-1234567"
    assert sheet.households == 2


def test_new_leader_replaces_the_old_one(grid_world):
    w = grid_world
    with clock.frozen(NOW):
        services.grid_post_assign(actor=w.admin, grid=w.shahe_grid1, person=w.wangwu, post="leader")
    assert [(p.person.name, p.post) for p in selectors.contact_sheet(w.shahe_grid1).posts] == [
        ("王五", "leader"), ("刘记录", "worker"),
    ]
