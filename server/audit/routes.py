from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.params import QueryParameter

from server.audit import queries
from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from shared_schemas.audit import AccessLogPage


@get("/api/me/access-log", operation_id="ListMyAccessLog", responses=PROBLEM_RESPONSES)
async def list_my_access_log(
    principal: CurrentPrincipal,
    cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> AccessLogPage:
    """Who looked at my records, newest first."""
    return await queries.list_my_access_log(principal, cursor, limit)


router = Router(path="/", route_handlers=[list_my_access_log], tags=["privacy"])
