"""The pull's collection versions (`server/sync/versions.py`): the change log the database
triggers write moves a collection's version with every write that changes it, a pull skips
building a collection whose version the phone already has, and the compaction keeps the log
short without ever leaving a phone behind. The whole suite pulls with `sync_verify_versions`
on, so a pull anywhere in it fails when a collection changed under its version."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest

from server.core.access import Principal, Role
from server.db import fetch, fetch_in, write_transaction
from server.sync import pull, versions
from tests.conftest import BACKEND
from tests.test_checkins import confirm, minutes, prepare
from tests.test_sync import kudos_to, mutation, outcomes, push


async def pulled(client, headers, cursor: str | None) -> tuple[set[str], str]:
    """-> the collections this pull sent, and its cursor."""
    response = await client.get(
        "/api/sync/pull", params={"cursor": cursor} if cursor else {}, headers=headers
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    return {c["collection"] for c in answer["changes"]}, answer["cursor"]


async def test_every_write_to_a_phones_checkins_sends_them_again(client, people, headers_for):
    bob, manager, admin = headers_for("bob"), headers_for("manager.east"), headers_for("admin")
    cursors = {"bob": (await pulled(client, bob, None))[1]}
    cursors["manager"] = (await pulled(client, manager, None))[1]

    async def both_receive_checkins() -> None:
        for name, headers in (("bob", bob), ("manager", manager)):
            sent, cursors[name] = await pulled(client, headers, cursors[name])
            assert "checkins" in sent, name

    prep_id = str(uuid.uuid4())
    assert outcomes(await push(client, bob, prepare(prep_id, highlights="走访了 6 家客户"))) == [
        "applied"
    ]
    await both_receive_checkins()
    held = minutes(people["bob"], people["bob"], prep_id, private_note="下次先问报价")
    assert outcomes(await push(client, manager, held)) == ["applied"]
    await both_receive_checkins()
    assert outcomes(await push(client, bob, confirm(prep_id, 1))) == ["applied"]
    await both_receive_checkins()
    [action] = held["payload"]["actions"]
    done = {"action_id": action["id"]}
    assert outcomes(await push(client, bob, mutation("action.complete", done))) == ["applied"]
    await both_receive_checkins()
    # A name shown in the minutes, changed by an admin.
    renamed = await client.patch(
        f"/api/admin/people/{people['bob']}", json={"display_name": "王伟伟"}, headers=admin
    )
    assert renamed.status_code == 200, renamed.text
    await both_receive_checkins()
    # Nothing written: nothing sent, the check-ins not even built.
    for name, headers in (("bob", bob), ("manager", manager)):
        sent, again = await pulled(client, headers, cursors[name])
        assert sent == set()
        assert (
            pull.decode_cursor(again)["checkins"] == pull.decode_cursor(cursors[name])["checkins"]
        )


async def test_a_pull_skips_what_its_version_says_is_unchanged_and_the_tests_catch_a_miss(
    client, people, as_manager
):
    """A change the log did not record (here: its row taken out again by hand) is not seen
    by a pull, which trusts the version; the verifying pull the tests use refuses it."""
    bob = Principal(people["bob"], uuid.uuid4(), frozenset({Role.EMPLOYEE}))
    assert outcomes(await push(client, as_manager, minutes(people["bob"], people["bob"]))) == [
        "applied"
    ]
    first = json.loads(await pull.pull(bob, None))

    [newest] = await fetch("SELECT MAX(id) AS id FROM sync_change")
    await fetch(
        "UPDATE checkins_checkin SET highlights = {} WHERE employee = {}",
        "改过的纪要",
        people["bob"],
    )
    await fetch("DELETE FROM sync_change WHERE id > {}", newest["id"])

    trusting = json.loads(await pull.pull(bob, first["cursor"]))
    assert trusting["changes"] == []
    with pytest.raises(versions.StaleVersionError, match="checkins"):
        await pull.pull(bob, first["cursor"], verify_versions=True)
    # Any logged write to the topic brings the change with it.
    await fetch("UPDATE checkins_checkin SET blockers = {} WHERE employee = {}", "", people["bob"])
    [sent] = json.loads(await pull.pull(bob, first["cursor"]))["changes"]
    assert sent["items"][0]["highlights"] == "改过的纪要"


async def test_compaction_folds_a_topic_of_several_rows_and_moves_its_version(client, people):
    bob = Principal(people["bob"], uuid.uuid4(), frozenset({Role.EMPLOYEE}))
    [topic] = versions.of(versions.CHECKINS, [people["bob"]])
    await versions.compact()  # what seeding the demo crowded (on SQLite: a row per person)
    for _ in range(3):
        await fetch("INSERT INTO sync_change (topic) VALUES ({})", topic)
    await fetch("INSERT INTO sync_change (topic) VALUES ({})", "checkins:someone-quiet")
    before = json.loads(await pull.pull(bob, None))["cursor"]
    [newest] = await fetch("SELECT MAX(id) AS id FROM sync_change")

    assert await versions.compact() == 1
    logged = await fetch("SELECT id FROM sync_change WHERE topic = {}", topic)
    assert len(logged) == 1
    assert logged[0]["id"] > newest["id"]
    assert await fetch("SELECT id FROM sync_change WHERE topic = 'checkins:someone-quiet'")
    # The phone's version moved, so the check-ins were built again; the same content is not
    # sent again.
    after = json.loads(await pull.pull(bob, before, verify_versions=True))
    assert after["changes"] == []
    assert pull.decode_cursor(after["cursor"])["checkins"] != pull.decode_cursor(before)["checkins"]
    assert await versions.compact() == 0


async def combined_state(topics: list[str]) -> versions.State:
    """The state of these topics together, read both ways: as one row beside another topic's
    (`states_and_combined`), and combined from each topic's."""
    each = await versions.states(topics)
    beside, together = await versions.states_and_combined([versions.PEOPLE], topics)
    assert beside == await versions.states([versions.PEOPLE])
    assert together == versions.combined(each.values())
    return together


