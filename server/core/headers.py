"""Security headers on every response: API, static files and errors alike."""

from __future__ import annotations

from litestar.types import Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


_OURS = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
_OUR_NAMES = {name for name, _ in _OURS}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Ours replace any of the same name a handler set. One pass over the raw header list:
    setting them one by one searched the list for each (5 % of a sync push's CPU)."""
    if message["type"] == "http.response.start":
        kept = [h for h in message.get("headers", ()) if h[0].lower() not in _OUR_NAMES]
        message["headers"] = [*kept, *_OURS]
