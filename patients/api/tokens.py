"""``auth/token/``: obtain a bearer token with username (or e-mail) and password; revoke the
token a request is made with. Login attempts are throttled per address and username, and
repeated failures lock the username out from that address (django-axes, accounts/lockout.py)."""

from django.contrib.auth import authenticate, get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts.lockout import lockout_message
from mtt.tokens import services
from mtt.tokens.models import ApiToken
from patients.api.auth import BearerTokenAuthentication
from patients.api.schema import ErrorSerializer


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


class LockedOut(exceptions.APIException):
    """Too many failed logins for this username from this address (django-axes)."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self):
        super().__init__(detail=lockout_message())


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Username or e-mail address.")
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`.")
    expires = serializers.DateTimeField()


@extend_schema(tags=["auth"])
class TokenView(APIView):
    # Only the bearer token: a browser's session cookie must not turn a login into a CSRF case,
    # and DELETE revokes the token it is sent with.
    authentication_classes = [BearerTokenAuthentication]
    parser_classes = [JSONParser]

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
        description="A new token for the account; it expires (see `expires`).",
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
        row, token = services.token_create(user=user)
        # Not the user_logged_in signal: its receivers write to the session, and a token
        # login must leave no session behind.
        get_user_model()._default_manager.filter(pk=user.pk).update(last_login=timezone.now())
        return Response(TokenSerializer({"token": token, "expires": row.expires_at}).data)

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
