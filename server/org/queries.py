"""Organisation reads and writes. The only module that touches the org tables; every read
of people data goes through the policy-scoped functions here."""

from __future__ import annotations

import itertools
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from piccolo.columns import Column
from piccolo.custom_types import Combinable
from piccolo.query import Select

from server.audit import queries as audit
from server.core.access import Principal, Relation, Role
from server.core.errors import ProblemError, not_found
from server.db import (
    as_uuid,
    contains_pattern,
    fetch,
    fetch_in,
    like_ignoring_case,
    placeholders,
    write_transaction,
)
from server.org import people_csv, policy
from server.org.people_csv import PersonRow, RowError
from server.org.tables import (
    DEFAULT_LOCALE,
    DEFAULT_TIME_ZONE,
    Company,
    Department,
    HrScope,
    Person,
)
from server.privacy.groups import Tally
from shared_schemas.common import PersonRef
from shared_schemas.org import (
    AccountRead,
    AccountState,
    CompanyRead,
    CompanyUpdate,
    DepartmentCreate,
    DepartmentRead,
    ImportResult,
    MeRead,
    PersonCardRead,
    PersonRead,
    PersonUpdate,
)

# Deeper manager or department chains than this are treated as data errors (cycles).
MAX_CHAIN_DEPTH = 64


def now() -> datetime:
    return datetime.now(UTC)


# --- principal and relations ---------------------------------------------------------------


async def relations(
    principal: Principal, subject_ids: list[UUID]
) -> dict[UUID, frozenset[Relation]]:
    """How the principal relates to each subject, in two queries whatever the number of subjects."""
    if not subject_ids:
        return {}
    found: dict[UUID, set[Relation]] = {s: set() for s in subject_ids}
    if principal.person_id in found:
        found[principal.person_id].add(Relation.SELF)
    # Each step looks the manager up by id (a subquery): as a join, PostgreSQL hashed all
    # the company's people for a few hundred subjects (60 ms at 100,000 people, against 10).
    chain = await fetch(
        "WITH RECURSIVE chain(subject, manager, depth) AS ("  # noqa: S608 - formats only "{}" placeholders and constants
        f" SELECT id, manager, 1 FROM org_person WHERE id IN ({placeholders(subject_ids)})"
        " UNION ALL SELECT chain.subject,"
        " (SELECT p.manager FROM org_person p WHERE p.id = chain.manager), chain.depth + 1"
        f" FROM chain WHERE chain.manager IS NOT NULL AND chain.depth < {MAX_CHAIN_DEPTH})"
        " SELECT subject, MIN(depth) AS depth FROM chain WHERE manager = {} GROUP BY subject",
        *subject_ids,
        principal.person_id,
    )
    for row in chain:
        subject = as_uuid(row["subject"])
        found[subject].add(Relation.DIRECT_MANAGER if row["depth"] == 1 else Relation.SKIP_MANAGER)
    if principal.hr_company_wide:
        for subject in found:
            found[subject].add(Relation.HR_SCOPE)
    elif principal.has(Role.HR) and principal.hr_department_ids:
        scoped = principal.hr_department_ids
        in_scope = await fetch(
            "WITH RECURSIVE up(subject, department, depth) AS ("  # noqa: S608 - formats only "{}" placeholders and constants
            f" SELECT id, department, 0 FROM org_person WHERE id IN ({placeholders(subject_ids)})"
            " UNION ALL SELECT up.subject, d.parent, up.depth + 1"
            " FROM up JOIN org_department d ON d.id = up.department"
            f" WHERE up.depth < {MAX_CHAIN_DEPTH})"
            f" SELECT DISTINCT subject FROM up WHERE department IN ({placeholders(scoped)})",
            *subject_ids,
            *scoped,
        )
        for row in in_scope:
            found[as_uuid(row["subject"])].add(Relation.HR_SCOPE)
    for rels in found.values():
        if not rels:
            rels.add(Relation.PEER)
    return {subject: frozenset(rels) for subject, rels in found.items()}


# --- people ------------------------------------------------------------------------------------

PROFILE_COLUMNS = (
    Person.id,
    Person.email,
    Person.display_name,
    Person.title,
    Person.job_family,
    Person.manager,
    Person.department,
    Person.department.name.as_alias("department_name"),
    Person.roles,
    Person.active,
    Person.locale,
    Person.time_zone,
)


async def _company_defaults() -> dict[str, str]:
    company = await get_company()
    return {"locale": company.locale, "time_zone": company.time_zone}


def _roles(stored: str, has_reports: bool) -> list[str]:
    names = stored.split()
    if has_reports:
        names.append(Role.MANAGER.value)
    order = [r.value for r in Role]
    return sorted(set(names), key=order.index)


async def _has_reports(person_id: UUID) -> bool:
    return await Person.exists().where((Person.manager == person_id) & (Person.active == True))  # noqa: E712


