"""Reminders: open tasks found in the other domains, sent as notifications (inbox, and a
push where allowed) at most once a day per person and kind, in working hours where the
person is. One job for all kinds; each kind says where its tasks come from."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from uuid import UUID

from server.alerts import queries as alerts
from server.checkins import queries as checkins
from server.db import as_uuid, fetch_in, try_round_lock, write_transaction
from server.goals import queries as goals
from server.org import queries as org
from server.push import queries
from server.push.quiet import zone

# Reminders go out in the person's working day only, never at night.
WORKING_HOURS = (time(9, 0), time(18, 0))
ONCE_PER = timedelta(hours=24)
# PostgreSQL advisory lock key: one server process runs a reminder round at a time.
ROUND_LOCK = 0x74616E64656D  # "tandem"


@dataclass(frozen=True)
class ReminderKind:
    kind: str
    # (person, what it is about) for every open task of this kind at a moment, about the
    # people in a slice (its parties may be outside it: a manager, a goal's signers).
    tasks: Callable[[datetime, org.PeopleSlice], Awaitable[list[tuple[UUID, UUID]]]]
    url: str

    @property
    def topic(self) -> str:
        """One per kind: a new reminder replaces yesterday's on the phone."""
        return self.kind.replace(".", "-")


KINDS = (
    ReminderKind("reminder.signature", lambda _, part: goals.signatures_awaited(part), "/goals"),
    ReminderKind(
        "reminder.minutes", lambda _, part: checkins.minutes_to_confirm(part), "/checkins"
    ),
    ReminderKind("reminder.checkin", checkins.checkins_due, "/checkins"),
    ReminderKind("reminder.alert", alerts.unscheduled, "/alerts"),
)


async def send_reminders(moment: datetime) -> int:
    """One round: every open task's person is reminded unless they were in the last day or
    it is outside their working hours; -> reminders sent. It goes through the company a
    slice of people at a time, as the alert round does (its memory follows the slice); a
    person with tasks in several slices is reminded in the first, which the others then see.
    Rounds of several processes do not overlap (an advisory lock on PostgreSQL, the one
    writer on SQLite)."""
    sent = 0
    async with write_transaction():
        if not await try_round_lock(ROUND_LOCK):
            return 0
        for part in await org.people_slices(org.ROUND_SLICE):
            for reminder in KINDS:
                people = sorted({person for person, _ in await reminder.tasks(moment, part)})
                due = await queries.not_notified_since(
                    await _at_work(people, moment), reminder.kind, moment - ONCE_PER
                )
                await queries.notify(
                    due, reminder.kind, url=reminder.url, topic=reminder.topic, at=moment
                )
                sent += len(due)
    return sent


async def _at_work(person_ids: list[UUID], moment: datetime) -> list[UUID]:
    if not person_ids:
        return []
    rows = await fetch_in(
        f"SELECT p.id, {queries.PERSON_SETTINGS} WHERE p.active AND p.id IN ({{in}})", person_ids
    )
    start, end = WORKING_HOURS
    return [
        as_uuid(row["id"])
        for row in rows
        if start <= moment.astimezone(zone(queries.setting(row, "time_zone", "UTC"))).time() < end
    ]
