from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("api/v1/", include("jifen.api.urls")),
    path("", include("jifen.web.urls")),
]
