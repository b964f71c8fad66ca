"""API tokens in the admin: the practice admin sees who holds tokens and revokes them; every
staff member creates tokens for integrations on "API tokens" (``admin:tokens_apitoken_mine``,
linked in the user tools), which only a session verified with the second factor reaches."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from tokens import selectors, services
from tokens.models import ApiToken


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. the practice software that uses it."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=services.MAX_INTEGRATION_TTL_DAYS,
        initial=30,
        # Formatted when shown, in the reader's language (a lazy string % dict is not lazy).
        help_text=lazy(
            lambda: (
                gettext(
                    "At most %(days)d days. A password change, a deactivated account or a removed "
                    "authenticator app ends the token earlier."
                )
                % {"days": services.MAX_INTEGRATION_TTL_DAYS}
            ),
            str,
        )(),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Practice admins see who holds API tokens and can revoke them (set "revoked")."""

    list_display = ["prefix", "name", "user", "created_at", "expires_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "prefix", "name"]
    readonly_fields = ["user", "name", "prefix", "created_at", "expires_at"]
    fields = ["user", "name", "prefix", "created_at", "expires_at", "revoked_at"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        # ``admin_view``: staff with a session the second factor verified (AdminSite), CSRF
        # checked, never cached — the page shows a new token once.
        return [
            path(
                "mine/",
                self.admin_site.admin_view(self.own_tokens_view),
                name="tokens_apitoken_mine",
            ),
            *super().get_urls(),
        ]

    def own_tokens_view(self, request):
        """The caller's live tokens with a revoke button each, and a form for a new one."""
        user = request.user
        posted = request.method == "POST"
        form = TokenCreateForm(request.POST if posted and "revoke" not in request.POST else None)
        created = None
        if posted and "revoke" in request.POST:
            token = (
                selectors.tokens_live_for_user(user=user)
                .filter(pk=_as_id(request.POST["revoke"]))
                .first()
            )
            if token is not None:
                services.token_revoke(token=token)
                messages.success(request, _("The token %(name)s is revoked.") % {"name": token})
            return redirect("admin:tokens_apitoken_mine")
        if posted and form.is_valid():
            row, secret = services.token_create(
                user=user,
                name=form.cleaned_data["name"],
                ttl=timedelta(days=form.cleaned_data["days"]),
            )
            created = {"row": row, "token": secret}
            form = TokenCreateForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Your API tokens"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "created": created,
            "tokens": list(selectors.tokens_live_for_user(user=user)),
        }
        request.current_app = self.admin_site.name
        status = 400 if posted and created is None else 200
        return TemplateResponse(request, "admin/tokens/own_tokens.html", context, status=status)


def _as_id(value: str) -> int:
    """A posted id; anything else matches no token."""
    return int(value) if value.isdigit() and len(value) < 19 else 0
