"""Mass assignment: no write can set what the server decides (who owns or wrote a record, a
role, a state, when something happened). Every request body and every sync entry refuses
such fields by name; where a body has a field of that kind on purpose (a goal's owner, its
visibility), the policy checks it, as the targeted tests below and in the domain suites show."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from server.goals.tables import Goal
from server.sync.mutations import KINDS
from tests.conftest import problem
from tests.test_alerts import ALICE_GOAL
from tests.test_sync import mutation, push

# Fields the server alone sets, under the names a client would try.
PRIVILEGED = {
    "owner_id": str(uuid.uuid4()),
    "author_id": str(uuid.uuid4()),
    "person_id": str(uuid.uuid4()),
    "role": "admin",
    "roles": ["admin"],
    "status": "applied",
    "state": "active",
    "created_at": "2020-01-01T00:00:00Z",
    "escalated_at": "2020-01-01T00:00:00Z",
    "signed_at": "2020-01-01T00:00:00Z",
    "is_admin": True,
}


def _write_operations(document: dict[str, Any]) -> list[tuple[str, str, set[str]]]:
    """(method, path, the body's own fields) of every operation with a JSON body."""
    schemas = document["components"]["schemas"]
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            body = content.get("application/json", {}).get("schema", {})
            if "$ref" in body:
                own = set(schemas[body["$ref"].rsplit("/", 1)[1]].get("properties", {}))
                found.append((method.upper(), path, own))
    return found


async def test_every_request_body_refuses_fields_the_server_sets(client, people, as_admin):
    document = (await client.get("/schema/openapi.json")).json()
    operations = _write_operations(document)
    assert len(operations) > 30
    for method, path, own in operations:
        url = path.replace("{", "").replace("}", "")
        for name in path.split("{")[1:]:
            url = url.replace(name.split("}")[0], str(uuid.uuid4()))
        foreign = {k: v for k, v in PRIVILEGED.items() if k not in own}
        response = await client.request(method, url, json=foreign, headers=as_admin)
        body = problem(response, 400, "validation_failed")
        named = {e["field"] for e in body["errors"]}
        assert set(foreign) <= named, (method, path, sorted(set(foreign) - named))


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_every_sync_entry_refuses_fields_the_server_sets(client, people, headers_for, kind):
    own = set(KINDS[kind].payload.model_fields)
    foreign = {k: v for k, v in PRIVILEGED.items() if k not in own}
    [result] = await push(client, headers_for("alice"), mutation(kind, foreign))
    assert result["status"] == "rejected"
    named = {e["field"] for e in result["error"]["errors"]}
    assert {f"payload.{k}" for k in foreign} <= named


async def test_a_goal_is_drafted_only_for_oneself_or_a_report(client, people, headers_for):
    """`owner_id` is a field of a new goal on purpose (a manager drafts for a report); it
    never reaches a colleague's or a manager's goals."""
    [cycle, *_] = (await client.get("/api/goal-cycles", headers=headers_for("alice"))).json()
    draft = {"cycle_id": cycle["id"], "title": "代写的目标", "weight": 10}
    for author, owner in (("alice", "bob"), ("alice", "manager.east"), ("manager.west", "alice")):
        response = await client.post(
            "/api/goals",
            json={**draft, "owner_id": str(people[owner])},
            headers=headers_for(author),
        )
        assert response.status_code in (403, 404), (author, owner, response.text)
    made = await client.post(
        "/api/goals",
        json={**draft, "owner_id": str(people["alice"])},
        headers=headers_for("manager.east"),
    )
    assert made.status_code == 201, made.text
    assert made.json()["owner"]["id"] == str(people["alice"])


async def test_only_the_owner_opens_a_goal_to_everyone(client, people, headers_for):
    goal = await Goal.select(Goal.id, Goal.visibility).where(Goal.title == ALICE_GOAL).first()
    for someone in ("manager.east", "hr", "ceo"):
        response = await client.patch(
            f"/api/goals/{goal['id']}", json={"visibility": "public"}, headers=headers_for(someone)
        )
        assert response.status_code in (403, 409), (someone, response.text)
    kept = await Goal.select(Goal.visibility).where(Goal.id == goal["id"]).first()
    assert kept["visibility"] == goal["visibility"] == "private"
