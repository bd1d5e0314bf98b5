"""Reviewer / committee pages: the review queue and meeting, the objections inbox."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import review

urlpatterns = [
    path("review/", review.queue, name="review"),
    path("review/publish/", review.publish, name="review_publish"),
    path("review/objections/", review.objections, name="review_objections"),
]

NAV = [
    ("reviewer", NavItem(_("审核会议"), "review")),
    ("reviewer", NavItem(_("异议与复核"), "review_objections")),
]
