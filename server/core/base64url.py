"""Base64url without padding (RFC 4648 §5): how cursors travel in query strings, and how
Web Push writes its keys."""

from __future__ import annotations

import base64


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str) -> bytes:
    """Raises ValueError when `text` is not base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
