"""Who may change which part of the catalogue (docs/security.md, "The catalogue").

The practice-wide catalogue — phases, training goals, exercises with their media, daily habits
and the programmes without an owner, the MASTER among them — is the practice admin's. A therapist
reads all of it, copies a programme into "my programmes" and changes only those copies. Which
programmes a user sees and may assign is ``Program.objects.for_user``.
"""

from typing import TYPE_CHECKING

from programs.models import Program

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    type AnyUser = AbstractBaseUser | AnonymousUser


def can_edit_catalogue(user: "AnyUser") -> bool:
    """Only the practice admin adds, changes or deletes practice-wide catalogue entries."""
    return bool(user.is_active and getattr(user, "is_superuser", False))


def can_own_programs(user: "AnyUser") -> bool:
    """Staff keep programmes of their own: copies, or new ones they add."""
    return bool(user.is_active and getattr(user, "is_staff", False))


def can_edit_program(user: "AnyUser", program: Program) -> bool:
    """A programme is changed (and deleted) by the practice admin, or by the therapist it
    belongs to; a practice-wide one by the practice admin alone."""
    if can_edit_catalogue(user):
        return True
    return can_own_programs(user) and program.owner_id is not None and program.owner_id == user.pk
