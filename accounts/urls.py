"""Account pages under /accounts/. URL names are Django's own (``login``, ``password_reset`` …)
so ``LOGIN_URL`` and the auth views' defaults work unchanged."""

from django.contrib.auth.decorators import login_required
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("login/link/", views.login_link_request, name="login_link_request"),
    path("login/link/<uidb64>/<token>/", views.login_link, name="login_link"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password-reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path(
        "invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path(
        "password/",
        login_required(views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("profile/calendar/renew/", views.calendar_renew, name="calendar_renew"),
    path("language/", views.language, name="language"),
]
