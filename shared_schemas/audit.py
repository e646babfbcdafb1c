from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared_schemas.common import PersonRef, ReadModel


class AccessLogEntryRead(ReadModel):
    id: UUID
    viewer: PersonRef
    record_kind: str
    relation: str
    record_id: UUID | None
    viewed_at: datetime


class AccessLogPage(ReadModel):
    items: list[AccessLogEntryRead]
    next_cursor: str | None
