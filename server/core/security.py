"""Security primitives: password hashing, access tokens, refresh tokens, the client address."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.settings import Settings

ACCESS_TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068 typ header, not a secret
JWT_ALGORITHM = "HS256"  # pinned: decode never accepts any other algorithm
MIN_SECRET_BYTES = 32
VERIFIED_TOKENS_KEPT = 10_000

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both answers take about as long.
_DUMMY_HASH = _hasher.hash("tandem-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-shape check: an unknown account still pays for one argon2 verification."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class ExposedSecretError(ValueError):
    """A secret's file can be read by other users of the machine."""


def write_private_file(path: Path, content: bytes) -> None:
    """A new file only its owner can read or write (created so, never widened afterwards)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def exposed(path: Path) -> bool:
    """The group or others may read or write it (anything wider than 0600)."""
    return bool(path.stat().st_mode & 0o077)


def read_private_file(path: Path) -> bytes:
    """A secret from its file; refused, as ssh refuses such keys, when others can read it."""
    if exposed(path):
        raise ExposedSecretError(
            f"{path} can be read by other users of this machine; run: chmod 600 {path}"
        )
    return path.read_bytes()


def secret_key_file(settings: Settings) -> Path:
    return settings.secret_key_file or Path(settings.var_dir) / "secret.key"


def load_secret_key(settings: Settings) -> bytes:
    """The signing key: from settings, else from its file (generated once into var_dir when
    no file is configured)."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value().encode()
    else:
        path = secret_key_file(settings)
        if settings.secret_key_file is None and not path.exists():
            write_private_file(path, secrets.token_urlsafe(48).encode())
        key = read_private_file(path).strip()
    if len(key) < MIN_SECRET_BYTES:
        raise ValueError(f"the secret key must be at least {MIN_SECRET_BYTES} bytes")
    return key


@dataclass(frozen=True)
class TokenSigner:
    key: bytes
    issuer: str
    audience: str
    lifetime: timedelta
    # Tokens already verified, until they expire: a phone sends the same token with every
    # request for its lifetime, and PyJWT's checks cost more than the rest of the
    # authentication. The signature, issuer and audience of that exact string were checked.
    _verified: dict[str, _Verified] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenSigner:
        return cls(
            key=load_secret_key(settings),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            lifetime=timedelta(minutes=settings.access_token_minutes),
        )

    def issue(self, person_id: UUID, session_id: UUID, now: datetime | None = None) -> str:
        now = now or datetime.now(UTC)
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(person_id),
            "sid": str(session_id),
            "iat": int(now.timestamp()),
            "exp": int((now + self.lifetime).timestamp()),
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(
            claims, self.key, algorithm=JWT_ALGORITHM, headers={"typ": ACCESS_TOKEN_TYPE}
        )

    def verify(self, token: str) -> tuple[UUID, UUID]:
        """-> (person id, session id); raises jwt.InvalidTokenError for anything wrong."""
        known = self._verified.get(token)
        if known is not None and time.time() < known.expires_at:
            return known.person_id, known.session_id
        decoded = jwt.decode_complete(
            token,
            self.key,
            algorithms=[JWT_ALGORITHM],
            audience=self.audience,
            issuer=self.issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"]},
        )
        if decoded["header"].get("typ") != ACCESS_TOKEN_TYPE:
            raise jwt.InvalidTokenError("wrong token type")
        claims = decoded["payload"]
        try:
            verified = _Verified(UUID(claims["sub"]), UUID(claims["sid"]), float(claims["exp"]))
        except (ValueError, TypeError) as exc:
            raise jwt.InvalidTokenError("malformed subject") from exc
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = verified
        return verified.person_id, verified.session_id


@dataclass(frozen=True)
class _Verified:
    person_id: UUID
    session_id: UUID
    expires_at: float


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Refresh tokens are high-entropy, so a plain SHA-256 is the right storage hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxies: list[str]) -> str:
    """The caller's address. X-Forwarded-For counts only when the direct peer is a trusted
    proxy, and then the right-most hop that is not itself a trusted proxy is the client."""
    peer = peer or "unknown"
    trusted = {ipaddress.ip_address(p) for p in trusted_proxies}

    def is_trusted(address: str) -> bool:
        try:
            return ipaddress.ip_address(address) in trusted
        except ValueError:
            return False

    if not forwarded_for or not is_trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            return hop
    return peer
