"""The sync push (DESIGN.md §4): each mutation applies once, in order, on its own; repeats
get the stored answer; a reused id reveals nothing; the effect and its record commit together."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.db import Inserts, insert_together
from server.feedback.tables import Kudos, KudosReaction
from server.sync import queries as sync_queries
from server.sync.tables import SyncMutation
from tests.conftest import BACKEND

BEHAVIOUR = "周三在苏州客户现场把报价单逐项讲清楚，客户当场同意试点"


def mutation(kind: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "payload": payload,
        "client_created_at": datetime.now(UTC).isoformat(),
        **extra,
    }


def kudos_to(person: uuid.UUID, behaviour: str = BEHAVIOUR) -> dict[str, Any]:
    return mutation("kudos.create", {"recipient_ids": [str(person)], "behaviour": behaviour})


async def push(client, headers, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.post(
        "/api/sync/push",
        json={"device_id": "phone-1", "mutations": list(mutations)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]


def outcomes(results: list[dict[str, Any]]) -> list[str]:
    return [r["status"] if r["status"] != "rejected" else r["error"]["code"] for r in results]


async def kudos_count() -> int:
    return await Kudos.count()


async def test_a_repeated_batch_applies_once_with_the_same_results(client, people, as_manager):
    batch = [kudos_to(people["alice"]), kudos_to(people["bob"])]
    before = await kudos_count()
    first = await push(client, as_manager, *batch)
    assert outcomes(first) == ["applied", "applied"]
    # What a mutation creates takes its id: later offline entries can refer to it.
    assert [r["entity_id"] for r in first] == [m["id"] for m in batch]
    again = await push(client, as_manager, *batch)
    assert outcomes(again) == ["duplicate", "duplicate"]
    assert [r["entity_id"] for r in again] == [r["entity_id"] for r in first]
    assert await kudos_count() == before + 2
    assert await SyncMutation.count() == 2


async def test_a_reused_id_is_rejected_and_reveals_nothing(client, people, as_manager, headers_for):
    original = kudos_to(people["alice"])
    await push(client, as_manager, original)
    changed = {**original, "payload": {**original["payload"], "behaviour": BEHAVIOUR + "！"}}
    [same_person] = await push(client, as_manager, changed)
    [someone_else] = await push(client, headers_for("carol"), original)
    for result in (same_person, someone_else):
        assert result["status"] == "rejected"
        assert result["error"]["code"] == "mutation_id_conflict"
        assert result["entity_id"] is None
    # Carol learns nothing from the answer that the manager's answer would not tell.
    assert same_person["error"] == someone_else["error"]
    stored = await Kudos.select(Kudos.author, Kudos.behaviour).where(Kudos.id == original["id"])
    assert stored == [{"author": people["manager.east"], "behaviour": BEHAVIOUR}]


async def test_mutations_apply_in_the_order_sent(client, people, headers_for):
    alice = headers_for("alice")
    create = kudos_to(people["bob"])
    react = mutation("kudos.react", {"kudos_id": create["id"], "emoji": "clap"})
    # Reacting to a kudos written earlier in the same offline queue works...
    assert outcomes(await push(client, alice, create, react)) == ["applied", "applied"]
    # ...and the other way round it cannot: the kudos does not exist yet.
    later = kudos_to(people["bob"])
    early = mutation("kudos.react", {"kudos_id": later["id"], "emoji": "heart"})
    assert outcomes(await push(client, alice, early, later)) == ["not_found", "applied"]
    assert await KudosReaction.count() == 1


async def test_a_rejected_mutation_leaves_the_others_applied(client, people, headers_for):
    alice = headers_for("alice")
    batch = [
        kudos_to(people["bob"]),
        kudos_to(people["alice"]),  # to herself: rejected
        mutation(
            "feedback.create",
            {
                "recipient_id": str(people["bob"]),
                "situation": "周一周会",
                "behaviour": "讲了十分钟细节",
                "impact": "没时间讨论支持",
            },
        ),
    ]
    first = await push(client, alice, *batch)
    assert outcomes(first) == ["applied", "self_feedback", "applied"]
    assert first[1]["error"]["status"] == 422
    # The same delivery again: the same answers, nothing written twice.
    again = await push(client, alice, *batch)
    assert outcomes(again) == ["duplicate", "self_feedback", "duplicate"]
    assert again[1]["error"] == first[1]["error"]
    assert await Kudos.count().where(Kudos.id.is_in([m["id"] for m in batch])) == 1


async def test_bad_payloads_and_unknown_kinds_are_rejected_one_by_one(client, people, as_manager):
    results = await push(
        client,
        as_manager,
        mutation("kudos.create", {"recipient_ids": [str(people["alice"])]}),
        mutation("checkin.teleport", {}),
        mutation("kr.progress", {"key_result_id": "not-a-uuid", "value": "1"}),
        kudos_to(people["alice"]),
    )
    assert outcomes(results) == [
        "validation_failed",
        "unknown_mutation_kind",
        "validation_failed",
        "applied",
    ]
    assert {e["field"] for e in results[0]["error"]["errors"]} == {"payload.behaviour"}
    assert "payload.key_result_id" in {e["field"] for e in results[2]["error"]["errors"]}


async def test_the_effect_and_its_record_commit_together(client, people, as_manager, monkeypatch):
    """The database refuses the record of an entry whose kudos it is writing: the kudos is not
    kept either, neither by the write in one go nor by the transaction that runs after it, the
    phone gets a transient error, and its retry applies the entry once."""
    entry = kudos_to(people["alice"])
    before = await kudos_count()

    def unsound(table: Any, rows: Any) -> Any:
        # A record without its status breaks the column's NOT NULL.
        return [{**row, "status": None} for row in rows] if table is SyncMutation else rows

    async def records_refused(inserts: Inserts) -> None:
        await insert_together([(table, unsound(table, rows)) for table, rows in inserts])

    with monkeypatch.context() as patch:
        patch.setattr(sync_queries, "insert_together", records_refused)
        response = await client.post(
            "/api/sync/push",
            json={"device_id": "phone-1", "mutations": [entry]},
            headers=as_manager,
        )
    assert response.status_code == 500
    assert await kudos_count() == before
    assert await SyncMutation.count() == 0
    assert outcomes(await push(client, as_manager, entry)) == ["applied"]
    assert await kudos_count() == before + 1


async def test_a_push_of_new_kudos_writes_them_in_one_statement(app, client, people, as_manager):
    """On PostgreSQL a push of new kudos, the most common push, takes four statements: the
    principal, the idempotency lookup, the recipients, and one that writes the kudos, their
    recipients and the records, with no BEGIN or COMMIT. Every round trip costs the server
    and the database a system call each way: with eight, a quarter of the server's time went
    to writing to PostgreSQL (docs/performance.md)."""
    if BACKEND == "sqlite":
        pytest.skip("SQLite runs in the process: its statements are not round trips")
    pool = app.state.engine.pool
    statements: list[str] = []

    def logged(record: Any) -> None:
        statements.append(record.query)

    async def on_every_connection(change: str) -> None:
        held = [await pool.acquire() for _ in range(pool.get_size())]
        for connection in held:
            getattr(connection, change)(logged)
            await pool.release(connection)

    await on_every_connection("add_query_logger")
    try:
        results = await push(client, as_manager, kudos_to(people["alice"]), kudos_to(people["bob"]))
    finally:
        await on_every_connection("remove_query_logger")
    assert outcomes(results) == ["applied", "applied"]
    assert len(statements) == 4, statements
    [write] = [s for s in statements if not s.startswith("SELECT")]
    tables = ("feedback_kudos", "feedback_kudos_recipient", "sync_mutation")
    assert all(f'INSERT INTO "{table}"' in write for table in tables), write
    assert await Kudos.count().where(Kudos.id.is_in([r["id"] for r in results])) == 2


async def test_simultaneous_deliveries_of_one_entry_apply_it_once(client, people, as_manager):
    entry = kudos_to(people["alice"])
    before = await kudos_count()
    results = await asyncio.gather(*(push(client, as_manager, entry) for _ in range(4)))
    assert sorted(outcomes([r[0] for r in results])) == ["applied", *["duplicate"] * 3]
    assert await kudos_count() == before + 1


async def test_an_offline_progress_entry_keeps_the_time_it_was_written(client, people, as_employee):
    goal = next(
        g
        for g in (await client.get("/api/me/goals", headers=as_employee)).json()["goals"]
        if g["title"] == "拓展苏州制造业新客户"
    )
    kr = (await client.get(f"/api/goals/{goal['id']}", headers=as_employee)).json()["key_results"][
        0
    ]
    written = datetime.now(UTC) - timedelta(hours=3)
    entry = mutation(
        "kr.progress",
        {"key_result_id": kr["id"], "value": "25", "note": "拜访后补记"},
        client_created_at=written.isoformat(),
    )
    [result] = await push(client, as_employee, entry)
    assert result["status"] == "applied"
    history = (
        await client.get(f"/api/key-results/{kr['id']}/progress", headers=as_employee)
    ).json()
    logged = next(h for h in history if h["id"] == entry["id"])
    assert logged["value"] == "25"
    assert datetime.fromisoformat(logged["recorded_at"]) == written


async def test_a_clock_ahead_on_the_phone_is_not_trusted(client, people, as_manager):
    entry = kudos_to(people["alice"])
    entry["client_created_at"] = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    await push(client, as_manager, entry)
    page = (await client.get("/api/kudos?show=given", headers=as_manager)).json()
    written = next(k for k in page["items"] if k["id"] == entry["id"])["written_at"]
    assert datetime.fromisoformat(written) <= datetime.now(UTC)


async def test_a_batch_of_a_hundred_is_applied_whole(client, people, as_manager):
    batch = [kudos_to(people["alice"] if i % 2 else people["bob"]) for i in range(100)]
    before = await kudos_count()
    assert set(outcomes(await push(client, as_manager, *batch))) == {"applied"}
    assert await kudos_count() == before + 100


async def test_an_id_already_taken_outside_the_sync_is_refused_not_a_server_error(
    client, people, headers_for
):
    """A crafted entry whose id names an existing kudos: refused, and the rest still apply."""
    taken = (await Kudos.select(Kudos.id).first())["id"]
    crafted = kudos_to(people["bob"])
    crafted["id"] = str(taken)
    batch = [kudos_to(people["bob"]), crafted, kudos_to(people["bob"])]
    results = await push(client, headers_for("alice"), *batch)
    assert outcomes(results) == ["applied", "entity_conflict", "applied"]
    assert await Kudos.count().where(Kudos.id.is_in([batch[0]["id"], batch[2]["id"]])) == 2


async def test_the_same_entry_twice_in_one_batch_applies_once(client, people, as_manager):
    entry = kudos_to(people["alice"])
    before = await kudos_count()
    results = await push(client, as_manager, entry, kudos_to(people["bob"]), entry)
    assert outcomes(results) == ["applied", "applied", "duplicate"]
    assert results[2]["entity_id"] == entry["id"]
    assert await kudos_count() == before + 2