def _profile(row: dict[str, Any], defaults: dict[str, str], has_reports: bool) -> PersonRead:
    return PersonRead(
        **_card(row).model_dump(),
        email=row["email"],
        job_family=row["job_family"],
        manager_id=row["manager"],
        roles=_roles(row["roles"], has_reports),
        locale=row["locale"] or defaults["locale"],
        time_zone=row["time_zone"] or defaults["time_zone"],
    )


async def my_profile(principal: Principal) -> PersonRead:
    row = await Person.select(*PROFILE_COLUMNS).where(Person.id == principal.person_id).first()
    if row is None:
        raise not_found()
    return _profile(row, await _company_defaults(), Role.MANAGER in principal.roles)


async def get_me(principal: Principal) -> MeRead:
    return MeRead.model_validate((await my_profile(principal)).model_dump())


async def get_person(principal: Principal, person_id: UUID) -> PersonCardRead:
    """A person's profile with the fields this viewer may see; a manager's or HR's view of
    the full profile is written to the subject's access log."""
    row = await Person.select(*PROFILE_COLUMNS).where(Person.id == person_id).first()
    if row is None:
        raise not_found()
    rels = (await relations(principal, [person_id]))[person_id]
    schema = policy.profile_schema(principal, rels)
    if schema is PersonCardRead:
        return _card(row)
    logged = policy.logged_relation(rels)
    if logged is not None:
        await audit.record_access(principal.person_id, person_id, "profile", logged)
    return _profile(row, await _company_defaults(), await _has_reports(person_id))


def _card(row: dict[str, Any]) -> PersonCardRead:
    return PersonCardRead(
        id=row["id"],
        display_name=row["display_name"],
        title=row["title"],
        department_id=row["department"],
        department_name=row["department_name"],
        active=row["active"],
    )


# A person's card straight through the driver: the phone's pull reads the team and close
# colleagues on every sync, and the directory is searched as a name is typed.
CARD_SELECT = (
    "SELECT p.id, p.display_name, p.title, p.department, d.name AS department_name, p.active"
    " FROM org_person p LEFT JOIN org_department d ON d.id = p.department"
)


async def list_team(principal: Principal) -> list[PersonCardRead]:
    """The principal's active direct reports; the scope is in the WHERE clause."""
    rows = await fetch(
        f"{CARD_SELECT} WHERE p.manager = {{}} AND p.active ORDER BY p.display_name",
        principal.person_id,
    )
    return [_card(r) for r in rows]


async def close_colleagues(principal: Principal) -> list[PersonCardRead]:
    """My manager, the people who share my manager, and my direct reports: whom a phone
    offers when I write to someone offline (colleague cards are open to everyone)."""
    me = principal.person_id
    rows = await fetch(
        f"{CARD_SELECT} JOIN org_person me ON me.id = {{}}"
        " WHERE p.active AND p.id != me.id"
        " AND (p.manager = me.id OR p.id = me.manager OR p.manager = me.manager)"
        " ORDER BY p.display_name",
        me,
    )
    return [_card(r) for r in rows]


def _named(select: Select[Any], query: str) -> Select[Any]:
    """People whose name holds `query`, ignoring case."""
    if not query:
        return select
    pattern = contains_pattern(query)
    if like_ignoring_case() == "LIKE":
        return select.where(Person.display_name.like(pattern))
    return select.where(Person.display_name.ilike(pattern))


async def search_people(principal: Principal, query: str, limit: int) -> list[PersonCardRead]:
    """The company directory: active colleagues by name, as cards."""
    if not policy.can_browse_directory(principal):
        return []
    sql = f"{CARD_SELECT} WHERE p.active"
    args: list[Any] = []
    if query:
        sql += f" AND p.display_name {like_ignoring_case()} {{}}"
        args.append(contains_pattern(query))
    rows = await fetch(sql + " ORDER BY p.display_name LIMIT {}", *args, limit)
    return [_card(r) for r in rows]


ACCOUNT_STATES: dict[AccountState, Combinable] = {
    "active": Person.active == True,  # noqa: E712
    "departed": (Person.active == False) & Person.erased_at.is_null(),  # noqa: E712
    "erased": Person.erased_at.is_not_null(),
}


async def list_accounts(query: str, state: AccountState, limit: int) -> list[AccountRead]:
    """The admins' list of people: those working here, those who left, those erased."""
    select = Person.select(*PROFILE_COLUMNS, Person.erased_at).where(ACCOUNT_STATES[state])
    rows = await _named(select, query).order_by(Person.display_name).limit(limit)
    managers = (
        {
            r["manager"]
            for r in await Person.select(Person.manager).where(
                Person.manager.is_in([r["id"] for r in rows]) & (Person.active == True)  # noqa: E712
            )
        }
        if rows
        else set()
    )
    defaults = await _company_defaults()
    return [
        AccountRead(
            **_profile(r, defaults, r["id"] in managers).model_dump(), erased_at=r["erased_at"]
        )
        for r in rows
    ]


