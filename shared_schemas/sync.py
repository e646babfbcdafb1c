"""The sync contract (DESIGN.md §4): phones push queued mutations, each applied once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.common import Problem, ReadModel, WriteModel

MAX_BATCH = 200


class MutationIn(WriteModel):
    # The idempotency key, made on the phone when the entry was written.
    id: UUID
    # Unknown kinds are rejected one by one, so an older server never fails a whole batch.
    kind: str = Field(min_length=1, max_length=40)
    payload: dict[str, Any]
    client_created_at: datetime


class PushRequest(WriteModel):
    device_id: str = Field(min_length=1, max_length=100)
    mutations: list[MutationIn] = Field(max_length=MAX_BATCH)


class MutationResult(ReadModel):
    id: UUID
    status: Literal["applied", "duplicate", "rejected"]
    error: Problem | None
    entity_id: UUID | None


class PushResult(ReadModel):
    results: list[MutationResult]
