"""``auth/token/``: obtain a bearer token with username (or e-mail) and password — and for staff
a code from their authenticator app (``otp``, accounts/two_factor.py) — or revoke the token a
request is made with. Login attempts are throttled per address and username, and repeated
failures (wrong passwords and wrong codes) lock the username out from that address (django-axes,
accounts/lockout.py). ``auth/tokens/``: the caller's own live tokens, listed without secrets and
revoked one by one."""

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_login_failed
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts import two_factor
from accounts.lockout import lockout_message
from api.base import ApiMixin
from api.parsers import JSONObjectParser
from api.schema import ErrorSerializer
from tokens import selectors, services
from tokens.authentication import BearerTokenAuthentication
from tokens.models import ApiToken


class RateFromSettings(SimpleRateThrottle):
    """Reads its rate when used, not at import, so settings (and tests) can change it."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class LoginThrottle(RateFromSettings):
    """Attempts per client address and username: slows password guessing for one account."""

    scope = "login"

    def get_cache_key(self, request, view):
        username = str(request.data.get("username", "")).strip().lower()[:150]
        return self.cache_format % {
            "scope": self.scope,
            "ident": f"{self.get_ident(request)}:{username}",
        }


class LoginAddressThrottle(RateFromSettings):
    """Attempts per client address, whatever the username: slows trying many accounts."""

    scope = "login-address"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


OTP_MISSING_MESSAGE = _(
    "Staff accounts need the current 6-digit code from their authenticator app: send it as 'otp'."
)
OTP_WRONG_MESSAGE = _("This code is not valid. Send the current code from your authenticator app.")
OTP_THROTTLED_MESSAGE = _("Too many wrong codes. Wait a moment, then send the current code.")
NO_DEVICE_MESSAGE = _(
    "This staff account has no authenticator app yet. Log in to the admin (/admin/) once to set "
    "up two-factor authentication, then request a token with its code."
)


class LockedOut(exceptions.APIException):
    """Too many failed logins for this username from this address (django-axes)."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self):
        super().__init__(detail=lockout_message())


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Username or e-mail address.")
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text=(
            "Staff (therapists, the practice admin): the current 6-digit code of the "
            "authenticator app enrolled in the admin. Required for staff while two-factor "
            "authentication is on (`ADMIN_REQUIRE_2FA`); patients leave it out. A wrong code "
            "counts towards the lockout like a wrong password."
        ),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`.")
    expires = serializers.DateTimeField()


@extend_schema(tags=["auth"])
class TokenView(APIView):
    # Only the bearer token: a browser's session cookie must not turn a login into a CSRF case,
    # and DELETE revokes the token it is sent with.
    authentication_classes = [BearerTokenAuthentication]
    parser_classes = [JSONObjectParser]  # a non-object body is a 400 before the throttle

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        if self.request.method == "POST":
            return [LoginThrottle(), LoginAddressThrottle()]
        return []

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "Too many attempts: the throttle, or after `AXES_FAILURE_LIMIT` (5) failed "
                    "passwords for one username from one address, a lockout of that pair for "
                    "`AXES_COOLOFF_MINUTES` (15), even with the right password. `Retry-After` "
                    "gives the seconds to wait."
                ),
            ),
        },
        auth=[],
        description=(
            "A new token for the account; it expires (see `expires`). Staff (therapists, the "
            "practice admin) also send `otp`, the current code of the authenticator app they "
            "enrolled in the admin: without it, or with a wrong one, the answer is 400 naming "
            "`otp`. The token dies early when the password changes or the account is "
            "deactivated."
        ),
    )
    def post(self, request):
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise LockedOut()
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with the given credentials.")]}
            )
        if two_factor.required_for(user):
            self.check_second_factor(request, user, serializer.validated_data)
        row, token = services.token_create(user=user)
        # Not the user_logged_in signal: its receivers write to the session, and a token
        # login must leave no session behind.
        get_user_model()._default_manager.filter(pk=user.pk).update(last_login=timezone.now())
        return Response(TokenSerializer({"token": token, "expires": row.expires_at}).data)

    def check_second_factor(self, request, user, data) -> None:
        """Staff: the password is right; without a valid code there is still no token. A wrong
        code is reported to django-axes as a failed login, so it counts towards the lockout of
        this username and address like a wrong password."""
        code = data.get("otp", "").strip()
        if not code:
            if two_factor.confirmed_device(user) is None:
                raise exceptions.ValidationError({"otp": [NO_DEVICE_MESSAGE]})
            raise exceptions.ValidationError({"otp": [OTP_MISSING_MESSAGE]})
        result = two_factor.totp_check(user=user, token=code)
        if result == two_factor.CodeCheck.OK:
            return
        if result == two_factor.CodeCheck.NO_DEVICE:
            raise exceptions.ValidationError({"otp": [NO_DEVICE_MESSAGE]})
        user_login_failed.send(
            sender=__name__,
            credentials={"username": data["username"]},
            request=request._request,
        )
        if getattr(request._request, "axes_locked_out", False):
            raise LockedOut()
        if result == two_factor.CodeCheck.THROTTLED:
            raise exceptions.ValidationError({"otp": [OTP_THROTTLED_MESSAGE]})
        raise exceptions.ValidationError({"otp": [OTP_WRONG_MESSAGE]})

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Revoked: the token no longer works.")},
        description="Revoke the token this request is authenticated with.",
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise exceptions.NotAuthenticated()
        services.token_revoke(token=request.auth)
        return Response(status=204)


class TokenInfoSerializer(serializers.ModelSerializer):
    """A live token as its owner sees it in lists: never the token itself or its digest."""

    name = serializers.CharField(source="label", read_only=True)
    created = serializers.DateTimeField(source="created_at", read_only=True)
    expires = serializers.DateTimeField(source="expires_at", read_only=True)
    current = serializers.SerializerMethodField(
        help_text="True for the token this request is sent with."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "expires", "current"]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        auth = self.context["request"].auth
        return isinstance(auth, ApiToken) and auth.pk == token.pk


class OwnTokensMixin(ApiMixin):
    """The caller's own live tokens; another user's token answers 404. Open without consent to
    the current text: ending one's own access is always possible."""

    serializer_class = TokenInfoSerializer
    consent_exempt = True

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ApiToken.objects.none()
        return selectors.tokens_live_for_user(user=self.request.user)


@extend_schema(tags=["auth"])
class TokenListView(OwnTokensMixin, generics.ListAPIView):
    """The caller's live API tokens (apps and integrations signed in to the account), newest
    first, without the secrets."""


@extend_schema(tags=["auth"])
class TokenDetailView(OwnTokensMixin, generics.RetrieveDestroyAPIView):
    """One of the caller's live tokens; ``DELETE`` revokes it (204)."""

    def perform_destroy(self, instance):
        services.token_revoke(token=instance)


urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", TokenListView.as_view(), name="auth-token-list"),
    path("auth/tokens/<int:pk>/", TokenDetailView.as_view(), name="auth-token-detail"),
]
