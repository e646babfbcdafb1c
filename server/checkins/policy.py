"""Who may see and do what with check-ins. The only place these rules live (DESIGN.md §3).

The content of a check-in (the employee's preparation, the minutes, the actions) belongs to
its two parties: the employee and their direct manager, who both read and write it. Skip-level
managers and HR see the status only (when the last one was held, whether one is due), never
the content: status follows the organisation's reach (oneself, reports at any depth, HR
scope), applied in SQL by `org.queries.staff_in_reach`. Admins see nothing. A private note
is read by its author alone.
"""

from __future__ import annotations

from server.core.access import Principal, Relation, Role


def holds_checkins(principal: Principal) -> bool:
    """Check-ins are between staff; configuration accounts have none."""
    return principal.has(Role.EMPLOYEE)


def party_role(relations: frozenset[Relation]) -> str | None:
    """`employee`, `manager` or None: the part the viewer plays in this person's check-ins."""
    if Relation.SELF in relations:
        return "employee"
    if Relation.DIRECT_MANAGER in relations:
        return "manager"
    return None


# Who sees when a person's check-ins were held and whether one is due (never the content):
# the SQL form is `org.queries.staff_in_reach`.
STATUS_RELATIONS = frozenset(
    {Relation.SELF, Relation.DIRECT_MANAGER, Relation.SKIP_MANAGER, Relation.HR_SCOPE}
)


def reads_status(relations: frozenset[Relation]) -> bool:
    return bool(relations & STATUS_RELATIONS)


def reads_private_note(is_author: bool) -> bool:
    """A private note is its author's alone, whoever else takes part in the check-in."""
    return is_author


def logged_relation(relations: frozenset[Relation]) -> Relation | None:
    """A manager's read of a report's check-in goes to the report's access log."""
    return Relation.DIRECT_MANAGER if party_role(relations) == "manager" else None


def can_manage_templates(principal: Principal) -> bool:
    return principal.hr_company_wide


def can_set_cadence(principal: Principal, relations_to_manager: frozenset[Relation]) -> bool:
    """A manager sets their own team's rhythm; HR in scope may set it for them."""
    if Relation.SELF in relations_to_manager:
        return Role.MANAGER in principal.roles
    return principal.has(Role.HR) and Relation.HR_SCOPE in relations_to_manager


def reads_coverage(principal: Principal) -> bool:
    """Counts of check-ins on time by department, over their scope: for HR."""
    return principal.has(Role.HR)
