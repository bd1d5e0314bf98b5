import datetime as dt

import pytest

from jifen.core import clock
from jifen.grid import services
from jifen.grid.models import GridPost

NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture
def grid_world(world):
    """The world's Shahe grid 1 with 陈审核 as grid leader, 刘记录 as grid worker for both households."""
    with clock.frozen(NOW):
        leader = services.grid_post_assign(
            actor=world.admin, grid=world.shahe_grid1, person=world.reviewer_person, post=GridPost.Post.LEADER,
            duties="统筹网格工作",
        )
        worker = services.grid_post_assign(
            actor=world.admin, grid=world.shahe_grid1, person=world.recorder_person, post=GridPost.Post.WORKER,
            duties="联系农户、走访、收集民情",
        )
        services.household_link_set(actor=world.admin, household=world.household, worker=worker)
        services.household_link_set(actor=world.admin, household=world.neighbour_household, worker=worker)
    world.leader_post = leader
    world.worker_post = worker
    return world
