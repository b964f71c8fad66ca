""" "See as patient": the patient's today, guided-session and progress pages, read-only, for their
therapist (docs/product.md, "See as patient"; docs/privacy.md: recorded as a read).

The pages are the portal's own views' templates and contexts (``today_context``,
``session_page``, ``progress_context``) with the patient's data, in the patient's language and
time zone, so the therapist sees exactly what the patient sees. The preview's banner and its
links are in the therapist's language. Read-only by construction: the views answer GET and
HEAD only (POST is 405), every form control is disabled (``base.html`` puts the page in a
disabled fieldset), and none of the portal's scripts that keep an outbox or register the
service worker is loaded."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Patient
from patients.portal.progress import progress_context
from patients.portal.session import session_page
from patients.portal.today import today_context

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]  # read as the ModelAdmin it is mixed into
else:
    _ModelAdmin = object


def _today(request) -> tuple[str, dict]:
    return "portal/today.html", today_context(request)


def _progress(request) -> tuple[str, dict]:
    return "portal/progress.html", progress_context(request)


# page → what the portal renders for it
PAGES: dict[str, Callable[[Any], tuple[str, dict]]] = {
    "today": _today,
    "session": session_page,
    "progress": _progress,
}


class PatientPreviewMixin(_ModelAdmin):
    """For the Patient ModelAdmin: ``<patient>/preview/today|session|progress/``."""

    def get_urls(self):
        return [
            *(
                path(
                    f"<path:object_id>/preview/{page}/",
                    self.admin_site.admin_view(require_safe(self._preview_view(page))),
                    name=f"patients_patient_preview_{page}",
                )
                for page in PAGES
            ),
            *super().get_urls(),
        ]

    def _preview_view(self, page: str):
        def view(request, object_id):
            return self.preview_view(request, object_id, page)

        return view

    def preview_view(self, request, object_id, page: str):
        patient = self.get_object(request, object_id)  # 404 outside the user's patients
        if patient is None or not self.has_view_permission(request, patient):
            raise Http404
        preview = self._banner(patient, page)
        request.patient = patient
        language = patient.language or settings.LANGUAGE_CODE
        with translation.override(language), timezone.override(patient.time_zone):
            template, context = PAGES[page](request)
            response = render(request, template, {**context, "preview": preview})
        audit_record(
            user=request.user,
            patient_ids=[patient.pk],
            action=AuditAction.VIEW,
            obj_type=Patient,
            obj_id=patient.pk,
            fields=(f"preview_{page}",),
            request=request,
        )
        return response

    @staticmethod
    def _banner(patient: Patient, current: str) -> dict:
        """The banner's texts and links, in the therapist's language (rendered before the
        page switches to the patient's)."""
        titles = {"today": _("Today"), "session": _("Guided session"), "progress": _("Progress")}
        return {
            "language": translation.get_language(),
            "text": _("Preview as %(patient)s — read-only") % {"patient": patient},
            "note": _(
                "This is what the patient sees, in their language. Nothing can be sent from here."
            ),
            "pages_label": _("Pages of the preview"),
            "pages": [
                {
                    "title": title,
                    "url": reverse(f"admin:patients_patient_preview_{page}", args=[patient.pk]),
                    "current": page == current,
                }
                for page, title in titles.items()
            ],
            "back": _("Back to the patient page"),
            "back_url": reverse("admin:patients_patient_change", args=[patient.pk]),
        }
