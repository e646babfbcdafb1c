"""Sync rules. A mutation id is one person's idempotency key: whoever else presents it, or
the same person with a different payload, gets the same neutral rejection, which reveals
nothing about what the id was used for. Permissions of the effect itself are the owning
domain's: the mutation runs that domain's write with the pusher as the principal."""

from __future__ import annotations

from uuid import UUID

from server.core.access import Principal


def replays(principal: Principal, stored_person: UUID, stored_hash: str, payload_hash: str) -> bool:
    """A stored mutation is this delivery repeated (not a conflicting reuse of its id)."""
    return stored_person == principal.person_id and stored_hash == payload_hash
