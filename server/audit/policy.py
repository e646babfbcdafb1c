"""Who may read the access log: only the person it is about (their own "who viewed my data")."""

from __future__ import annotations

from uuid import UUID

from server.core.access import Principal, Relation


def log_subject(principal: Principal) -> UUID:
    """The only subject whose log a principal can list: themself. Nobody browses others' logs
    through the API, not even admins."""
    return principal.person_id


def reads_log(relations: frozenset[Relation]) -> bool:
    """A person's access log is theirs to read (`log_subject` scopes the query to it)."""
    return Relation.SELF in relations
