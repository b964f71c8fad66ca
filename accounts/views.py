"""Login (username or e-mail), logout, password reset, invitation, e-mailed login link, profile
and the language switch."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from accounts import forms, services
from accounts.language import CHOSEN_BEFORE_LOGIN_KEY, SESSION_KEY, set_session_language
from accounts.tokens import invitation_token, login_link_token
from patients import services as patient_services
from patients.portal.access import patient_required
from patients.selectors import push_configured
from reminders.selectors import push_subscriptions
from reminders.services import calendar_token_rotate, calendar_url
from tokens import selectors as token_selectors
from tokens import services as token_services

BACKEND = "accounts.backends.UsernameOrEmailBackend"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = forms.LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default): a link or a prefetch cannot log anyone out."""

    next_page = "login"  # a URL name: Django resolves it (resolve_url)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return clear_site_data(response)


password_reset = auth_views.PasswordResetView.as_view(
    template_name="accounts/password_reset_form.html",
    form_class=forms.PasswordResetForm,
    email_template_name="accounts/email/password_reset.txt",
    subject_template_name="accounts/email/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="accounts/password_set.html",
    success_url=reverse_lazy("password_reset_complete"),
    extra_context={"purpose": "reset"},
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation link: choose a password, then land on today's plan, logged in.

    Django's reset view does the careful part: it moves the token into the session and redirects,
    so the token never leaks through the Referer header of the password page.
    """

    template_name = "accounts/password_set.html"
    token_generator = invitation_token
    reset_url_token = "set-password"  # noqa: S105 (a URL segment, not a password)
    post_reset_login = True
    post_reset_login_backend = BACKEND
    success_url = reverse_lazy("home")
    extra_context = {"purpose": "invitation"}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Welcome! Your password is set."))
        return response


def _user_from_uid(uidb64: str):
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
        return get_user_model()._default_manager.select_related("patient").get(pk=pk)
    except (TypeError, ValueError, OverflowError, ValidationError, get_user_model().DoesNotExist):
        return None


@require_http_methods(["GET", "POST"])
def login_link_request(request):
    form = forms.LoginLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.login_link_send(email=form.cleaned_data["email"])
        return render(
            request, "accounts/login_link_sent.html", {"email": form.cleaned_data["email"]}
        )
    return render(request, "accounts/login_link_request.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def login_link(request, uidb64: str, token: str):
    """Log in by an e-mailed link. Opening the link only shows a button: mail scanners that fetch
    links would otherwise spend the one-time token before the patient clicks."""
    user = _user_from_uid(uidb64)
    valid = (
        user is not None
        and user.is_active
        and not user.is_staff
        and login_link_token.check_token(user, token)
    )
    if not valid:
        return render(request, "accounts/login_link_invalid.html", status=400)
    if request.method == "POST":
        login(request, user, backend=BACKEND)  # updates last_login: the link is spent
        return redirect("home")
    return render(request, "accounts/login_link_confirm.html", {"link_user": user})


@patient_required
@require_http_methods(["GET", "POST"])
def profile(request):
    patient = request.patient
    form = forms.ProfileForm(request.POST or None, initial=forms.ProfileForm.initial_for(patient))
    if request.method == "POST" and form.is_valid():
        try:
            patient_services.patient_profile_update(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            set_session_language(request, patient.language)
            messages.success(request, _("Your settings are saved."))
            response = redirect("profile")
            _set_language_cookie(response, patient.language)
            return response
    tokens = list(token_selectors.tokens_live_for_user(user=request.user))
    feed = calendar_url(patient)
    push_key = settings.VAPID_PUBLIC_KEY if push_configured() else ""
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "patient": patient,
            "tokens": tokens,
            "calendar_url": feed,
            # The push section: the key to subscribe with, and the devices registered so far.
            "push_public_key": push_key,
            "push_devices": list(push_subscriptions(patient)) if push_key else [],
            # Calendar apps subscribe to webcal:// (the same address, opened by the app).
            "calendar_webcal": feed and "webcal://" + feed.split("://", 1)[1],
        },
    )


@patient_required
@require_POST
def calendar_renew(request):
    """The profile's calendar section: a new secret feed address (the first one, or a
    replacement when the old one was shared by mistake: it stops working at once)."""
    had_one = bool(request.patient.calendar_token)
    calendar_token_rotate(patient=request.patient)
    messages.success(
        request,
        _("Your calendar has a new address. Add it to your calendar app again.")
        if had_one
        else _("Your calendar address is ready."),
    )
    return HttpResponseRedirect(reverse("profile") + "#calendar")


@patient_required
@require_POST
def token_revoke(request, pk: int):
    """The profile's "Apps signed in" list: revoke one of the patient's own API tokens (another
    user's id answers 404). A plain form POST, CSRF-checked, no JavaScript needed."""
    token = get_object_or_404(token_selectors.tokens_live_for_user(user=request.user), pk=pk)
    token_services.token_revoke(token=token)
    messages.success(request, _("The app is signed out."))
    return redirect("profile")


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@require_POST
def language(request):
    """The header's language switch. Django's ``set_language`` sets the cookie; for a logged-in
    patient the choice is also their profile setting, which reminders and e-mails use."""
    response = set_language(request)
    chosen = request.POST.get("language", "")
    if chosen not in dict(settings.LANGUAGES) or not isinstance(response, HttpResponseRedirect):
        return response
    user = request.user
    if user.is_authenticated and not user.is_staff and hasattr(user, "patient"):
        if user.patient.language != chosen:
            patient_services.patient_profile_update(patient=user.patient, language=chosen)
        set_session_language(request, chosen)
    elif SESSION_KEY in request.session:
        del request.session[SESSION_KEY]
    if not user.is_authenticated:
        request.session[CHOSEN_BEFORE_LOGIN_KEY] = chosen
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password is changed."))
        return response


def clear_site_data(response: HttpResponse) -> HttpResponse:
    """At logout the browser drops what the site kept on this device: the kept pages, the
    unsent-session outbox and the service worker (docs/product.md, "Installable app and
    offline use"). The page script does the same first, so unsent sessions go out before."""
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