# --- company and departments -------------------------------------------------------------------


async def get_company() -> CompanyRead:
    row = await Company.select(Company.name, Company.time_zone, Company.locale).first()
    if row is None:
        return CompanyRead(name="", time_zone=DEFAULT_TIME_ZONE, locale=DEFAULT_LOCALE)
    return CompanyRead.model_validate(row)


async def update_company(data: CompanyUpdate) -> CompanyRead:
    changes = data.model_dump(exclude_none=True)
    existing = await Company.select(Company.id).first()
    if existing is None:
        await Company.insert(Company(**{"name": "", **changes})).run()
    elif changes:
        await Company.update(force=True, **changes).where(Company.id == existing["id"])
    return await get_company()


async def list_departments() -> list[DepartmentRead]:
    rows = await Department.select(Department.id, Department.name, Department.parent).order_by(
        Department.name
    )
    return [DepartmentRead(id=r["id"], name=r["name"], parent_id=r["parent"]) for r in rows]


async def department_exists(department_id: UUID) -> bool:
    return await Department.exists().where(Department.id == department_id)


async def create_department(data: DepartmentCreate) -> DepartmentRead:
    if data.parent_id is not None and not await department_exists(data.parent_id):
        raise _invalid("parent_id", "unknown_department", "This parent department does not exist.")
    row = Department(name=data.name, parent=data.parent_id)
    await row.save()
    return DepartmentRead(id=row.id, name=row.name, parent_id=data.parent_id)


async def person_exists(person_id: UUID) -> bool:
    """A person, not erased: an erased person is gone for every purpose but the authorship
    that others' records keep."""
    return await Person.exists().where((Person.id == person_id) & Person.erased_at.is_null())


# --- admin writes --------------------------------------------------------------------------------


async def manager_chain(person_id: UUID) -> list[UUID]:
    """The person and everyone above them, nearest first."""
    rows = await fetch(
        "WITH RECURSIVE chain(id, manager, depth) AS ("  # noqa: S608 - formats only "{}" placeholders and constants
        " SELECT id, manager, 0 FROM org_person WHERE id = {}"
        " UNION ALL SELECT p.id, p.manager, chain.depth + 1 FROM chain"
        f" JOIN org_person p ON p.id = chain.manager WHERE chain.depth < {MAX_CHAIN_DEPTH})"
        " SELECT id FROM chain ORDER BY depth",
        person_id,
    )
    return [as_uuid(r["id"]) for r in rows]


LOCK_OUT_MESSAGE = "You cannot disable yourself or remove your own admin role."
ALREADY_ERASED = ProblemError(
    409, "person_erased", "This person's data was erased; their record cannot change."
)


def _invalid(field: str, code: str, message: str) -> ProblemError:
    return ProblemError(422, code, message, errors=[{"field": field, "message": message}])


async def _unerased(person_id: UUID, *columns: Column) -> dict[str, Any]:
    """These columns of a person; 404 for nobody, 409 for someone erased."""
    row = await Person.select(*columns, Person.erased_at).where(Person.id == person_id).first()
    if row is None:
        raise not_found()
    if row["erased_at"] is not None:
        raise ALREADY_ERASED
    return row


async def update_person(principal: Principal, person_id: UUID, data: PersonUpdate) -> bool:
    """Apply an admin's changes; -> True when the person was disabled by this change."""
    changes = data.model_dump(exclude_unset=True)
    async with write_transaction():
        current = await _unerased(person_id, Person.active, Person.roles)
        if person_id == principal.person_id and (
            changes.get("active") is False
            or Role.ADMIN.value not in changes.get("roles", [Role.ADMIN.value])
        ):
            raise ProblemError(409, "cannot_lock_out_self", LOCK_OUT_MESSAGE)
        if "email" in changes:
            changes["email"] = changes["email"].lower()
            if await Person.exists().where(
                (Person.email == changes["email"]) & (Person.id != person_id)
            ):
                raise _invalid("email", "email_taken", "Another person already has this email.")
        if changes.get("manager_id") is not None:
            manager_id = changes["manager_id"]
            if not await person_exists(manager_id):
                raise _invalid("manager_id", "unknown_manager", "This manager does not exist.")
            if person_id in await manager_chain(manager_id):
                raise _invalid(
                    "manager_id", "manager_cycle", "This would make the person manage themselves."
                )
        if changes.get("department_id") is not None and not await department_exists(
            changes["department_id"]
        ):
            raise _invalid("department_id", "unknown_department", "This department does not exist.")
        if "roles" in changes:
            changes["roles"] = " ".join(sorted(set(changes["roles"])))
        columns = {"manager_id": "manager", "department_id": "department"}
        values = {columns.get(k, k): v for k, v in changes.items()}
        if values:
            await Person.update(force=True, updated_at=now(), **values).where(
                Person.id == person_id
            )
    return current["active"] and changes.get("active") is False


