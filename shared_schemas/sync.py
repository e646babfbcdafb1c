"""The sync contract (DESIGN.md §4): phones push queued mutations, each applied once."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.checkins import CheckinRead, CheckinStatusRead, CheckinTemplateRead
from shared_schemas.common import Problem, ReadModel, Timestamp, WriteModel
from shared_schemas.feedback import FeedbackRead, KudosRead
from shared_schemas.goals import GoalRead, GoalSummaryRead
from shared_schemas.org import PersonCardRead

MAX_BATCH = 200


class MutationIn(WriteModel):
    # The idempotency key, made on the phone when the entry was written.
    id: UUID
    # Unknown kinds are rejected one by one, so an older server never fails a whole batch.
    kind: str = Field(min_length=1, max_length=40)
    payload: dict[str, Any]
    client_created_at: Timestamp


class PushRequest(WriteModel):
    device_id: str = Field(min_length=1, max_length=100)
    mutations: list[MutationIn] = Field(max_length=MAX_BATCH)


class MutationResult(ReadModel):
    id: UUID
    status: Literal["applied", "duplicate", "rejected"]
    error: Problem | None
    entity_id: UUID | None


class PushResult(ReadModel):
    results: list[MutationResult]


# --- pull: what the phone keeps for reading offline ---------------------------------------------
# Each change is one whole collection as it is now, scoped by the same policy as the API:
# the phone replaces what it had, so a record the person may no longer see disappears too.


class GoalsChange(ReadModel):
    collection: Literal["goals"] = "goals"
    items: list[GoalRead]


class TeamChange(ReadModel):
    collection: Literal["team"] = "team"
    items: list[PersonCardRead]


class ColleaguesChange(ReadModel):
    collection: Literal["colleagues"] = "colleagues"
    items: list[PersonCardRead]


class TeamGoalsChange(ReadModel):
    collection: Literal["team_goals"] = "team_goals"
    items: list[GoalSummaryRead]


class TemplatesChange(ReadModel):
    collection: Literal["checkin_templates"] = "checkin_templates"
    items: list[CheckinTemplateRead]


class CheckinsChange(ReadModel):
    collection: Literal["checkins"] = "checkins"
    items: list[CheckinRead]


class StatusChange(ReadModel):
    collection: Literal["checkin_status"] = "checkin_status"
    items: list[CheckinStatusRead]


class KudosChange(ReadModel):
    collection: Literal["kudos"] = "kudos"
    # The whole feed the phone keeps; or, to a phone that merges (a `partial` pull), only the
    # kudos it does not hold as they are now, with `order`.
    items: list[KudosRead]
    # Sent to a phone that merges: the feed is these kudos, in this order, each from `items`
    # or else as the phone holds it.
    order: list[UUID] | None = None


class FeedbackChange(ReadModel):
    collection: Literal["feedback_received"] = "feedback_received"
    items: list[FeedbackRead]


Change = Annotated[
    GoalsChange
    | TeamChange
    | ColleaguesChange
    | TeamGoalsChange
    | TemplatesChange
    | CheckinsChange
    | StatusChange
    | KudosChange
    | FeedbackChange,
    Field(discriminator="collection"),
]


class PullResult(ReadModel):
    # Only collections that changed since the cursor.
    changes: list[Change]
    cursor: str
    has_more: bool
