"""The goal tree a part at a time: a large organisation's tree is sent as its top and the
viewer's own branch, each node counting what it leaves out, and opening the branches
(GET /api/goals/{id}/children) gives exactly the whole tree."""

from __future__ import annotations

import gc
import uuid
from typing import Any
from uuid import UUID

import pytest

from server.core.access import Principal, Role
from server.goals import queries
from server.org import queries as org_queries
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


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [
        ("alice", True),  # her own
        ("manager.east", True),  # her manager
        ("ceo", True),  # above her manager
        ("hr", True),  # company-wide HR
        ("bob", False),  # a teammate
        ("carol", False),  # another region
        ("hr.west", False),  # HR of another region
    ],
)
@pytest.mark.parametrize("kept_reach", [queries._TreeReader.KEPT_REACH, 1])
async def test_a_private_goal_is_in_the_tree_only_for_those_who_may_read_it(
    client, people, headers_for, monkeypatch, viewer, sees, kept_reach
):
    """In the whole tree and in its parts: nor do the counts of what a part leaves out
    (`more`) count it for those who may not read it (`opened` checks them). Managers' reach
    is kept when small, and their relations walked up from the owners when not."""
    monkeypatch.setattr(queries._TreeReader, "KEPT_REACH", kept_reach)
    alice = headers_for("alice")
    mine = (await client.get("/api/me/goals", headers=alice)).json()["goals"]
    private = {g["id"] for g in mine if g["visibility"] == "private"}
    assert private
    headers = headers_for(viewer)
    cycle = await cycle_id(client, headers)
    in_whole = {goal for _, goal in edges(await tree(client, headers, cycle))}
    monkeypatch.setattr(queries, "TREE_GOALS", 1)
    part = await opened(client, headers, await tree(client, headers, cycle))
    for ids in (in_whole, {goal for _, goal in edges(part)}):
        assert (private <= ids) if sees else not (private & ids)


async def test_whose_private_goals_a_manager_reads_kept_or_walked_up(client, people):
    """The check itself, not only the SQL that narrows the tree's reads before it."""
    manager = Principal(
        people["manager.east"], uuid.uuid4(), frozenset({Role.EMPLOYEE, Role.MANAGER})
    )
    reach = await org_queries.small_reach(manager, queries._TreeReader.KEPT_REACH)
    assert reach is not None
    assert {people["manager.east"], people["alice"], people["bob"]} <= reach
    assert people["carol"] not in reach
    owners = {people["alice"], people["carol"]}
    for known in (reach, None):
        assert await queries._private_goals_readable(manager, owners, known) == {people["alice"]}
    assert await org_queries.small_reach(manager, 1) is None  # too many to keep


@pytest.mark.parametrize("viewer", ["alice", "manager.east"])
async def test_my_own_branch_is_always_in_the_answer(
    client, people, headers_for, monkeypatch, viewer
):
    """With no budget at all: my goals, every goal above each up to the top, and the goals
    aligned to each (a manager's team objective: the team's goals)."""
    headers = headers_for(viewer)
    cycle = await cycle_id(client, headers)
    # A goal of Alice's under two team goals, the upper one above no other goal of hers.
    manager = headers_for("manager.east")
    east = next(
        g
        for g in objectives(await tree(client, manager, cycle)).values()
        if g["title"] == "华东区新签客户 60 家"
    )
    parent_id = east["id"]
    for title, author, level in (
        ("苏州片区季度拜访", manager, "team"),
        ("苏州工业园拜访", manager, "team"),
        ("苏州首访十家", headers_for("alice"), "individual"),
    ):
        body = {"cycle_id": cycle, "title": title, "parent_id": parent_id, "level": level}
        created = await client.post("/api/goals", headers=author, json=body)
        assert created.status_code == 201, created.text
        parent_id = created.json()["id"]
    nodes = await tree(client, headers, cycle)
    whole = edges(nodes)
    parent_of = {goal: parent for parent, goal in whole}
    monkeypatch.setattr(queries, "TREE_GOALS", 0)
    ids = {goal for _, goal in edges(await tree(client, headers, cycle))}
    own = {g["id"] for g in goals_anywhere(nodes) if g["owner"]["id"] == str(people[viewer])}
    assert own
    aligned = {goal for parent, goal in whole if parent in own}
    if viewer == "manager.east":
        assert aligned
    assert own | aligned <= ids
    for goal in own:
        above = parent_of[goal]
        while above is not None:
            assert above in ids
            above = parent_of[above]


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


