"""A loopback Web Push service for the tests: it checks every message the way a real push
service does (the VAPID token, the headers), decrypts the aes128gcm body with the
subscription's private key, records it, and answers from a script (201 by default).

Subscriptions are made here with real P-256 keys, as a browser makes them."""

from __future__ import annotations

import json
import os
import struct
import threading
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

URGENCIES = {"very-low", "low", "normal", "high"}
TOPIC_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(salt: bytes, info: bytes, length: int, key: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(key)


@dataclass
class Device:
    """A browser's side of a subscription: the keys only it holds."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def public_point(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    def decrypt(self, body: bytes) -> bytes:
        """RFC 8291 / RFC 8188: one aes128gcm record."""
        salt, record_size, id_length = body[:16], struct.unpack("!L", body[16:20])[0], body[20]
        assert record_size >= 18, "record size"
        sender_point = body[21 : 21 + id_length]
        ciphertext = body[21 + id_length :]
        assert len(ciphertext) <= record_size, "one record only"
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_point)
        shared = self.private_key.exchange(ec.ECDH(), sender)
        ikm = hkdf(self.auth, b"WebPush: info\x00" + self.public_point + sender_point, 32, shared)
        key = hkdf(salt, b"Content-Encoding: aes128gcm\x00", 16, ikm)
        nonce = hkdf(salt, b"Content-Encoding: nonce\x00", 12, ikm)
        padded = AESGCM(key).decrypt(nonce, ciphertext, None)
        unpadded = padded.rstrip(b"\x00")
        assert unpadded.endswith(b"\x02"), "last-record delimiter"
        return unpadded[:-1]


def browser_keys() -> dict[str, str]:
    """Subscription keys as a browser makes them, for a device no test decrypts for."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {"p256dh": b64(point), "auth": b64(os.urandom(16))}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    claims: dict[str, Any]
    payload: dict[str, Any]
    answered: int


@dataclass
class PushService:
    server: ThreadingHTTPServer
    devices: dict[str, Device] = field(default_factory=dict)
    scripts: dict[str, list[tuple[int, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    received: list[Received] = field(default_factory=list)
    # What a real push service would refuse: the tests expect none.
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # How long each answer takes (a slow push service keeps several dispatchers busy at once).
    delay_seconds: float = 0.0

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        assert isinstance(host, str)  # an IPv4 server's address
        return f"http://{host}:{port}"

    def subscribe(self, name: str) -> dict[str, Any]:
        """A new subscription, as `PushSubscription.toJSON()` gives it to the app."""
        device = Device(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        self.devices[f"/push/{name}"] = device
        return {
            "endpoint": f"{self.origin}/push/{name}",
            "keys": {"p256dh": b64(device.public_point), "auth": b64(device.auth)},
        }

    def answer(self, name: str, *answers: int | tuple[int, dict[str, str]]) -> None:
        """The next answers for this subscription's endpoint, in order; then 201."""
        for a in answers:
            self.scripts[f"/push/{name}"].append(a if isinstance(a, tuple) else (a, {}))

    def for_(self, name: str) -> list[Received]:
        return [r for r in self.received if r.path == f"/push/{name}"]

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        time.sleep(self.delay_seconds)
        problems = self._check(headers)
        claims: dict[str, Any] = {}
        payload: dict[str, Any] = {}
        try:
            scheme, _, params = headers.get("authorization", "").partition(" ")
            fields = dict(p.strip().split("=", 1) for p in params.split(","))
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
            claims = jwt.decode(fields["t"], key, algorithms=["ES256"], audience=self.origin)
            if scheme != "vapid":
                problems.append(f"authorization scheme {scheme!r}")
            if not 0 < claims["exp"] - time.time() <= 24 * 3600:
                problems.append(f"exp {claims['exp']} not within 24 h")
            if not str(claims.get("sub", "")).startswith(("mailto:", "https://")):
                problems.append(f"sub {claims.get('sub')!r}")
        except Exception as error:
            problems.append(f"VAPID token: {error!r}")
        device = self.devices.get(path)
        if device is None:
            problems.append(f"unknown endpoint {path}")
        else:
            try:
                payload = json.loads(device.decrypt(body))
            except Exception as error:
                problems.append(f"body: {error!r}")
        extra: dict[str, str] = {}
        with self.lock:
            if problems:
                self.violations += problems
                status = 400
            else:
                script = self.scripts[path]
                status, extra = script.pop(0) if script else (201, {})
            self.received.append(Received(path, headers, claims, payload, status))
        return status, extra

    @staticmethod
    def _check(headers: dict[str, str]) -> list[str]:
        problems = []
        if not headers.get("ttl", "").isdigit() or int(headers["ttl"]) <= 0:
            problems.append(f"TTL {headers.get('ttl')!r}")
        if headers.get("urgency", "normal") not in URGENCIES:
            problems.append(f"Urgency {headers.get('urgency')!r}")
        topic = headers.get("topic")
        if topic is not None and (len(topic) > 32 or not set(topic) <= TOPIC_CHARACTERS):
            problems.append(f"Topic {topic!r}")
        if headers.get("content-encoding") != "aes128gcm":
            problems.append(f"Content-Encoding {headers.get('content-encoding')!r}")
        return problems

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_push_service() -> PushService:
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra = service.handle(self.path, headers, body)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256  # dispatchers open many connections at once

    server = Server(("127.0.0.1", 0), Handler)
    service = PushService(server)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return service
