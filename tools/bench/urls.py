"""The product's URLs plus ``bench/ceiling/``, the bare Django view every benchmark row is
compared with. Only ``mtt.settings_bench`` uses this URLconf."""

from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.urls import path

from mtt.urls import handler404
from mtt.urls import urlpatterns as product_urlpatterns

__all__ = ["handler404", "urlpatterns"]


def ceiling(request):
    """One indexed query (a user by primary key) and a tiny JSON answer, through the same
    middleware as every other page: what Django itself costs on this server set-up."""
    row = get_user_model().objects.filter(pk=1).values_list("pk", "is_active").first()
    return JsonResponse({"ok": row is not None})


urlpatterns = [path("bench/ceiling/", ceiling, name="bench-ceiling"), *product_urlpatterns]
