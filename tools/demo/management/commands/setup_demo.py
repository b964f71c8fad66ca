"""Prepare the embedded demo of `make run` on an empty database: a practice admin and a demo
practice (one therapist, a few patients with weeks of logs, from ``seed_demo``).

The login is written to ``var/demo-logins.txt`` (readable by the owner only) so every start can
print it again; an existing database keeps its users and passwords.
"""

import io
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "Create the demo practice on an empty database and print the demo logins."

    def handle(self, *args, **options):
        logins_file = settings.VAR_DIR / "demo-logins.txt"
        user_model = get_user_model()
        with transaction.atomic():
            if not user_model.objects.exists():
                password = secrets.token_urlsafe(12)
                user_model.objects.create_superuser(
                    DEMO_ADMIN, email="admin@example.org", password=password
                )
                call_command(
                    "seed_demo",
                    therapists=1,
                    patients=5,
                    weeks=8,
                    password=password,
                    verbosity=0,
                    stdout=io.StringIO(),  # its summary names no password; ours below does
                )
                logins_file.parent.mkdir(parents=True, exist_ok=True)
                logins_file.write_text(
                    f"practice admin: {DEMO_ADMIN} / {password}  (/admin/)\n"
                    f"therapist:      therapist1 / {password}  (/admin/)\n"
                    f"patients:       patient1 … patient5 / {password}  (/today/)\n"
                )
                logins_file.chmod(0o600)
        if not settings.ADMIN_REQUIRE_2FA:
            self.stdout.write(
                self.style.WARNING(
                    "!! Two-factor authentication is switched off for this demo "
                    "(ADMIN_REQUIRE_2FA=false): the admin opens with the password alone. "
                    "Never run a practice like this."
                )
            )
        if logins_file.exists():
            self.stdout.write(self.style.SUCCESS(f"Demo logins ({settings.SITE_URL}/):"))
            self.stdout.write(logins_file.read_text())
        else:
            self.stdout.write(
                "The database already had users; demo logins were not created. "
                "Use `manage.py createsuperuser` or `manage.py changepassword`."
            )
