from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Router, get
from litestar.params import QueryParameter

from server.audit import queries
from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from shared_schemas.audit import AccessLogPage, LoggedRecordKind


@get("/api/me/access-log", operation_id="ListMyAccessLog", responses=PROBLEM_RESPONSES)
async def list_my_access_log(
    principal: CurrentPrincipal,
    cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    record_kind: Annotated[LoggedRecordKind | None, QueryParameter()] = None,
    viewer_id: Annotated[UUID | None, QueryParameter()] = None,
    since: Annotated[datetime | None, QueryParameter()] = None,
    until: Annotated[datetime | None, QueryParameter()] = None,
) -> AccessLogPage:
    """Who looked at my records, newest first; narrowed to one kind of record, one viewer or
    a time span (`since` included, `until` excluded)."""
    narrowed = queries.LogFilter(record_kind, viewer_id, since, until)
    return await queries.list_my_access_log(principal, narrowed, cursor, limit)


router = Router(path="/", route_handlers=[list_my_access_log], tags=["privacy"])
