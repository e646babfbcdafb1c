"""The check-in contract: 15-minute templates, the employee's preparation, the minutes both
sides confirm, next actions, cadence and the due/overdue status."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.common import Day, Flag, PersonRef, ReadModel, WholeNumber, WriteModel
from shared_schemas.goals import Metric, Pace
from shared_schemas.org import DepartmentGroupRead

SectionKey = Literal["highlights", "obstacles", "next_actions"]
SECTION_KEYS: tuple[SectionKey, ...] = ("highlights", "obstacles", "next_actions")
Cadence = Literal["weekly", "biweekly", "monthly"]
CheckinState = Literal["preparing", "recorded", "confirmed"]
DueStatus = Literal["ok", "due", "overdue", "never"]

# --- templates ----------------------------------------------------------------------------------


class LocalizedText(WriteModel):
    zh_cn: str = Field(min_length=1, max_length=500)
    en: str = Field(min_length=1, max_length=500)


class TemplateSection(WriteModel):
    key: SectionKey
    minutes: WholeNumber = Field(ge=1, le=30)
    prompts: list[LocalizedText] = Field(min_length=1, max_length=6)


class CheckinTemplateCreate(WriteModel):
    name: str = Field(min_length=1, max_length=100)
    # The three sections, in order: highlights, obstacles, next actions.
    sections: list[TemplateSection] = Field(min_length=3, max_length=3)
    # A new version of this template (check-ins keep the version they used).
    replaces_id: UUID | None = None


class CheckinTemplateRead(ReadModel):
    id: UUID
    family_id: UUID
    version: int
    name: str
    sections: list[TemplateSection]
    created_at: datetime
    # The viewer may publish a new version of it (company-wide HR).
    editable: bool


# --- check-ins ----------------------------------------------------------------------------------


class PrepareCheckin(WriteModel):
    """`checkin.prepare`: the employee's own answers ahead of the conversation."""

    checkin_id: UUID
    template_id: UUID
    answers: dict[SectionKey, str] = Field(default_factory=dict)


class ActionIn(WriteModel):
    id: UUID
    title: str = Field(min_length=1, max_length=300)
    owner_id: UUID
    due_on: Day


class SubmitMinutes(WriteModel):
    """`checkin.submit`: the minutes of a check-in, written by either party (often the
    manager, in person). Sending them again for the same check-in replaces them, and both
    confirm again."""

    checkin_id: UUID
    employee_id: UUID
    template_id: UUID
    held_on: Day
    highlights: str = Field(min_length=1, max_length=4000)
    blockers: str = Field(default="", max_length=4000)
    # What the manager committed to.
    support: str = Field(default="", max_length=4000)
    # The guide asks for one or two concrete next actions.
    actions: list[ActionIn] = Field(min_length=1, max_length=2)
    # Only its author ever reads it.
    private_note: str = Field(default="", max_length=4000)


class ConfirmMinutes(WriteModel):
    """`checkin.confirm`: a party confirms the version of the minutes they read."""

    checkin_id: UUID
    minutes_version: WholeNumber = Field(ge=1)


class CompleteAction(WriteModel):
    """`action.complete`."""

    action_id: UUID
    done: Flag = True


class ActionRead(ReadModel):
    id: UUID
    checkin_id: UUID
    title: str
    owner: PersonRef
    due_on: date
    done_at: datetime | None


class CheckinRead(ReadModel):
    id: UUID
    employee: PersonRef
    manager: PersonRef | None
    template_id: UUID
    state: CheckinState
    answers: dict[SectionKey, str]
    prepared_at: datetime | None
    held_on: date | None
    highlights: str
    blockers: str
    support: str
    actions: list[ActionRead]
    minutes_version: int
    employee_confirmed: bool
    manager_confirmed: bool
    # The viewer's own private note, if they wrote one.
    my_private_note: str
    created_at: datetime


# --- before the conversation --------------------------------------------------------------------


class KeyResultChange(ReadModel):
    key_result_id: UUID
    title: str
    goal_title: str
    unit: str
    value_before: Metric
    value_now: Metric
    target_value: Metric
    pace: Pace


class MilestoneCheck(ReadModel):
    key_result_id: UUID
    title: str
    due_on: date
    expected_value: Metric
    reached: bool


class KudosNote(ReadModel):
    id: UUID
    author: PersonRef
    behaviour: str
    written_at: datetime


class CheckinPrepRead(ReadModel):
    """What the system gathers before a check-in: what moved since the last one."""

    person: PersonRef
    since: date | None
    key_result_changes: list[KeyResultChange]
    milestones: list[MilestoneCheck]
    kudos_received: list[KudosNote]
    open_actions: list[ActionRead]


# --- cadence ------------------------------------------------------------------------------------


class CadenceSet(WriteModel):
    cadence: Cadence


class CheckinStatusRead(ReadModel):
    """Status only, never content: what HR and the reminders see."""

    person: PersonRef
    manager: PersonRef | None
    cadence: Cadence
    last_held_on: date | None
    next_due_on: date
    status: DueStatus


class CheckinStatusPage(ReadModel):
    items: list[CheckinStatusRead]
    # Pass as `cursor` for the next page (by name); None: no more.
    next_cursor: str | None


class CoverageGroupRead(DepartmentGroupRead):
    """How many of a group are on time with their check-ins, due, overdue, or never had one."""

    on_time: int | None
    due: int | None
    overdue: int | None
    never: int | None


class CoverageRead(ReadModel):
    min_group_size: int
    groups: list[CoverageGroupRead]
