"""Who may read the overview of who can see a person's data: the person, about themself. It
describes rules, not records, but it names the people around them (manager, HR). The
retention periods are company policy: HR and admins read them, company-wide HR sets them."""

from __future__ import annotations

from uuid import UUID

from server.core.access import Principal, Role


def overview_subject(principal: Principal) -> UUID:
    return principal.person_id


def reads_retention(principal: Principal) -> bool:
    return principal.has(Role.HR) or principal.has(Role.ADMIN)


def sets_retention(principal: Principal) -> bool:
    return principal.hr_company_wide