@dataclass
class ImportOutcome:
    result: ImportResult
    disabled: list[UUID]


def _locks_out(row: PersonRow) -> bool:
    """Would this row disable the acting admin or take their admin role away?"""
    return ("active" in row.columns and not row.active) or (
        "roles" in row.columns and Role.ADMIN.value not in row.roles
    )


async def import_people(
    rows: list[PersonRow], dry_run: bool, acting_person_id: UUID | None = None
) -> ImportOutcome:
    """Create or update people (matched by email) from parsed CSV rows, all or nothing.

    Cross-row checks (unknown managers, management cycles) need the existing organisation,
    so they happen here; any error aborts before the first write.
    """
    async with write_transaction():
        departments = await Department.select(Department.id, Department.name, Department.parent)
        dept_ids = _department_paths(departments)
        new_departments = _missing_departments(rows, dept_ids)
        people = await Person.select(Person.id, Person.email, Person.manager, Person.active)
        id_by_email = {p["email"]: p["id"] for p in people}
        email_by_id = {p["id"]: p["email"] for p in people}
        manager_of = {p["email"]: email_by_id.get(p["manager"]) for p in people}
        was_active = {p["email"]: p["active"] for p in people}
        known_emails = id_by_email.keys() | {row.email for row in rows}
        errors: list[RowError] = []
        for row in rows:
            if row.manager_email and row.manager_email not in known_emails:
                errors.append(
                    RowError(
                        row.line, "manager_email", "unknown_manager", "No person has this email."
                    )
                )
            if "manager_email" in row.columns or row.email not in id_by_email:
                manager_of[row.email] = row.manager_email or None
        errors += [
            RowError(row.line, "roles", "cannot_lock_out_self", LOCK_OUT_MESSAGE)
            for row in rows
            if acting_person_id is not None
            and id_by_email.get(row.email) == acting_person_id
            and _locks_out(row)
        ]
        errors += [
            RowError(
                row.line,
                "manager_email",
                "manager_cycle",
                "This manager line leads back to the person.",
            )
            for row in rows
            if _in_cycle(row.email, manager_of)
        ]
        if errors:
            raise people_csv.invalid_file(errors)
        created = [row for row in rows if row.email not in id_by_email]
        for row in created:
            id_by_email[row.email] = uuid4()
        result = ImportResult(
            created=len(created),
            updated=len(rows) - len(created),
            departments_created=len(new_departments),
            dry_run=dry_run,
        )
        disabled = [id_by_email[r.email] for r in rows if not r.active and was_active.get(r.email)]
        if dry_run:
            return ImportOutcome(result, [])
        for path, dept_id in new_departments:
            await Department.insert(
                Department(id=dept_id, name=path[-1], parent=dept_ids.get(path[:-1]))
            ).run()
            dept_ids[path] = dept_id
        stamp = now()

        def values(row: PersonRow) -> dict[str, Any]:
            return {
                "email": row.email,
                "display_name": row.display_name,
                "title": row.title,
                "job_family": row.job_family,
                "department": dept_ids.get(row.department),
                "manager": id_by_email.get(row.manager_email),
                "roles": " ".join(row.roles),
                "active": row.active,
                "locale": row.locale,
                "time_zone": row.time_zone,
            }

        def changed_values(row: PersonRow) -> dict[str, Any]:
            """For a known person: only what the file's columns say."""
            return {
                field: value
                for field, value in values(row).items()
                if SOURCE_COLUMN.get(field, field) in row.columns
            }

        # New people go in manager-first order, so each row's manager already exists.
        ordered = sorted(created, key=lambda r: _depth(r.email, manager_of))
        for start in range(0, len(ordered), IMPORT_CHUNK):
            chunk = ordered[start : start + IMPORT_CHUNK]
            await Person.insert(
                *[
                    Person(id=id_by_email[r.email], created_at=stamp, updated_at=stamp, **values(r))
                    for r in chunk
                ]
            ).run()
        created_emails = {row.email for row in created}
        for row in rows:
            if row.email not in created_emails:
                await Person.update(force=True, updated_at=stamp, **changed_values(row)).where(
                    Person.id == id_by_email[row.email]
                )
        # No scope row means company-wide, so scopes are rewritten only when the file says
        # so: new people, an hr_scope column, or someone who is no longer HR.
        scoped_rows = [
            r
            for r in rows
            if r.email in created_emails
            or "hr_scope" in r.columns
            or ("roles" in r.columns and Role.HR.value not in r.roles)
        ]
        row_ids = [id_by_email[r.email] for r in scoped_rows]
        for start in range(0, len(row_ids), IMPORT_CHUNK):
            await HrScope.delete().where(
                HrScope.person.is_in(row_ids[start : start + IMPORT_CHUNK])
            )
        scopes = [
            HrScope(person=id_by_email[r.email], department=dept_ids[path])
            for r in scoped_rows
            if Role.HR.value in r.roles and r.hr_scope
            for path in r.hr_scope
        ]
        if scopes:
            await HrScope.insert(*scopes).run()
    return ImportOutcome(result, disabled)


