"""The tree's reads of its open goals kept between requests for every viewer
(`goals.queries.SharedTreeTops`): a viewer of a small reach gets the tree their own reads
give, with the private goals they may see merged into the kept tops, levels and counts;
the kept reads are read again when a goal joins, leaves, moves or is renamed, and the
tests' verifying tree refuses one that changed without the change log moving."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest

from server import db
from server.auth import queries as auth
from server.core.access import Principal, Role
from server.db import fetch
from server.goals import queries as goals
from server.org import queries as org
from server.sync import versions
from tests.test_goal_tree import VIEWERS, cycle_id, edges, objectives, titles_anywhere, tree
from tests.test_shared_summaries import retitle_unlogged, write_unlogged

EAST = "华东区新签客户 60 家"
ALICES_PRIVATE = "拓展苏州制造业新客户"


@pytest.fixture
def trusting(app, monkeypatch) -> None:
    """A process that kept nothing yet and trusts its stamps (the suite's verifying tree
    reads every open goal again)."""
    monkeypatch.setattr(app.state.settings, "sync_verify_versions", False)
    goals.SHARED_TREE_TOPS.forget()
    goals.SHARED_SUMMARIES.forget()
    goals.KEPT_REACHES.forget()
    goals.KEPT_READABLE_OWNERS.forget()


@pytest.fixture
def open_reads(monkeypatch) -> list[str]:
    """What the reads every tree shares were for: the cycle and its themes; of the open
    goals only, tops, a level, counts."""
    reads: list[str] = []
    for name in ("strategy", "roots", "children", "children_counts"):
        method = getattr(goals._TreeReader, name)

        def counted(self: goals._TreeReader, *args: Any, _m=method, _n=name) -> Any:
            if self.reach == frozenset():
                reads.append(_n)
            return _m(self, *args)

        monkeypatch.setattr(goals._TreeReader, name, counted)
    return reads


async def post_goal(client, headers, body: dict[str, Any]) -> str:
    response = await client.post("/api/goals", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def alices_private_goal(client, headers_for) -> dict[str, Any]:
    mine = (await client.get("/api/me/goals", headers=headers_for("alice"))).json()["goals"]
    goal: dict[str, Any] = next(g for g in mine if g["title"] == ALICES_PRIVATE)
    assert goal["visibility"] == "private"
    return goal


async def private_goals_around_the_top(client, people, headers_for, cycle: str) -> None:
    """Private goals where they change a viewer's tops: a public goal under Alice's private
    goal (at the top for those who may not read hers), a private goal of Alice's under a
    withdrawn objective, and one under a private goal of her manager's, which she may not
    read."""
    manager, alice = headers_for("manager.east"), headers_for("alice")
    east = next(
        g for g in objectives(await tree(client, manager, cycle)).values() if g["title"] == EAST
    )
    private = await alices_private_goal(client, headers_for)
    await post_goal(
        client,
        alice,
        {
            "cycle_id": cycle,
            "title": "苏州首访清单",
            "parent_id": private["id"],
            "visibility": "public",
        },
    )
    doomed = await post_goal(
        client,
        manager,
        {"cycle_id": cycle, "title": "苏州片区季度拜访", "parent_id": east["id"], "level": "team"},
    )
    await post_goal(
        client, alice, {"cycle_id": cycle, "title": "季度拜访准备", "parent_id": doomed}
    )
    withdrawn = await client.post(
        f"/api/goals/{doomed}/transitions", headers=manager, json={"action": "withdraw"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    managers_own = await post_goal(
        client, manager, {"cycle_id": cycle, "title": "华东辅导计划", "parent_id": east["id"]}
    )
    under_managers = await post_goal(
        client, alice, {"cycle_id": cycle, "title": "辅导后的练习", "parent_id": east["id"]}
    )
    await fetch(
        "UPDATE goals_goal SET parent = {}, parent_shared = {} WHERE id = {}",
        UUID(managers_own),
        False,
        UUID(under_managers),
    )


async def answer(client, headers, cycle: str) -> dict[str, Any]:
    response = await client.get(f"/api/goal-cycles/{cycle}/tree", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("budget", [0, 1, 3, 6, goals.TREE_GOALS])
async def test_every_viewer_gets_the_tree_their_own_reads_give(
    client, people, headers_for, monkeypatch, trusting, budget
):
    """Each viewer's tree through the tops kept by the viewers before them is the one
    read for them alone, whatever the budget."""
    cycle = await cycle_id(client, headers_for("ceo"))
    await private_goals_around_the_top(client, people, headers_for, cycle)
    monkeypatch.setattr(goals, "TREE_GOALS", budget)
    shared = {viewer: await answer(client, headers_for(viewer), cycle) for viewer in VIEWERS}
    monkeypatch.setattr(goals, "SHARED_TOP_REACH", 0)
    for viewer in VIEWERS:
        assert shared[viewer] == await answer(client, headers_for(viewer), cycle), viewer


async def test_the_private_goals_i_may_see_change_my_tops(client, people, headers_for, trusting):
    """What `test_every_viewer_gets_the_tree_their_own_reads_give` compares is not the same
    for everyone: the kept tops are adjusted for each viewer's private goals."""
    cycle = await cycle_id(client, headers_for("ceo"))
    await private_goals_around_the_top(client, people, headers_for, cycle)

    async def tops(viewer: str) -> set[str]:
        return {
            n["goal"]["title"]
            for b in (await answer(client, headers_for(viewer), cycle))["themes"]
            for n in b["objectives"]
        }

    # Bob may not read Alice's private goal: the public goal under it is at his top.
    assert "苏州首访清单" in await tops("bob")
    assert "苏州首访清单" not in await tops("manager.east")
    # Alice's goal under a withdrawn objective is at the top of those who may read it.
    assert "季度拜访准备" in await tops("alice")
    assert "季度拜访准备" in await tops("ceo")
    assert "季度拜访准备" not in await tops("bob")
    # Under her manager's private goal: at her top, under it for him.
    assert "辅导后的练习" in await tops("alice")
    assert "辅导后的练习" not in await tops("manager.east")
    assert "辅导后的练习" in titles_anywhere(await tree(client, headers_for("manager.east"), cycle))


