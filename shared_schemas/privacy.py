"""Who can see my data: for each kind of record about a person, who reads it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from shared_schemas.alerts import AlertRead
from shared_schemas.audit import AccessLogEntryRead
from shared_schemas.checkins import CheckinRead
from shared_schemas.common import PersonRef, ReadModel, WholeNumber, WriteModel
from shared_schemas.feedback import FeedbackRead, KudosRead
from shared_schemas.goals import GoalRecordRead
from shared_schemas.org import PersonRead
from shared_schemas.push import NotificationPreferences, NotificationRead

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


class MyDataExport(ReadModel):
    """Everything Tandem holds about a person, as they may read it: the other people in it
    appear by name, and nobody else's private notes are in it (GDPR art. 20(4))."""

    format: Literal["tandem.my-data.v1"]
    exported_at: datetime
    profile: PersonRead
    goals: list[GoalRecordRead]
    # As the employee; the minutes, actions and my own notes, never my manager's notes.
    checkins: list[CheckinRead]
    kudos_received: list[KudosRead]
    kudos_given: list[KudosRead]
    feedback_received: list[FeedbackRead]
    feedback_given: list[FeedbackRead]
    alerts: list[AlertRead]
    notifications: list[NotificationRead]
    notification_preferences: NotificationPreferences
    access_log: list[AccessLogEntryRead]


# The kinds of record HR keeps for a set time (docs/privacy.md).
RetentionKind = Literal[
    "checkin", "goal", "feedback", "kudos", "alert", "notification", "access_log"
]


class RetentionPeriodRead(ReadModel):
    kind: RetentionKind
    # None: kept until someone deletes it.
    days: int | None
    default_days: int | None
    # The shortest period HR may set for this kind.
    min_days: int
    updated_by: PersonRef | None
    updated_at: datetime | None


class RetentionRead(ReadModel):
    periods: list[RetentionPeriodRead]
    # The viewer may change them (company-wide HR).
    editable: bool


class RetentionPeriodSet(WriteModel):
    kind: RetentionKind
    # Required: null keeps this kind of record until someone deletes it.
    days: WholeNumber | None = Field(ge=1, le=36500)


class RetentionUpdate(WriteModel):
    """The kinds named change; the others keep their period."""

    periods: list[RetentionPeriodSet] = Field(min_length=1, max_length=20)