@pytest.mark.parametrize("viewer", ["hr", "hr.west", "manager.east", "alice"])
async def test_a_part_takes_the_first_goals_of_a_level_in_tree_order(
    client, people, headers_for, monkeypatch, viewer
):
    """Titles in the order of their characters (as Python sorts them), the same whether a
    level is read whole and sorted (HR of a region: whose private goals it reads is walked
    up) or only its first goals are read, sorted by the database (a known reach, or HR for
    the whole company)."""
    as_hr = headers_for("hr")
    cycle = await cycle_id(client, as_hr)
    west = next(
        d["id"]
        for d in (await client.get("/api/org/departments", headers=as_hr)).json()
        if d["name"] == "Field Sales West"
    )

    async def objective(body: dict[str, Any]) -> str:
        response = await client.post("/api/goals", json={"cycle_id": cycle, **body}, headers=as_hr)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    top = await objective({"level": "company", "title": "排序", "owner_id": str(people["ceo"])})
    titles = ["Zeta", "alpha", "Émile", "beta", "Alpha", "中文目标"]
    for title in titles:
        await objective(
            {
                "level": "department",
                "title": title,
                "parent_id": top,
                "department_id": west,
                "owner_id": str(people["manager.west"]),
            }
        )
    headers = headers_for(viewer)
    monkeypatch.setattr(queries, "TREE_GOALS", 0)
    fixed = len(edges(await tree(client, headers, cycle)))
    monkeypatch.setattr(queries, "TREE_GOALS", fixed + 3)
    [node] = [n for n in await tree(client, headers, cycle) if n["goal"]["id"] == top]
    assert [c["goal"]["title"] for c in node["children"]] == sorted(titles)[:3]
    assert node["more"] == 3


# --- the objectives a goal may be aligned to -------------------------------------------------


async def choices(client, headers, cycle: str, **params: str) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/goal-cycles/{cycle}/parent-choices", headers=headers, params=params
    )
    assert response.status_code == 200, response.text
    return response.json()


