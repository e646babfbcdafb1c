"""Organisation workflows that reach beyond the org tables: disabling a person ends their
sign-in sessions (auth domain) in the same request; erasing a departed person asks every
domain to remove what described them."""

from __future__ import annotations

import logging
from uuid import UUID

from server.alerts import queries as alerts
from server.audit import queries as audit
from server.auth import queries as auth_queries
from server.checkins import queries as checkins
from server.core.access import Principal
from server.core.errors import not_found
from server.db import write_transaction
from server.feedback import queries as feedback
from server.goals import queries as goals
from server.org import people_csv, queries
from server.push import queries as push
from server.sync import queries as sync
from shared_schemas.org import ErasureReport, ImportResult, PersonRead, PersonUpdate

log = logging.getLogger(__name__)


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


async def erase_person(principal: Principal, person_id: UUID) -> ErasureReport:
    """All of it in one transaction: a failure anywhere leaves the person as they were."""
    async with write_transaction():
        email = await queries.departed_email(person_id)
        erasure = await auth_queries.erase_person(person_id, email)
        for erase in (
            push.erase_person,
            sync.erase_person,
            audit.erase_person,
            checkins.erase_person,
            goals.erase_person,
            feedback.erase_person,
            alerts.erase_person,
        ):
            erasure = erasure.merge(await erase(person_id))
        pseudonym, erased_at = await queries.erase_person(person_id)
    # Ids only: the log must not keep what the erasure removed.
    log.info("person %s erased by %s", person_id, principal.person_id)
    return ErasureReport(
        person_id=person_id,
        pseudonym=pseudonym,
        erased_at=erased_at,
        removed=erasure.removed,
        kept=erasure.kept,
    )
