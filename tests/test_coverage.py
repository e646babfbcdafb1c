"""HR's check-in coverage by department: counts only, never for a group too small to show."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import ValidationError

from server.settings import Settings
from tests.conftest import problem
from tests.factories import make_person

FIGURES = ("on_time", "due", "overdue", "never")


async def coverage(client, headers) -> dict[str | None, dict[str, Any]]:
    """department name (None: everyone covered) -> its group."""
    response = await client.get("/api/checkin-coverage", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["min_group_size"] == 5
    return {group["department_name"]: group for group in body["groups"]}


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
    statuses = (await client.get("/api/checkin-status", headers=headers_for("hr"))).json()
    tally = Counter(s["status"] for s in statuses)
    assert {f: everyone[f] for f in FIGURES} == {
        "on_time": tally["ok"],
        "due": tally["due"],
        "overdue": tally["overdue"],
        "never": tally["never"],
    }
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
