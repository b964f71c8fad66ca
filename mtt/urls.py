from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mtt import pwa, views
from programs.views import media_file

admin.site.site_header = "MTT Rücken"
admin.site.site_title = "MTT Rücken"

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("metrics", views.metrics, name="metrics"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
    path("media/<path:path>", media_file, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("reminders.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("privacy.urls")),
    path("", include("patients.urls")),
    path("api/v1/", include("programs.api.urls")),
    path("api/v1/", include("patients.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

# Under /api/ every error answers JSON (docs/api.md "Errors"); everything else gets the site's
# pages. A body over the upload limit is a 400 to Django and a 413 here; a database outage, 503.
handler400 = "patients.api.errors.bad_request"
handler403 = "patients.api.errors.permission_denied"
handler404 = "patients.api.errors.not_found"
handler500 = "patients.api.errors.server_error"
