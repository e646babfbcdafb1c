"""Security headers on every response: API, static files and errors alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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


# Browsers that reached Tandem over HTTPS keep to HTTPS for a year.
STRICT_TRANSPORT_SECURITY = ("strict-transport-security", "max-age=31536000")
# The API's answers are personal data: no browser cache keeps them (on a shared phone the
# next person could read them from its disk), unless an answer says otherwise.
API_CACHE_CONTROL = (b"cache-control", b"no-store")


def security_headers(over_https: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """The before_send hook; with Strict-Transport-Security when people reach Tandem over
    HTTPS (`TANDEM_PUBLIC_URL`), never over plain HTTP, where browsers ignore it anyway."""
    ours = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]
    if over_https:
        ours.append((STRICT_TRANSPORT_SECURITY[0].encode(), STRICT_TRANSPORT_SECURITY[1].encode()))
    our_names = {name for name, _ in ours}

    async def add_security_headers(message: Message, scope: Scope) -> None:
        """Ours replace any of the same name a handler set; an API answer gets
        `Cache-Control: no-store` unless its handler set one. One pass over the raw header
        list: setting them one by one searched the list for each (5 % of a sync push's CPU)."""
        if message["type"] == "http.response.start":
            kept = [h for h in message.get("headers", ()) if h[0].lower() not in our_names]
            added = ours
            if scope.get("path", "").startswith("/api/") and not any(
                h[0].lower() == API_CACHE_CONTROL[0] for h in kept
            ):
                added = [*ours, API_CACHE_CONTROL]
            message["headers"] = [*kept, *added]

    return add_security_headers


async def complete_allow_header(message: Message, scope: Scope) -> None:
    """Litestar 2 answers OPTIONS on a path whose methods come from several handlers with
    the methods of the first one only (litestar#4169, fixed in Litestar 3); RFC 9110 wants
    them all, as the app's route map has them."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    routes = scope["app"].route_handler_method_map
    methods = {m for path in scope["route_handler"].paths for m in routes.get(path, ())}
    if methods:
        kept = [h for h in message.get("headers", ()) if h[0].lower() != b"allow"]
        message["headers"] = [*kept, (b"allow", ", ".join(sorted(methods)).encode())]
