from __future__ import annotations

from litestar import Router, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK

from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.sync import queries
from shared_schemas.sync import PushRequest, PushResult


@post(
    "/api/sync/push",
    operation_id="SyncPush",
    status_code=HTTP_200_OK,
    responses=PROBLEM_RESPONSES,
)
async def sync_push(principal: CurrentPrincipal, data: JSONBody[PushRequest]) -> PushResult:
    """Apply queued entries from a phone, in order, each exactly once: `applied`, `duplicate`
    (already applied; the stored result) or `rejected` (permanent, with the reason)."""
    return await queries.push(principal, data)


router = Router(path="/", route_handlers=[sync_push], tags=["sync"])
