"""Reminders: open tasks become notifications at most once a day per person and kind, in
working hours where the person is, and one server process at a time sends a round."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from server.push import reminders
from server.push.tables import Notification
from tests.test_checkins import confirm, minutes
from tests.test_sync import push

# 10:00 in Shanghai, the demo company's time zone (UTC+8); 03:00 there is 19:00 UTC.
WORKING = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


async def reminded() -> list[tuple[object, str]]:
    rows = await Notification.select(Notification.person, Notification.kind).where(
        Notification.kind.like("reminder.%")
    )
    return sorted((r["person"], r["kind"]) for r in rows)


async def recorded_checkin(client, people, headers_for) -> str:
    held = minutes(people["bob"], people["bob"])
    [result] = await push(client, headers_for("manager.east"), held)
    return str(result["entity_id"])


async def test_minutes_to_confirm_remind_each_party_once_a_day(client, people, headers_for):
    checkin_id = await recorded_checkin(client, people, headers_for)
    assert await reminders.send_reminders(WORKING) == 2
    expected = sorted(
        [(people["bob"], "reminder.minutes"), (people["manager.east"], "reminder.minutes")]
    )
    assert await reminded() == expected
    # Later the same day: nothing new.
    assert await reminders.send_reminders(WORKING + timedelta(hours=5)) == 0
    # Bob confirms; the next day only his manager is still reminded.
    await push(client, headers_for("bob"), confirm(checkin_id, 1))
    assert await reminders.send_reminders(WORKING + timedelta(days=1)) == 1
    # Both confirmed: nothing to remind.
    await push(client, headers_for("manager.east"), confirm(checkin_id, 1))
    assert await reminders.send_reminders(WORKING + timedelta(days=2)) == 0


async def test_no_reminder_at_night_where_the_person_is(client, people, headers_for):
    await recorded_checkin(client, people, headers_for)
    assert await reminders.send_reminders(NIGHT) == 0
    assert await reminded() == []


async def test_rounds_at_the_same_time_remind_once(client, people, headers_for):
    """Several server processes' rounds at once: an advisory lock on PostgreSQL, the one
    writer on SQLite; either way each person gets one reminder."""
    await recorded_checkin(client, people, headers_for)
    sent = await asyncio.gather(*(reminders.send_reminders(WORKING) for _ in range(4)))
    assert sum(sent) == 2
    assert len(await reminded()) == 2
