"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from litestar import Router, get
from litestar.datastructures import State

from server.core.access import PUBLIC
from server.core.errors import PROBLEM_RESPONSES, ProblemError


@get(
    "/healthz",
    operation_id="Healthz",
    responses=PROBLEM_RESPONSES,
    opt={PUBLIC: True},
    tags=["ops"],
)
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@get(
    "/readyz", operation_id="Readyz", responses=PROBLEM_RESPONSES, opt={PUBLIC: True}, tags=["ops"]
)
async def readyz(state: State) -> dict[str, str]:
    """The database answers."""
    try:
        await state.engine.run_ddl("SELECT 1")
    except Exception as exc:
        raise ProblemError(503, "database_unavailable", "The database does not answer.") from exc
    return {"status": "ok"}


router = Router(path="/", route_handlers=[healthz, readyz])
