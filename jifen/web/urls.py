from django.urls import include, path, register_converter

from jifen.web import routes
from jifen.web.views import account, console, home


class OrgPathConverter:
    """An org path such as demo/zhangji/shahe: segments start with a letter or digit, so a
    literal "-" segment (…/-/people/) can never be part of one."""

    regex = r"[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OrgPathConverter, "orgpath")

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", account.login, name="login"),
    path("logout/", account.logout, name="logout"),
    path("account/", account.account, name="account"),
    path("account/password/", account.password_change, name="password_change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", console.console, name="console"),
    path("console/people/", console.people_home, name="console_people_home"),
    path("console/roles/", console.roles_home, name="console_roles_home"),
    path("console/org/<orgpath:path>/", console.org_detail, name="console_org"),
    path("console/org/<orgpath:path>/-/new/", console.org_create, name="console_org_create"),
    path("console/org/<orgpath:path>/-/move/", console.org_move, name="console_org_move"),
    path("console/org/<orgpath:path>/-/people/", console.people, name="console_people"),
    path("console/org/<orgpath:path>/-/import/", console.people_import, name="console_people_import"),
    path("console/org/<orgpath:path>/-/export/", console.people_export, name="console_people_export"),
    path("console/org/<orgpath:path>/-/roles/", console.roles, name="console_roles"),
    path("console/person/<int:pk>/", console.person_detail, name="console_person"),
    path("console/person/<int:pk>/account/", console.person_account_create, name="console_person_account"),
    path("console/person/<int:pk>/password/", console.person_password_reset, name="console_person_password"),
    path("console/household/<int:pk>/", console.household_detail, name="console_household"),
    path("console/role/<int:pk>/revoke/", console.role_revoke, name="console_role_revoke"),
]

for _module in routes.modules():
    urlpatterns += getattr(_module, "urlpatterns", [])
