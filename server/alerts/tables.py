"""Deviation rules (set by HR) and the alerts they raise."""

from __future__ import annotations

from piccolo.columns import (
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from server.goals.tables import Goal, KeyResult
from server.org.tables import Department, Person

VALUE_DIGITS = (18, 4)


class AlertRule(Table, tablename="alerts_rule"):
    """One kind of deviation watched at one scope: the company, a department (and its
    sub-departments) or one goal. The nearest scope wins; a disabled rule switches the kind
    off there."""

    id = UUID(primary_key=True)
    kind = Varchar(length=24)
    scope = Varchar(length=12)  # company | department | goal
    department = ForeignKey(Department, null=True, on_delete=OnDelete.cascade)
    goal = ForeignKey(Goal, null=True, on_delete=OnDelete.cascade)
    # "company", "department:<id>" or "goal:<id>": unique with the kind (one rule per place).
    target = Varchar(length=60)
    threshold = Numeric(digits=VALUE_DIGITS)
    enabled = Boolean(default=True)
    updated_by = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()


class Alert(Table, tablename="alerts_alert"):
    """A condition a rule found, and the conversation it asks for."""

    id = UUID(primary_key=True)
    rule = ForeignKey(AlertRule, null=True, on_delete=OnDelete.set_null)
    kind = Varchar(length=24)
    # What was watched, e.g. "kr_behind:<key result>": at most one open or scheduled alert
    # per condition (a partial unique index), and none again until it has recovered.
    condition = Varchar(length=120, index=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    # The person's direct manager when it was raised (who was told).
    manager = ForeignKey(Person, null=True, on_delete=OnDelete.set_null, index=True)
    # A nudge to the manager about their own habits: the person is not told and does not see it.
    manager_only = Boolean(default=False)
    goal = ForeignKey(Goal, null=True, on_delete=OnDelete.cascade)
    key_result = ForeignKey(KeyResult, null=True, on_delete=OnDelete.cascade)
    observed = Numeric(digits=VALUE_DIGITS)
    expected = Numeric(digits=VALUE_DIGITS)
    threshold = Numeric(digits=VALUE_DIGITS)
    due_on = Date(null=True, default=None)
    state = Varchar(length=12, index=True)  # open | scheduled | resolved | dismissed | recovered
    opened_at = Timestamptz()
    scheduled_for = Date(null=True, default=None)
    outcome = Varchar(
        length=20, default=""
    )  # adjust_goal | resources | division_of_work | no_change
    agreement = Text(default="")
    dismiss_reason = Text(default="")
    closed_by = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    closed_at = Timestamptz(null=True, default=None)
    # Not resolved within 14 days: HR in scope may read it from then on.
    escalated_at = Timestamptz(null=True, default=None)
    # The condition recovered after this alert: the next breach may raise a new one.
    rearmed_at = Timestamptz(null=True, default=None)