def objectives(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The shared (not individual) goals of a tree, by id."""
    found = {}
    for node in nodes:
        if node["goal"]["level"] != "individual":
            found[node["goal"]["id"]] = node["goal"]
        found |= objectives(node["children"])
    return found


async def test_parent_choices_are_my_managers_objectives_nearest_first(client, people, headers_for):
    alice = headers_for("alice")
    cycle = await cycle_id(client, alice)
    shared = objectives(await tree(client, headers_for("hr"), cycle))
    chain = [str(people[name]) for name in ("alice", "manager.east", "ceo")]
    offered = await choices(client, alice, cycle)

    expected = {
        goal_id
        for goal_id, goal in shared.items()
        if goal["owner"]["id"] in chain or goal["level"] == "company"
    }
    assert {c["id"] for c in offered} == expected
    nearness = [chain.index(c["owner"]["id"]) for c in offered]
    assert nearness == sorted(nearness)
    # Her manager's department objective comes first; the other region's is not offered
    # unless she searches for it.
    assert offered[0]["title"] == "华东区新签客户 60 家"
    assert offered[0]["department_name"] == "Field Sales East"
    assert "华西区新增收入 1200 万元" not in {c["title"] for c in offered}
    assert len(await choices(client, alice, cycle, limit="2")) == 2


async def test_a_search_finds_any_objective_by_title_but_no_individual_goal(
    client, people, headers_for
):
    alice = headers_for("alice")
    cycle = await cycle_id(client, alice)
    found = await choices(client, alice, cycle, q="华西区")
    # Manager West's own goal "华西团队辅导与微沟通" is an individual goal: not a parent.
    assert [c["title"] for c in found] == ["华西区新增收入 1200 万元"]
    assert found[0]["level"] == "department"
    assert await choices(client, alice, cycle, q="no such objective") == []


async def test_a_goal_is_not_offered_beneath_itself(client, people, headers_for):
    ceo = headers_for("ceo")
    cycle = await cycle_id(client, ceo)
    shared = objectives(await tree(client, ceo, cycle))
    share = next(g for g in shared.values() if g["title"] == "华东、华西市场份额各提升 5 个百分点")
    below = {g["id"] for g in shared.values() if g["parent_id"] == share["id"]}
    assert below  # the two regions' objectives

    offered = {c["id"] for c in await choices(client, ceo, cycle, exclude=share["id"])}
    assert offered == {
        g["id"] for g in shared.values() if g["level"] == "company" and g["id"] != share["id"]
    }
    everything = {c["id"] for c in await choices(client, ceo, cycle, q="区")}
    assert below <= everything
    assert not below & {
        c["id"] for c in await choices(client, ceo, cycle, q="区", exclude=share["id"])
    }


async def test_withdrawn_objectives_are_not_offered_and_bad_questions_get_problems(
    client, people, headers_for
):
    ceo = headers_for("ceo")
    cycle = await cycle_id(client, ceo)
    west = (await choices(client, ceo, cycle, q="华西区新增收入"))[0]
    response = await client.post(
        f"/api/goals/{west['id']}/transitions", headers=ceo, json={"action": "withdraw"}
    )
    assert response.status_code == 200, response.text
    assert await choices(client, ceo, cycle, q="华西区新增收入") == []
    url = f"/api/goal-cycles/{cycle}/parent-choices"
    problem(
        await client.get(f"/api/goal-cycles/{uuid.uuid4()}/parent-choices", headers=ceo),
        404,
        "not_found",
    )
    for bad in ({"exclude": "a goal"}, {"q": "长" * 101}, {"limit": "0"}):
        problem(await client.get(url, headers=ceo, params=bad), 400, "validation_failed")


# --- the tops of the tree ----------------------------------------------------------------


def titles_at_the_top(nodes: list[dict[str, Any]]) -> set[str]:
    return {node["goal"]["title"] for node in nodes}


def goals_anywhere(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [n["goal"] for n in nodes] + [g for n in nodes for g in goals_anywhere(n["children"])]


def titles_anywhere(nodes: list[dict[str, Any]]) -> set[str]:
    return {goal["title"] for goal in goals_anywhere(nodes)}


async def test_a_goal_under_a_goal_i_cannot_see_is_at_the_top_of_my_tree(
    client, people, headers_for
):
    """Created under a shared objective, then moved under Alice's private goal: Bob, who
    may not see hers, finds it at the top; Alice finds it under her goal."""
    manager, bob, alice = headers_for("manager.east"), headers_for("bob"), headers_for("alice")
    cycle = await cycle_id(client, manager)
    shared = objectives(await tree(client, manager, cycle))
    east = next(g for g in shared.values() if g["title"] == "华东区新签客户 60 家")
    created = await client.post(
        "/api/goals",
        headers=manager,
        json={
            "cycle_id": cycle,
            "title": "陪同苏州首访",
            "parent_id": east["id"],
            "visibility": "public",
        },
    )
    assert created.status_code == 201, created.text
    assert "陪同苏州首访" not in titles_at_the_top(await tree(client, bob, cycle))
    assert "陪同苏州首访" in titles_anywhere(await tree(client, bob, cycle))

    mine = (await client.get("/api/me/goals", headers=alice)).json()["goals"]
    private = next(g for g in mine if g["title"] == "拓展苏州制造业新客户")
    assert private["visibility"] == "private"
    moved = await client.patch(
        f"/api/goals/{created.json()['id']}", headers=manager, json={"parent_id": private["id"]}
    )
    assert moved.status_code == 200, moved.text

    seen_by_bob = await tree(client, bob, cycle)
    assert "陪同苏州首访" in titles_at_the_top(seen_by_bob)
    assert "拓展苏州制造业新客户" not in titles_anywhere(seen_by_bob)
    seen_by_alice = await tree(client, alice, cycle)
    assert "陪同苏州首访" not in titles_at_the_top(seen_by_alice)
    assert "陪同苏州首访" in titles_anywhere(seen_by_alice)


async def test_the_goals_under_a_withdrawn_objective_move_to_the_top(client, people, headers_for):
    ceo, bob = headers_for("ceo"), headers_for("bob")
    cycle = await cycle_id(client, ceo)
    west = (await choices(client, ceo, cycle, q="华西区新增收入"))[0]
    assert "成都重点客户收入 400 万元" not in titles_at_the_top(await tree(client, bob, cycle))

    response = await client.post(
        f"/api/goals/{west['id']}/transitions", headers=ceo, json={"action": "withdraw"}
    )
    assert response.status_code == 200, response.text
    seen_by_bob = await tree(client, bob, cycle)
    assert "成都重点客户收入 400 万元" in titles_at_the_top(seen_by_bob)  # Carol's, public
    assert west["title"] not in titles_anywhere(seen_by_bob)


async def test_a_tree_answer_leaves_no_garbage_for_the_cycle_collector(
    client, people, headers_for, app, monkeypatch
):
    """All that building and writing a tree makes is freed by reference counting once the
    answer is written. Objects caught in reference cycles wait for Python's cycle collector,
    whose collections of the oldest generation held up every request in flight for 30-90 ms
    under the tree's load (docs/performance.md)."""
    monkeypatch.setattr(app.state.settings, "sync_verify_versions", False)  # as in service
    cycle = UUID(await cycle_id(client, headers_for("manager.east")))
    manager = Principal(
        people["manager.east"], uuid.uuid4(), frozenset({Role.EMPLOYEE, Role.MANAGER})
    )
    await queries.goal_tree(manager, cycle, False)  # what is kept between answers, kept
    gc.collect()
    gc.disable()
    try:
        await queries.goal_tree(manager, cycle, False)
        assert gc.collect() == 0
    finally:
        gc.enable()
