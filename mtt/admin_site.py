"""The project's admin site: Django's, plus the second factor (``accounts.two_factor``).

It is installed as the default site (``mtt.apps.AdminConfig``), so ``admin.site`` and every
``@admin.register`` keep working unchanged. A staff member who logged in with the password but
has not entered a code yet counts as "no permission": the admin's own views send them to the
login, which sends them on to ``admin:two_factor``.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from accounts import two_factor, two_factor_views
from patients import start_page


class AdminSite(admin.AdminSite):
    site_header = "MTT Rücken"
    site_title = "MTT Rücken"

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not two_factor.required() or two_factor.is_verified(request.user)

    def needs_second_factor(self, request) -> bool:
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and two_factor.required()
            and not two_factor.is_verified(user)
        )

    def login(self, request, extra_context=None):
        if request.method == "GET" and self.needs_second_factor(request):
            query = {}
            if next_url := request.GET.get(REDIRECT_FIELD_NAME):
                query[REDIRECT_FIELD_NAME] = next_url
            url = reverse("admin:two_factor", current_app=self.name)
            return HttpResponseRedirect(f"{url}?{urlencode(query)}" if query else url)
        return super().login(request, extra_context)

    def each_context(self, request):
        context = super().each_context(request)
        context["two_factor_off"] = not settings.ADMIN_REQUIRE_2FA
        return context

    def index(self, request, extra_context=None):
        """The start page ("Heute") for whoever sees patients; Django's list of apps for other
        staff, and for everyone at ``apps/`` (docs/product.md, "The start page")."""
        if not start_page.shows_start_page(request.user):
            return super().index(request, extra_context)
        request.current_app = self.name
        return start_page.start_page(
            request, {**self.each_context(request), **(extra_context or {})}
        )

    def apps_view(self, request):
        return super().index(request, {"title": _("All areas")})

    def get_urls(self):
        return [
            path("two-factor/", self.two_factor_view, name="two_factor"),
            path("apps/", self.admin_view(self.apps_view), name="apps"),
            *super().get_urls(),
        ]

    def two_factor_view(self, request):
        return two_factor_views.second_factor(request, self)
