"""The authorization matrix: every operation of the OpenAPI document × every kind of viewer.

The subject of person-level operations is alice. The viewers cover each relation to her:
self (alice), direct manager (manager.east), skip-level manager (ceo), HR in scope (hr,
company-wide), HR out of scope (hr.west), a peer on her team (bob), a peer on another team
(carol), another team's manager (manager.west), the admin, and nobody signed in.

An operation in the OpenAPI document without a row here fails the suite: a new endpoint
cannot ship without someone deciding who may call it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from shared_schemas.org import PersonCardRead, PersonRead

VIEWERS = [
    "anonymous",
    "alice",
    "manager.east",
    "ceo",
    "hr",
    "hr.west",
    "bob",
    "carol",
    "manager.west",
    "admin",
]
SIGNED_IN = [v for v in VIEWERS if v != "anonymous"]


def everyone(status: int, anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, **dict.fromkeys(SIGNED_IN, status)}


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(SIGNED_IN, others), **allowed}


@dataclass
class Row:
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None
    content_type: str | None = None
    # For 200s: the exact set of fields each viewer may receive (property-level leaks).
    fields: dict[str, set[str]] = field(default_factory=dict)


FULL_PROFILE = set(PersonRead.model_fields)
CARD = set(PersonCardRead.model_fields)
IMPORT_CSV = "email,display_name\nnew.person@example.com,新同事\n"

MATRIX: dict[str, Row] = {
    "Healthz": Row("GET", "/healthz", everyone(200, anonymous=200)),
    "Readyz": Row("GET", "/readyz", everyone(200, anonymous=200)),
    "Login": Row(
        "POST",
        "/api/auth/login",
        everyone(200, anonymous=200),
        body={"email": "alice@example.com", "password": "tandem-demo"},
    ),
    "RefreshSession": Row(
        "POST",
        "/api/auth/refresh",
        everyone(401, anonymous=401),
        body={"refresh_token": "not-issued"},
    ),
    "Logout": Row(
        "POST", "/api/auth/logout", everyone(204, anonymous=204), body={"refresh_token": "x"}
    ),
    "GetMe": Row("GET", "/api/me", everyone(200)),
    "ListMyTeam": Row("GET", "/api/me/team", everyone(200)),
    "ListMyAccessLog": Row("GET", "/api/me/access-log", everyone(200)),
    "SearchPeople": Row("GET", "/api/people?q=", everyone(200)),
    "GetPerson": Row(
        "GET",
        "/api/people/{alice}",
        everyone(200),
        fields={
            **dict.fromkeys(["alice", "manager.east", "ceo", "hr", "admin"], FULL_PROFILE),
            **dict.fromkeys(["hr.west", "bob", "carol", "manager.west"], CARD),
        },
    ),
    "GetCompany": Row("GET", "/api/org/company", everyone(200)),
    "UpdateCompany": Row(
        "PATCH", "/api/org/company", only({"admin": 200}), body={"name": "同行示范公司"}
    ),
    "ListDepartments": Row("GET", "/api/org/departments", everyone(200)),
    "CreateDepartment": Row(
        "POST", "/api/org/departments", only({"admin": 201}), body={"name": "Research"}
    ),
    "UpdatePerson": Row(
        "PATCH", "/api/admin/people/{alice}", only({"admin": 200}), body={"title": "资深客户经理"}
    ),
    "ImportPeople": Row(
        "POST",
        "/api/admin/people/import?dry_run=true",
        only({"admin": 200}),
        body=IMPORT_CSV,
        content_type="text/csv",
    ),
}


def cells() -> list[tuple[str, str]]:
    return [(operation, viewer) for operation in MATRIX for viewer in VIEWERS]


async def test_every_operation_has_a_row(client):
    document = (await client.get("/schema/openapi.json")).json()
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert operations - MATRIX.keys() == set(), "Add these operations to the authorization matrix"
    assert MATRIX.keys() - operations == set(), "These rows name operations that no longer exist"


def test_every_row_names_every_viewer():
    for operation, row in MATRIX.items():
        assert set(row.expected) == set(VIEWERS), operation


@pytest.mark.parametrize(("operation", "viewer"), cells())
async def test_cell(client, people, headers_for, operation, viewer):
    row = MATRIX[operation]
    headers = {} if viewer == "anonymous" else headers_for(viewer)
    if row.content_type:
        headers["content-type"] = row.content_type
    path = row.path.format(**{name.replace(".", "_"): value for name, value in people.items()})
    kwargs: dict[str, Any] = {"headers": headers}
    if isinstance(row.body, str):
        kwargs["content"] = row.body.encode()
    elif row.body is not None:
        kwargs["json"] = row.body
    response = await client.request(row.method, path, **kwargs)
    expected = row.expected[viewer]
    assert response.status_code == expected, f"{operation} as {viewer}: {response.text}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    if viewer in row.fields:
        assert set(response.json()) == row.fields[viewer], f"{operation} as {viewer}: wrong fields"
