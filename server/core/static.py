"""Serves the built PWA: hashed assets cached forever, the shell and service worker never
stale, and any unknown path outside /api answered with the app (client-side routes)."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Router, get
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.response import File

from server.core.access import PUBLIC
from server.core.errors import ProblemError, not_found

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Paths owned by the server: never answered with the app shell.
SERVER_PREFIXES = ("api/", "schema/", "healthz", "readyz")
mimetypes.add_type("application/manifest+json", ".webmanifest")


def _resolve(dist: Path, path: str) -> Path | None:
    candidate = (dist / path).resolve()
    if not candidate.is_relative_to(dist.resolve()) or not candidate.is_file():
        return None
    return candidate


def serve_pwa(state: State, path: str) -> File:
    path = path.lstrip("/")
    if path == "api" or path.startswith(SERVER_PREFIXES):
        raise not_found()
    dist: Path = state.settings.pwa_dist
    index = dist / "index.html"
    if not index.is_file():
        raise ProblemError(503, "pwa_not_built", "The app has not been built (run `make run`).")
    asset = _resolve(dist, path) if path else None
    if asset is None:
        # A client-side route such as /team: the shell decides what to show.
        return _file(index, REVALIDATE)
    return _file(asset, IMMUTABLE if path.startswith("assets/") else REVALIDATE)


def _file(path: Path, cache_control: str) -> File:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return File(
        path,
        media_type=media_type,
        content_disposition_type="inline",
        headers={"Cache-Control": cache_control},
    )


@get("/", include_in_schema=False, opt={PUBLIC: True}, sync_to_thread=False)
def pwa_root(state: State) -> File:
    return serve_pwa(state, "")


@get("/{path:path}", include_in_schema=False, opt={PUBLIC: True}, sync_to_thread=False)
def pwa_path(state: State, path: FromPath[str]) -> File:
    return serve_pwa(state, path)


router = Router(path="/", route_handlers=[pwa_root, pwa_path])
