"""HR's open alerts by department: counts of what is open about the people HR covers, never
for a group too small to show, and nothing about who."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from server.alerts.tables import Alert
from tests.conftest import problem
from tests.test_coverage import hire

PATH = "/api/open-alerts-by-department"


async def open_alerts(client, headers) -> dict[str | None, dict[str, Any]]:
    """department name (None: everyone covered) -> its group."""
    response = await client.get(PATH, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["min_group_size"] == 5
    return {group["department_name"]: group for group in body["groups"]}


@pytest.fixture
async def no_alerts(people):
    """The demo without the alerts it comes with, so every count here is exact."""
    await Alert.delete(force=True)


async def alert(person: uuid.UUID, state: str) -> None:
    await Alert.insert(
        Alert(
            id=uuid.uuid4(),
            kind="checkin_overdue",
            condition=f"checkin_overdue:{person}:{uuid.uuid4()}",
            person=person,
            observed="30",
            expected="14",
            threshold="14",
            state=state,
            opened_at=datetime.now(UTC),
        )
    )


async def test_open_and_booked_alerts_count_closed_ones_do_not(
    client, people, no_alerts, headers_for
):
    await hire(2, "Sales/Field Sales East", "manager.east")
    await hire(3, "Sales/Field Sales West", "manager.west")
    await hire(3, "People", "hr")
    for state in ("open", "scheduled", "resolved"):
        await alert(people["alice"], state)
    await alert(people["bob"], "open")
    for state in ("dismissed", "recovered"):
        await alert(people["carol"], state)
    await alert(people["manager.west"], "scheduled")

    groups = await open_alerts(client, headers_for("hr"))
    figures = {
        name: (group["people"], group["open_alerts"], group["people_with_open_alerts"])
        for name, group in groups.items()
    }
    assert figures == {
        None: (16, 4, 3),
        "Sales": (10, 4, 3),
        "Field Sales East": (5, 3, 2),
        "Field Sales West": (5, 1, 1),
        # Everyone minus Sales minus People would be the chief executive alone.
        "People": (5, None, None),
        "Leadership": (1, None, None),
    }
    # Counts only: no name, no alert, no person id anywhere in the answer.
    text = (await client.get(PATH, headers=headers_for("hr"))).text
    assert all(str(people[name]) not in text for name in ("alice", "bob", "manager.west"))


async def test_hr_of_a_region_counts_its_region_only(client, people, no_alerts, headers_for):
    await hire(3, "Sales/Field Sales West", "manager.west")
    await alert(people["carol"], "open")
    await alert(people["alice"], "open")  # East: not in this HR's scope
    west = await open_alerts(client, headers_for("hr.west"))
    assert set(west) == {None, "Field Sales West"}
    assert west["Field Sales West"]["people"] == 5
    assert west["Field Sales West"]["open_alerts"] == 1


async def test_the_demo_is_too_small_for_any_department_to_show(
    client, people, no_alerts, headers_for
):
    await alert(people["alice"], "open")
    groups = await open_alerts(client, headers_for("hr"))
    assert [name for name, g in groups.items() if g["open_alerts"] is not None] == [None]
    assert groups[None]["open_alerts"] == 1


async def test_open_alerts_by_department_are_for_hr(client, people, headers_for):
    for viewer in ("ceo", "manager.east", "alice", "admin"):
        problem(await client.get(PATH, headers=headers_for(viewer)), 403, "forbidden")
