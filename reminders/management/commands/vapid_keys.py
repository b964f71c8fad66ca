"""`manage.py vapid_keys [--write FILE] [--subject mailto:…]` (README "Push reminders (Web
Push)").

Makes a new VAPID key pair for Web Push and prints it as environment variables, or writes them
to FILE (readable by the owner only). An existing FILE is kept as it is, so `make run` can call
this at every start: a new pair would silently cut off every device registered with the old one.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reminders import push


class Command(BaseCommand):
    help = "Generate a VAPID key pair for Web Push reminders (print it, or write an env file)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--write",
            metavar="FILE",
            help="Write VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT to FILE (mode "
            "600) unless it exists already.",
        )
        parser.add_argument(
            "--subject",
            default=None,
            help="The contact the push services see, mailto: or https: (default: VAPID_SUBJECT).",
        )

    def handle(self, *args, write=None, subject=None, **options):
        subject = subject or settings.VAPID_SUBJECT
        if not subject.startswith(("mailto:", "https://")):
            raise CommandError("--subject must start with mailto: or https://")
        if write and Path(write).exists():
            self.stdout.write(f"{write} exists; keeping its keys.")
            return
        public, private = push.generate_keys()
        text = f"VAPID_PUBLIC_KEY={public}\nVAPID_PRIVATE_KEY={private}\nVAPID_SUBJECT={subject}\n"
        if not write:
            self.stdout.write(text, ending="")
            return
        path = Path(write)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(
                "# Web Push (VAPID) keys written by `manage.py vapid_keys`; keep the private key "
                "secret.\n" + text
            )
        self.stdout.write(f"wrote a new VAPID key pair to {write}")
