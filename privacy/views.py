"""The patient's privacy pages: the overview with the downloads, the consent page, and the
export as JSON and PDF.

These pages stay open while consent is missing — a patient may read the consent text, download
their data and withdraw consent at any time — so they check the login themselves instead of
using the portal's ``patient_required``. Staff and logins without a patient profile get 404:
there is no export of "their" patient data to give.
"""

import functools
import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from rest_framework.utils.encoders import JSONEncoder

from patients.models import Patient
from privacy import selectors, services
from privacy.models import ConsentRecord, ConsentSource
from privacy.pdf import export_pdf


def redirect_to_consent(request):
    """To the consent page, and back to where the patient was going afterwards."""
    query = urlencode({"next": request.get_full_path()})
    return redirect(f"{reverse('privacy:consent')}?{query}")


def consent_gate(request):
    """``PORTAL_CALLER_CHECKS``: nothing else in the portal until the patient agrees to the
    consent text in force (the views marked ``consent_exempt`` are not asked)."""
    if services.consent_required(request.patient):
        return redirect_to_consent(request)
    return None


def own_patient(view):
    """Patients only, consent or not; sets ``request.patient``."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.is_staff:
            raise Http404
        try:
            request.patient = user.patient
        except Patient.DoesNotExist:
            raise Http404 from None
        with timezone.override(request.patient.time_zone):
            return view(request, *args, **kwargs)

    return wrapper


def export_filename(extension: str) -> str:
    return f"mtt-ruecken-export-{timezone.localdate():%Y-%m-%d}.{extension}"


def export_json(document: dict) -> bytes:
    """The export as a JSON file: the same encoding as the API's (ISO 8601 times in UTC)."""
    return json.dumps(document, cls=JSONEncoder, ensure_ascii=False, indent=2).encode()


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@own_patient
def overview(request):
    patient = request.patient
    return render(
        request,
        "privacy/overview.html",
        {
            "patient": patient,
            "consent_required": services.consent_required(patient),
            "current_version": services.consent_current_version(),
            "records": ConsentRecord.objects.filter(patient=patient)[:20],
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@own_patient
def consent(request):
    patient = request.patient
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST":
        if request.POST.get("agree") != "yes":
            messages.error(request, _("Please tick the box to agree, or log out."))
        else:
            services.consent_give(patient=patient, by=request.user, source=ConsentSource.PORTAL)
            messages.success(request, _("Thank you. Your consent is recorded."))
            return redirect(next_url or "portal:today")
    return render(
        request,
        "privacy/consent.html",
        {
            "patient": patient,
            "next": next_url,
            "consent_required": services.consent_required(patient),
            "current_version": services.consent_current_version(),
        },
    )


@require_POST
@own_patient
def consent_withdraw(request):
    patient = request.patient
    if not services.consent_required(patient):
        services.consent_withdraw(patient=patient, by=request.user, source=ConsentSource.PORTAL)
        messages.info(
            request,
            _(
                "Your consent is withdrawn. The app stays closed until you agree again; your "
                "practice will talk with you about what happens to your data."
            ),
        )
    return redirect("privacy:overview")


@never_cache
@require_safe
@own_patient
def export_json_view(request):
    document = selectors.patient_export(patient_id=request.patient.pk)
    return _attachment(
        export_json(document),
        "application/json; charset=utf-8",
        export_filename("json"),
    )


@never_cache
@require_safe
@own_patient
def export_pdf_view(request):
    document = selectors.patient_export(patient_id=request.patient.pk)
    return _attachment(export_pdf(document), "application/pdf", export_filename("pdf"))
