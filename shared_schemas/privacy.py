"""Who can see my data: for each kind of record about a person, who reads it."""

from __future__ import annotations

from typing import Literal

from shared_schemas.common import PersonRef, ReadModel

RecordKind = Literal[
    "profile",
    "checkin",
    "checkin_private_note",
    "goal",
    "kudos",
    "feedback",
    "alert",
    "recognition_nudge",
    "access_log",
]
ViewerKind = Literal["self", "author", "direct_manager", "skip_manager", "hr", "colleague", "admin"]
# read_write: a party to the record (writes, signs, acts on it); status: when check-ins were
# held and whether one is due, never their content; card: name, title and department only.
Access = Literal["read_write", "read", "status", "card"]
# When the grant holds: always, or only once the record is in that state.
Condition = Literal["always", "if_public", "if_shared", "after_escalation"]


class AudienceRead(ReadModel):
    viewer: ViewerKind
    access: Access
    condition: Condition
    # The people this means for me today, where they are known (my manager, HR covering my
    # department, ...); empty for authors and colleagues.
    people: list[PersonRef]


class RecordAudienceRead(ReadModel):
    kind: RecordKind
    audience: list[AudienceRead]


class DataAudienceRead(ReadModel):
    records: list[RecordAudienceRead]
