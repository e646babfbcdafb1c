"""Deviation alerts and the rules that raise them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import Field, model_validator

from shared_schemas.common import Day, Flag, PersonRef, ReadModel, WriteModel, refuse_null
from shared_schemas.goals import Metric
from shared_schemas.org import DepartmentGroupRead

AlertKind = Literal[
    "kr_behind", "milestone_overdue", "quality_threshold", "checkin_overdue", "no_recognition"
]
RuleScope = Literal["company", "department", "goal"]
AlertState = Literal["open", "scheduled", "resolved", "dismissed", "recovered"]
Outcome = Literal["adjust_goal", "resources", "division_of_work", "no_change"]


class AlertRuleRead(ReadModel):
    id: UUID
    kind: AlertKind
    scope: RuleScope
    department_id: UUID | None
    department_name: str | None
    goal_id: UUID | None
    goal_title: str | None
    # points (of 100) | days | weeks | value (in the key result's own unit)
    unit: str
    threshold: Metric
    enabled: bool
    editable: bool


class AlertRuleCreate(WriteModel):
    kind: AlertKind
    scope: RuleScope
    department_id: UUID | None = None
    goal_id: UUID | None = None
    threshold: Metric
    enabled: Flag = True

    @model_validator(mode="after")
    def _target_matches_scope(self) -> AlertRuleCreate:
        if (self.scope == "department") != (self.department_id is not None):
            raise ValueError("department_id is given exactly for a department rule")
        if (self.scope == "goal") != (self.goal_id is not None):
            raise ValueError("goal_id is given exactly for a goal rule")
        return self


class AlertRuleUpdate(WriteModel):
    threshold: Metric | None = None
    enabled: Flag | None = None

    _not_null = refuse_null("threshold", "enabled")


class AlertKeyResult(ReadModel):
    id: UUID
    title: str
    unit: str


class AlertGoal(ReadModel):
    id: UUID
    title: str


class AlertRead(ReadModel):
    id: UUID
    kind: AlertKind
    state: AlertState
    person: PersonRef
    manager: PersonRef | None
    # A nudge to the manager alone (the person is neither told nor shown it).
    manager_only: bool
    # Named only to viewers who may read the goal.
    goal: AlertGoal | None
    key_result: AlertKeyResult | None
    # kr_behind: progress and plan in points of 100; milestone_overdue: the value now and
    # the value due; quality_threshold: the value now and the limit; checkin_overdue: days
    # late and the days allowed; no_recognition: weeks without and the weeks allowed.
    observed: Metric
    expected: Metric
    threshold: Metric
    unit: str
    # The checkpoint or check-in that was due, or the last recognition.
    due_on: date | None
    opened_at: datetime
    scheduled_for: date | None
    outcome: Outcome | None
    agreement: str
    dismiss_reason: str
    closed_at: datetime | None
    closed_by: PersonRef | None
    escalated_at: datetime | None
    # The viewer is a party (the person or their manager) and the alert is still open.
    can_act: bool


class AlertSchedule(WriteModel):
    """When the conversation will take place."""

    on: Day


class AlertResolve(WriteModel):
    outcome: Outcome
    agreement: str = Field(min_length=1, max_length=4000)


class AlertDismiss(WriteModel):
    reason: str = Field(min_length=1, max_length=2000)


class OpenAlertsGroupRead(DepartmentGroupRead):
    """How many alerts are open about a group's people (not yet resolved, dismissed or
    recovered; booked ones included), and about how many of them."""

    open_alerts: int | None
    people_with_open_alerts: int | None


class OpenAlertsRead(ReadModel):
    min_group_size: int
    groups: list[OpenAlertsGroupRead]
