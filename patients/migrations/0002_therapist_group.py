"""The "Therapeut" group: what a therapist may do in the admin (docs/product.md, "Who can do what").

Model permissions only say *which kinds* of objects a therapist may touch; which patients they see
is decided by ``Patient.objects.for_user`` in the admin querysets. Deleting patient data is left to
the practice admin (erasure, anonymisation), so the group has no delete permissions on patients.

Permissions are normally created after ``migrate`` (post_migrate); they are created here first so a
fresh database gets the group complete in one run.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Therapeut"

# app label → actions granted on every model of the app
GRANTS = {
    "programs": ("view", "add", "change"),
    "patients": ("view", "add", "change"),
    "questionnaires": ("view",),
}


def _ensure_permissions(apps):
    for app_config in apps.get_app_configs():
        if app_config.label in GRANTS:
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None


def create_group(apps, schema_editor):
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    group, _created = Group.objects.get_or_create(name=GROUP_NAME)
    codenames = []
    content_types = []
    for app_label, actions in GRANTS.items():
        try:
            models = list(apps.get_app_config(app_label).get_models())
        except LookupError:
            # The questionnaires app may not be in the migration state yet (or not installed).
            continue
        for model in models:
            content_types.append(
                ContentType.objects.get_for_model(model, for_concrete_model=False)
            )
            codenames.extend(f"{action}_{model._meta.model_name}" for action in actions)
    group.permissions.add(
        *Permission.objects.filter(content_type__in=content_types, codename__in=codenames)
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0001_patients"),
        ("programs", "0002_load_master_programme"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    # The questionnaire models must exist for their permissions; that app's first migration
    # depends on patients 0001 only, so this adds no cycle.
    if global_apps.is_installed("questionnaires"):
        dependencies.append(("questionnaires", "0001_questionnaires"))

    operations = [migrations.RunPython(create_group, delete_group)]
