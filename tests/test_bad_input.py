"""Bad input, found by schemathesis or written as the attacks it stands for: every answer is
a 4xx problem document, never a server error, and nothing is written."""

from __future__ import annotations

import pytest

from server.feedback.tables import Kudos
from server.goals.tables import Cycle, Goal, StrategyTheme
from tests.conftest import problem
from tests.test_alerts import ALICE_GOAL
from tests.test_goals import alice_draft
from tests.test_sync import BEHAVIOUR, kudos_to, mutation, push

NOWHERE = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize("field", ["title", "description", "weight", "priority", "visibility"])
async def test_a_null_for_a_value_a_goal_always_has_is_refused(client, people, headers_for, field):
    """Null used to reach the database (500); leaving a field out keeps it, null is a 400."""
    alice = headers_for("alice")
    url = f"/api/goals/{(await alice_draft(client, alice))['id']}"
    before = (await client.get(url, headers=alice)).json()
    body = problem(
        await client.patch(url, json={field: None}, headers=alice), 400, "validation_failed"
    )
    assert [e["field"] for e in body["errors"]] == [field]
    assert (await client.get(url, headers=alice)).json() == before


async def test_nulls_in_other_partial_updates_are_refused(client, people, headers_for, as_admin):
    hr = headers_for("hr")
    cycle = await Cycle.select(Cycle.id, Cycle.ends_on).first()
    theme = await StrategyTheme.select(StrategyTheme.id, StrategyTheme.description).first()
    refused = [
        (f"/api/goal-cycles/{cycle['id']}", {"ends_on": None}, hr),
        (f"/api/strategy-themes/{theme['id']}", {"description": None}, hr),
        (f"/api/admin/people/{people['bob']}", {"active": None}, as_admin),
        ("/api/org/company", {"name": None}, as_admin),
    ]
    for url, body, headers in refused:
        problem(await client.patch(url, json=body, headers=headers), 400, "validation_failed")
    assert (await Cycle.select(Cycle.ends_on).where(Cycle.id == cycle["id"]).first())["ends_on"]
    kept = await StrategyTheme.select().where(StrategyTheme.id == theme["id"]).first()
    assert kept["description"] == theme["description"]


@pytest.mark.parametrize(
    ("url", "body"),
    [
        # JSON numbers where the document says text, true/false or a whole number.
        ("/api/alert-rules/{rule}", {"enabled": 0}),
        ("/api/strategy-themes/{theme}", {"position": False}),
        ("/api/goal-cycles/{cycle}", {"starts_on": 0}),
    ],
)
async def test_values_of_the_wrong_json_type_are_not_coerced(
    client, people, headers_for, url, body
):
    rule = (await client.get("/api/alert-rules", headers=headers_for("hr"))).json()[0]
    theme = await StrategyTheme.select(StrategyTheme.id).first()
    cycle = await Cycle.select(Cycle.id).first()
    target = url.format(rule=rule["id"], theme=theme["id"], cycle=cycle["id"])
    problem(
        await client.patch(target, json=body, headers=headers_for("hr")), 400, "validation_failed"
    )


async def test_a_cadence_for_nobody_is_not_found(client, people, headers_for):
    """Company-wide HR relates to every id, even one nobody has; that used to fail on the
    database's reference check (500)."""
    problem(
        await client.put(
            f"/api/cadences/{NOWHERE}", json={"cadence": "monthly"}, headers=headers_for("hr")
        ),
        404,
        "not_found",
    )


async def test_a_mutation_with_a_number_for_its_time_is_refused_whole(client, people, headers_for):
    before = await Kudos.count()
    entry = {**kudos_to(people["bob"]), "client_created_at": 0}
    response = await client.post(
        "/api/sync/push",
        json={"device_id": "phone-1", "mutations": [entry]},
        headers=headers_for("alice"),
    )
    problem(response, 400, "validation_failed")
    assert await Kudos.count() == before


@pytest.mark.parametrize(
    "text",
    [
        BEHAVIOUR + "\x00",  # NUL: PostgreSQL refuses it in text; it must not get that far
        BEHAVIOUR + "字" * 4000,  # longer than the fields allow
    ],
)
async def test_nul_bytes_and_overlong_text_are_refused_before_the_database(
    client, people, headers_for, text
):
    before = await Kudos.count()
    [result] = await push(client, headers_for("alice"), kudos_to(people["bob"], behaviour=text))
    assert result["status"] == "rejected", result
    assert result["error"]["code"] == "validation_failed"
    assert result["error"]["errors"][0]["field"] == "payload.behaviour"
    assert await Kudos.count() == before
    # The same through a plain request body.
    goal = await Goal.select(Goal.id).where(Goal.title == ALICE_GOAL).first()
    comment = await client.post(
        f"/api/goals/{goal['id']}/comments", json={"body": text}, headers=headers_for("alice")
    )
    problem(comment, 400, "validation_failed")


async def test_a_nul_character_in_an_address_is_refused(client, people, headers_for):
    """Found by schemathesis on PostgreSQL, which cannot compare text holding NUL (500)."""
    alice = headers_for("alice")
    problem(await client.get("/api/people?q=a%00b", headers=alice), 400, "validation_failed")
    # In a path: no API route matches (404); the app shell's catch-all refuses it.
    problem(await client.get("/api/goals/%00", headers=alice), 404, "not_found")
    problem(await client.get("/assets/%00.js"), 400, "validation_failed")


async def test_huge_numbers_deep_json_and_bad_ids_are_problems(client, people, headers_for):
    alice = headers_for("alice")
    goal = await Goal.select(Goal.id).where(Goal.title == ALICE_GOAL).first()
    deep = b'{"device_id": "x", "mutations": ' + b"[" * 5_000 + b"]" * 5_000 + b"}"
    too_deep = await client.post(
        "/api/sync/push", content=deep, headers={**alice, "content-type": "application/json"}
    )
    problem(too_deep, 400, "malformed_json")
    huge = await client.patch(f"/api/goals/{goal['id']}", json={"weight": 10**40}, headers=alice)
    problem(huge, 400, "validation_failed")
    problem(await client.get("/api/goals/not-a-uuid", headers=alice), 404, "not_found")
    problem(await client.get(f"/api/goals/{NOWHERE}", headers=alice), 404, "not_found")
    [result] = await push(
        client, alice, mutation("kr.progress", {"key_result_id": "not-a-uuid", "value": "1e999999"})
    )
    assert result["status"] == "rejected"