async def test_a_combined_state_moves_with_each_of_its_topics(client, people):
    """Even when a fold took away as many rows as were added: the fold names a newer row."""
    topics = ["goals:folded-one", "goals:written-one"]
    assert await combined_state(topics) == (0, 0)
    await versions.compact()
    for topic in [*[topics[0]] * 3, topics[1]]:
        await fetch("INSERT INTO sync_change (topic) VALUES ({})", topic)
    before = await combined_state(topics)
    assert before[1] == 4
    assert await versions.compact() == 1
    for _ in range(2):
        await fetch("INSERT INTO sync_change (topic) VALUES ({})", topics[1])
    after = await combined_state(topics)
    assert after[1] == before[1]
    assert after[0] > before[0]
    await fetch("INSERT INTO sync_change (topic) VALUES ({})", topics[1])
    assert await combined_state(topics) == (after[0], after[1] + 1)
    assert await versions.compact() == 1
    settled = await combined_state(topics)
    assert settled[0] > after[0]
    # Another topic's rows and folds do not move it.
    for _ in range(2):
        await fetch("INSERT INTO sync_change (topic) VALUES ({})", "goals:someone-else")
    assert await versions.compact() == 1
    assert await combined_state(topics) == settled


async def _set_cadence(client, people, headers_for) -> None:
    response = await client.put(
        f"/api/cadences/{people['manager.east']}",
        json={"cadence": "monthly"},
        headers=headers_for("hr"),
    )
    assert response.status_code == 204, response.text


async def _new_template(client, people, headers_for) -> None:
    hr = headers_for("hr")
    [default] = (await client.get("/api/checkin-templates", headers=hr)).json()
    store = {"name": "门店巡店版", "sections": default["sections"]}
    assert (await client.post("/api/checkin-templates", json=store, headers=hr)).is_success


async def _feedback_to_alice(client, people, headers_for) -> None:
    sbi = {
        "situation": "周一华东区周会上",
        "behaviour": "你用了十分钟讲无锡客户的细节，没有留时间讨论需要的支持",
        "impact": "会议超时，售前支持没有安排上",
        "recipient_id": str(people["alice"]),
    }
    sent = await push(client, headers_for("bob"), mutation("feedback.create", sbi))
    assert outcomes(sent) == ["applied"]


async def _move_bob(client, people, headers_for) -> None:
    admin = headers_for("admin")
    departments = (await client.get("/api/org/departments", headers=admin)).json()
    bob = (await client.get(f"/api/people/{people['bob']}", headers=admin)).json()
    [elsewhere, *_] = [d for d in departments if d["id"] != bob["department_id"]]
    moved = await client.patch(
        f"/api/admin/people/{people['bob']}",
        json={"department_id": elsewhere["id"]},
        headers=admin,
    )
    assert moved.status_code == 200, moved.text


