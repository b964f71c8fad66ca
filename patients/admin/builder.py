"""The programme builder on the therapist's patient page (docs/product.md, "Programme
builder"): a card per prescribed exercise with its dose in words, an edit form, move up or
down within its phase, remove, and "add exercise". Plain POST forms that work without
JavaScript; each goes to one service of ``patients.services``, which keeps the change in the
programme's history, and is recorded in the audit log.

A refused form is not lost: its input and errors wait in the session for the page the view
redirects to, which shows them at the exercise (nothing was written)."""

from copy import copy
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditAction
from audit.services import audit_record
from patients import rules, selectors, services
from patients.admin.forms import ItemAddForm, ItemDoseForm
from patients.models import Assignment, Patient, PrescriptionItem
from programs.models import Exercise

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

    _ModelAdmin = ModelAdmin[Any]  # read as the ModelAdmin it is mixed into
else:
    _ModelAdmin = object

# The session key of a refused builder form: {"form": "add"|"edit", "item", "data", "errors"}.
REFUSED_FORM = "patients_builder_refused"
ADD_ANCHOR = "prescription-add"


class PrescriptionBuilderMixin(_ModelAdmin):
    """For the Patient ModelAdmin: the builder's context and its POST endpoints."""

    def get_urls(self):
        def view(route, function, name):
            return path(
                f"<path:object_id>/prescription/{route}",
                self.admin_site.admin_view(require_POST(function)),
                name=f"patients_patient_prescription_{name}",
            )

        return [
            view("add/", self.prescription_add_view, "add"),
            view("<int:item_id>/change/", self.prescription_change_view, "change"),
            view("<int:item_id>/remove/", self.prescription_remove_view, "remove"),
            view("<int:item_id>/move/", self.prescription_move_view, "move"),
            *super().get_urls(),
        ]

    def _patient_for_change(self, request, object_id) -> Patient:
        """The patient page's scoped look-up (``PatientPageMixin``): 404 outside the user's
        patients, 403 without the change permission."""
        raise NotImplementedError

    # --- the page ------------------------------------------------------------------------------

    def builder_context(self, request, patient: Patient, overview: dict) -> dict:
        """The builder's part of the patient page: the prescription by phase, a form per
        exercise, "add exercise", and which phase moves are possible."""
        assignment: Assignment | None = overview["assignment"]
        if assignment is None:
            return {"builder": None, "phase_moves": None}
        refused = request.session.pop(REFUSED_FORM, None)
        if refused is not None and refused.get("patient") != patient.pk:
            refused = None
        phases = selectors.programme_phases(assignment)
        current = assignment.current_phase.number
        groups: dict[int, dict] = {}
        items = overview["items"]
        for item in items:
            group = groups.setdefault(item.phase.number, {"phase": item.phase, "cards": []})
            form = ItemDoseForm(instance=item, prefix=f"item-{item.pk}")
            if refused and refused["form"] == "edit" and refused["item"] == item.pk:
                # A copy: validating sets the refused values on the instance, and the card
                # shows the stored dose.
                form = self._refused(
                    ItemDoseForm(refused["data"], instance=copy(item), prefix=f"item-{item.pk}"),
                    refused["errors"],
                )
            group["cards"].append({"item": item, "form": form})
        for group in groups.values():
            group["cards"][0]["first"] = True
            group["cards"][-1]["last"] = True
        add_kwargs = {
            "exercises": selectors.exercises_to_add(assignment),
            "phases": phases,
            "current": current,
            "prefix": "add",
        }
        add_form = ItemAddForm(**add_kwargs)
        if refused and refused["form"] == "add":
            add_form = self._refused(ItemAddForm(refused["data"], **add_kwargs), refused["errors"])
        return {
            "builder": {
                "groups": [groups[number] for number in sorted(groups)],
                "add_form": add_form,
                "add_open": refused is not None and refused["form"] == "add",
            },
            "phase_moves": rules.phase_moves(
                current=current, numbers=[phase.number for phase in phases]
            ),
        }

    @staticmethod
    def _refused(form, errors: dict):
        form.is_valid()
        for field, messages_ in errors.items():
            for message in messages_:
                form.add_error(field if field in form.fields else None, message)
        return form

    # --- the POST endpoints --------------------------------------------------------------------

    def _builder_item(self, patient: Patient, item_id: int) -> PrescriptionItem:
        return get_object_or_404(
            PrescriptionItem.objects.select_related("assignment", "exercise", "phase"),
            pk=item_id,
            assignment__patient=patient,
            removed_at__isnull=True,
        )

    def _to_builder(self, patient: Patient, anchor: str) -> HttpResponseRedirect:
        url = reverse("admin:patients_patient_change", args=[patient.pk])
        return HttpResponseRedirect(f"{url}#{anchor}")

    def _refuse(self, request, patient, *, form: str, item_id=None, data, errors) -> None:
        request.session[REFUSED_FORM] = {
            "patient": patient.pk,
            "form": form,
            "item": item_id,
            "data": {key: data.getlist(key)[-1] for key in data if key != "csrfmiddlewaretoken"},
            "errors": {key: [str(message) for message in value] for key, value in errors.items()},
        }
        self.message_user(
            request, _("Nothing was changed: see the message at the exercise."), messages.ERROR
        )

    def _builder_audit(self, request, patient, item, fields) -> None:
        audit_record(
            user=request.user,
            patient_ids=[patient.pk],
            action=AuditAction.CHANGE,
            obj_type=PrescriptionItem,
            obj_id=item.pk,
            fields=fields,
            request=request,
        )

    def prescription_add_view(self, request, object_id):
        patient = self._patient_for_change(request, object_id)
        assignment = selectors.open_assignment(patient)
        if assignment is None:
            raise Http404
        form = ItemAddForm(
            request.POST,
            exercises=selectors.exercises_to_add(assignment),
            phases=selectors.programme_phases(assignment),
            current=assignment.current_phase.number,
            prefix="add",
        )
        errors: dict = {}
        if form.is_valid():
            exercise = Exercise.objects.select_related("goal").get(pk=form.cleaned_data["exercise"])
            try:
                item = services.prescription_item_add(
                    assignment=assignment,
                    exercise=exercise,
                    phase_number=form.cleaned_data["phase"],
                    changed_by=request.user,
                    dosage=form.extras(),
                )
            except ValidationError as error:
                errors = _error_dict(error)
            else:
                self.message_user(
                    request,
                    _("“%(exercise)s” added to the prescription.") % {"exercise": exercise},
                    messages.SUCCESS,
                )
                self.log_change(
                    request, patient, _("Added “%(exercise)s”.") % {"exercise": exercise}
                )
                audit_record(
                    user=request.user,
                    patient_ids=[patient.pk],
                    action=AuditAction.ADD,
                    obj_type=PrescriptionItem,
                    obj_id=item.pk,
                    request=request,
                )
                return self._to_builder(patient, f"item-{item.pk}")
        self._refuse(request, patient, form="add", data=request.POST, errors=errors)
        return self._to_builder(patient, ADD_ANCHOR)

    def prescription_change_view(self, request, object_id, item_id):
        patient = self._patient_for_change(request, object_id)
        item = self._builder_item(patient, item_id)
        form = ItemDoseForm(request.POST, instance=item, prefix=f"item-{item.pk}")
        anchor = f"item-{item.pk}"
        if not form.is_valid():
            item.refresh_from_db()  # the form's validation set the refused values on it
            self._refuse(
                request, patient, form="edit", item_id=item.pk, data=request.POST, errors={}
            )
            return self._to_builder(patient, anchor)
        changes = form.changes()
        allowed = form.cleaned_data["variant_allowed"]
        variant_changed = "variant_allowed" in form.changed_data
        item.refresh_from_db()
        try:
            fields = list(changes)
            if changes:
                services.prescription_item_update(
                    item=item, changed_by=request.user, dosage=changes
                )
            if variant_changed:
                services.prescription_item_allow_variant(
                    item=item, allowed=allowed, changed_by=request.user
                )
                fields.append("variant_allowed")
        except ValidationError as error:
            self._refuse(
                request,
                patient,
                form="edit",
                item_id=item.pk,
                data=request.POST,
                errors=_error_dict(error),
            )
            return self._to_builder(patient, anchor)
        if not fields:
            self.message_user(request, _("Nothing changed."), messages.INFO)
            return self._to_builder(patient, anchor)
        self.message_user(
            request,
            _("Dose of “%(exercise)s” changed.") % {"exercise": item.exercise},
            messages.SUCCESS,
        )
        self.log_change(
            request, patient, _("Changed the dose of “%(exercise)s”.") % {"exercise": item.exercise}
        )
        self._builder_audit(request, patient, item, tuple(fields))
        return self._to_builder(patient, anchor)

    def prescription_remove_view(self, request, object_id, item_id):
        patient = self._patient_for_change(request, object_id)
        item = self._builder_item(patient, item_id)
        try:
            services.prescription_item_remove(item=item, removed_by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return self._to_builder(patient, "prescription")
        self.message_user(
            request,
            _("“%(exercise)s” removed from the prescription.") % {"exercise": item.exercise},
            messages.SUCCESS,
        )
        self.log_change(
            request, patient, _("Removed “%(exercise)s”.") % {"exercise": item.exercise}
        )
        self._builder_audit(request, patient, item, ("removed_at",))
        return self._to_builder(patient, "prescription")

    def prescription_move_view(self, request, object_id, item_id):
        patient = self._patient_for_change(request, object_id)
        item = self._builder_item(patient, item_id)
        try:
            services.prescription_item_move(
                item=item, direction=request.POST.get("direction", ""), changed_by=request.user
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self._builder_audit(request, patient, item, ("order",))
        return self._to_builder(patient, f"item-{item.pk}")


def _error_dict(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}
