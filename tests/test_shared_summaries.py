"""Goal summaries kept between requests for every viewer (`goals.queries.SharedSummaries`):
a tree reuses the summaries another viewer's tree built while nothing they show changed,
and builds again each one whose goal, key results, owner, cycle or day moved. Each
change below is read through a summary kept before it, and compared with the same tree
built by a process that kept nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from server.core.access import Principal, Role
from server.db import fetch
from server.goals import queries as goals
from server.sync import versions
from tests.test_alerts import BOB_GOAL, first_kr, record
from tests.test_goal_tree import cycle_id

Nodes = list[dict[str, Any]]


@pytest.fixture
def built(app, monkeypatch) -> list[str]:
    """The titles of the goals whose summaries were built, in a process that kept none yet
    and does not verify versions (the suite's verifying builds every summary)."""
    monkeypatch.setattr(app.state.settings, "sync_verify_versions", False)
    goals.SHARED_SUMMARIES.forget()
    titles: list[str] = []
    build = goals._summaries_for_all

    async def counted(rows: list[dict[str, Any]], today: Any) -> Any:
        titles.extend(r["title"] for r in rows)
        return await build(rows, today)

    monkeypatch.setattr(goals, "_summaries_for_all", counted)
    return titles


async def tree(client, headers) -> Nodes:
    cycle = await cycle_id(client, headers)
    response = await client.get(f"/api/goal-cycles/{cycle}/tree", headers=headers)
    assert response.status_code == 200, response.text
    return [node for branch in response.json()["themes"] for node in branch["objectives"]]


def summaries(nodes: Nodes) -> dict[str, dict[str, Any]]:
    """Every goal summary of a tree by title."""
    found = {}
    for node in nodes:
        found[node["goal"]["title"]] = node["goal"]
        found |= summaries(node["children"])
    return found


async def test_a_tree_reuses_the_summaries_another_viewers_tree_built(
    client, people, headers_for, built
):
    carols = summaries(await tree(client, headers_for("carol")))
    assert set(built) == set(carols)
    built.clear()
    bobs = summaries(await tree(client, headers_for("bob")))
    # Only the goals Carol's tree does not show (Bob's own and his team's) are built.
    assert set(built) == set(bobs) - set(carols)
    assert built
    assert {t: bobs[t] for t in bobs.keys() & carols.keys()} == {
        t: carols[t] for t in bobs.keys() & carols.keys()
    }
    built.clear()
    await tree(client, headers_for("bob"))
    assert built == []


async def test_whether_a_goal_awaits_my_signature_is_my_own(client, people, headers_for, built):
    """A manager's proposal waits for the chief executive's signature, not for HR's: one
    kept summary, each viewer's answer."""
    waiting = "华西团队辅导与微沟通"
    by_hr = summaries(await tree(client, headers_for("hr")))
    by_ceo = summaries(await tree(client, headers_for("ceo")))
    assert by_hr[waiting]["awaiting_my_signature"] is False
    assert by_ceo[waiting]["awaiting_my_signature"] is True
    assert built.count(waiting) == 1
    assert (
        summaries(await tree(client, headers_for("hr")))[waiting]["awaiting_my_signature"] is False
    )


async def _record_progress(client, headers_for, people) -> None:
    kr = await first_kr(BOB_GOAL)
    await record(client, headers_for("bob"), kr, kr["current_value"] + 5)


async def _rename_owner(client, headers_for, people) -> None:
    await fetch("UPDATE org_person SET display_name = {} WHERE id = {}", "王博", people["bob"])


async def _hand_to_another_owner(client, headers_for, people) -> None:
    await fetch("UPDATE goals_goal SET owner = {} WHERE title = {}", people["alice"], BOB_GOAL)


async def _start_the_cycle_today(client, headers_for, people) -> None:
    """Bob's goal, behind its plan, has not started yet."""
    await fetch(
        "UPDATE goals_cycle SET starts_on = {} WHERE id IN"
        " (SELECT cycle FROM goals_goal WHERE title = {})",
        goals.now().date(),
        BOB_GOAL,
    )


async def _a_year_earlier(client, headers_for, people, monkeypatch) -> None:
    """Read before its cycle began, Bob's goal has not started."""
    earlier = goals.now() - timedelta(days=365)
    monkeypatch.setattr(goals, "now", lambda: earlier)


@pytest.mark.parametrize(
    "change",
    [
        _record_progress,
        _rename_owner,
        _hand_to_another_owner,
        _start_the_cycle_today,
        _a_year_earlier,
    ],
)
async def test_a_kept_summary_is_built_again_when_what_it_shows_moves(
    client, people, headers_for, built, monkeypatch, change
):
    manager = headers_for("manager.east")
    before = summaries(await tree(client, manager))[BOB_GOAL]
    if change is _a_year_earlier:
        await change(client, headers_for, people, monkeypatch)
    else:
        await change(client, headers_for, people)
    built.clear()
    after = summaries(await tree(client, manager))
    assert BOB_GOAL in built
    assert after[BOB_GOAL] != before
    goals.SHARED_SUMMARIES.forget()
    assert summaries(await tree(client, manager)) == after


async def write_unlogged(sql: str, *args: object) -> None:
    """A write the change log misses: what the triggers logged for it taken away."""
    [newest] = await fetch("SELECT MAX(id) AS id FROM sync_change")
    await fetch(sql, *args)
    await fetch("DELETE FROM sync_change WHERE id > {}", newest["id"])


async def retitle_unlogged(title: str, new_title: str) -> None:
    """A goal renamed without the change log knowing."""
    await write_unlogged("UPDATE goals_goal SET title = {} WHERE title = {}", new_title, title)


async def test_a_summary_changed_unlogged_is_caught_by_the_verifying_tree(
    client, people, headers_for, built
):
    """The stamps trust the change log as the tree's ETag does; the tests' verifying tree
    refuses a kept summary that changed without the log moving."""
    bob = Principal(people["bob"], uuid.uuid4(), frozenset({Role.EMPLOYEE}))
    cycle = UUID(await cycle_id(client, headers_for("bob")))
    await goals.goal_tree(bob, cycle, verify=False)
    await retitle_unlogged(BOB_GOAL, "改过的标题")

    trusting = json.loads((await goals.goal_tree(bob, cycle, verify=False)).body)
    assert BOB_GOAL in summaries([n for b in trusting["themes"] for n in b["objectives"]])
    with pytest.raises(versions.StaleVersionError, match="changed under its stamp"):
        await goals.goal_tree(bob, cycle, verify=True)


async def test_a_process_keeps_the_latest_summaries_only(
    client, people, headers_for, built, monkeypatch
):
    monkeypatch.setattr(goals.SHARED_SUMMARIES, "size", 2)
    shown = summaries(await tree(client, headers_for("bob")))
    built.clear()
    await tree(client, headers_for("bob"))
    assert len(built) == len(shown) - 2


async def test_nothing_read_in_a_transaction_rolled_back_is_kept(
    app, client, people, headers_for, built
):
    """Two writes rolled back one after the other leave the change log as each found it: a
    summary kept from the first would be taken for the second's."""
    bob, manager = headers_for("bob"), headers_for("manager.east")
    kr = await first_kr(BOB_GOAL)
    progress = {}
    for step in (5, 1):
        async with app.state.engine.transaction() as transaction:
            await record(client, bob, kr, kr["current_value"] + step)
            progress[step] = summaries(await tree(client, manager))[BOB_GOAL]["progress"]
            await transaction.rollback()
    assert progress[1] < progress[5]
