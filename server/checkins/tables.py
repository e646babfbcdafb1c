"""Micro check-ins: templates (versioned), the check-in with the employee's preparation and
the minutes, next actions, private notes and each team's cadence."""

from __future__ import annotations

from piccolo.columns import UUID, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.org.tables import Person


class CheckinTemplate(Table, tablename="checkins_template"):
    id = UUID(primary_key=True)
    # All versions of one template share a family; check-ins keep the version they used.
    family = UUID(index=True)
    version = Integer()
    name = Varchar(length=100)
    sections = Text()  # JSON: [TemplateSection]
    created_by = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Checkin(Table, tablename="checkins_checkin"):
    id = UUID(primary_key=True)
    # Indexed with the day held and the state (a migration): each person's last check-in
    # held is read from the index alone.
    employee = ForeignKey(Person, on_delete=OnDelete.cascade)
    # The employee's manager when the check-in was made.
    manager = ForeignKey(Person, null=True, on_delete=OnDelete.set_null, index=True)
    template = ForeignKey(CheckinTemplate, on_delete=OnDelete.restrict)
    state = Varchar(length=12)  # preparing | recorded | confirmed | merged
    # The employee's answers before the conversation, JSON {section key: text}.
    answers = Text(default="{}")
    prepared_at = Timestamptz(null=True, default=None)
    # Indexed with the employee and state (a migration: Piccolo declares one-column indexes
    # only), so ranges of days (the retention purge) are read from the index alone.
    held_on = Date(null=True, default=None)
    highlights = Text(default="")
    blockers = Text(default="")
    support = Text(default="")
    minutes_version = Integer(default=0)
    recorded_by = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    employee_confirmed_version = Integer(null=True, default=None)
    manager_confirmed_version = Integer(null=True, default=None)
    # A preparation the minutes were written into under another id (made offline).
    merged_into: ForeignKey[Checkin] = ForeignKey("self", null=True, on_delete=OnDelete.cascade)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CheckinAction(Table, tablename="checkins_action"):
    id = UUID(primary_key=True)
    checkin = ForeignKey(Checkin, on_delete=OnDelete.cascade, index=True)
    title = Varchar(length=300)
    owner = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    due_on = Date()
    done_at = Timestamptz(null=True, default=None)
    done_by = ForeignKey(Person, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class CheckinNote(Table, tablename="checkins_note"):
    """A private note on a check-in: only its author ever reads it."""

    checkin = ForeignKey(Checkin, on_delete=OnDelete.cascade, index=True)
    author = ForeignKey(Person, on_delete=OnDelete.cascade)
    body = Text()
    updated_at = Timestamptz()


class TeamCadence(Table, tablename="checkins_cadence"):
    manager = ForeignKey(Person, on_delete=OnDelete.cascade, unique=True)
    cadence = Varchar(length=10)  # weekly | biweekly | monthly


class LastHeld(Table, tablename="checkins_last_held"):
    """The day of each person's last check-in held, kept with every write that can change it
    (`queries._keep_last_held`): HR's coverage, the statuses and the overdue alerts read it
    for a whole company at once, which aggregating a year of check-ins made slow."""

    employee = ForeignKey(Person, null=False, on_delete=OnDelete.cascade, unique=True)
    # Empty only inside the writing transaction, between locking the row and counting the day.
    held_on = Date(null=True, default=None)
