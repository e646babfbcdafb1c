"""A push service that only answers 201, for the push throughput benchmark: it runs in a
process of its own, so its CPU is not counted as the sender's. (The checking push service
of the tests decrypts every message, which would be the bottleneck here.)"""

from __future__ import annotations

from typing import Any


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:  # read the whole body, as a push service does
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})
