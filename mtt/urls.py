from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from mtt import views
from patients import urls as patient_pages
from programs.views import media_file
from questionnaires import urls as questionnaire_pages

admin.site.site_header = "MTT Rücken"
admin.site.site_title = "MTT Rücken"

# The patient portal (namespace ``portal``): each app's pages for the patient.
portal = [*patient_pages.urlpatterns, *questionnaire_pages.urlpatterns]

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("metrics", views.metrics, name="metrics"),
    path("media/<path:path>", media_file, name="media"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("reminders.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("privacy.urls")),
    path("", include((portal, "portal"))),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

# Under /api/ every error answers JSON (docs/api.md "Errors"); everything else gets the site's
# pages. A body over the upload limit is a 400 to Django and a 413 here; a database outage, 503.
handler400 = "api.errors.bad_request"
handler403 = "api.errors.permission_denied"
handler404 = "api.errors.not_found"
handler500 = "api.errors.server_error"
