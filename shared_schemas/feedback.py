"""The feedback contract: kudos (recognition) with reactions, and SBI feedback."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.common import Flag, PersonRef, ReadModel, WriteModel

KudosVisibility = Literal["public", "private"]
# Reactions by stable name; the app draws them.
Emoji = Literal["clap", "heart", "thumbs_up", "star", "fire"]


class KudosCreate(WriteModel):
    recipient_ids: list[UUID] = Field(min_length=1, max_length=20)
    # The specific behaviour being recognised: what the person did, observably.
    behaviour: str = Field(min_length=1, max_length=2000)
    goal_id: UUID | None = None
    company_value: str = Field(default="", max_length=100)
    # Public: the company feed. Private: the recipients, their managers and the author.
    visibility: KudosVisibility = "public"
    # The author saw the coach's hint that the text is generic and sends it as written.
    coached: Flag = False


class ReactionSet(WriteModel):
    kudos_id: UUID
    emoji: Emoji
    # True adds this person's reaction, False takes it back (so a replay changes nothing).
    on: Flag = True


class ReactionRead(ReadModel):
    emoji: Emoji
    count: int
    mine: bool


class KudosRead(ReadModel):
    id: UUID
    author: PersonRef
    recipients: list[PersonRef]
    behaviour: str
    goal_id: UUID | None
    # Only when the viewer may read the goal.
    goal_title: str | None
    company_value: str
    visibility: KudosVisibility
    reactions: list[ReactionRead]
    can_delete: bool
    created_at: datetime
    written_at: datetime


class KudosPage(ReadModel):
    items: list[KudosRead]
    # Pass as `cursor` for the next (older) page; None: no more.
    next_cursor: str | None


class FeedbackCreate(WriteModel):
    recipient_id: UUID
    situation: str = Field(min_length=1, max_length=2000)
    behaviour: str = Field(min_length=1, max_length=2000)
    impact: str = Field(min_length=1, max_length=2000)
    suggestion: str = Field(default="", max_length=2000)
    # Also let the recipient's direct manager read it (the author's choice).
    share_with_manager: Flag = False
    # The author saw the coach's hint about labels or absolute words and sends it as written.
    coached: Flag = False


class FeedbackRead(ReadModel):
    id: UUID
    author: PersonRef
    recipient: PersonRef
    situation: str
    behaviour: str
    impact: str
    suggestion: str
    shared_with_manager: bool
    created_at: datetime
    written_at: datetime


class RecognitionWeek(ReadModel):
    week_starts_on: date
    count: int


class ReportRecognition(ReadModel):
    """How often a manager recognised one report specifically, week by week (the guide asks
    for at least one specific positive feedback a week)."""

    person: PersonRef
    weeks: list[RecognitionWeek]
