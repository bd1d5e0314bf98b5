"""Dashboards for township and county admins (issue 8)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard_home, name="dashboard_home"),
    path("dashboard/<orgpath:path>/", dashboard.dashboard, name="dashboard"),
    path("dashboard/<orgpath:path>/-/targets/", dashboard.targets_set, name="dashboard_targets"),
    path("dashboard/<orgpath:path>/-/pilot/", dashboard.pilot_set, name="dashboard_pilot"),
]

NAV = [("admin", NavItem(_("看板"), "dashboard_home"))]
