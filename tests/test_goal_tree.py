"""The goal tree a part at a time: a large organisation's tree is sent as its top and the
viewer's own branch, each node counting what it leaves out, and opening the branches
(GET /api/goals/{id}/children) gives exactly the whole tree."""

from __future__ import annotations

from typing import Any

import pytest

from server.goals import queries
from tests.conftest import problem

VIEWERS = ("alice", "bob", "carol", "manager.east", "ceo", "hr", "hr.west")


async def cycle_id(client, headers) -> str:
    return (await client.get("/api/goal-cycles", headers=headers)).json()[0]["id"]


async def tree(client, headers, cycle: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/goal-cycles/{cycle}/tree", headers=headers)
    assert response.status_code == 200, response.text
    return [node for branch in response.json()["themes"] for node in branch["objectives"]]


def edges(nodes: list[dict[str, Any]], parent: str | None = None) -> set[tuple[str | None, str]]:
    found = set()
    for node in nodes:
        found.add((parent, node["goal"]["id"]))
        found |= edges(node["children"], node["goal"]["id"])
    return found


async def opened(client, headers, nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nodes with every branch left out fetched and opened, recursively."""
    for node in nodes:
        if node["more"]:
            response = await client.get(
                f"/api/goals/{node['goal']['id']}/children", headers=headers
            )
            assert response.status_code == 200, response.text
            fetched = response.json()
            assert len(fetched) == len(node["children"]) + node["more"]
            node["children"], node["more"] = fetched, 0
        await opened(client, headers, node["children"])
    return nodes


@pytest.mark.parametrize("viewer", VIEWERS)
async def test_the_tree_in_parts_opens_into_the_whole_tree(
    client, people, headers_for, monkeypatch, viewer
):
    headers = headers_for(viewer)
    cycle = await cycle_id(client, headers)
    whole = await tree(client, headers, cycle)
    assert all(node["more"] == 0 for node in whole)  # the demo fits in one answer

    monkeypatch.setattr(queries, "TREE_GOALS", 2)
    part = await tree(client, headers, cycle)
    assert edges(part) <= edges(whole)
    if viewer in ("ceo", "hr"):  # no goal of their own: only the top and two more
        assert edges(part) != edges(whole)
    assert edges(await opened(client, headers, part)) == edges(whole)


async def test_my_own_branch_is_always_in_the_answer(
    client, people, headers_for, monkeypatch, as_employee
):
    cycle = await cycle_id(client, as_employee)
    monkeypatch.setattr(queries, "TREE_GOALS", 0)
    part = await tree(client, as_employee, cycle)
    ids = {goal for _, goal in edges(part)}
    mine = (await client.get("/api/me/goals", headers=as_employee)).json()["goals"]
    in_cycle = [g for g in mine if g["cycle_id"] == cycle and g["state"] != "withdrawn"]
    assert in_cycle
    for goal in in_cycle:
        assert goal["id"] in ids
        if goal["parent_id"]:
            assert goal["parent_id"] in ids  # and the chain above it


async def test_children_of_a_goal_i_may_not_read_are_not_found(client, people, headers_for):
    alice = headers_for("alice")
    mine = (await client.get("/api/me/goals", headers=alice)).json()["goals"]
    private = next(g for g in mine if g["visibility"] == "private")
    response = await client.get(f"/api/goals/{private['id']}/children", headers=headers_for("bob"))
    problem(response, 404, "not_found")


@pytest.mark.parametrize("viewer", ["alice", "manager.east", "admin"])
async def test_a_part_holds_the_budget_besides_the_top_and_my_own_branch(
    client, people, headers_for, monkeypatch, viewer
):
    """Whatever the budget, every goal taken for it hangs from a goal in the answer (one
    that did not would be lost from it): the answer holds the top and the viewer's own
    branch, then exactly as many more goals as the budget allows."""
    headers = headers_for(viewer)
    cycle = await cycle_id(client, headers)
    whole = len(edges(await tree(client, headers, cycle)))

    async def size(budget: int) -> int:
        monkeypatch.setattr(queries, "TREE_GOALS", budget)
        return len(edges(await tree(client, headers, cycle)))

    fixed = await size(0)  # the top, and my goals with what is above and under them
    for budget in range(whole + 2):
        assert await size(budget) == max(fixed, min(budget, whole)), budget
