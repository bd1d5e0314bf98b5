"""Admin pages for rankings and rewards (jifen.web.views.rewards); no NAV entry of their own: they
hang off each scheme as its 排名与奖励 tab, reached from the schemes list."""

from django.urls import path

from jifen.web.views import rewards

urlpatterns = [
    path("console/scheme/<int:pk>/rewards/", rewards.overview, name="console_rewards"),
    path("console/scheme/<int:pk>/rewards/evaluate/", rewards.evaluate, name="console_reward_evaluate"),
    path("console/scheme/<int:pk>/rewards/close/", rewards.period_close, name="console_period_close"),
    path("console/scheme/<int:pk>/rewards/base-points/", rewards.base_points_post, name="console_base_points"),
    path("console/scheme/<int:pk>/rewards/fixed-points/", rewards.fixed_points_post, name="console_fixed_points"),
    path("console/scheme/<int:pk>/rewards/attendance/", rewards.attendance_import, name="console_attendance"),
    path("console/scheme/<int:pk>/rewards/honours/", rewards.honour_award, name="console_honour_award"),
    path("console/scheme/<int:pk>/rewards/evaluations/", rewards.evaluation_open, name="console_evaluation_open"),
    path("console/scheme/<int:pk>/rewards/dividends/", rewards.dividends_page, name="console_dividends"),
    path("console/reward-list/<int:pk>/", rewards.reward_list, name="console_reward_list"),
    path("console/reward-list/<int:pk>/post/", rewards.reward_list_post, name="console_reward_list_post"),
    path("console/reward-list/<int:pk>/export/", rewards.reward_list_export, name="console_reward_list_export"),
    path("console/evaluation/<int:pk>/", rewards.evaluation_detail, name="console_evaluation"),
    path("console/dividend/<int:pk>/", rewards.dividend_detail, name="console_dividend"),
]