async def test_a_tree_reuses_the_open_goals_another_viewers_tree_read(
    client, people, headers_for, monkeypatch, trusting, open_reads
):
    """With a budget that ends among the shared objectives, as a large company's does: one
    goal besides Carol's tops and own branch."""
    cycle = await cycle_id(client, headers_for("carol"))
    monkeypatch.setattr(goals, "TREE_GOALS", 0)
    fixed = len(edges(await tree(client, headers_for("carol"), cycle)))
    goals.SHARED_TREE_TOPS.forget()
    open_reads.clear()
    monkeypatch.setattr(goals, "TREE_GOALS", fixed + 1)
    await answer(client, headers_for("carol"), cycle)
    assert {"strategy", "roots", "children", "children_counts"} <= set(open_reads)
    open_reads.clear()
    await answer(client, headers_for("bob"), cycle)
    # Only how many are aligned to Bob's own goals and those above them, which Carol's
    # tree does not show.
    assert open_reads == ["children_counts"]
    open_reads.clear()
    await answer(client, headers_for("bob"), cycle)
    assert open_reads == []


async def _add_a_goal(client, people, headers_for, cycle: str) -> str:
    manager = headers_for("manager.east")
    east = next(
        g for g in objectives(await tree(client, manager, cycle)).values() if g["title"] == EAST
    )
    await post_goal(
        client,
        manager,
        {"cycle_id": cycle, "title": "新的团队目标", "parent_id": east["id"], "level": "team"},
    )
    return "新的团队目标"


async def _rename_a_goal(client, people, headers_for, cycle: str) -> str:
    await fetch("UPDATE goals_goal SET title = {} WHERE title = {}", "华东区新签客户 70 家", EAST)
    return "华东区新签客户 70 家"


async def _move_a_goal(client, people, headers_for, cycle: str) -> str:
    await fetch(
        "UPDATE goals_goal SET parent = (SELECT id FROM goals_goal WHERE title = {})"
        " WHERE title = {}",
        "每位经理每两周与每位下属完成一次微沟通",
        "华西区新增收入 1200 万元",
    )
    return "华西区新增收入 1200 万元"


async def _withdraw_a_goal(client, people, headers_for, cycle: str) -> str:
    ceo = headers_for("ceo")
    west = next(
        g
        for g in objectives(await tree(client, ceo, cycle)).values()
        if g["title"] == "华西区新增收入 1200 万元"
    )
    response = await client.post(
        f"/api/goals/{west['id']}/transitions", headers=ceo, json={"action": "withdraw"}
    )
    assert response.status_code == 200, response.text
    return "成都重点客户收入 400 万元"  # Carol's, now at the top


async def theme_names(client, headers, cycle: str) -> list[str]:
    return [
        b["theme"]["name"] for b in (await answer(client, headers, cycle))["themes"] if b["theme"]
    ]


