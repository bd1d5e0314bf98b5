"""The public notice board (no sign-in) and the household points card."""

from django.urls import path

from jifen.web.views import notice

urlpatterns = [
    path("board/<orgpath:path>/", notice.board, name="notice_board"),
    path("notices/<int:pk>/", notice.detail, name="notice_detail"),
    path("card/<int:pk>/", notice.card, name="household_card"),
    path("card/q/<str:token>/", notice.card_public, name="household_card_public"),
]
