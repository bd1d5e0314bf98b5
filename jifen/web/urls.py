from django.urls import path

from jifen.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
