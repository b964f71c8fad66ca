from django.urls import path

from patients.portal import habits as habits_view
from patients.portal import history, programme, progress, questionnaires, session, symptoms, today

app_name = "portal"

urlpatterns = [
    path("today/", today.today, name="today"),
    path("today/next-day-check/", today.next_day_check, name="next_day_check"),
    path("today/exercises/<int:pk>/switch/", today.switch_variant, name="switch_variant"),
    path("session/", session.session, name="session"),
    path("session/<int:pk>/", session.session_feedback, name="session_feedback"),
    path("symptoms/", symptoms.symptom_report, name="symptom_report"),
    path("symptoms/<int:pk>/", symptoms.symptom_report_result, name="symptom_report_result"),
    path("history/", history.history, name="history"),
    path("progress/", progress.progress, name="progress"),
    path("habits/", habits_view.habits, name="habits"),
    path("programme.pdf", programme.programme, name="programme_pdf"),
    path("questionnaires/", questionnaires.questionnaire_list, name="questionnaires"),
    path(
        "questionnaires/results/<int:pk>/",
        questionnaires.questionnaire_result,
        name="questionnaire_result",
    ),
    path(
        "questionnaires/<slug:slug>/",
        questionnaires.questionnaire_fill,
        name="questionnaire_fill",
    ),
]
