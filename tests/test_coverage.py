"""HR's check-in coverage by department: counts only, never for a group too small to show."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from server.checkins import cadence
from server.checkins.defaults import DEFAULT_TEMPLATE_ID
from server.checkins.queries import COVERAGE_FIELDS, record_last_held
from server.checkins.tables import Checkin, TeamCadence
from server.org.tables import Person
from server.settings import Settings
from tests.conftest import problem
from tests.factories import make_person
from tests.test_checkins import statuses_in_reach

FIGURES = ("on_time", "due", "overdue", "never")


async def coverage(client, headers) -> dict[str | None, dict[str, Any]]:
    """department name (None: everyone covered) -> its group."""
    response = await client.get("/api/checkin-coverage", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["min_group_size"] == 5
    return {group["department_name"]: group for group in body["groups"]}


async def one_by_one(client, headers) -> dict[str, int]:
    """The four figures counted from each person's status, as HR reads them one by one."""
    statuses = await statuses_in_reach(client, headers)
    tally = Counter(s["status"] for s in statuses)
    return {f: tally[status] for f, status in COVERAGE_FIELDS.items()}


async def hire(count: int, department: str, manager: str) -> None:
    for n in range(count):
        await make_person(
            f"{department.rsplit('/', 1)[-1].replace(' ', '.').lower()}.{n}@example.com",
            f"新同事{department[-4:]}{n}",
            department=department,
            manager_email=f"{manager}@example.com",
        )


def shown(group: dict[str, Any]) -> bool:
    figures = [group[f] for f in FIGURES]
    assert all(f is None for f in figures) or all(f is not None for f in figures)
    return figures[0] is not None


async def test_the_demo_is_too_small_for_any_department_to_show_figures(
    client, people, headers_for
):
    groups = await coverage(client, headers_for("hr"))
    everyone = groups[None]
    assert everyone["people"] == 8  # staff in the company (the admin account is not staff)
    assert sum(everyone[f] for f in FIGURES) == 8
    # The same counts as each person's status, which HR may see one by one.
    assert {f: everyone[f] for f in FIGURES} == await one_by_one(client, headers_for("hr"))
    # East (3), West (2), People (2), Leadership (1) are too small; Sales (5) is large
    # enough alone, but everyone minus Sales would be the three others: hidden too.
    assert groups["Field Sales East"]["people"] == 3
    assert groups["Sales"]["people"] == 5
    assert [name for name, group in groups.items() if shown(group)] == [None]


async def test_departments_large_enough_show_figures_and_subtraction_reveals_nobody(
    client, people, headers_for
):
    await hire(2, "Sales/Field Sales East", "manager.east")
    await hire(3, "Sales/Field Sales West", "manager.west")
    await hire(3, "People", "hr")
    groups = await coverage(client, headers_for("hr"))
    assert {name: group["people"] for name, group in groups.items()} == {
        None: 16,
        "Sales": 10,
        "Field Sales East": 5,
        "Field Sales West": 5,
        "People": 5,
        "Leadership": 1,
    }
    # Everyone minus Sales minus People would be the CEO alone: People (the smaller) hides.
    assert {name for name, group in groups.items() if shown(group)} == {
        None,
        "Sales",
        "Field Sales East",
        "Field Sales West",
    }
    assert groups["Sales"]["parent_id"] is None
    assert groups["Field Sales East"]["parent_id"] == groups["Sales"]["department_id"]

    # HR of the West region sees the West only: everyone they cover is the West team (not
    # themselves: they work in People).
    west = await coverage(client, headers_for("hr.west"))
    assert set(west) == {None, "Field Sales West"}
    assert west[None]["people"] == west["Field Sales West"]["people"] == 5
    assert shown(west["Field Sales West"])


async def test_coverage_is_for_hr(client, people, headers_for):
    for viewer in ("ceo", "manager.east", "alice", "admin"):
        response = await client.get("/api/checkin-coverage", headers=headers_for(viewer))
        problem(response, 403, "forbidden")


def test_the_minimum_group_size_is_never_below_three():
    with pytest.raises(ValidationError):
        Settings(min_group_size=2)
    assert Settings(min_group_size=3).min_group_size == 3


@pytest.mark.parametrize("seed", range(4))
async def test_counted_in_sql_as_each_persons_status_says(client, people, headers_for, seed):
    """Random cadences and check-ins up to a year back (the count looks back only as far as
    a status can depend on; older check-ins stand in as "long ago"): everyone's figures are
    those of each person's status, read one by one."""
    rng = random.Random(seed)
    await hire(4, "Sales/Field Sales East", "manager.east")
    await hire(3, "Sales/Field Sales West", "manager.west")
    await Checkin.delete(force=True)
    await TeamCadence.delete(force=True)
    for manager in ("manager.east", "manager.west", "ceo"):
        cadence = rng.choice(["weekly", "biweekly", "monthly", None])
        if cadence:
            await TeamCadence.insert(TeamCadence(manager=people[manager], cadence=cadence))
    staff = await Person.select(Person.id, Person.manager).where(Person.manager.is_not_null())
    today = datetime.now(UTC).date()
    for person in staff:
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            await Checkin.insert(
                Checkin(
                    id=uuid.uuid4(),
                    employee=person["id"],
                    manager=person["manager"],
                    template=DEFAULT_TEMPLATE_ID,
                    state=rng.choice(["confirmed", "recorded", "preparing"]),
                    held_on=today - timedelta(days=rng.choice([0, 6, 13, 20, 33, 34, 35, 40, 200])),
                )
            )
    await record_last_held()  # written here around the queries that keep it
    everyone = (await coverage(client, headers_for("hr")))[None]
    assert {f: everyone[f] for f in FIGURES} == await one_by_one(client, headers_for("hr"))


def test_no_cadence_allows_a_last_check_in_older_than_the_count_looks_back():
    for today in (date(2026, 1, 1) + timedelta(days=n) for n in range(0, 730, 7)):
        oldest_read = today - cadence.OVERDUE_FOR_ALL_AFTER
        for rhythm in ("weekly", "biweekly", "monthly"):
            for days in range(1, 60):
                last = oldest_read - timedelta(days=days)
                assert cadence.status(rhythm, last, today) == "overdue"
    # ...and not a day less would do: after a month of 31 days, the first day read is "due".
    today = date(2026, 8, 31)
    assert cadence.status("monthly", today - cadence.OVERDUE_FOR_ALL_AFTER, today) == "due"
