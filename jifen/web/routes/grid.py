"""Grid management pages (篇5)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import grid

urlpatterns = [
    path("grid/", grid.home, name="grid_home"),
    path("grid/overdue/", grid.overdue, name="grid_overdue"),
    path("grid/household/<int:pk>/visit/", grid.visit_new, name="grid_visit_new"),
    path("grid/household/<int:pk>/issue/", grid.issue_new, name="grid_issue_new"),
    path("grid/my-issue/", grid.issue_mine, name="grid_issue_mine"),
    path("grid/issue/<int:pk>/", grid.issue_detail, name="grid_issue"),
    path("grid/issue/<int:pk>/assign/", grid.issue_assign, name="grid_issue_assign"),
    path("grid/issue/<int:pk>/close/", grid.issue_close, name="grid_issue_close"),
    path("grid/issue/<int:pk>/rate/", grid.issue_rate, name="grid_issue_rate"),
    path("grid/visit/<int:pk>/", grid.visit_detail, name="grid_visit"),
    path("grid/visit/<int:pk>/photo/<int:evidence_id>/", grid.visit_photo, name="grid_visit_photo"),
    path("grid/visit/<int:pk>/photo/<int:evidence_id>/thumb/", grid.visit_photo, {"thumb": True}, name="grid_visit_thumb"),
    path("grid/overview/", grid.overview_home, name="grid_overview_home"),
    path("grid/overview/<orgpath:path>/", grid.overview, name="grid_overview"),
    path("grid/board/<orgpath:path>/", grid.board, name="grid_board"),
]

NAV = [
    ("member", NavItem(_("网格服务"), "grid_home")),
    ("reviewer", NavItem(_("网格统计"), "grid_overview_home")),
]
