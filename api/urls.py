"""``/api/v1/``: the API root and the routes each app exposes in its own API module
(docs/api.md). A new app's resources appear here with one ``include``, and in the root's list
without more code."""

from django.urls import include, path

from api.views import ApiRootView

urlpatterns = [
    path("", include("programs.api.urls")),
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("patients.api.urls")),
    path("", include("questionnaires.api")),
    path("", include("reminders.api")),
    path("", include("privacy.api")),
    path("", include("tokens.api")),
]
