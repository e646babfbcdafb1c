"""Who may see and do what with goals. The only place these rules live.

Company, department and team objectives are open to everyone in the company. An individual
goal is read by its owner, their manager chain and HR in scope, or by everyone when the owner
made it public; admins configure and do not read private goals. The two parties of an
individual goal are its owner and the owner's direct manager: they negotiate, sign and update
progress. Everyone else who may read it only reads.
"""

from __future__ import annotations

from server.core.access import Principal, Relation, Role

READ_RELATIONS = frozenset(
    {Relation.SELF, Relation.DIRECT_MANAGER, Relation.SKIP_MANAGER, Relation.HR_SCOPE}
)
# Reads of someone else's private goal by these relations go to the owner's access log.
LOGGED_RELATIONS = (Relation.DIRECT_MANAGER, Relation.SKIP_MANAGER, Relation.HR_SCOPE)
# Relations through which a manager or HR may hand out template goals (themselves included).
ASSIGN_RELATIONS = READ_RELATIONS

NEGOTIATING_STATES = frozenset({"proposed", "in_discussion"})
AGREED_STATES = frozenset({"agreed", "active"})
FINAL_STATES = frozenset({"closed", "withdrawn"})
EDITABLE_STATES = frozenset({"draft"}) | NEGOTIATING_STATES


def can_read(level: str, visibility: str, relations: frozenset[Relation]) -> bool:
    return is_open(level, visibility) or reads_private(relations)


def is_open(level: str, visibility: str) -> bool:
    """Everyone in the company reads it: a shared objective, or a goal made public."""
    return level != "individual" or visibility == "public"


def reads_private(relations: frozenset[Relation]) -> bool:
    """Whether these relations to an owner let one read their private goals: the owner, the
    manager chain, HR in scope (the people of `org.queries.reach_sql`)."""
    return bool(relations & READ_RELATIONS)


def logged_relation(level: str, relations: frozenset[Relation]) -> Relation | None:
    """The relation to write to the owner's access log for this read, if any."""
    if level != "individual" or Relation.SELF in relations:
        return None
    return next((r for r in LOGGED_RELATIONS if r in relations), None)


def signer_role(relations: frozenset[Relation]) -> str | None:
    """The part a viewer plays in an individual goal's agreement: the employee who owns it,
    the direct manager, or none."""
    if Relation.SELF in relations:
        return "employee"
    if Relation.DIRECT_MANAGER in relations:
        return "manager"
    return None


def required_signers(owner_has_manager: bool) -> frozenset[str]:
    """Both parties sign; someone without a manager (the CEO) agrees goals alone."""
    return frozenset({"employee", "manager"}) if owner_has_manager else frozenset({"employee"})


def can_plan(principal: Principal) -> bool:
    """Cycles, strategy themes and company or department objectives: company-wide HR and the
    head of the organisation."""
    return principal.hr_company_wide or principal.leads_company


def can_create_objective(principal: Principal, level: str, department_in_scope: bool) -> bool:
    """`department_in_scope`: the objective's department lies in the principal's HR scope,
    so HR for a region sets that region's department objectives."""
    if level == "team":
        return Role.MANAGER in principal.roles or can_plan(principal)
    if level == "department":
        return can_plan(principal) or department_in_scope
    if level == "company":
        return can_plan(principal)
    return bool(principal.roles)


def can_edit_objective(
    principal: Principal, relations: frozenset[Relation], department_in_scope: bool
) -> bool:
    """Shared objectives (company, department, team) are kept by their owner, the planners,
    and for a department objective HR whose scope covers the department."""
    return Relation.SELF in relations or can_plan(principal) or department_in_scope


def can_use_templates(principal: Principal) -> bool:
    return principal.has(Role.HR) or Role.MANAGER in principal.roles


def can_assign_to(relations: frozenset[Relation]) -> bool:
    return bool(relations & ASSIGN_RELATIONS)


def can_manage_integrations(principal: Principal) -> bool:
    return principal.has(Role.ADMIN)


def allowed_actions(
    state: str,
    role: str | None,
    owner_has_manager: bool,
    signed_open_version: bool,
    amendment_open: bool,
) -> dict[str, bool]:
    """What a party may do with an individual goal in its current state."""
    party = role is not None
    # The manager decides once a goal is agreed; someone without a manager decides alone.
    decider = role == "manager" or (role == "employee" and not owner_has_manager)
    return {
        "edit": party and state in EDITABLE_STATES,
        "propose": party and state == "draft",
        "sign": party
        and not signed_open_version
        and (state in NEGOTIATING_STATES or (state in AGREED_STATES and amendment_open)),
        "comment": party and state not in FINAL_STATES,
        "amend": party and state in AGREED_STATES and not amendment_open,
        "activate": party and state == "agreed",
        # Before agreement either party may drop the goal; an agreed one only the decider.
        "withdraw": (party and state in EDITABLE_STATES) or (decider and state in AGREED_STATES),
        "close": decider and state == "active",
        "record_progress": party and state in AGREED_STATES,
        # Who may read the goal is the owner's choice at any time; it is not part of what is
        # signed.
        "change_visibility": role == "employee" and state not in FINAL_STATES,
    }