async def test_the_kept_themes_are_read_again_when_one_changes(
    client, people, headers_for, trusting
):
    bob, hr = headers_for("bob"), headers_for("hr")
    cycle = await cycle_id(client, bob)
    [first, *_] = (await client.get(f"/api/strategy-themes?cycle_id={cycle}", headers=hr)).json()
    assert first["name"] in await theme_names(client, bob, cycle)
    renamed = await client.patch(
        f"/api/strategy-themes/{first['id']}", headers=hr, json={"name": "客户成功优先"}
    )
    assert renamed.status_code == 200, renamed.text
    names = await theme_names(client, headers_for("alice"), cycle)
    assert "客户成功优先" in names
    assert first["name"] not in names


async def test_a_tree_of_no_cycle_is_not_found_and_nothing_is_kept(
    client, people, headers_for, trusting
):
    bob = headers_for("bob")
    missing = await client.get(f"/api/goal-cycles/{uuid.uuid4()}/tree", headers=bob)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert list(goals.SHARED_TREE_TOPS._kept) == []


@pytest.mark.parametrize("change", [_add_a_goal, _rename_a_goal, _move_a_goal, _withdraw_a_goal])
async def test_kept_open_goals_are_read_again_when_the_tree_moves(
    client, people, headers_for, trusting, change
):
    bob = headers_for("bob")
    cycle = await cycle_id(client, bob)
    before = await answer(client, bob, cycle)
    shown = await change(client, people, headers_for, cycle)
    after = await answer(client, headers_for("bob"), cycle)
    assert after != before
    assert shown in titles_anywhere([n for b in after["themes"] for n in b["objectives"]])
    goals.SHARED_TREE_TOPS.forget()
    goals.SHARED_SUMMARIES.forget()
    assert await answer(client, bob, cycle) == after


async def test_open_goals_changed_unlogged_are_caught_by_the_verifying_tree(
    client, people, headers_for, trusting
):
    """The stamps trust the change log as the tree's ETag does; the tests' verifying tree
    refuses kept reads that changed without the log moving."""
    bob = Principal(people["bob"], uuid.uuid4(), frozenset({Role.EMPLOYEE}))
    cycle = UUID(await cycle_id(client, headers_for("bob")))
    await goals.goal_tree(bob, cycle, verify=False)
    await retitle_unlogged(EAST, "改过的标题")
    await goals.goal_tree(bob, cycle, verify=False)
    with pytest.raises(versions.StaleVersionError, match="kept for every tree changed"):
        await goals.goal_tree(bob, cycle, verify=True)


async def test_themes_changed_unlogged_are_caught_by_the_verifying_tree(
    client, people, headers_for, trusting
):
    bob = Principal(people["bob"], uuid.uuid4(), frozenset({Role.EMPLOYEE}))
    cycle = UUID(await cycle_id(client, headers_for("bob")))
    await goals.goal_tree(bob, cycle, verify=False)
    await write_unlogged("UPDATE goals_theme SET name = {} WHERE cycle = {}", "改过的主题", cycle)
    await goals.goal_tree(bob, cycle, verify=False)
    with pytest.raises(versions.StaleVersionError, match="cycle and themes kept for every tree"):
        await goals.goal_tree(bob, cycle, verify=True)


async def test_a_process_keeps_the_latest_cycles_trees_only(
    client, people, headers_for, monkeypatch, trusting, open_reads
):
    monkeypatch.setattr(goals.SHARED_TREE_TOPS, "cycles", 1)
    bob = headers_for("bob")
    body = {"name": "2027", "kind": "year", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}
    created = await client.post("/api/goal-cycles", json=body, headers=headers_for("hr"))
    assert created.status_code == 201, created.text
    cycles = [c["id"] for c in (await client.get("/api/goal-cycles", headers=bob)).json()]
    assert len(cycles) == 2
    for cycle in cycles:
        await answer(client, bob, cycle)
    open_reads.clear()
    await answer(client, bob, cycles[-1])
    assert open_reads == []
    await answer(client, bob, cycles[0])
    assert "roots" in open_reads


