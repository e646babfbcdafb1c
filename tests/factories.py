"""Factories: create test data through the same code paths the product uses."""

from __future__ import annotations

from uuid import UUID

from server.org import people_csv
from server.org import queries as org_queries


async def make_person(
    email: str,
    display_name: str = "测试同事",
    *,
    department: str = "",
    manager_email: str = "",
    roles: tuple[str, ...] = ("employee",),
    hr_scope: tuple[str, ...] | None = None,
    active: bool = True,
) -> UUID:
    """Create or update one person (department paths as "A/B"); -> their id."""
    row = people_csv.PersonRow(
        line=2,
        email=email,
        display_name=display_name,
        title="",
        job_family="",
        department=people_csv.department_path(department),
        manager_email=manager_email,
        roles=roles,
        hr_scope=tuple(people_csv.department_path(p) for p in hr_scope) if hr_scope else None,
        locale="",
        time_zone="",
        active=active,
    )
    await org_queries.import_people([row], dry_run=False)
    return (await org_queries.ids_by_email([email]))[email]
