"""The ceiling: a bare Litestar JSON endpoint under the same uvicorn settings as Tandem, so
results can be read as ratios that survive a noisy machine."""

from __future__ import annotations

from litestar import Litestar, get


@get("/json")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])
