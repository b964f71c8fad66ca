"""At login, a language chosen on the login page becomes the patient's profile language, and
the profile's language is copied into the session (docs/product.md, "Web pages";
``accounts.language`` applies it on every request)."""

from django.conf import settings

from accounts.language import CHOSEN_BEFORE_LOGIN_KEY, set_session_language
from patients import services as patient_services


def remember_profile_language(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: staff keep the browser's language (the admin follows it)."""
    if request is None or not hasattr(request, "session"):
        return
    chosen = request.session.pop(CHOSEN_BEFORE_LOGIN_KEY, None)
    patient = getattr(user, "patient", None)
    if user.is_staff or patient is None:
        return
    if chosen in dict(settings.LANGUAGES) and chosen != patient.language:
        patient_services.patient_profile_update(patient=patient, language=chosen)
    set_session_language(request, patient.language)