async def _alices_goal(client, headers_for) -> dict[str, Any]:
    """Her first active goal, in full."""
    alice = headers_for("alice")
    mine = (await client.get("/api/me/goals", headers=alice)).json()["goals"]
    active = next(g for g in mine if g["state"] == "active")
    return (await client.get(f"/api/goals/{active['id']}", headers=alice)).json()


async def _alice_records_progress(client, people, headers_for) -> None:
    [kr, *_] = (await _alices_goal(client, headers_for))["key_results"]
    progress = {"key_result_id": kr["id"], "value": str(float(kr["current_value"]) + 1)}
    sent = await push(client, headers_for("alice"), mutation("kr.progress", progress))
    assert outcomes(sent) == ["applied"]


async def _the_company_goal_above_alices_renamed(client, people, headers_for) -> None:
    alignment = (await _alices_goal(client, headers_for))["alignment"]
    company = next(step for step in alignment if step["level"] == "company")
    renamed = await client.patch(
        f"/api/goals/{company['id']}",
        json={"title": "华东华西市场份额提升"},
        headers=headers_for("hr"),
    )
    assert renamed.status_code == 200, renamed.text


async def _bob_praises_alice(client, people, headers_for) -> None:
    assert outcomes(await push(client, headers_for("bob"), kudos_to(people["alice"]))) == [
        "applied"
    ]


@pytest.mark.parametrize(
    ("viewer", "write", "collections"),
    [
        ("manager.east", _set_cadence, {"checkin_status"}),
        ("alice", _new_template, {"checkin_templates"}),
        ("alice", _feedback_to_alice, {"feedback_received"}),
        ("manager.east", _move_bob, {"team", "colleagues"}),
        ("alice", _alice_records_progress, {"goals"}),
        ("manager.east", _alice_records_progress, {"team_goals"}),
        ("alice", _the_company_goal_above_alices_renamed, {"goals"}),
        ("carol", _bob_praises_alice, {"kudos"}),
    ],
    ids=["cadence", "template", "feedback", "department", "progress", "team", "above", "kudos"],
)
async def test_a_write_to_what_a_phone_keeps_sends_that_collection_again(
    client, people, headers_for, viewer, write, collections
):
    headers = headers_for(viewer)
    _, cursor = await pulled(client, headers, None)
    await write(client, people, headers_for)
    sent, _ = await pulled(client, headers, cursor)
    assert collections <= sent


async def test_states_are_read_from_the_index_alone(client):
    """On PostgreSQL each topic's state comes from the index without reading its rows, and
    the topics are compared byte by byte, not by the locale's rules: a goal tree's states
    are a hundred or so lookups."""
    if BACKEND == "sqlite":
        pytest.skip("SQLite compares bytes already, and reads its states in the process")
    async with write_transaction():
        # The tests' log is a few pages, which PostgreSQL would rather read whole.
        await fetch("SET LOCAL enable_seqscan = off")
        await fetch("SET LOCAL enable_bitmapscan = off")
        plan = await fetch_in(f"EXPLAIN {versions.STATES_SQL}", ["goals:a", "goals:b"])
    assert "Index Only Scan using sync_change_topic_id" in str(plan)
    [column] = await fetch(
        "SELECT collation_name FROM information_schema.columns"
        " WHERE table_name = 'sync_change' AND column_name = 'topic'"
    )
    assert column["collation_name"] == "C"


async def test_a_write_committed_across_a_fold_is_not_missed(client, people, as_manager):
    """PostgreSQL hands out ids before commit: a check-in written before a fold and committed
    after it, which the fold could not see, still reaches the phone."""
    if BACKEND == "sqlite":
        pytest.skip("SQLite has one writer at a time: no write is uncommitted while a fold runs")
    bob = Principal(people["bob"], uuid.uuid4(), frozenset({Role.EMPLOYEE}))
    assert outcomes(await push(client, as_manager, minutes(people["bob"], people["bob"]))) == [
        "applied"
    ]
    written, release = asyncio.Event(), asyncio.Event()

    async def late_minutes() -> None:
        async with write_transaction():
            await fetch(
                "UPDATE checkins_checkin SET highlights = {} WHERE employee = {}",
                "迟到的纪要",
                people["bob"],
            )
            written.set()
            await release.wait()

    late = asyncio.create_task(late_minutes())
    await written.wait()
    before = json.loads(await pull.pull(bob, None))["cursor"]
    assert await versions.compact() > 0
    release.set()
    await late
    after = json.loads(await pull.pull(bob, before, verify_versions=True))
    [checkins] = [c for c in after["changes"] if c["collection"] == "checkins"]
    assert checkins["items"][0]["highlights"] == "迟到的纪要"
