"""Log in with the username or the e-mail address."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """``ModelBackend`` that also accepts the e-mail address in the username field.

    An address shared by several accounts identifies nobody, so it never logs anyone in; the
    username still does. The password hasher runs on every miss, as in ``ModelBackend``, so the
    answer time does not tell whether an account exists.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user_model = get_user_model()
        if username is None:
            username = kwargs.get(user_model.USERNAME_FIELD)
        if username is None or password is None:
            return None
        username = username.strip()
        user = None
        if "@" in username:
            matches = list(user_model._default_manager.filter(email__iexact=username)[:2])
            if len(matches) == 1:
                user = matches[0]
        if user is None:
            user = user_model._default_manager.filter(username__iexact=username).first()
        if user is None:
            user_model().set_password(password)  # same work as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user with the patient profile in the same query: every portal page
        needs it (staff have none, and asking then costs no query either)."""
        user_model = get_user_model()
        user = user_model._default_manager.select_related("patient").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
