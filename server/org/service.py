"""Organisation workflows that reach beyond the org tables: disabling a person ends their
sign-in sessions (auth domain) in the same request."""

from __future__ import annotations

from uuid import UUID

from server.auth import queries as auth_queries
from server.core.access import Principal
from server.core.errors import not_found
from server.org import people_csv, queries
from shared_schemas.org import ImportResult, PersonRead, PersonUpdate


async def update_person(principal: Principal, person_id: UUID, data: PersonUpdate) -> PersonRead:
    if await queries.update_person(principal, person_id, data):
        await auth_queries.revoke_person_sessions(person_id)
    person = await queries.get_person(principal, person_id)
    assert isinstance(person, PersonRead)  # admins always get the full profile
    return person


async def end_sessions(person_id: UUID) -> None:
    if not await queries.person_exists(person_id):
        raise not_found()
    await auth_queries.revoke_person_sessions(person_id)


async def import_people(
    csv_text: str, dry_run: bool, max_rows: int, acting_person_id: UUID | None = None
) -> ImportResult:
    rows, errors = people_csv.parse(csv_text, max_rows)
    if errors:
        raise people_csv.invalid_file(errors)
    outcome = await queries.import_people(rows, dry_run, acting_person_id)
    for person_id in outcome.disabled:
        await auth_queries.revoke_person_sessions(person_id)
    return outcome.result
