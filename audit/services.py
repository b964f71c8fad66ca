"""Writing the audit log. Entry points (the admin and API mixins in ``audit.admin_mixins`` and
``audit.api_mixins``, and the few admin views that change data outside Django's change form)
call these after a read or change succeeded.

Each call is one INSERT, however many rows: a list page costs one statement, not one per row.
It runs in the caller's transaction when there is one (a change and its audit row commit
together) and needs none of its own.
"""

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeGuard

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model
from django.http import HttpRequest

from audit.models import AuditAction, AuditEntry


@dataclass(frozen=True)
class Access:
    """One row to write: ``obj_type`` is ``app_label.model``; ``fields`` are names only."""

    patient_id: int
    action: AuditAction
    obj_type: str
    obj_id: str = ""
    fields: tuple[str, ...] = ()


def is_audited(user: User | AnonymousUser | None) -> TypeGuard[User]:
    """Therapists and the practice admin are audited (docs/product.md); patients reading or logging
    their own data are not."""
    return bool(user is not None and user.is_authenticated and (user.is_staff or user.is_superuser))


def object_type(obj: type[Model] | Model | str) -> str:
    if isinstance(obj, str):
        return obj
    return obj._meta.label_lower


def client_address(request: HttpRequest | None) -> str | None:
    """``REMOTE_ADDR``, or with ``TRUSTED_PROXY_COUNT`` reverse proxies in front, the address
    the outermost of them saw (read from the right of ``X-Forwarded-For``, so a client cannot
    choose it). Anything that is not an IP address is stored as unknown."""
    if request is None:
        return None
    meta = request.META
    address = meta.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def patient_id_of(obj: Model, patient_path: str) -> int:
    """The patient's primary key for ``obj``: ``patient_path`` is the lookup from its model to
    the patient, as in the admin ("" for a patient itself, "session__patient" through a
    relation: load those relations with the objects)."""
    if not patient_path:
        pk: int = obj.pk
        return pk
    *through, last = patient_path.split("__")
    for name in through:
        obj = getattr(obj, name)
    patient_id: int = getattr(obj, f"{last}_id")
    return patient_id


def accesses_for(
    objects: Iterable[Model], *, action: AuditAction, patient_path: str, fields: Iterable[str] = ()
) -> list[Access]:
    names = tuple(fields)
    return [
        Access(
            patient_id=patient_id_of(obj, patient_path),
            action=action,
            obj_type=object_type(obj),
            obj_id=str(obj.pk),
            fields=names,
        )
        for obj in objects
    ]


def audit_record_many(
    *, user: User | AnonymousUser | None, accesses: Iterable[Access], request: HttpRequest | None
) -> list[AuditEntry]:
    """Write one row per access in a single INSERT. Nothing for users who are not audited or
    when there is nothing to write."""
    if not is_audited(user):
        return []
    address = client_address(request)
    rows = [
        AuditEntry(
            user_id=user.pk,
            patient_id=access.patient_id,
            action=access.action,
            object_type=access.obj_type,
            object_id="" if access.obj_id is None else str(access.obj_id),
            fields=list(access.fields),
            address=address,
        )
        for access in accesses
    ]
    if not rows:
        return []
    return AuditEntry.objects.bulk_create(rows)


def audit_record(
    *,
    user: User | AnonymousUser | None,
    patient_ids: Iterable[int],
    action: AuditAction,
    obj_type: type[Model] | Model | str,
    obj_id: int | str | None = None,
    fields: Iterable[str] = (),
    request: HttpRequest | None,
) -> list[AuditEntry]:
    """One access to one object (or to a kind of data, ``obj_id`` None) that concerns the given
    patients: one row per patient, in one INSERT."""
    kind = object_type(obj_type)
    names = tuple(fields)
    return audit_record_many(
        user=user,
        request=request,
        accesses=[
            Access(
                patient_id=patient_id,
                action=action,
                obj_type=kind,
                obj_id="" if obj_id is None else str(obj_id),
                fields=names,
            )
            for patient_id in dict.fromkeys(patient_ids)
        ],
    )
