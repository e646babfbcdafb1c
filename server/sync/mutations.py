"""The mutation kinds a phone may push, each with its payload schema and the domain write it
runs. Every write is the same query function the rest of the API uses, so its permission
checks apply unchanged: a mutation the person may not make is rejected, never applied.

What a mutation creates takes the mutation's id as its own, so a later entry in the same
offline queue can refer to it (react to the kudos just written, complete an action of the
check-in just recorded) before the server has seen either."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from server.core.access import Principal
from server.feedback import queries as feedback
from server.goals import queries as goals
from shared_schemas.common import WriteModel
from shared_schemas.feedback import FeedbackCreate, KudosCreate, ReactionSet
from shared_schemas.goals import ProgressCreate, ProgressMutation


@dataclass(frozen=True)
class Mutation:
    """One delivered entry, its payload validated."""

    id: UUID
    payload: Any
    # When it was written on the phone.
    written_at: datetime


@dataclass(frozen=True)
class MutationKind:
    payload: type[WriteModel]
    # Runs the write as the pusher; -> the id of what it made or changed.
    apply: Callable[[Principal, Mutation], Awaitable[UUID]]


async def _kr_progress(principal: Principal, m: Mutation) -> UUID:
    data: ProgressMutation = m.payload
    entry = await goals.record_progress(
        principal,
        data.key_result_id,
        ProgressCreate(value=data.value, note=data.note),
        recorded_at=m.written_at,
        entry_id=m.id,
    )
    return entry.id


async def _kudos_create(principal: Principal, m: Mutation) -> UUID:
    return await feedback.create_kudos(principal, m.payload, m.written_at, kudos_id=m.id)


async def _kudos_react(principal: Principal, m: Mutation) -> UUID:
    return await feedback.set_reaction(principal, m.payload)


async def _feedback_create(principal: Principal, m: Mutation) -> UUID:
    return await feedback.create_feedback(principal, m.payload, m.written_at, feedback_id=m.id)


KINDS: dict[str, MutationKind] = {
    "kr.progress": MutationKind(ProgressMutation, _kr_progress),
    "kudos.create": MutationKind(KudosCreate, _kudos_create),
    "kudos.react": MutationKind(ReactionSet, _kudos_react),
    "feedback.create": MutationKind(FeedbackCreate, _feedback_create),
}