async def test_a_tree_reads_each_topics_state_once(client, people, headers_for, monkeypatch):
    """The states the answer's version was read with stamp what its build keeps: the kept
    tops and summaries do not read `goal_tree`, `goal_outlines`, `people` and `strategy`
    again (`versions.reading_under`); nor, when the app opens afresh (no ETag) on a tree read
    before, its owners' goals, which the version is also made of."""
    read: list[str] = []
    read_states = versions.fetch_in

    async def counted(sql: str, values: list[Any], *args: Any) -> list[dict[str, Any]]:
        if "FROM sync_change WHERE topic IN" in sql:
            read.extend(values)
        return await read_states(sql, values, *args)

    monkeypatch.setattr(versions, "fetch_in", counted)
    bob = headers_for("bob")
    cycle = await cycle_id(client, bob)
    for _ in range(2):
        read.clear()
        await answer(client, bob, cycle)
        assert {versions.GOAL_TREE, versions.GOAL_OUTLINES, versions.PEOPLE} <= set(read)
        assert sorted(read) == sorted(set(read))
    assert f"{versions.GOALS}:{people['bob']}" in read


async def test_a_tree_has_one_etag_however_its_states_were_read(client, people, headers_for):
    """An app opened afresh (no ETag) and one holding an old copy read the owners' states
    differently (one by one for the build, or as one), and get the same version, so the
    copy either keeps is answered 304."""
    await versions.compact()  # folded rows: a state's newest fold is not 0
    bob = headers_for("bob")
    path = f"/api/goal-cycles/{await cycle_id(client, bob)}/tree"
    await client.get(path, headers=bob)  # the topics its answer is made of are learned
    afresh = (await client.get(path, headers=bob)).headers["etag"]
    old_copy = await client.get(path, headers={**bob, "If-None-Match": '"0.0"'})
    assert old_copy.status_code == 200
    assert old_copy.headers["etag"] == afresh
    current = await client.get(path, headers={**bob, "If-None-Match": afresh})
    assert current.status_code == 304


def east_manager(people) -> Principal:
    """Li Na, who manages Alice and Bob."""
    return Principal(people["manager.east"], uuid.uuid4(), frozenset({Role.EMPLOYEE, Role.MANAGER}))


async def test_a_managers_reach_is_read_again_only_when_people_changes(
    client, people, headers_for, trusting, monkeypatch
):
    reads: list[UUID] = []
    small_reach = org.small_reach

    async def counted(principal: Principal, at_most: int) -> frozenset[UUID] | None:
        reads.append(principal.person_id)
        return await small_reach(principal, at_most)

    monkeypatch.setattr(org, "small_reach", counted)
    manager = headers_for("manager.east")
    cycle = await cycle_id(client, manager)
    before = await answer(client, manager, cycle)
    assert await answer(client, manager, cycle) == before
    assert reads == [people["manager.east"]]

    east = east_manager(people)
    reach = await goals.KEPT_REACHES.reach(east, verify=False)
    assert reach == {people[name] for name in ("manager.east", "alice", "bob")}
    assert len(reads) == 1
    # Carol joins the team: a change of `people`.
    await fetch(
        "UPDATE org_person SET manager = {} WHERE id = {}", people["manager.east"], people["carol"]
    )
    assert await goals.KEPT_REACHES.reach(east, verify=False) == reach | {people["carol"]}
    assert len(reads) == 2


async def test_a_reach_changed_unlogged_is_caught_by_the_verifying_tree(client, people, trusting):
    east = east_manager(people)
    await goals.KEPT_REACHES.reach(east, verify=False)
    await write_unlogged(
        "UPDATE org_person SET manager = {} WHERE id = {}", people["manager.east"], people["carol"]
    )
    assert people["carol"] not in (await goals.KEPT_REACHES.reach(east, verify=False) or ())
    with pytest.raises(versions.StaleVersionError, match="reach kept for a manager"):
        await goals.KEPT_REACHES.reach(east, verify=True)


