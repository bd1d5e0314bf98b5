"""Demonstration-village programme pages (篇1)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import programme

urlpatterns = [
    path("programme/", programme.programme_list, name="programme_list"),
    path("programme/new/<orgpath:path>/", programme.programme_new, name="programme_new"),
    path("programme/p/<slug:code>/", programme.programme_detail, name="programme_detail"),
    path("programme/p/<slug:code>/apply/<orgpath:path>/", programme.application_new, name="programme_apply"),
    path("programme/p/<slug:code>/publish/", programme.programme_publish, name="programme_publish"),
    path("programme/p/<slug:code>/award/", programme.programme_award, name="programme_award"),
    path("programme/p/<slug:code>/objection/", programme.objection_raise, name="programme_objection"),
    path("programme/objection/<int:pk>/resolve/", programme.objection_resolve, name="programme_objection_resolve"),
    path("programme/application/<int:pk>/", programme.application_detail, name="programme_application"),
    path("programme/application/<int:pk>/shortlist/", programme.application_review, {"decision": "shortlist"}, name="programme_shortlist"),
    path("programme/application/<int:pk>/decline/", programme.application_review, {"decision": "decline"}, name="programme_decline"),
    path("programme/application/<int:pk>/score/", programme.application_score, name="programme_score"),
    path("programme/application/<int:pk>/file/<int:attachment_id>/", programme.attachment_download, name="programme_attachment"),
]

NAV = [("reviewer", NavItem(_("示范村项目"), "programme_list"))]
