from rest_framework.routers import SimpleRouter

from programs.api import views

router = SimpleRouter()
router.register("phases", views.PhaseViewSet, basename="phase")
router.register("goals", views.GoalViewSet, basename="goal")
router.register("exercises", views.ExerciseViewSet, basename="exercise")
router.register("programs", views.ProgramViewSet, basename="program")

urlpatterns = router.urls
