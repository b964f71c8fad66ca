"""The audit hook for the REST API's patient-data resources.

Reads record themselves: a list the page it answers (``paginate_queryset``), a detail read the
object it looked up (``get_object``). Writes name what they changed with ``audit_write``. Rows
are collected during the request and written in one INSERT when the answer is a success
(``finalize_response``); a refused or failed request records nothing. Only therapists and the
practice admin are recorded: a patient using the API for their own data is not.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Model

from audit.models import AuditAction
from audit.services import Access, accesses_for, audit_record_many, is_audited, object_type

if TYPE_CHECKING:  # read as the viewset it is mixed into
    from rest_framework.viewsets import GenericViewSet

    _ViewSet = GenericViewSet[Any]
else:
    _ViewSet = object


class AuditedViewSetMixin(_ViewSet):
    """For viewsets of patient data; put it first among the bases. ``audit_patient_path`` is
    the lookup from the resource's model to its patient ("" for patients themselves; load any
    relation it crosses with the queryset)."""

    audit_patient_path = "patient"
    # Actions whose get_object() is a read; writes record with audit_write.
    audit_read_actions: tuple[str, ...] = ("retrieve",)

    @property
    def _audit_pending(self) -> list[Access]:
        return self.__dict__.setdefault("_audit_accesses", [])

    def _audited(self) -> bool:
        return is_audited(getattr(self.request, "user", None))

    def audit_objects(self, action: AuditAction, objects: Iterable[Model], *, fields=()) -> None:
        if self._audited():
            self._audit_pending.extend(
                accesses_for(
                    objects, action=action, patient_path=self.audit_patient_path, fields=fields
                )
            )

    def audit_write(self, action: AuditAction, obj: Model, *, fields: Iterable[str] = ()):
        """Record a change the view made (``obj`` of this resource's model)."""
        self.audit_objects(action, [obj], fields=fields)

    def audit_access(self, action: AuditAction, *, patient_id: int, obj_type, obj_id=None):
        """Record a read that is not one object of this resource's model."""
        if self._audited():
            self._audit_pending.append(
                Access(
                    patient_id=patient_id,
                    action=action,
                    obj_type=object_type(obj_type),
                    obj_id="" if obj_id is None else str(obj_id),
                )
            )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if self.action == "list" and page is not None and page and isinstance(page[0], Model):
            self.audit_objects(AuditAction.LIST, page)
        return page

    def get_object(self):
        obj = super().get_object()
        if self.action in self.audit_read_actions:
            self.audit_objects(AuditAction.VIEW, [obj])
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        accesses = self.__dict__.pop("_audit_accesses", None)
        if accesses and response.status_code < 400:
            audit_record_many(user=request.user, accesses=accesses, request=request)
        return response
