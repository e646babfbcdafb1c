"""The sync push: apply a phone's queued mutations in order, each exactly once."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from server.core.access import Principal
from server.core.errors import ProblemError
from server.db import Transaction, is_integrity_error, write_transaction
from server.sync import policy
from server.sync.mutations import KINDS, Mutation
from server.sync.tables import SyncMutation
from shared_schemas.common import FieldError, Problem
from shared_schemas.sync import MutationIn, MutationResult, PushRequest, PushResult


def payload_hash(mutation: MutationIn) -> str:
    """SHA-256 of the kind and payload as canonical JSON: what makes a repeat a repeat."""
    canonical = json.dumps(
        {"kind": mutation.kind, "payload": mutation.payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _problem(error: ProblemError) -> Problem:
    return Problem(
        title=HTTPStatus(error.status).phrase,
        status=error.status,
        code=error.code,
        detail=error.detail,
        errors=[FieldError(**e) for e in error.errors] if error.errors else None,
    )


def _invalid_payload(error: ValidationError) -> ProblemError:
    return ProblemError(
        400,
        "validation_failed",
        "Some fields of the entry are missing or invalid.",
        errors=[
            {
                "field": ".".join(["payload", *(str(part) for part in e["loc"])]),
                "code": e["type"],
                "message": e["msg"],
            }
            for e in error.errors()
        ],
    )


ID_CONFLICT = ProblemError(
    409, "mutation_id_conflict", "This entry id was already used for something else."
)


ENTITY_CONFLICT = ProblemError(
    409, "entity_conflict", "This entry cannot be saved under its id; write it again."
)


# A push that fails (most likely on a racing delivery of the same entry, which won the insert
# of its record) runs once more: nothing of the failed run was kept, and the second run
# finds the winner's records and answers with their results.
ATTEMPTS = 2


async def push(principal: Principal, request: PushRequest) -> PushResult:
    """In order, in one transaction that commits once: each mutation in its own savepoint,
    so a rejected one never undoes the others. An unexpected error rolls the whole push
    back; nothing of it is recorded, and the phone's retry applies it whole."""
    for attempt in range(ATTEMPTS):
        try:
            async with write_transaction() as transaction:
                return PushResult(results=await _apply_all(principal, request, transaction))
        except Exception:
            if attempt + 1 == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _apply_all(
    principal: Principal, request: PushRequest, transaction: Transaction
) -> list[MutationResult]:
    ids = [m.id for m in request.mutations]
    stored: dict[UUID, dict[str, Any]] = (
        {r["id"]: r for r in await SyncMutation.select().where(SyncMutation.id.is_in(ids))}
        if ids
        else {}
    )
    results = []
    for mutation in request.mutations:
        digest = payload_hash(mutation)
        row = stored.get(mutation.id)
        if row is None:
            row = await _apply(principal, request.device_id, mutation, digest, transaction)
            stored[mutation.id] = row
            results.append(_result(mutation.id, row, repeat=False))
        elif policy.replays(principal, row["person"], row["payload_hash"], digest):
            results.append(_result(mutation.id, row, repeat=True))
        else:
            results.append(_rejected(mutation.id, ID_CONFLICT))
    return results


def _result(mutation_id: UUID, row: dict[str, Any], repeat: bool) -> MutationResult:
    if row["status"] == "rejected":
        # The same delivery gets the same answer: still rejected, for the same reason.
        return MutationResult(
            id=mutation_id,
            status="rejected",
            error=Problem.model_validate_json(row["error"]),
            entity_id=None,
        )
    return MutationResult(
        id=mutation_id,
        status="duplicate" if repeat else "applied",
        error=None,
        entity_id=row["entity_id"],
    )


def _rejected(mutation_id: UUID, error: ProblemError) -> MutationResult:
    return MutationResult(id=mutation_id, status="rejected", error=_problem(error), entity_id=None)


async def _apply(
    principal: Principal,
    device_id: str,
    mutation: MutationIn,
    digest: str,
    transaction: Transaction,
) -> dict[str, Any]:
    """The effect and its record, in the push's transaction; a rejection keeps only the
    record (kept, so a retry of the same delivery gets the same answer)."""
    record: dict[str, Any] = {
        "id": mutation.id,
        "person": principal.person_id,
        "kind": mutation.kind,
        "payload_hash": digest,
        "status": "applied",
        "entity_id": None,
        "error": "",
        "device_id": device_id,
        "received_at": datetime.now(UTC),
    }
    savepoint = await transaction.savepoint()
    try:
        record["entity_id"] = await _effect(principal, mutation)
    except Exception as error:
        if is_integrity_error(error):
            # The entry's id names something that already exists (made outside the sync).
            error = ENTITY_CONFLICT
        if not isinstance(error, ProblemError):
            raise
        await savepoint.rollback_to()
        record["status"] = "rejected"
        record["error"] = _problem(error).model_dump_json()
    else:
        await savepoint.release()
    await SyncMutation.insert(SyncMutation(**record))
    return record


async def _effect(principal: Principal, mutation: MutationIn) -> UUID:
    kind = KINDS.get(mutation.kind)
    if kind is None:
        raise ProblemError(
            422, "unknown_mutation_kind", f"This server does not know {mutation.kind!r} entries."
        )
    try:
        payload: Any = kind.payload.model_validate(mutation.payload)
    except ValidationError as error:
        raise _invalid_payload(error) from error
    return await kind.apply(
        principal, Mutation(id=mutation.id, payload=payload, written_at=mutation.client_created_at)
    )
