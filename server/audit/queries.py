"""The access log store. Written when a manager or HR reads another person's sensitive record."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from piccolo.query import Select

from server.audit import policy
from server.audit.tables import AccessLog
from server.core.access import Principal, Relation
from server.core.erasure import Erasure
from server.core.pagination import newest_first, next_cursor
from server.db import delete_where
from shared_schemas.audit import AccessLogEntryRead, AccessLogPage, LoggedRecordKind
from shared_schemas.common import PersonRef


async def record_access(
    viewer_id: UUID,
    subject_id: UUID,
    record_kind: LoggedRecordKind,
    relation: Relation,
    record_id: UUID | None = None,
) -> None:
    await AccessLog.insert(
        AccessLog(
            viewer=viewer_id,
            subject=subject_id,
            record_kind=record_kind,
            relation=relation.value,
            record_id=record_id,
            viewed_at=datetime.now(UTC),
        )
    ).run()


class LogFilter(NamedTuple):
    record_kind: str | None = None
    viewer_id: UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def _my_log(principal: Principal, narrowed: LogFilter) -> Select[Any]:
    """Scoped to the principal as the subject."""
    query = AccessLog.select(
        AccessLog.id,
        AccessLog.viewer.id.as_alias("viewer_id"),
        AccessLog.viewer.display_name.as_alias("viewer_name"),
        AccessLog.record_kind,
        AccessLog.relation,
        AccessLog.record_id,
        AccessLog.viewed_at,
    ).where(AccessLog.subject == policy.log_subject(principal))
    if narrowed.record_kind is not None:
        query = query.where(AccessLog.record_kind == narrowed.record_kind)
    if narrowed.viewer_id is not None:
        query = query.where(AccessLog.viewer == narrowed.viewer_id)
    if narrowed.since is not None:
        query = query.where(AccessLog.viewed_at >= narrowed.since)
    if narrowed.until is not None:
        query = query.where(AccessLog.viewed_at < narrowed.until)
    return query


def _entry(row: dict[str, Any]) -> AccessLogEntryRead:
    return AccessLogEntryRead(
        id=row["id"],
        viewer=PersonRef(id=row["viewer_id"], display_name=row["viewer_name"]),
        record_kind=row["record_kind"],
        relation=row["relation"],
        record_id=row["record_id"],
        viewed_at=row["viewed_at"],
    )


async def list_my_access_log(
    principal: Principal, narrowed: LogFilter, cursor: str | None, limit: int
) -> AccessLogPage:
    """Newest first, keyset-paginated."""
    query = _my_log(principal, narrowed)
    rows = await newest_first(query, AccessLog.viewed_at, AccessLog.id, cursor, limit)
    items = [_entry(r) for r in rows[:limit]]
    return AccessLogPage(items=items, next_cursor=next_cursor(rows, limit, "viewed_at"))


async def my_whole_access_log(principal: Principal) -> list[AccessLogEntryRead]:
    """Every view, oldest first (the data export)."""
    rows = await _my_log(principal, LogFilter()).order_by(AccessLog.viewed_at, AccessLog.id)
    return [_entry(r) for r in rows]


async def erase_person(person_id: UUID) -> Erasure:
    """The log of who viewed a departed person's data goes with it; their own views of
    others' data stay in those people's logs (under the pseudonym)."""
    return Erasure(
        removed={"access_log": await delete_where(AccessLog, AccessLog.subject == person_id)},
        kept={"views_in_others_logs": await AccessLog.count().where(AccessLog.viewer == person_id)},
    )


async def purge_before(cutoff: datetime) -> int:
    return await delete_where(AccessLog, AccessLog.viewed_at < cutoff)
