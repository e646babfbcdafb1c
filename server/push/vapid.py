"""The server's VAPID identity (RFC 8292): an ES256 key pair in a file of its own, never in
the database or the logs, and the signed claims a push service checks on every message."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from webpush.vapid import VAPID

from server.core import base64url
from server.core.security import read_private_file, write_private_file
from server.settings import Settings

# A token is signed for 12 hours (push services accept at most 24) and reused for each
# audience until less than an hour of it is left.
TOKEN_LIFETIME_SECONDS = 12 * 3600
TOKEN_RENEW_SECONDS = 3600
DEFAULT_PORTS = {"https": 443, "http": 80}


def key_file(settings: Settings) -> Path:
    return settings.vapid_private_key_file or Path(settings.var_dir) / "vapid_private.pem"


def ensure_key_file(settings: Settings) -> tuple[Path, bool]:
    """The private key's file, created (mode 0600) when missing; -> (path, created)."""
    path = key_file(settings)
    if path.exists():
        return path, False
    private_pem, _, _ = VAPID.generate_keys()
    write_private_file(path, private_pem)
    return path, True


def audience(endpoint: str) -> str:
    """The endpoint's origin, with its port unless it is the scheme's default (the `webpush`
    package drops the port, and a push service on another port then refuses the token)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    port = parts.port
    if port is not None and port != DEFAULT_PORTS.get(parts.scheme):
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


@dataclass
class VapidIdentity:
    private_key: ec.EllipticCurvePrivateKey
    subject: str
    _tokens: dict[str, tuple[str, int]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> VapidIdentity:
        path, _ = ensure_key_file(settings)
        key = serialization.load_pem_private_key(read_private_file(path), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            raise ValueError(f"{path} does not hold a P-256 private key")
        return cls(key, settings.vapid_subject)

    @property
    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @cached_property
    def application_server_key(self) -> str:
        """The public key as browsers take it for `pushManager.subscribe` (base64url of the
        uncompressed point)."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return base64url.encode(point)

    def authorization(self, endpoint: str) -> str:
        """`Authorization: vapid t=…, k=…` for an endpoint, signed once per audience and
        reused (an ES256 signature costs more than encrypting the message)."""
        aud = audience(endpoint)
        now = int(time.time())
        cached = self._tokens.get(aud)
        if cached is None or cached[1] - now < TOKEN_RENEW_SECONDS:
            expires = now + TOKEN_LIFETIME_SECONDS
            token = jwt.encode(
                {"aud": aud, "exp": expires, "sub": self.subject},
                self.private_key,
                algorithm="ES256",
            )
            cached = self._tokens[aud] = (token, expires)
        return f"vapid t={cached[0]}, k={self.application_server_key}"
