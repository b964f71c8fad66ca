"""OpenAPI: the bearer scheme and the error answers every operation can give, so generated
clients and the schemathesis run know them."""

from django.conf import settings
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "tokens.authentication.BearerTokenAuthentication"
    match_subclasses = True
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `POST /api/v1/auth/token/`, sent as "
            "`Authorization: Bearer <token>`.",
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):
    """The browser's login session (api/authentication.py), as drf-spectacular describes DRF's own:
    its subclass is not matched otherwise, and ``manage.py check --deploy`` warns."""

    target_class = "api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The portal's or the admin's login session; staff need the "
            "second factor verified. Writes also need the CSRF token.",
        }


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """One key per field with its messages; a nested list (``entries``) has an object keyed by
    the index of each bad item. ``non_field_errors`` holds what belongs to no single field."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


ERRORS = {
    "400": (ValidationErrorSerializer, "Invalid input: a message per field; nothing was written."),
    "401": (ErrorSerializer, "No, an invalid, an expired or a revoked token."),
    "403": (ErrorSerializer, "Signed in, but this role may not do this."),
    "404": (ErrorSerializer, "Not found, or not in the caller's scope (no enumeration)."),
    "413": (ErrorSerializer, "The body is larger than the upload limit."),
    "415": (ErrorSerializer, "The body is not `application/json`."),
    "429": (ErrorSerializer, "Too many attempts; try again later."),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                serializer, description = ERRORS[code]
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description), code, direction=direction
                )
        return dict(sorted(responses.items()))

    def _error_codes(self) -> list[str]:
        codes = []
        has_input = self.method in ("POST", "PUT", "PATCH")
        has_query = self.method == "GET" and (
            bool(getattr(self.view, "filter_backends", None)) or self._is_list_view()
        )
        if has_input or has_query:
            codes.append("400")
        if self.view.get_authenticators():
            codes.append("401")  # a wrong or expired token answers 401 even where all may read
        if not all(
            isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        ):
            codes.append("403")
        paginated = self.method == "GET" and self._is_list_view()
        if "{" in self.path or paginated:
            codes.append("404")
        if has_input and self.get_request_serializer() is not None:
            codes += ["413", "415"]
        if self.view.get_throttles():
            codes.append("429")
        return codes
