"""The mutation kinds a phone may push, each with its payload schema and the domain write it
runs (or, for kinds that only insert, the domain's check that says what to insert). The
domain's permission checks apply unchanged: a mutation the person may not make is rejected,
never applied.

What a mutation creates takes the mutation's id as its own, so a later entry in the same
offline queue can refer to it (react to the kudos just written, complete an action of the
check-in just recorded) before the server has seen either."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from server.alerts import service as alerts
from server.checkins import queries as checkins
from server.core.access import Principal
from server.core.entries import Entry, Planned
from server.feedback import queries as feedback
from shared_schemas.checkins import CompleteAction, ConfirmMinutes, PrepareCheckin, SubmitMinutes
from shared_schemas.common import WriteModel
from shared_schemas.feedback import FeedbackCreate, KudosCreate, ReactionSet
from shared_schemas.goals import ProgressCreate, ProgressMutation

Apply = Callable[[Principal, Entry[Any]], Awaitable[UUID]]
Plan = Callable[[Principal, list[Entry[Any]]], Awaitable[Planned]]


@dataclass(frozen=True)
class WrittenKind:
    """Entries applied one at a time by a domain write."""

    payload: type[WriteModel]
    # Runs the entry's write as the pusher: -> the id of what it made or changed; a refusal
    # is raised.
    apply: Apply


@dataclass(frozen=True)
class PlannedKind:
    """Entries that never depend on each other (independent inserts): a run of them in a
    batch is checked together, and the push writes the rows (with its own records, in one
    statement where it can)."""

    payload: type[WriteModel]
    plan: Plan


MutationKind = WrittenKind | PlannedKind


async def _kr_progress(principal: Principal, entry: Entry[ProgressMutation]) -> UUID:
    data = entry.data
    progress = await alerts.record_progress(
        principal,
        data.key_result_id,
        ProgressCreate(value=data.value, note=data.note),
        recorded_at=entry.written_at,
        entry_id=entry.id,
    )
    return progress.id


async def _checkin_prepare(principal: Principal, entry: Entry[PrepareCheckin]) -> UUID:
    return await checkins.prepare(principal, entry.data, entry.written_at)


async def _checkin_submit(principal: Principal, entry: Entry[SubmitMinutes]) -> UUID:
    return await alerts.submit_minutes(principal, entry.data)


async def _checkin_confirm(principal: Principal, entry: Entry[ConfirmMinutes]) -> UUID:
    return await checkins.confirm(principal, entry.data)


async def _action_complete(principal: Principal, entry: Entry[CompleteAction]) -> UUID:
    return await checkins.complete_action(principal, entry.data)


async def _kudos_react(principal: Principal, entry: Entry[ReactionSet]) -> UUID:
    return await feedback.set_reaction(principal, entry.data)


KINDS: dict[str, MutationKind] = {
    "checkin.prepare": WrittenKind(PrepareCheckin, _checkin_prepare),
    "checkin.submit": WrittenKind(SubmitMinutes, _checkin_submit),
    "checkin.confirm": WrittenKind(ConfirmMinutes, _checkin_confirm),
    "action.complete": WrittenKind(CompleteAction, _action_complete),
    "kr.progress": WrittenKind(ProgressMutation, _kr_progress),
    "kudos.create": PlannedKind(KudosCreate, feedback.plan_kudos),
    "kudos.react": WrittenKind(ReactionSet, _kudos_react),
    "feedback.create": PlannedKind(FeedbackCreate, feedback.plan_feedback),
}