IMPORT_CHUNK = 500
# Person fields whose CSV column has another name.
SOURCE_COLUMN = {"manager": "manager_email"}


def _department_paths(departments: list[dict[str, Any]]) -> dict[tuple[str, ...], UUID]:
    by_id = {d["id"]: d for d in departments}

    def path(dept: dict[str, Any]) -> tuple[str, ...]:
        parts: list[str] = []
        while dept is not None and len(parts) < MAX_CHAIN_DEPTH:
            parts.append(dept["name"])
            dept = by_id.get(dept["parent"])  # type: ignore[assignment]
        return tuple(reversed(parts))

    return {path(d): d["id"] for d in departments}


def _missing_departments(
    rows: list[PersonRow], known: dict[tuple[str, ...], UUID]
) -> list[tuple[tuple[str, ...], UUID]]:
    """Department paths named in the file that do not exist yet, parents before children."""
    wanted = {p for r in rows for p in (r.department, *(r.hr_scope or ())) if p}
    prefixes = {path[:i] for path in wanted for i in range(1, len(path) + 1)}
    return [(p, uuid4()) for p in sorted(prefixes - known.keys(), key=len)]


def _depth(email: str, manager_of: dict[str, str | None]) -> int:
    depth, current = 0, manager_of.get(email)
    while current is not None and depth < MAX_CHAIN_DEPTH:
        depth, current = depth + 1, manager_of.get(current)
    return depth


def _in_cycle(email: str, manager_of: dict[str, str | None]) -> bool:
    current, steps = manager_of.get(email), 0
    while current is not None and steps <= MAX_CHAIN_DEPTH:
        if current == email:
            return True
        current, steps = manager_of.get(current), steps + 1
    return False


async def ids_by_email(emails: list[str]) -> dict[str, UUID]:
    rows = await Person.select(Person.id, Person.email).where(
        Person.email.is_in([e.lower() for e in emails])
    )
    return {r["email"]: r["id"] for r in rows}


# --- reach: whose private records a principal may read ---------------------------------------


# The people below a manager (`{}`), at any depth: the recursion goes a level at a time, so
# a LIMIT on it stops it early.
REPORTS_BELOW = (
    "WITH RECURSIVE down(id, depth) AS ("  # noqa: S608 - a constant only
    " SELECT id, 1 FROM org_person WHERE manager = {}"
    " UNION ALL SELECT p.id, down.depth + 1 FROM org_person p"
    f" JOIN down ON p.manager = down.id WHERE down.depth < {MAX_CHAIN_DEPTH})"
    " SELECT id FROM down"
)


def reach_sql(principal: Principal, person_column: str) -> tuple[str, list[Any]] | None:
    """A SQL condition, with `{}` markers and their values: `person_column` names someone
    whose private records the principal may read through the manager chain or HR scope
    (themselves included). None: the whole company (company-wide HR). The column is our own
    code's, never user input."""
    if principal.hr_company_wide:
        return None
    parts = [f"{person_column} = {{}}"]
    args: list[Any] = [principal.person_id]
    if Role.MANAGER in principal.roles:
        parts.append(f"{person_column} IN ({REPORTS_BELOW})")
        args.append(principal.person_id)
    if principal.has(Role.HR) and principal.hr_department_ids:
        hr_sql, hr_args = _in_hr_subtree(person_column, principal.hr_department_ids)
        parts.append(hr_sql)
        args.extend(hr_args)
    return "(" + " OR ".join(parts) + ")", args


def _in_hr_subtree(person_column: str, scoped: frozenset[UUID]) -> tuple[str, list[Any]]:
    return (
        f"{person_column} IN (WITH RECURSIVE sub(id, depth) AS ("  # noqa: S608 - constants and placeholders only
        f" SELECT id, 0 FROM org_department WHERE id IN ({placeholders(scoped)})"
        " UNION ALL SELECT d.id, sub.depth + 1 FROM org_department d"
        f" JOIN sub ON d.parent = sub.id WHERE sub.depth < {MAX_CHAIN_DEPTH})"
        " SELECT p.id FROM org_person p WHERE p.department IN (SELECT id FROM sub))",
        list(scoped),
    )


