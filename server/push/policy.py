"""Who may do what with notifications: deny by default. Each person has only their own
subscriptions and inbox; nobody reads or removes another person's."""

from __future__ import annotations

from uuid import UUID

from server.core.access import Principal


def inbox_owner(principal: Principal) -> UUID:
    """The only inbox (and the only subscriptions) a principal can reach: their own."""
    return principal.person_id
