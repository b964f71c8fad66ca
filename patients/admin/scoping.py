"""Object-level scoping for the therapist admin (docs/product.md, "Who can do what").

Every admin of patient data filters its queryset through ``Patient.objects.for_user``, the one
scoping rule the portal and the API use too. Changelists, search, autocomplete, actions, history,
deletion and the patient page's own URLs all start from ``get_queryset``, so an object outside it
does not exist for the user: its URLs answer 404 (not 403, and not Django's redirect to the
index), so patient ids cannot be enumerated.
"""

from django.contrib.auth import get_user_model
from django.http import Http404

from patients.models import Assignment, Patient, SessionLog

# related model → lookup from it to its patient, for foreign-key choices in forms
PATIENT_PATHS = {Patient: "", Assignment: "patient", SessionLog: "patient"}


def scope_to_user(queryset, user, patient_path: str):
    """``queryset`` narrowed to the objects of the patients ``user`` may see."""
    patients = Patient.objects.for_user(user)
    if not patient_path:
        # The scoping filter itself (therapist = user), not "pk IN (subquery)": an index scan of
        # the therapist's patients instead of a join over all of them.
        return queryset & patients
    return queryset.filter(**{f"{patient_path}__in": patients.values("pk")})


class ScopedChoicesMixin:
    """Foreign-key choices limited to the user's patients (and their assignments and sessions);
    the therapist of a patient is a staff user, and a therapist can only name themselves."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related in PATIENT_PATHS:
            queryset = scope_to_user(
                related._default_manager.all(), request.user, PATIENT_PATHS[related]
            )
            if related is Patient:
                queryset = queryset.select_related("user")
            kwargs["queryset"] = queryset
        elif db_field.model is Patient and db_field.name == "therapist":
            staff = get_user_model()._default_manager.filter(is_staff=True, is_active=True)
            if not request.user.is_superuser:
                staff = staff.filter(pk=request.user.pk)
            kwargs["queryset"] = staff.order_by("last_name", "first_name", "username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TherapistScopedAdminMixin(ScopedChoicesMixin):
    """For ModelAdmins of patient data. ``patient_path`` is the lookup from the model to its
    patient ("" for the Patient admin itself)."""

    patient_path = "patient"

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request.user, self.patient_path)

    def get_object(self, request, object_id, from_field=None):
        """An object outside the user's queryset answers 404, like one that does not exist."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def _patient_id_of(self, obj):
        if not self.patient_path:
            return obj.pk
        target = obj
        for part in self.patient_path.split("__")[:-1]:
            target = getattr(target, part)
        return getattr(target, f"{self.patient_path.split('__')[-1]}_id")

    def _in_scope(self, request, obj) -> bool:
        """Per-object check behind the queryset, memoised per request (one query per patient)."""
        patient_id = self._patient_id_of(obj)
        cache = request.__dict__.setdefault("_patients_in_scope", {})
        if patient_id not in cache:
            cache[patient_id] = (
                Patient.objects.for_user(request.user).filter(pk=patient_id).exists()
            )
        return cache[patient_id]

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self._in_scope(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self._in_scope(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self._in_scope(request, obj))


class ScopedInlineMixin(ScopedChoicesMixin):
    """For inlines: rows of the parent object only (already scoped by the parent admin), and the
    same limited foreign-key choices. ``patient_path`` as on ``TherapistScopedAdminMixin``."""

    patient_path = "patient"

    def get_queryset(self, request):
        return scope_to_user(super().get_queryset(request), request.user, self.patient_path)