async def small_reach(principal: Principal, at_most: int) -> frozenset[UUID] | None:
    """Everyone whose private records the principal may read (`reach_sql`), when that is
    themselves and fewer than `at_most` reports at any depth; None for HR, whose scope adds
    whole departments, and for a larger reach, which is walked only as far as `at_most`
    (then relations are better walked up from the records' owners, `relations`)."""
    if principal.has(Role.HR):
        return None
    if Role.MANAGER not in principal.roles:
        return frozenset({principal.person_id})
    rows = await fetch(f"{REPORTS_BELOW} LIMIT {{}}", principal.person_id, at_most)
    if len(rows) >= at_most:
        return None
    return frozenset({principal.person_id, *(as_uuid(r["id"]) for r in rows)})


def hr_reach_sql(principal: Principal, person_column: str) -> tuple[str, list[Any]] | None:
    """A SQL condition (with `{}` markers and their values): `person_column` is in the
    principal's HR scope. None for someone who is not HR (no one is)."""
    if principal.hr_company_wide:
        return "1 = 1", []
    if principal.has(Role.HR) and principal.hr_department_ids:
        return _in_hr_subtree(person_column, principal.hr_department_ids)
    return None


async def department_parents() -> dict[UUID, UUID | None]:
    """Every department's parent: the tree, for walking up from a person's department."""
    rows = await fetch("SELECT id, parent FROM org_department")
    return {
        as_uuid(r["id"]): as_uuid(r["parent"]) if r["parent"] is not None else None for r in rows
    }


async def hr_covering(person_ids: list[UUID]) -> dict[UUID, list[UUID]]:
    """For each person: the active HR people whose scope covers them (company-wide HR, and
    HR scoped to their department or one above it)."""
    if not person_ids:
        return {}
    hr_rows = await fetch(
        "SELECT p.id, s.department FROM org_person p"
        " LEFT JOIN org_hr_scope s ON s.person = p.id"
        " WHERE p.active AND (' ' || p.roles || ' ') LIKE '% hr %'"
    )
    scopes: dict[UUID, set[UUID]] = {}
    for row in hr_rows:
        covered = scopes.setdefault(as_uuid(row["id"]), set())
        if row["department"] is not None:
            covered.add(as_uuid(row["department"]))
    parents = await department_parents()
    people = await fetch(
        f"SELECT id, department FROM org_person WHERE id IN ({placeholders(person_ids)})",  # noqa: S608 - placeholders only
        *person_ids,
    )
    covering: dict[UUID, list[UUID]] = {}
    for row in people:
        chain, department = set(), row["department"]
        while department is not None and as_uuid(department) not in chain:
            chain.add(as_uuid(department))
            department = parents.get(as_uuid(department))
        covering[as_uuid(row["id"])] = sorted(
            hr for hr, scoped in scopes.items() if not scoped or scoped & chain
        )
    return covering


