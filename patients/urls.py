"""The portal's pages about the programme (namespace ``portal``, put together in mtt/urls.py with
the other apps' portal pages)."""

from django.urls import path

from patients.portal import habits as habits_view
from patients.portal import history, programme, progress, session, symptoms, today

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
]
