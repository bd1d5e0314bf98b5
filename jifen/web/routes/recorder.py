"""Recorder pages: pre-review queue, find a person, declare on behalf, activities, spot checks, households."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from jifen.web.nav import NavItem
from jifen.web.views import recorder

urlpatterns = [
    path("recorder/", recorder.index, name="recorder"),
    path("recorder/pre-approve/", recorder.pre_approve_many, name="recorder_pre_approve"),
    path("recorder/find/", recorder.find, name="recorder_find"),
    path("recorder/declare/<int:pk>/", recorder.declare, name="recorder_declare"),
    path("recorder/slip/<int:pk>/", recorder.slip, name="recorder_slip"),
    path("recorder/activities/", recorder.activities, name="recorder_activities"),
    path("recorder/activities/<int:pk>/", recorder.activity, name="recorder_activity"),
    path("recorder/spot-check/", recorder.spot_check, name="recorder_spot_check"),
    path("recorder/households/", recorder.households, name="recorder_households"),
]

NAV = [
    ("recorder", NavItem(_("待初审"), "recorder")),
    ("recorder", NavItem(_("找人"), "recorder_find")),
    ("recorder", NavItem(_("活动签到"), "recorder_activities")),
    ("recorder", NavItem(_("抽检核查"), "recorder_spot_check")),
    ("recorder", NavItem(_("网格户情"), "recorder_households")),
]