async def staff_in_reach(
    principal: Principal,
    nearest: bool = False,
    after: tuple[str, UUID] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Active staff whose records the principal may oversee (themselves, their reports at
    any depth, HR scope), by name (then id): id, display_name, department_id, manager_id,
    manager_name. `nearest`: only themselves and their direct reports (what a phone
    carries). `after` a (name, id) and up to `limit`: a page of them."""
    sql = (
        "SELECT p.id, p.display_name, p.department AS department_id, m.id AS manager_id,"
        " m.display_name AS manager_name FROM org_person p"
        " LEFT JOIN org_person m ON m.id = p.manager"
        # Staff are people with the employee role: no other role's name holds the word.
        " WHERE p.active AND p.roles LIKE {}"
    )
    args: list[Any] = [f"%{Role.EMPLOYEE.value}%"]
    if nearest:
        sql += " AND (p.id = {} OR p.manager = {})"
        args += [principal.person_id, principal.person_id]
    else:
        reach = reach_sql(principal, "p.id")
        if reach is not None:
            sql += f" AND {reach[0]}"
            args += reach[1]
    if after is not None:
        name, person_id = after
        sql += " AND (p.display_name > {} OR (p.display_name = {} AND p.id > {}))"
        args += [name, name, person_id]
    sql += " ORDER BY p.display_name, p.id"
    if limit is not None:
        sql += " LIMIT {}"
        args.append(limit)
    return await fetch(sql, *args)


# The group of all the people HR covers, whatever their department.
EVERYONE = "everyone"


@dataclass(frozen=True)
class CoveredPeople:
    """The people HR covers, for figures by department that are counted in SQL: active staff
    of HR's departments (their own reports and themselves are in their reach for other
    reasons, not as HR). The groups nest: each department in scope holds its
    sub-departments, everyone holds all."""

    departments: dict[UUID, DepartmentRead]
    # Each group's enclosing group: a department's parent, or (its parent out of scope)
    # EVERYONE, which has none.
    holder: dict[Hashable, Hashable | None]
    # A SQL condition on `org_person p` (with `{}` markers) and its values: p is covered.
    condition: str
    args: list[Any]
    # How many covered people each group holds directly (not counting its sub-departments).
    people: dict[Hashable, int]

    def group_of(self, department_id: Any) -> Hashable:
        """The group of the people of a department (as the driver returns its id)."""
        department = as_uuid(department_id) if department_id is not None else None
        return department if department in self.departments else EVERYONE

    def described(self, group: Tally) -> dict[str, Any]:
        """The fields of a `DepartmentGroupRead` for a group of `privacy.groups.tally`."""
        department = self.departments.get(group.key)  # type: ignore[call-overload]
        return {
            "department_id": department.id if department else None,
            "department_name": department.name if department else None,
            "parent_id": group.parent if isinstance(group.parent, UUID) else None,
            "people": group.people,
        }


async def covered_by_hr(principal: Principal) -> CoveredPeople:
    scope = await hr_scope_departments(principal)
    departments = {d.id: d for d in await list_departments() if scope is None or d.id in scope}
    holder: dict[Hashable, Hashable | None] = {EVERYONE: None} | {
        d.id: d.parent_id if d.parent_id in departments else EVERYONE for d in departments.values()
    }
    condition = _STAFF_SQL
    args: list[Any] = []
    if scope is not None:
        ids = sorted(scope)
        condition += f" AND p.department IN ({placeholders(ids)})" if ids else " AND 1 = 0"
        args += ids
    rows = await fetch(
        f"SELECT p.department, count(*) AS people FROM org_person p WHERE {condition}"  # noqa: S608 - placeholders and constants only
        " GROUP BY p.department",
        *args,
    )
    covered = CoveredPeople(departments, holder, condition, args, {})
    for row in rows:
        group = covered.group_of(row["department"])
        covered.people[group] = covered.people.get(group, 0) + int(row["people"])
    return covered


# Active staff (`roles` holds names separated by spaces, none of which contains another). A
# constant pattern on the column, so the planner estimates it from the column's statistics:
# a guess here once made it loop over 100,000 people instead of joining.
_STAFF_SQL = f"p.active AND p.roles LIKE '%{Role.EMPLOYEE.value}%'"


async def display_names(ids: list[UUID]) -> dict[UUID, str]:
    rows = await Person.select(Person.id, Person.display_name).where(Person.id.is_in(ids))
    return {r["id"]: r["display_name"] for r in rows}


async def report_ids(person_id: UUID) -> list[UUID]:
    """Everyone whose direct manager the person is, those who left included."""
    rows = await fetch("SELECT id FROM org_person WHERE manager = {}", person_id)
    return [as_uuid(r["id"]) for r in rows]


async def manager_of(person_id: UUID) -> UUID | None:
    row = await Person.select(Person.manager).where(Person.id == person_id).first()
    return row["manager"] if row else None


async def active_people(
    ids: list[UUID], department_id: UUID | None, job_family: str | None
) -> tuple[list[UUID], list[UUID]]:
    """Active people named by id, in a department (with its sub-departments) or in a job
    family; -> (found ids, requested ids that are unknown or inactive)."""
    found: set[UUID] = set()
    if ids:
        rows = await fetch(
            f"SELECT id FROM org_person WHERE active AND id IN ({placeholders(ids)})",  # noqa: S608 - formats in placeholders only
            *ids,
        )
        found |= {as_uuid(r["id"]) for r in rows}
    if department_id is not None:
        rows = await fetch(
            "WITH RECURSIVE sub(id, depth) AS ("  # noqa: S608 - formats in a constant only
            " SELECT id, 0 FROM org_department WHERE id = {}"
            " UNION ALL SELECT d.id, sub.depth + 1 FROM org_department d"
            f" JOIN sub ON d.parent = sub.id WHERE sub.depth < {MAX_CHAIN_DEPTH})"
            " SELECT p.id FROM org_person p WHERE p.active AND p.department IN"
            " (SELECT id FROM sub)",
            department_id,
        )
        found |= {as_uuid(r["id"]) for r in rows}
    if job_family:
        rows = await Person.select(Person.id).where(
            (Person.job_family == job_family) & (Person.active == True)  # noqa: E712
        )
        found |= {r["id"] for r in rows}
    return sorted(found), [i for i in ids if i not in found]


@dataclass(frozen=True)
class PeopleSlice:
    """The people whose id comes after `after` (None: from the first) up to `upto` (None: to
    the last), in the order of ids. A job over a whole company goes through it in slices, so
    its memory follows the slice, not the company."""

    after: UUID | None
    upto: UUID | None

    def sql(self, person_column: str) -> tuple[str, list[Any]]:
        """`AND …` conditions keeping `person_column` inside the slice, and their values."""
        conditions, values = "", []
        if self.after is not None:
            conditions += f" AND {person_column} > {{}}"
            values.append(self.after)
        if self.upto is not None:
            conditions += f" AND {person_column} <= {{}}"
            values.append(self.upto)
        return conditions, values


ALL_PEOPLE = PeopleSlice(None, None)

# People per slice of a round over everyone (alerts, reminders). Python keeps a round's
# high-water mark for the next one, so a serving process grows by about one slice's working
# set once: 3-5 MB at 1,000 people, 36 MB at 10,000 for an alert round 30 % faster
# (docs/performance.md).
ROUND_SLICE = 1_000


async def people_slices(size: int) -> list[PeopleSlice]:
    """Everyone ever recorded (the inactive too: what is about them may need closing), in
    consecutive slices of `size` people."""
    rows = await fetch(
        "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM org_person) s"
        " WHERE n % {} = 0 ORDER BY id",
        size,
    )
    bounds: list[UUID | None] = [None, *(as_uuid(r["id"]) for r in rows), None]
    return [PeopleSlice(after, upto) for after, upto in itertools.pairwise(bounds)]


async def is_active_person(person_id: UUID) -> bool:
    return await Person.exists().where((Person.id == person_id) & (Person.active == True))  # noqa: E712


async def hr_scope_departments(principal: Principal) -> frozenset[UUID] | None:
    """The departments in the principal's HR scope, sub-departments included; None: every
    department (company-wide HR)."""
    if principal.hr_company_wide:
        return None
    if not (principal.has(Role.HR) and principal.hr_department_ids):
        return frozenset()
    scoped = principal.hr_department_ids
    rows = await fetch(
        "WITH RECURSIVE sub(id, depth) AS ("  # noqa: S608 - formats only "{}" placeholders and constants
        f" SELECT id, 0 FROM org_department WHERE id IN ({placeholders(scoped)})"
        " UNION ALL SELECT d.id, sub.depth + 1 FROM org_department d"
        f" JOIN sub ON d.parent = sub.id WHERE sub.depth < {MAX_CHAIN_DEPTH})"
        " SELECT DISTINCT id FROM sub",
        *scoped,
    )
    return frozenset(as_uuid(r["id"]) for r in rows)


async def department_in_hr_scope(principal: Principal, department_id: UUID) -> bool:
    scope = await hr_scope_departments(principal)
    return scope is None or department_id in scope


async def get_person_department(person_id: UUID) -> UUID | None:
    row = await Person.select(Person.department).where(Person.id == person_id).first()
    return row["department"] if row else None


async def people_with_role(role: Role) -> list[UUID]:
    """Everyone active who holds `role` (an assigned one, not the derived manager role)."""
    rows = await fetch(
        "SELECT id FROM org_person WHERE active AND (' ' || roles || ' ') LIKE {}",
        f"% {role.value} %",
    )
    return [as_uuid(r["id"]) for r in rows]


async def person_refs(person_ids: list[UUID]) -> dict[UUID, PersonRef]:
    if not person_ids:
        return {}
    rows = await fetch_in("SELECT id, display_name FROM org_person WHERE id IN ({in})", person_ids)
    return {
        as_uuid(r["id"]): PersonRef(id=as_uuid(r["id"]), display_name=r["display_name"])
        for r in rows
    }


# --- erasure -------------------------------------------------------------------------------------

PSEUDONYM = {"zh-CN": "前同事 {code}", "en": "Former colleague {code}"}


async def departed_email(person_id: UUID) -> str:
    """The email of a person who may be erased: they left (disabled), they are not erased
    already, and nobody active reports to them any more (their reports were moved first)."""
    row = await _unerased(person_id, Person.email, Person.active)
    if row["active"]:
        raise ProblemError(
            409, "person_active", "Disable the account first: only people who left are erased."
        )
    if await _has_reports(person_id):
        raise ProblemError(
            409, "person_has_reports", "Give this person's reports their new manager first."
        )
    return str(row["email"])


async def erase_person(person_id: UUID) -> tuple[str, datetime]:
    """Keeps the row as a pseudonym, in the company's language, for what others' records
    keep of the person (feedback they gave, minutes of check-ins they held); everything that
    described them is cleared. -> the pseudonym and when."""
    await HrScope.delete().where(HrScope.person == person_id)
    pseudonym = PSEUDONYM[(await _company_defaults())["locale"]].format(
        code=person_id.hex[:6].upper()
    )
    at = now()
    await Person.update(
        {
            Person.display_name: pseudonym,
            # Unique and undeliverable (RFC 2606 keeps .invalid from ever resolving).
            Person.email: f"erased-{person_id.hex}@erased.invalid",
            Person.title: "",
            Person.job_family: "",
            Person.manager: None,
            Person.department: None,
            Person.roles: Role.EMPLOYEE.value,
            Person.locale: "",
            Person.time_zone: "",
            Person.erased_at: at,
            Person.updated_at: at,
        }
    ).where(Person.id == person_id)
    return pseudonym, at
