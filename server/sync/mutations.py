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

from server.checkins import queries as checkins
from server.core.access import Principal
from server.feedback import queries as feedback
from server.goals import queries as goals
from shared_schemas.checkins import CompleteAction, ConfirmMinutes, PrepareCheckin, SubmitMinutes
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


async def _checkin_prepare(principal: Principal, m: Mutation) -> UUID:
    return await checkins.prepare(principal, m.payload, m.written_at)


async def _checkin_submit(principal: Principal, m: Mutation) -> UUID:
    return await checkins.submit_minutes(principal, m.payload)


async def _checkin_confirm(principal: Principal, m: Mutation) -> UUID:
    return await checkins.confirm(principal, m.payload)


async def _action_complete(principal: Principal, m: Mutation) -> UUID:
    return await checkins.complete_action(principal, m.payload)


KINDS: dict[str, MutationKind] = {
    "checkin.prepare": MutationKind(PrepareCheckin, _checkin_prepare),
    "checkin.submit": MutationKind(SubmitMinutes, _checkin_submit),
    "checkin.confirm": MutationKind(ConfirmMinutes, _checkin_confirm),
    "action.complete": MutationKind(CompleteAction, _action_complete),
    "kr.progress": MutationKind(ProgressMutation, _kr_progress),
    "kudos.create": MutationKind(KudosCreate, _kudos_create),
    "kudos.react": MutationKind(ReactionSet, _kudos_react),
    "feedback.create": MutationKind(FeedbackCreate, _feedback_create),
}
