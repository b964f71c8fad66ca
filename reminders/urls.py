from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar"),
]
