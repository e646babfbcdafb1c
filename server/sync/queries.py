"""The sync push: apply a phone's queued mutations in order, each exactly once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from server.core.access import Principal
from server.core.entries import Entry, Outcome
from server.core.erasure import Erasure
from server.core.errors import ProblemError
from server.db import (
    TableRows,
    Transaction,
    as_uuid,
    delete_where,
    fetch,
    insert_together,
    is_integrity_error,
    placeholders,
    write_transaction,
)
from server.sync import policy
from server.sync.mutations import KINDS, MutationKind, PlannedKind, WrittenKind
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


# A push in a transaction that fails (most likely on a racing delivery of the same entry,
# which won the insert of its record) runs once more: nothing of the failed run was kept,
# and the second run finds the winner's records and answers with their results.
ATTEMPTS = 2


class _FirstRunRefusedError(Exception):
    """The first run of a push, applied without a savepoint, was refused midway."""


async def push(principal: Principal, request: PushRequest) -> PushResult:
    """Applies the entries in order, each exactly once, all of it or (on an unexpected error)
    nothing: the phone's retry then applies it whole.

    A push of new entries of kinds that only insert (kudos, feedback: the most common) is
    checked first and then written with its records in one go, without a transaction on
    PostgreSQL (`insert_together`): a single kudos takes four round trips instead of eight.
    Anything else, or such a push whose write breaks a key (a racing delivery of one of its
    entries, an id taken outside the sync), is applied in a transaction, which answers each
    entry on its own."""
    if all(isinstance(KINDS.get(m.kind), PlannedKind) for m in request.mutations):
        try:
            return await _push_planned(principal, request)
        except Exception as error:
            if not is_integrity_error(error):
                raise
    return await _push_in_transaction(principal, request)


async def _push_planned(principal: Principal, request: PushRequest) -> PushResult:
    stored = await _stored_records([m.id for m in request.mutations])
    run = _PushRun(principal, request.device_id, None, stored)
    return PushResult(results=await run.apply(request.mutations))


async def _push_in_transaction(principal: Principal, request: PushRequest) -> PushResult:
    """In one transaction that commits once: each run of mutations in its own savepoint, so a
    rejected one never undoes the others.

    The first run needs no savepoint while it applies (nothing before it to keep), which
    saves two of a single-entry push's round trips; if it is refused midway, the push is
    rolled back and run again with savepoints, so the refusal can be recorded."""
    savepoints = False
    failures = 0
    while True:
        try:
            async with write_transaction() as transaction:
                # A racing delivery of the same entry that stored its record after this read
                # fails this push on the record's primary key; the next attempt finds it.
                stored = await _stored_records([m.id for m in request.mutations])
                run = _PushRun(principal, request.device_id, transaction, stored, savepoints)
                return PushResult(results=await run.apply(request.mutations))
        except _FirstRunRefusedError:
            savepoints = True
        except Exception:
            failures += 1
            if failures == ATTEMPTS:
                raise


async def _stored_records(ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
    if not ids:
        return {}
    rows = await fetch(
        "SELECT id, person, payload_hash, status, entity_id, error FROM sync_mutation"  # noqa: S608 - formats in placeholders only
        f" WHERE id IN ({placeholders(ids)})",
        *ids,
    )
    return {as_uuid(r["id"]): r for r in rows}


@dataclass
class _Pending:
    index: int
    mutation: MutationIn
    digest: str
    kind: MutationKind
    entry: Entry[Any]


@dataclass
class _PushRun:
    """One push being applied. New entries of a planned kind wait in `pending` while the
    next ones are of the same kind, then apply together; anything else applies the waiting
    ones first, so the effects happen in the order the phone sent them."""

    principal: Principal
    device_id: str
    # None: every entry is of a planned kind, and nothing is written until the end: the rows
    # of each run are held and written with the records in one go.
    transaction: Transaction | None
    # Idempotency records by mutation id: those found stored, then those this push makes.
    records: dict[UUID, dict[str, Any]]
    # False: the first run applies without a savepoint (see `_push_in_transaction`).
    savepoints: bool = False
    held: list[TableRows] = field(default_factory=list)
    pending: list[_Pending] = field(default_factory=list)
    pending_ids: set[UUID] = field(default_factory=set)
    new_records: list[dict[str, Any]] = field(default_factory=list)
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # In the order sent; None while the entry waits in `pending`.
    results: list[MutationResult | None] = field(default_factory=list)

    async def apply(self, mutations: list[MutationIn]) -> list[MutationResult]:
        for mutation in mutations:
            await self._take(mutation)
        await self._apply_pending()
        await insert_together([*self.held, (SyncMutation, self.new_records)])
        answered = [result for result in self.results if result is not None]
        assert len(answered) == len(self.results), "every entry has its answer"
        return answered

    async def _take(self, mutation: MutationIn) -> None:
        digest = payload_hash(mutation)
        if mutation.id in self.pending_ids:
            await self._apply_pending()  # the same entry twice in one batch: a repeat
        stored = self.records.get(mutation.id)
        if stored is not None:
            if policy.replays(
                principal=self.principal,
                stored_person=as_uuid(stored["person"]),
                stored_hash=stored["payload_hash"],
                payload_hash=digest,
            ):
                self.results.append(_result(mutation.id, stored, repeat=True))
            else:
                self.results.append(_rejected(mutation.id, ID_CONFLICT))
            return
        try:
            kind, entry = _entry(mutation)
        except ProblemError as error:
            self.results.append(self._record(mutation, digest, error))
            return
        if self.pending and (self.pending[0].kind is not kind or isinstance(kind, WrittenKind)):
            await self._apply_pending()
        self.pending.append(_Pending(len(self.results), mutation, digest, kind, entry))
        self.pending_ids.add(mutation.id)
        self.results.append(None)

    async def _apply_pending(self) -> None:
        pending, self.pending = self.pending, []
        self.pending_ids.clear()
        if pending:
            outcomes = await self._apply(pending[0].kind, [p.entry for p in pending])
            for item, outcome in zip(pending, outcomes, strict=True):
                self.results[item.index] = self._record(item.mutation, item.digest, outcome)

    async def _apply(self, kind: MutationKind, entries: list[Entry[Any]]) -> list[Outcome]:
        """The effects of one run: held (see `transaction`), or written in a savepoint, so
        that a refusal or a failed write undoes only them."""
        if self.transaction is None:
            assert isinstance(kind, PlannedKind), "only planned kinds are held"
            try:
                planned = await kind.plan(self.principal, entries)
            except ProblemError as error:
                return [error] * len(entries)
            self.held += planned.inserts
            return planned.outcomes
        if not self.savepoints:
            self.savepoints = True  # for the runs after this one
            try:
                return await self._write(kind, entries)
            except Exception as error:
                if isinstance(error, ProblemError) or is_integrity_error(error):
                    raise _FirstRunRefusedError from error
                raise
        savepoint = await self.transaction.savepoint()
        try:
            outcomes = await self._write(kind, entries)
        except Exception as error:
            await savepoint.rollback_to()
            if is_integrity_error(error):
                if len(entries) == 1:
                    # The entry's id names something that already exists (made outside the sync).
                    return [ENTITY_CONFLICT]
                # One of them is; apply them one by one to refuse only that one.
                return [outcome for e in entries for outcome in await self._apply(kind, [e])]
            if isinstance(error, ProblemError):
                return [error] * len(entries)
            raise
        await savepoint.release()
        return outcomes

    async def _write(self, kind: MutationKind, entries: list[Entry[Any]]) -> list[Outcome]:
        if isinstance(kind, PlannedKind):
            planned = await kind.plan(self.principal, entries)
            await insert_together(planned.inserts)
            return planned.outcomes
        (entry,) = entries
        return [await kind.apply(self.principal, entry)]

    def _record(self, mutation: MutationIn, digest: str, outcome: Outcome) -> MutationResult:
        """The idempotency record of a new entry (kept for a refusal too, so a retry of the
        same delivery gets the same answer); written with the others at the end."""
        refusal = outcome if isinstance(outcome, ProblemError) else None
        record: dict[str, Any] = {
            "id": mutation.id,
            "person": self.principal.person_id,
            "kind": mutation.kind,
            "payload_hash": digest,
            "status": "rejected" if refusal else "applied",
            "entity_id": None if refusal else outcome,
            "error": _problem(refusal).model_dump_json() if refusal else "",
            "device_id": self.device_id,
            "received_at": self.received_at,
        }
        self.records[mutation.id] = record
        self.new_records.append(record)
        return _result(mutation.id, record, repeat=False)


def _entry(mutation: MutationIn) -> tuple[MutationKind, Entry[Any]]:
    kind = KINDS.get(mutation.kind)
    if kind is None:
        raise ProblemError(
            422, "unknown_mutation_kind", f"This server does not know {mutation.kind!r} entries."
        )
    try:
        data = kind.payload.model_validate(mutation.payload)
    except ValidationError as error:
        raise _invalid_payload(error) from error
    return kind, Entry(mutation.id, data, mutation.client_created_at)


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


async def erase_person(person_id: UUID) -> Erasure:
    """The idempotency records of a departed person's phones (which no longer send)."""
    return Erasure(
        removed={"sync_records": await delete_where(SyncMutation, SyncMutation.person == person_id)}
    )
