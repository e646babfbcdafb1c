"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from litestar import Router, get
from litestar.datastructures import State

from server.core.errors import ProblemError

PUBLIC = {"public": True}


@get("/healthz", operation_id="Healthz", opt=PUBLIC, tags=["ops"])
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get("/readyz", operation_id="Readyz", opt=PUBLIC, tags=["ops"])
async def readyz(state: State) -> dict[str, str]:
    """The database answers."""
    try:
        await state.engine.run_ddl("SELECT 1")
    except Exception as exc:
        raise ProblemError(503, "database_unavailable", "The database does not answer.") from exc
    return {"status": "ok"}


router = Router(path="/", route_handlers=[healthz, readyz])
