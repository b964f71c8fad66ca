"""The portal's questionnaire pages (namespace ``portal``, put together in mtt/urls.py)."""

from django.urls import path

from questionnaires import views

urlpatterns = [
    path("questionnaires/", views.questionnaire_list, name="questionnaires"),
    path(
        "questionnaires/results/<int:pk>/",
        views.questionnaire_result,
        name="questionnaire_result",
    ),
    path(
        "questionnaires/<slug:slug>/",
        views.questionnaire_fill,
        name="questionnaire_fill",
    ),
]
