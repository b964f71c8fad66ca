"""E-mail backends for the fault tests: a server that always refuses (retries), and one that
takes the message and then never answers (a worker killed in the middle of a send)."""

import os
import threading
from pathlib import Path
from smtplib import SMTPServerDisconnected

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("connection unexpectedly closed")


class AcceptThenHangBackend(BaseEmailBackend):
    """Notes "sent" in the file ``MTT_TEST_SEND_BLOCKS`` names, then blocks until the process is
    killed: the outcome of the send is unknown to the worker."""

    def send_messages(self, email_messages):
        with Path(os.environ["MTT_TEST_SEND_BLOCKS"]).open("a") as marker:
            marker.write("sent\n")
        threading.Event().wait()
