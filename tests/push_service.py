"""A push service for tests: a real HTTP server on 127.0.0.1 in a thread that takes the encrypted
POSTs the reminder sends make, checks their VAPID signature, and decrypts them with the keys a
test device was made with, as a browser would (RFC 8291 ``aes128gcm``, RFC 8292 VAPID).

``push_service`` (tests/conftest.py) starts one, gives the settings a fresh VAPID key pair and
allows http to loopback; ``service.device()`` is a subscription as ``PushSubscription.toJSON()``
gives it, with the private keys to read what arrives.
"""

import base64
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's subscription: its endpoint at the test service and its own keys."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    def to_json(self) -> dict:
        public = self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def decrypt(self, device: Device) -> dict:
        assert self.headers["content-encoding"] == "aes128gcm"
        text = http_ece.decrypt(
            self.body, private_key=device.private_key, auth_secret=device.auth, version="aes128gcm"
        )
        return json.loads(text.decode("utf-8"))

    def vapid_claims(self, public_key: str) -> dict:
        """The JWT of the ``Authorization: vapid t=…,k=…`` header, its ES256 signature checked
        with the server's public key (which the header must name)."""
        scheme, _space, value = self.headers["authorization"].partition(" ")
        assert scheme == "vapid"
        parts = dict(part.strip().split("=", 1) for part in value.split(","))
        assert parts["k"] == public_key
        header, claims, signature = parts["t"].split(".")
        raw = unb64url(signature)
        assert len(raw) == 64
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
        key.verify(  # raises InvalidSignature
            encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:])),
            f"{header}.{claims}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
        assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
        return json.loads(unb64url(claims))


@dataclass
class PushService:
    """Answers every POST with ``status`` (201 as a push service does, 410 for a subscription
    that is gone) and keeps what it received."""

    status: int = 201
    received: list[Received] = field(default_factory=list)

    def __post_init__(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                service.received.append(
                    Received(
                        path=self.path,
                        headers={k.lower(): v for k, v in self.headers.items()},
                        body=self.rfile.read(length),
                    )
                )
                self.send_response(service.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def device(self) -> Device:
        return Device(
            endpoint=f"{self.origin}/push/{secrets.token_urlsafe(16)}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth=os.urandom(16),
        )

    def wait_for(self, count: int, seconds: float = 30) -> list[Received]:
        """The requests once ``count`` have arrived (a worker process sends them)."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