async def test_a_managers_tree_takes_three_statements_read_afresh_and_two_revalidated(
    client, people, headers_for, trusting, monkeypatch
):
    """Once the tops, summaries, reach and the owners' topics are kept: the principal, the
    states of the topics the answer's version is made of with its owners' (one statement),
    and the private goals of the reach with the viewer's branch; revalidated, the first
    two."""
    statements: list[str] = []
    run = db._run

    async def counted(engine: Any, connection: Any, sql: str, args: Any) -> Any:
        statements.append(sql)
        return await run(engine, connection, sql, args)

    manager = headers_for("manager.east")
    cycle = await cycle_id(client, manager)
    path = f"/api/goal-cycles/{cycle}/tree"
    for _ in range(2):  # the second learns the owners' topics of the first
        await answer(client, manager, cycle)
    monkeypatch.setattr(db, "_run", counted)
    response = await client.get(path, headers=manager)
    assert response.status_code == 200, response.text
    assert len(statements) == 3, statements
    statements.clear()
    again = await client.get(path, headers={**manager, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert len(statements) == 2, statements


async def west_hr(people) -> Principal:
    """Zhou Min, HR for Field Sales West (Carol's department), as she signs in."""
    principal = await auth.load_principal(people["hr.west"], uuid.uuid4())
    assert principal is not None
    assert principal.hr_department_ids
    return principal


@pytest.fixture
def relations_walked(monkeypatch) -> list[set[UUID]]:
    """The owners each walk of relations for whose private goals a viewer may read was
    asked about."""
    walked: list[set[UUID]] = []
    private_goals_readable = goals._private_goals_readable

    async def counted(principal: Principal, owners: set[UUID], reach: Any) -> set[UUID]:
        walked.append(set(owners))
        return await private_goals_readable(principal, owners, reach)

    monkeypatch.setattr(goals, "_private_goals_readable", counted)
    return walked


# Someone ({} second) moved to the department of someone else ({} first).
MOVE_TO_DEPARTMENT_OF = (
    "UPDATE org_person SET department = (SELECT department FROM org_person WHERE id = {})"
    " WHERE id = {}"
)


async def test_an_hr_partners_relations_are_walked_again_only_when_people_changes(
    client, people, relations_walked
):
    hr = await west_hr(people)
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    readable = goals.KEPT_READABLE_OWNERS.readable
    assert await readable(hr, {alice, carol}, verify=False) == {carol}
    assert await readable(hr, {alice, carol}, verify=False) == {carol}
    assert await readable(hr, {bob, carol}, verify=False) == {carol}
    assert relations_walked == [{alice, carol}, {bob}]  # only the owners not asked about yet

    # Alice moves to Field Sales West: a change of `people`.
    await fetch(MOVE_TO_DEPARTMENT_OF, carol, alice)
    assert await readable(hr, {alice, carol}, verify=False) == {alice, carol}
    assert relations_walked[2:] == [{alice, carol}]


async def test_relations_changed_unlogged_are_caught_by_the_verifying_tree(client, people):
    hr = await west_hr(people)
    alice, carol = people["alice"], people["carol"]
    readable = goals.KEPT_READABLE_OWNERS.readable
    assert await readable(hr, {alice, carol}, verify=False) == {carol}
    await write_unlogged(MOVE_TO_DEPARTMENT_OF, carol, alice)
    assert await readable(hr, {alice, carol}, verify=False) == {carol}
    with pytest.raises(versions.StaleVersionError, match="relation kept for a viewer"):
        await readable(hr, {alice, carol}, verify=True)


async def test_an_hr_partners_tree_walks_relations_only_for_owners_not_asked_about(
    client, people, headers_for, trusting, relations_walked
):
    """Her tree shows the private goals of her scope only, with the relations found for the
    first answer kept for the next."""
    hr = headers_for("hr.west")
    cycle = await cycle_id(client, hr)
    carols = await post_goal(
        client,
        headers_for("carol"),
        {"cycle_id": cycle, "title": "西区老客户回访", "visibility": "private"},
    )
    first = await answer(client, hr, cycle)
    assert relations_walked
    relations_walked.clear()
    assert await answer(client, hr, cycle) == first
    assert relations_walked == []
    shown = {goal for _, goal in edges(await tree(client, hr, cycle))}
    assert carols in shown
    assert (await alices_private_goal(client, headers_for))["id"] not in shown


async def test_a_process_keeps_the_latest_viewers_relations_only(
    client, people, relations_walked, monkeypatch
):
    monkeypatch.setattr(goals.KEPT_READABLE_OWNERS, "viewers", 1)
    hr, east = await west_hr(people), east_manager(people)
    alice, carol = people["alice"], people["carol"]
    readable = goals.KEPT_READABLE_OWNERS.readable
    assert await readable(hr, {alice, carol}, verify=False) == {carol}
    assert await readable(east, {alice, carol}, verify=False) == {alice}
    assert await readable(hr, {alice, carol}, verify=False) == {carol}
    assert len(relations_walked) == 3


async def test_a_viewer_keeps_so_many_owners_besides_a_reads_own(
    client, people, relations_walked, monkeypatch
):
    monkeypatch.setattr(goals.KEPT_READABLE_OWNERS, "owners", 2)
    hr = await west_hr(people)
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    readable = goals.KEPT_READABLE_OWNERS.readable
    await readable(hr, {alice, carol}, verify=False)
    await readable(hr, {bob}, verify=False)  # two kept already: starts again with Bob
    await readable(hr, {bob}, verify=False)
    await readable(hr, {alice}, verify=False)
    assert relations_walked == [{alice, carol}, {bob}, {alice}]
