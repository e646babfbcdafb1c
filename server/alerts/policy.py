"""Who may see and do what with deviation alerts and their rules. The only place these rules
live (DESIGN.md §3).

An alert is read by the person it is about and their direct manager, who are its two
parties: they schedule the conversation and resolve or dismiss it. A nudge about a manager's
own habits (`manager_only`) is the manager's alone. HR in scope reads an alert only once it
has been escalated (unresolved after 14 days), and never acts on it; skip-level managers,
peers and admins see nothing. The SQL form of the same rule is `queries._visible`.

Rules are configuration set by HR: company-wide HR sets company rules, and HR sets the rules
of the departments (and the goals of the people) in their scope.
"""

from __future__ import annotations

from server.core.access import Principal, Relation, Role


def can_read(relations: frozenset[Relation], manager_only: bool, escalated: bool) -> bool:
    if is_party(relations, manager_only):
        return True
    return escalated and Relation.HR_SCOPE in relations


def is_party(relations: frozenset[Relation], manager_only: bool) -> bool:
    if Relation.DIRECT_MANAGER in relations:
        return True
    return Relation.SELF in relations and not manager_only


def logged_relation(relations: frozenset[Relation], manager_only: bool) -> Relation | None:
    """Reads by the manager or HR go to the person's access log (a nudge is the manager's own
    record, not the person's)."""
    if manager_only or Relation.SELF in relations:
        return None
    if Relation.DIRECT_MANAGER in relations:
        return Relation.DIRECT_MANAGER
    return Relation.HR_SCOPE if Relation.HR_SCOPE in relations else None


def reads_rules(principal: Principal) -> bool:
    return principal.has(Role.HR)


def reads_open_by_department(principal: Principal) -> bool:
    """Counts of open alerts by department, over their scope: for HR (who alerts are about
    stays with its two parties until it is escalated)."""
    return principal.has(Role.HR)


def sets_company_rules(principal: Principal) -> bool:
    return principal.hr_company_wide


def sets_scoped_rules(principal: Principal, in_hr_scope: bool) -> bool:
    """A department's rules, or a goal's: HR whose scope covers it."""
    return principal.has(Role.HR) and in_hr_scope
