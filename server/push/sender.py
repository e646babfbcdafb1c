"""Sending one Web Push message (RFC 8030/8291/8292): our wrapper around the `webpush`
package. It encrypts (aes128gcm); we add what it leaves out or gets wrong for us: an
explicit TTL, `Urgency`, `Topic`, the payload limit, the VAPID audience with its port, and
one signed VAPID token per audience instead of one per message."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import aiohttp
from cryptography.hazmat.primitives.asymmetric import ec
from webpush import WebPush
from webpush.types import WebPushKeys, WebPushSubscription

from server.core import base64url
from server.push.vapid import VapidIdentity

# RFC 8291: 4,096-byte records, less the header and padding delimiter, leave 3,993 bytes
# of plaintext for one record.
MAX_PAYLOAD_BYTES = 3993
AUTH_SECRET_BYTES = 16
Urgency = Literal["very-low", "low", "normal", "high"]


class PayloadTooLargeError(ValueError):
    """A notification's payload is over what one push message carries: a bug of ours."""


@dataclass(frozen=True)
class Message:
    """What the service worker shows: no private text (the title and body are neutral, the
    app loads the details after sign-in), the screen to open, and a tag that replaces an
    earlier notification of the same thing."""

    title: str
    body: str
    url: str
    tag: str

    def payload(self) -> bytes:
        data = json.dumps(
            {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        if len(data) > MAX_PAYLOAD_BYTES:
            raise PayloadTooLargeError(f"push payload of {len(data)} bytes")
        return data


@dataclass(frozen=True)
class Target:
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True)
class Answer:
    """The push service's answer: its status (None when it could not be reached) and, for a
    429 or 503, how long it asked us to wait."""

    status: int | None
    retry_after_seconds: float | None = None
    error: str = ""


class Sender:
    def __init__(self, identity: VapidIdentity, session: aiohttp.ClientSession) -> None:
        self.identity = identity
        # aiohttp: httpx's client spent about 2 ms of CPU per request with 50 in flight, four
        # times what encrypting the message costs (docs/performance.md).
        self.session = session
        # The package's encryption; its `get` would also sign a token per message, with an
        # audience missing the port, and keep the last TTL as the default for the next.
        self._encryptor = WebPush(private_key=identity.private_pem, public_key=identity.public_pem)

    def request(
        self, target: Target, message: Message, ttl: int, urgency: Urgency, topic: str
    ) -> tuple[bytes, dict[str, str]]:
        """The encrypted body and the headers of one push message."""
        if ttl <= 0:
            raise ValueError("a push TTL of 0 drops the message unless the phone is online now")
        body = self._encryptor._encrypt(
            message.payload(),
            WebPushSubscription(
                endpoint=target.endpoint,
                keys=WebPushKeys(auth=target.auth, p256dh=target.p256dh),
            ),
        )
        headers = {
            "TTL": str(ttl),
            "Urgency": urgency,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "Authorization": self.identity.authorization(target.endpoint),
        }
        if topic:
            headers["Topic"] = topic
        return body, headers

    async def send(
        self, target: Target, message: Message, ttl: int, urgency: Urgency, topic: str
    ) -> Answer:
        body, headers = self.request(target, message, ttl, urgency, topic)
        try:
            async with self.session.post(target.endpoint, data=body, headers=headers) as response:
                error = "" if response.status < 300 else (await response.text())[:500]
                return Answer(
                    response.status, retry_after(response.headers.get("Retry-After")), error
                )
        except (aiohttp.ClientError, TimeoutError) as failure:
            return Answer(None, error=f"{type(failure).__name__}: {failure}"[:500])


def usable_keys(p256dh: str, auth: str) -> bool:
    """Whether a browser's subscription keys can encrypt a message: a point on P-256 and a
    16-byte secret (a browser never sends others; a crafted request might)."""
    try:
        secret = base64url.decode(auth)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), base64url.decode(p256dh))
    except ValueError:
        return False
    return len(secret) == AUTH_SECRET_BYTES


def retry_after(value: str | None) -> float | None:
    """`Retry-After` in seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
