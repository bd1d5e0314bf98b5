"""Admin pages for schemes and their catalogs (jifen.web.views.schemes)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import schemes

urlpatterns = [
    path("console/schemes/", schemes.schemes_home, name="console_schemes_home"),
    path("console/org/<orgpath:path>/-/schemes/", schemes.schemes, name="console_schemes"),
    path("console/scheme/<int:pk>/", schemes.scheme_detail, name="console_scheme"),
    path("console/scheme/<int:pk>/catalog/", schemes.catalog, name="console_catalog"),
    path("console/scheme/<int:pk>/catalog/import/", schemes.catalog_import, name="console_catalog_import"),
    path("console/scheme/<int:pk>/catalog/export/", schemes.catalog_export, name="console_catalog_export"),
    path("console/item/<int:pk>/", schemes.item_detail, name="console_item"),
    path("console/binding/<int:pk>/limit/", schemes.role_limit, name="console_role_limit"),
]

NAV = [("admin", NavItem(_("积分方案"), "console_schemes_home"))]
