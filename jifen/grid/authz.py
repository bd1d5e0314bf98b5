"""Who may do what in a grid: role bindings over the unit, or a post held in the grid itself.

- work in a grid (visit, record and take issues): a grid post in the grid, or recorder and up over it;
- manage a grid's issues (assign, close any): the grid leader or guide, or reviewer and up over it;
- set up grids (posts, household links, boards, moves): org admins over the grid.
"""

from __future__ import annotations

from typing import Any

from jifen.core.errors import PermissionDenied
from jifen.grid.models import GridPost
from jifen.orgs.models import OrgUnit, Role
from jifen.orgs.selectors import user_has_role

WORK_ROLES = (Role.RECORDER, Role.REVIEWER, Role.ORG_ADMIN)
MANAGE_ROLES = (Role.REVIEWER, Role.ORG_ADMIN)


def person_id_of(user: Any) -> int | None:
    return getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None


def holds_post(user: Any, grid: OrgUnit, posts: tuple[str, ...]) -> bool:
    person_id = person_id_of(user)
    if person_id is None:
        return False
    return GridPost.objects.filter(grid=grid, person_id=person_id, post__in=posts, until__isnull=True).exists()


def can_work_in(user: Any, grid: OrgUnit) -> bool:
    return user_has_role(user=user, org=grid, roles=WORK_ROLES) or holds_post(user, grid, tuple(GridPost.Post.values))


def can_manage(user: Any, grid: OrgUnit) -> bool:
    return user_has_role(user=user, org=grid, roles=MANAGE_ROLES) or holds_post(
        user, grid, (GridPost.Post.LEADER, GridPost.Post.GUIDE)
    )


def require_work_in(user: Any, grid: OrgUnit) -> None:
    if not can_work_in(user, grid):
        raise PermissionDenied(
            f"您不是「{grid.name}」的网格工作人员", f"you do not work in grid {grid.path}", code="not_grid_worker"
        )


def require_manage(user: Any, grid: OrgUnit) -> None:
    if not can_manage(user, grid):
        raise PermissionDenied(
            f"只有「{grid.name}」的网格长、指导员或村审核人可以这样做",
            f"only the grid leader, guide or a reviewer over {grid.path} may do this",
            code="not_grid_manager",
        )


def require_admin(user: Any, org: OrgUnit) -> None:
    if not user_has_role(user=user, org=org, roles=[Role.ORG_ADMIN]):
        raise PermissionDenied(
            f"只有「{org.name}」的组织管理员可以设置网格", f"only an org admin over {org.path} may set up grids",
            code="not_org_admin",
        )
