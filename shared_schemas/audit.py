from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from shared_schemas.common import PersonRef, ReadModel

# The records whose reads by a manager or HR are logged.
LoggedRecordKind = Literal["profile", "goal", "checkin", "alert"]


class AccessLogEntryRead(ReadModel):
    id: UUID
    viewer: PersonRef
    record_kind: LoggedRecordKind
    relation: str
    record_id: UUID | None
    viewed_at: datetime


class AccessLogPage(ReadModel):
    items: list[AccessLogEntryRead]
    next_cursor: str | None
