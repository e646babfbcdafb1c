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
from server.db import write_transaction
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


async def push(principal: Principal, request: PushRequest) -> PushResult:
    """In order; each mutation commits (or is rejected) on its own, so a rejected one never
    undoes the others. An unexpected error stops the batch: what was applied before it stays
    recorded, and the phone's retry gets those as duplicates."""
    results = [await _apply(principal, request.device_id, m) for m in request.mutations]
    return PushResult(results=results)


async def _stored(principal: Principal, mutation: MutationIn, digest: str) -> MutationResult | None:
    row = await SyncMutation.select().where(SyncMutation.id == mutation.id).first()
    if row is None:
        return None
    if not policy.replays(principal, row["person"], row["payload_hash"], digest):
        return _rejected(mutation.id, ID_CONFLICT)
    if row["status"] == "rejected":
        # The same delivery gets the same answer: still rejected, for the same reason.
        return MutationResult(
            id=mutation.id,
            status="rejected",
            error=Problem.model_validate_json(row["error"]),
            entity_id=None,
        )
    return MutationResult(
        id=mutation.id, status="duplicate", error=None, entity_id=row["entity_id"]
    )


def _rejected(mutation_id: UUID, error: ProblemError) -> MutationResult:
    return MutationResult(id=mutation_id, status="rejected", error=_problem(error), entity_id=None)


async def _apply(principal: Principal, device_id: str, mutation: MutationIn) -> MutationResult:
    digest = payload_hash(mutation)
    stored = await _stored(principal, mutation, digest)
    if stored is not None:
        return stored
    record = SyncMutation(
        id=mutation.id,
        person=principal.person_id,
        kind=mutation.kind,
        payload_hash=digest,
        device_id=device_id,
        received_at=datetime.now(UTC),
    )
    try:
        async with write_transaction():
            entity_id = await _effect(principal, mutation)
            record.status = "applied"
            record.entity_id = entity_id
            # In the effect's transaction: both happen, or neither.
            await SyncMutation.insert(record)
        return MutationResult(id=mutation.id, status="applied", error=None, entity_id=entity_id)
    except ProblemError as error:
        result = _rejected(mutation.id, error)
        # Kept, so a retry of the same delivery gets the same answer.
        record.status = "rejected"
        record.error = result.error.model_dump_json() if result.error else ""
        try:
            async with write_transaction():
                await SyncMutation.insert(record)
        except Exception as failure:
            return await _repeat_of_race(principal, mutation, digest, failure)
        return result
    except Exception as failure:
        return await _repeat_of_race(principal, mutation, digest, failure)


async def _repeat_of_race(
    principal: Principal, mutation: MutationIn, digest: str, failure: Exception
) -> MutationResult:
    """A write failed. Most likely the same id arrived twice at once (two tabs, a retry
    racing the original) and the other delivery won the insert: answer as its repeat.
    Anything else is a real failure and propagates (a transient 5xx for the phone)."""
    repeated = await _stored(principal, mutation, digest)
    if repeated is None:
        raise failure
    return repeated


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
