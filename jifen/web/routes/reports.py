"""Monthly reports upward: village review and submission, township rollup (issue 10)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import reports

urlpatterns = [
    path("reports/", reports.reports_home, name="reports_home"),
    path("reports/rollup/", reports.rollup_home, name="reports_rollup_home"),
    path("reports/village/<orgpath:path>/", reports.village_report, name="reports_village"),
    path("reports/village/<orgpath:path>/-/print/", reports.village_report_print, name="reports_village_print"),
    path("reports/village/<orgpath:path>/-/xlsx/", reports.village_report_xlsx, name="reports_village_xlsx"),
    path("reports/rollup/<orgpath:path>/", reports.rollup, name="reports_rollup"),
    path("reports/rollup/<orgpath:path>/-/xlsx/", reports.rollup_xlsx, name="reports_rollup_xlsx"),
]

NAV = [
    ("reviewer", NavItem(_("月报"), "reports_home")),
    ("admin", NavItem(_("月报汇总"), "reports_rollup_home")),
]
