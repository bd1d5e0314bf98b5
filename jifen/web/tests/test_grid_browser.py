"""Grid and programme pages in a real browser at a phone's 360 px."""

from __future__ import annotations

import pytest

from jifen.claims.testing import photo
from jifen.core import clock
from jifen.grid import services
from jifen.grid.models import Issue, Visit
from jifen.grid.testing import grid_setup
from jifen.orgs.testing import World
from jifen.programme.testing import apply, programme_setup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_grid_worker_records_a_visit_with_a_photo_and_an_issue_on_the_phone(phone, world, tmp_path):
    grid_setup(world, at=clock.now())
    picture = tmp_path / "visit.jpg"
    picture.write_bytes(photo())
    phone.sign_in("recorder", World.PASSWORD)
    phone.goto("/grid/")
    assert "本月还有 2 户未走访" in phone.page.inner_text("main")
    phone.check("1-my-households")
    with phone.page.expect_navigation():
        phone.page.locator("li", has_text="SH-001").get_by_text("记走访").click()
    phone.check("2-visit-form")
    phone.page.fill("textarea[name=notes]", "宣传积分政策，了解家庭情况")
    phone.page.set_input_files("input[name=photos]", str(picture))
    with phone.page.expect_navigation():
        phone.page.click("main button[type=submit]")
    assert "本月还有 1 户未走访" in phone.page.inner_text("main")
    phone.check("3-after-visit")
    assert Visit.objects.get().photo_links.count() == 1
    with phone.page.expect_navigation():
        phone.page.locator("li", has_text="SH-002").get_by_text("记民情").click()
    phone.page.select_option("select[name=kind]", "dispute")
    phone.page.fill("input[name=title]", "宅基地边界纠纷")
    with phone.page.expect_navigation():
        phone.page.click("main button[type=submit]")
    assert phone.page.inner_text("h1") == "宅基地边界纠纷"
    phone.check("4-issue")
    assert Issue.objects.get().assignee == world.recorder_person


def test_township_counts_board_and_programme_pages_fit_the_phone(phone, world):
    grid_setup(world, at=clock.now())
    services.service_board_set(actor=world.admin, grid=world.shahe_grid1, supervision_phone="0371-1234567", work_content="收集村情民意")
    services.issue_report(actor=world.recorder, kind="need", title="路灯坏了", household=world.household)
    prog = programme_setup(world)
    app = apply(prog, world.shahe)
    phone.sign_in("admin", World.PASSWORD)
    # The programme's city now sits above the county, so the paths start with it.
    paths = [f"/grid/overview/{world.township.path}/", f"/grid/overview/{world.shahe.path}/", f"/grid/board/{world.shahe.path}/"]
    for step, path in enumerate(paths, 1):
        assert phone.goto(path).status == 200, path
        phone.check(f"{step}-admin")
    phone.page.context.clear_cookies()
    phone.sign_in("city-admin", World.PASSWORD)
    for step, path in enumerate(["/programme/", f"/programme/p/{prog.programme.code}/", f"/programme/application/{app.pk}/"], 4):
        assert phone.goto(path).status == 200, path
        phone.check(f"{step}-city")
