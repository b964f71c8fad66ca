"""``GET /api/v1/``: the API root."""

from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

API_PREFIX = "api/v1/"


def _api_routes(patterns, prefix="") -> list[str]:
    """The URL name of every route under /api/v1/ that needs no argument, in URLconf order:
    each router's lists and the fixed resources (``me/today``, ``auth/token`` …)."""
    found = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _api_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and pattern.name and route.startswith(API_PREFIX):
            found.append(pattern.name)
    return found


class ApiRootView(APIView):
    """``GET /api/v1/``: the resources of the API by name, as absolute URLs (DRF's API root).
    Read from the URLconf on each request, so a route registered anywhere under /api/v1/
    appears here without further code."""

    permission_classes = [AllowAny]
    schema = None  # not a resource; the OpenAPI document describes the others

    def get(self, request):
        resources = {}
        for name in _api_routes(get_resolver().url_patterns):
            try:
                path = reverse(name)
            except NoReverseMatch:  # needs an argument: an object, not a resource
                continue
            key = path.removeprefix(f"/{API_PREFIX}").strip("/")
            if key and key not in resources:
                resources[key] = request.build_absolute_uri(path)
        return Response(resources)
