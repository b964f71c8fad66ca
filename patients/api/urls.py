from django.urls import path
from rest_framework.routers import SimpleRouter

from patients.api import (
    assignments,
    checks,
    habits,
    me,
    patients,
    prescription,
    programme,
    red_flags,
    safety,
    sessions,
)

router = SimpleRouter()
router.register("patients", patients.PatientViewSet, basename="patient")
router.register("assignments", assignments.AssignmentViewSet, basename="assignment")
router.register(
    r"assignments/(?P<assignment_pk>\d+)/items",
    prescription.PrescriptionItemViewSet,
    basename="assignment-item",
)
router.register("sessions", sessions.SessionViewSet, basename="session")
router.register("next-day-checks", checks.NextDayCheckViewSet, basename="next-day-check")
router.register("habits", habits.HabitViewSet, basename="habit")
router.register("red-flags", red_flags.RedFlagViewSet, basename="red-flag")

urlpatterns = [
    path("me/today/", me.TodayView.as_view(), name="me-today"),
    path("me/profile/", me.ProfileView.as_view(), name="me-profile"),
    path("me/programme/", programme.ProgrammeView.as_view(), name="me-programme"),
    path("me/symptom-reports/", safety.SymptomReportView.as_view(), name="me-symptom-report-list"),
    path("red-flag-codes/", red_flags.RedFlagCodesView.as_view(), name="red-flag-codes"),
    *router.urls,
]
