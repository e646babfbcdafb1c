"""The demo people as if signed in: the demo is built through the same queries the API uses,
so each record is made by the person who would make it."""

from __future__ import annotations

from uuid import UUID, uuid4

from server.auth import queries as auth
from server.core.access import Principal


async def act_as(person_id: UUID) -> Principal:
    principal = await auth.load_principal(person_id, uuid4())
    assert principal is not None, "demo people are active"
    return principal


async def signed_in(people: dict[str, UUID], names: set[str]) -> dict[str, Principal]:
    return {name: await act_as(people[name]) for name in names}
