"""Who may see and do what in the organisation domain. The only place these rules live."""

from __future__ import annotations

from server.core.access import Principal, Relation, Role
from shared_schemas.org import PersonCardRead, PersonRead

# Relations that see a person's full profile; a manager's or HR's look is logged.
FULL_PROFILE_RELATIONS = frozenset(
    {Relation.SELF, Relation.DIRECT_MANAGER, Relation.SKIP_MANAGER, Relation.HR_SCOPE}
)
LOGGED_PROFILE_RELATIONS = FULL_PROFILE_RELATIONS - {Relation.SELF}


def profile_schema(principal: Principal, relations: frozenset[Relation]) -> type[PersonCardRead]:
    """Field-level privacy: the full profile or the colleague card."""
    if relations & FULL_PROFILE_RELATIONS or principal.has(Role.ADMIN):
        return PersonRead
    return PersonCardRead


def logged_relation(relations: frozenset[Relation]) -> Relation | None:
    """The relation to record in the subject's access log for a full-profile read, if any.
    The strongest relation is recorded (a direct manager who is also HR shows as manager)."""
    for relation in (Relation.DIRECT_MANAGER, Relation.SKIP_MANAGER, Relation.HR_SCOPE):
        if relation in relations:
            return relation
    return None


def can_browse_directory(principal: Principal) -> bool:
    """Everyone signed in may find colleagues by name; the directory shows cards only."""
    return bool(principal.roles)


def can_administer(principal: Principal) -> bool:
    """Company settings, departments and people records are configured by admins only."""
    return principal.has(Role.ADMIN)
