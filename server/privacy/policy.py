"""Who may read the overview of who can see a person's data: the person, about themself. It
describes rules, not records, but it names the people around them (manager, HR)."""

from __future__ import annotations

from uuid import UUID

from server.core.access import Principal


def overview_subject(principal: Principal) -> UUID:
    return principal.person_id
