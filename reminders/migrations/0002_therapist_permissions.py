"""Therapists may view reminder records and digests in the admin (which ones: their own patients'
and their own, by the admin querysets). Changes are the practice admin's."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Therapeut"
CODENAMES = ["view_delivery", "view_digest"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("reminders")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="reminders", codename__in=CODENAMES)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=GROUP_NAME):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="reminders", codename__in=CODENAMES)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_deliveries"),
        ("patients", "0002_therapist_group"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
