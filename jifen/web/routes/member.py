"""Member pages: my points, history, declaring, household, notices about me; a claim's page and its photos."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import member

urlpatterns = [
    path("me/", member.me, name="me"),
    path("me/history/", member.history, name="me_history"),
    path("me/declare/", member.declare, name="me_declare"),
    path("me/household/", member.household, name="me_household"),
    path("me/notices/", member.notices, name="me_notices"),
    path("claims/<int:pk>/", member.claim_detail, name="claim"),
    path("claims/<int:pk>/act/", member.claim_act, name="claim_act"),
    path("evidence/<int:pk>/", member.evidence, name="evidence"),
    path("evidence/<int:pk>/thumb/", member.evidence, {"thumb": True}, name="evidence_thumb"),
]

NAV = [
    ("member", NavItem(_("我的积分"), "me")),
    ("member", NavItem(_("申报好事"), "me_declare")),
    ("member", NavItem(_("积分明细"), "me_history")),
    ("member", NavItem(_("我的家庭"), "me_household")),
    ("member", NavItem(_("公示与异议"), "me_notices")),
]
