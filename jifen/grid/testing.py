"""The grid part of the test world: Shahe grid 1 with 陈审核 as grid leader and 刘记录 as the
grid worker for both of its households (SH-001, SH-002)."""

from __future__ import annotations

import datetime as dt

from jifen.core import clock
from jifen.grid import services
from jifen.grid.models import GridPost
from jifen.orgs.testing import World

NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def grid_setup(world: World, *, at: dt.datetime = NOW) -> World:
    with clock.frozen(at):
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
    world.leader_post = leader  # type: ignore[attr-defined]
    world.worker_post = worker  # type: ignore[attr-defined]
    return world
