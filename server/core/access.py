"""The access model: who is asking (Principal) and how they relate to a subject (Relation).

Each domain's `policy.py` decides from these what a viewer may see or do; each domain's
`queries.py` applies that decision in SQL. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

# Route option that exempts a handler from sign-in: @get(..., opt={PUBLIC: True}).
PUBLIC = "public"


class Role(StrEnum):
    EMPLOYEE = "employee"
    MANAGER = "manager"  # derived: has at least one active direct report
    HR = "hr"
    ADMIN = "admin"


ASSIGNABLE_ROLES = frozenset({Role.EMPLOYEE, Role.HR, Role.ADMIN})


class Relation(StrEnum):
    SELF = "self"
    DIRECT_MANAGER = "direct_manager"
    SKIP_MANAGER = "skip_manager"
    HR_SCOPE = "hr_scope"
    PEER = "peer"


@dataclass(frozen=True)
class Principal:
    """The signed-in person, loaded fresh for every request (so a disabled account or a
    changed role takes effect at once)."""

    person_id: UUID
    session_id: UUID
    roles: frozenset[Role]
    # Departments whose people (and sub-departments) this HR person covers; None = whole company.
    hr_department_ids: frozenset[UUID] | None = None
    # Heads the organisation: has reports and no manager (plans strategy with HR).
    leads_company: bool = False

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def hr_company_wide(self) -> bool:
        return self.has(Role.HR) and self.hr_department_ids is None
