"""Entries written on a phone, and what became of each when a batch of them was applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

from server.core.errors import ProblemError
from server.db import Inserts, insert_together

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One entry, its data validated. What it creates takes `id`, made on the phone, as its
    own id, so later entries of the same offline queue can refer to it."""

    id: UUID
    data: T
    # When it was written on the phone.
    written_at: datetime


# Per entry of a batch: the id of what it made or changed, or why it was refused.
Outcome = UUID | ProblemError


@dataclass(frozen=True)
class Planned:
    """A batch of entries checked but not yet written: per entry what will become of it, and
    the rows that make the accepted ones. The caller writes `inserts` (all or none), alone or
    together with writes of its own."""

    outcomes: list[Outcome]
    inserts: Inserts


def accepted(outcomes: Sequence[Outcome]) -> list[UUID]:
    """The ids, when every entry was accepted; otherwise the first refusal is raised."""
    for outcome in outcomes:
        if isinstance(outcome, ProblemError):
            raise outcome
    return [outcome for outcome in outcomes if isinstance(outcome, UUID)]


async def write_accepted(planned: Planned) -> list[UUID]:
    """Writes a batch every entry of which must be accepted (the demo seed, a benchmark's
    history): the first refusal is raised before anything is written."""
    ids = accepted(planned.outcomes)
    await insert_together(planned.inserts)
    return ids
