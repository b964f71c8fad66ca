"""The audit hook for the admin of patient data (the therapist admin).

One mixin records what Django's own admin views show and change, so no view has to remember
it; views that change data outside the change form (the patient page's POST forms, changelist
actions) know what they changed and record it themselves with ``audit.services.audit_record``.
"""

from collections.abc import Iterable

from audit.models import AuditAction
from audit.services import accesses_for, audit_record_many

_CHANGED_FIELDS = "_audit_changed_fields"


def changed_field_names(form, formsets) -> list[str]:
    """Names of what a saved change form changed: the object's fields, and its inlines' as
    ``model.field`` (``model.added`` / ``model.deleted`` for whole rows). Never values."""
    names = list(form.changed_data)
    for formset in formsets or ():
        model = formset.model._meta.model_name
        if getattr(formset, "new_objects", None):
            names.append(f"{model}.added")
        for _obj, fields in getattr(formset, "changed_objects", None) or ():
            names.extend(f"{model}.{field}" for field in fields)
        if getattr(formset, "deleted_objects", None):
            names.append(f"{model}.deleted")
    return list(dict.fromkeys(names))


class AuditedAdminMixin:
    """For ModelAdmins of patient data; put it first among the bases. Records

    - the changelist: a LIST row per object on the page shown, in one INSERT;
    - the change form (the patient page too; inlines are part of their parent's page), the
      history and the delete confirmation: a VIEW row;
    - a saved add or change form: ADD, or CHANGE with the names of the changed fields;
    - deletions (the delete view and the delete action): DELETE, before the rows go.

    ``patient_path`` is the lookup from the model to its patient ("" for the Patient admin), as
    on ``patients.admin.scoping.TherapistScopedAdminMixin``.
    """

    patient_path = "patient"

    def audit_objects(self, request, action: AuditAction, objects: Iterable, *, fields=()):
        """Record ``action`` on objects of this admin's model, one INSERT for all of them."""
        audit_record_many(
            user=request.user,
            request=request,
            accesses=accesses_for(
                objects, action=action, patient_path=self.patient_path, fields=fields
            ),
        )

    def _audit_shown_object(self, request, response) -> None:
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if obj is not None:
            self.audit_objects(request, AuditAction.VIEW, [obj])

    # --- reads -------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            # Evaluates the page's queryset; the template reuses its cache (no second query).
            self.audit_objects(request, AuditAction.LIST, list(changelist.result_list))
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if obj is not None and not add:
            self.audit_objects(request, AuditAction.VIEW, [obj])
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._audit_shown_object(request, response)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        self._audit_shown_object(request, response)  # the confirmation page; POST redirects
        return response

    # --- changes -----------------------------------------------------------------------------

    def construct_change_message(self, request, form, formsets, add=False):
        # Called once a change form saved, right before response_add / response_change.
        request.__dict__[_CHANGED_FIELDS] = () if add else changed_field_names(form, formsets)
        return super().construct_change_message(request, form, formsets, add)

    def response_add(self, request, obj, post_url_continue=None):
        request.__dict__.pop(_CHANGED_FIELDS, None)
        self.audit_objects(request, AuditAction.ADD, [obj])
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        fields = request.__dict__.pop(_CHANGED_FIELDS, ())
        self.audit_objects(request, AuditAction.CHANGE, [obj], fields=fields)
        return super().response_change(request, obj)

    def log_deletions(self, request, queryset):
        objects = list(queryset)
        self.audit_objects(request, AuditAction.DELETE, objects)
        return super().log_deletions(request, objects)
