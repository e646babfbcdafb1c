from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from shared_schemas.common import EMAIL_PATTERN, Flag, ReadModel, WriteModel, refuse_null

RoleName = Literal["employee", "manager", "hr", "admin"]
AssignableRole = Literal["employee", "hr", "admin"]
Locale = Literal["zh-CN", "en"]


class MeRead(ReadModel):
    id: UUID
    email: str
    display_name: str
    roles: list[RoleName]
    manager_id: UUID | None
    department_id: UUID | None
    locale: str
    time_zone: str


class PersonCardRead(ReadModel):
    """What anyone in the company may see of a colleague."""

    id: UUID
    display_name: str
    title: str
    department_id: UUID | None
    department_name: str | None
    active: bool


class PersonRead(PersonCardRead):
    """The full profile: for the person, their manager chain, HR in scope and admins."""

    email: str
    job_family: str
    manager_id: UUID | None
    roles: list[RoleName]
    locale: str
    time_zone: str


# Working here; left (disabled); left and erased (docs/privacy.md).
AccountState = Literal["active", "departed", "erased"]


class AccountRead(PersonRead):
    """A person as the admins' list of accounts shows them."""

    erased_at: datetime | None


class CompanyRead(ReadModel):
    name: str
    time_zone: str
    locale: str


class CompanyUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    locale: Locale | None = None

    _not_null = refuse_null("name", "time_zone", "locale")


class DepartmentRead(ReadModel):
    id: UUID
    name: str
    parent_id: UUID | None


class DepartmentGroupRead(ReadModel):
    """One group of the people HR covers, for figures by department: a department with its
    sub-departments, or (no department) all of them. Its figures are None where the group is
    too small, or placed so that subtraction would tell about too few people
    (docs/privacy.md)."""

    department_id: UUID | None
    department_name: str | None
    # The group that holds this one; None for all the people covered.
    parent_id: UUID | None
    people: int


class DepartmentCreate(WriteModel):
    name: str = Field(min_length=1, max_length=200)
    parent_id: UUID | None = None


class PersonUpdate(WriteModel):
    """What an admin may change on a person; omitted fields stay as they are."""

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    job_family: str | None = Field(default=None, max_length=100)
    email: str | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    manager_id: UUID | None = None
    department_id: UUID | None = None
    roles: list[AssignableRole] | None = Field(default=None, min_length=1)
    active: Flag | None = None

    _not_null = refuse_null("display_name", "title", "job_family", "email", "roles", "active")


class ImportRowError(ReadModel):
    line: int = Field(description="1-based line number in the CSV file, the header being line 1.")
    field: str
    code: str
    message: str


class ImportResult(ReadModel):
    created: int
    updated: int
    departments_created: int
    dry_run: bool


class ErasureReport(ReadModel):
    """What erasing a departed person did: rows removed, and rows kept under the pseudonym
    because someone else's record needs them, by kind of record (docs/privacy.md)."""

    person_id: UUID
    pseudonym: str
    erased_at: datetime
    removed: dict[str, int]
    kept: dict[str, int]
