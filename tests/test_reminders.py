"""Reminders: open tasks become notifications at most once a day per person and kind, in
working hours where the person is, and one server process at a time sends a round."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

from server.org import queries as org
from server.push import reminders
from server.push.tables import Notification
from tests.test_checkins import confirm, minutes, statuses_in_reach
from tests.test_goals import act, alice_draft, goal, sign
from tests.test_sync import outcomes, push

# 10:00 in Shanghai, the demo company's time zone (UTC+8); 03:00 there is 19:00 UTC.
WORKING = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
# 10:00 in Shanghai on the day the demo's check-ins are counted from.
WORKING_TODAY = datetime.now(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
NIGHT = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


async def reminded(kind: str) -> list[UUID]:
    """Who got a reminder of this kind, once per reminder."""
    rows = await Notification.select(Notification.person).where(Notification.kind == kind)
    return sorted(r["person"] for r in rows)


async def reminders_sent() -> int:
    return await Notification.count().where(Notification.kind.like("reminder.%"))


async def recorded_checkin(client, people, headers_for) -> str:
    held = minutes(people["bob"], people["bob"])
    [result] = await push(client, headers_for("manager.east"), held)
    return str(result["entity_id"])


async def test_minutes_to_confirm_remind_each_party_once_a_day(client, people, headers_for):
    checkin_id = await recorded_checkin(client, people, headers_for)
    await reminders.send_reminders(WORKING)
    assert await reminded("reminder.minutes") == sorted([people["bob"], people["manager.east"]])
    # Later the same day: nothing new.
    await reminders.send_reminders(WORKING + timedelta(hours=5))
    assert len(await reminded("reminder.minutes")) == 2
    # Bob confirms; the next day only his manager is reminded again.
    await push(client, headers_for("bob"), confirm(checkin_id, 1))
    await reminders.send_reminders(WORKING + timedelta(days=1))
    assert (await reminded("reminder.minutes")).count(people["manager.east"]) == 2
    assert (await reminded("reminder.minutes")).count(people["bob"]) == 1
    # Both confirmed: nothing more.
    await push(client, headers_for("manager.east"), confirm(checkin_id, 1))
    await reminders.send_reminders(WORKING + timedelta(days=2))
    assert len(await reminded("reminder.minutes")) == 3


async def test_a_goal_waiting_for_signatures_reminds_who_has_not_signed(
    client, people, as_employee, as_manager
):
    draft = await alice_draft(client, as_employee)
    await act(client, as_employee, draft["id"], "propose")
    await reminders.send_reminders(WORKING)
    # alice and her manager for this proposal; from the demo, manager.west's own proposal
    # waits for him and for his manager, the ceo.
    waiting = sorted(
        [people["alice"], people["manager.east"], people["manager.west"], people["ceo"]]
    )
    assert await reminded("reminder.signature") == waiting
    await sign(client, as_employee, await goal(client, as_employee, draft["id"]))
    await reminders.send_reminders(WORKING + timedelta(days=1))
    again = await reminded("reminder.signature")
    assert again.count(people["alice"]) == 1
    assert again.count(people["manager.east"]) == 2


async def test_no_reminder_at_night_where_the_person_is(client, people, headers_for):
    await recorded_checkin(client, people, headers_for)
    assert await reminders.send_reminders(NIGHT) == 0
    assert await reminders_sent() == 0


async def test_rounds_at_the_same_time_remind_once(client, people, headers_for):
    """Several server processes' rounds at once: an advisory lock on PostgreSQL, the one
    writer on SQLite; either way each person gets one reminder of each kind."""
    await recorded_checkin(client, people, headers_for)
    sent = await asyncio.gather(*(reminders.send_reminders(WORKING) for _ in range(4)))
    assert sum(sent) == await reminders_sent()
    assert len(await reminded("reminder.minutes")) == 2
    assert len(await reminded("reminder.signature")) == 2  # the demo's open proposal


async def test_a_checkin_due_reminds_the_person_and_their_manager(client, people, headers_for):
    """Whoever's check-in is due or overdue by their team's rhythm, and their manager. At
    the edge of the shortest rhythm: a weekly check-in held seven days ago is due, one held
    six days ago is not."""
    manager = headers_for("manager.east")
    response = await client.put(
        f"/api/cadences/{people['manager.east']}", json={"cadence": "weekly"}, headers=manager
    )
    assert response.status_code == 204
    for name, days_ago in (("alice", 7), ("bob", 6)):
        day = (WORKING_TODAY - timedelta(days=days_ago)).date().isoformat()
        held = minutes(people[name], people[name], held_on=day)
        assert outcomes(await push(client, manager, held)) == ["applied"]
    statuses = await statuses_in_reach(client, headers_for("hr"))
    due = [s for s in statuses if s["status"] in ("due", "overdue")]
    assert {s["person"]["id"] for s in due} >= {str(people["alice"])}
    assert str(people["bob"]) not in {s["person"]["id"] for s in due}

    await reminders.send_reminders(WORKING_TODAY)
    parties = {s["person"]["id"] for s in due} | {s["manager"]["id"] for s in due if s["manager"]}
    assert {str(p) for p in await reminded("reminder.checkin")} == parties


async def test_a_round_in_slices_reminds_as_one_over_everyone(
    client, people, headers_for, monkeypatch
):
    """Slices of two people remind exactly whom one slice of everyone reminds, each person
    once per kind though their tasks fall in several slices (a manager's reports do)."""
    await recorded_checkin(client, people, headers_for)

    async def sent_in_slices_of(size: int) -> list[tuple[str, UUID]]:
        monkeypatch.setattr(org, "ROUND_SLICE", size)
        await reminders.send_reminders(WORKING_TODAY)
        rows = await Notification.select(Notification.kind, Notification.person).where(
            Notification.kind.like("reminder.%")
        )
        await Notification.delete().where(Notification.kind.like("reminder.%"))
        return sorted((r["kind"], r["person"]) for r in rows)

    whole = await sent_in_slices_of(100_000)
    assert {kind for kind, _ in whole} >= {
        "reminder.signature",
        "reminder.minutes",
        "reminder.checkin",
    }
    assert await sent_in_slices_of(2) == whole
