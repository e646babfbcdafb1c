from __future__ import annotations

from typing import Annotated, cast

from litestar import MediaType, Response, Router, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.sync import pull, queries
from shared_schemas.sync import PullResult, PushRequest, PushResult


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


@get("/api/sync/pull", operation_id="SyncPull", responses=PROBLEM_RESPONSES)
async def sync_pull(
    principal: CurrentPrincipal,
    state: State,
    cursor: Annotated[str | None, QueryParameter(max_length=4000)] = None,
    partial: Annotated[
        bool, QueryParameter(description="The phone merges the kudos feed it is sent.")
    ] = False,
) -> Response[PullResult]:
    """What the phone keeps for reading offline: the collections that changed since the
    cursor, each whole (my goals, my team and its goals, templates, check-ins, their status,
    the kudos feed, feedback I received). With `partial`, the phone merges the kudos feed: it
    is sent only the kudos it lacks, and the feed's order (`KudosChange.order`)."""
    # The body is a PullResult already written as JSON (`pull.pull`), which Litestar sends as
    # is; the annotation keeps the schema in the API contract.
    written = Response(
        await pull.pull(principal, cursor, partial, state.settings.sync_verify_versions),
        media_type=MediaType.JSON,
    )
    return cast("Response[PullResult]", written)


router = Router(path="/", route_handlers=[sync_push, sync_pull], tags=["sync"])
