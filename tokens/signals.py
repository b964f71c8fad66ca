"""Tokens die with the credentials they were minted from (docs/security.md, "API tokens").

Connected in ``TokensConfig.ready``. Signals rather than calls in each view, because a password
changes through many paths: the portal's password change, the reset and invitation links, the
admin's own and the practice admin's password forms, ``manage.py changepassword`` and any code
calling ``set_password()``. All of them end in ``User.save()`` after ``set_password()``, which
leaves the new raw password in ``user._password`` until ``save()`` has sent ``post_save`` —
Django's own marker for "the password changed" (``password_validation.password_changed``).
A hash upgrade at login (``check_password``) clears the marker first, so it revokes nothing.
Writes that bypass ``save()`` (``QuerySet.update``) are not seen: use ``set_password()``.
"""

from tokens import services


def revoke_on_password_change_or_deactivation(sender, instance, created, update_fields, **kw):
    if created:
        return
    fields = set(update_fields) if update_fields is not None else None
    password_changed = getattr(instance, "_password", None) is not None
    deactivated = (
        (fields is None or "is_active" in fields)
        and "is_active" not in instance.get_deferred_fields()
        and not instance.is_active
    )
    if password_changed or deactivated:
        services.tokens_revoke_all(user_id=instance.pk)


def revoke_when_the_last_device_goes(sender, instance, **kwargs):
    """A removed authenticator (lost phone) takes the tokens minted with it along, once the user
    has no confirmed device left."""
    if not instance.confirmed:
        return
    if not sender.objects.filter(user_id=instance.user_id, confirmed=True).exists():
        services.tokens_revoke_all(user_id=instance.user_id)
