"""The admin's second step after the password: enrol an authenticator app, or enter its code.

Served by ``mtt.admin_site.AdminSite`` at ``/admin/two-factor/`` (``admin:two_factor``); the
site sends every staff member who is logged in but not verified here.
"""

from django import forms
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from accounts import two_factor


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=gettext_lazy("Code from your authenticator app"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": gettext_lazy("Enter the 6-digit code.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


def _next_url(request, site) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index", current_app=site.name)


@sensitive_post_parameters("token")
@csrf_protect
@never_cache
def second_factor(request, site):
    user = request.user
    if not (user.is_active and user.is_staff):
        return redirect("admin:login")
    if not two_factor.required() or two_factor.is_verified(user):
        return redirect(_next_url(request, site))

    device = two_factor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = two_factor.totp_device_for_enrolment(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _details = device.verify_is_allowed()
        if not allowed:
            form.add_error(
                "token", _("Too many wrong codes. Wait a moment, then enter the current code.")
            )
        else:
            confirm = two_factor.totp_device_confirm if enrolling else two_factor.totp_verify
            if confirm(request=request, device=device, token=form.cleaned_data["token"]):
                return redirect(_next_url(request, site))
            form.add_error("token", _("This code is not valid. Enter the current code."))

    context = {
        **site.each_context(request),
        "title": _("Set up two-factor authentication")
        if enrolling
        else _("Two-factor authentication"),
        "form": form,
        "enrolling": enrolling,
        "next": _next_url(request, site),
        "subtitle": None,
    }
    if enrolling:
        context["qr_code"] = two_factor.qr_code_data_uri(device)
        context["secret"] = two_factor.secret_base32(device)
    request.current_app = site.name
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "admin/two_factor.html", context, status=status)
