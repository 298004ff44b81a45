"""The project's URLs: the admin (the counter's screens), the letters' PDFs, the language switch."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("letters/", include("letters.urls")),
    path("admin/", admin.site.urls),
]
