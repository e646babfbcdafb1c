from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from litestar import Router, get
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIFormat
from litestar.params import QueryParameter

from server.audit import queries
from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from shared_schemas.audit import AccessLogPage, LoggedRecordKind

# RFC 3339 text only: Litestar's own datetime parameters also take a number ("0.5") as
# seconds since 1970, which the document does not allow.
Instant = Annotated[str | None, QueryParameter(format=OpenAPIFormat.DATE_TIME, max_length=40)]


def _instant(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        # Answered like every other invalid parameter (core.errors.handle_validation).
        raise ValidationException(
            extra=[{"key": name, "message": "not an RFC 3339 date-time"}]
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@get("/api/me/access-log", operation_id="ListMyAccessLog", responses=PROBLEM_RESPONSES)
async def list_my_access_log(
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    record_kind: Annotated[LoggedRecordKind | None, QueryParameter()] = None,
    viewer_id: Annotated[UUID | None, QueryParameter()] = None,
    since: Instant = None,
    until: Instant = None,
) -> AccessLogPage:
    """Who looked at my records, newest first; narrowed to one kind of record, one viewer or
    a time span (`since` included, `until` excluded)."""
    narrowed = queries.LogFilter(
        record_kind, viewer_id, _instant("since", since), _instant("until", until)
    )
    return await queries.list_my_access_log(principal, narrowed, cursor, limit)


router = Router(path="/", route_handlers=[list_my_access_log], tags=["privacy"])
