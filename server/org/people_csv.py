"""Parsing and row validation of the people CSV file (no database access here).

Columns (header row required, order free; only email and display_name are required):
  email, display_name, title, job_family, department, manager_email, roles, hr_scope,
  locale, time_zone, active
- department: a path from the top, parts separated by "/" ("Sales/Field Sales East");
  missing departments are created.
- roles: "employee", "hr", "admin", separated by ";" (default "employee"); "manager" is
  never assigned, it follows from having reports.
- hr_scope: department paths separated by ";", or "*" for the whole company; only with hr.
- active: true/false, yes/no, 1/0 (default true).
A person already known (by email) is updated: only the columns present in the file change;
the defaults above apply to new people.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from zoneinfo import available_timezones

from server.core.access import ASSIGNABLE_ROLES, Role
from server.core.errors import ProblemError

COLUMNS = (
    "email",
    "display_name",
    "title",
    "job_family",
    "department",
    "manager_email",
    "roles",
    "hr_scope",
    "locale",
    "time_zone",
    "active",
)
REQUIRED = ("email", "display_name")
LOCALES = ("zh-CN", "en")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TRUE_WORDS = {"true", "yes", "1", "y"}
FALSE_WORDS = {"false", "no", "0", "n"}
COMPANY_WIDE = "*"
MAX_LENGTHS = {"email": 320, "display_name": 200, "title": 200, "job_family": 100}


@dataclass
class PersonRow:
    line: int
    email: str
    display_name: str
    title: str
    job_family: str
    department: tuple[str, ...]
    manager_email: str
    roles: tuple[str, ...]
    hr_scope: tuple[tuple[str, ...], ...] | None  # None = company-wide
    locale: str
    time_zone: str
    active: bool
    # The file's columns: an update changes only these.
    columns: frozenset[str] = frozenset(COLUMNS)


@dataclass
class RowError:
    line: int
    field: str
    code: str
    message: str


def department_path(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split("/") if part.strip())


def parse(text: str, max_rows: int) -> tuple[list[PersonRow], list[RowError]]:
    """Every row is checked; all problems are reported together with their line numbers."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [name.strip() for name in reader.fieldnames or []]
    errors = [
        RowError(1, name, "unknown_column", f"Unknown column {name!r}.")
        for name in header
        if name not in COLUMNS
    ]
    errors += [
        RowError(1, name, "missing_column", f"Column {name!r} is required.")
        for name in REQUIRED
        if name not in header
    ]
    if errors:
        return [], errors
    rows: list[PersonRow] = []
    seen: dict[str, int] = {}
    for record in reader:
        line = reader.line_num
        if len(rows) >= max_rows:
            errors.append(
                RowError(line, "", "too_many_rows", f"At most {max_rows} people per file.")
            )
            break
        if None in record:
            errors.append(
                RowError(line, "", "extra_values", "This line has more values than the header.")
            )
            continue
        values = {key.strip(): (value or "").strip() for key, value in record.items()}
        row, row_errors = _row(line, values, frozenset(header))
        if row is not None and row.email in seen:
            row_errors.append(
                RowError(line, "email", "duplicate_email", f"Also on line {seen[row.email]}.")
            )
        errors += row_errors
        if row is not None and not row_errors:
            seen[row.email] = line
            rows.append(row)
    return rows, errors


def _row(
    line: int, v: dict[str, str], columns: frozenset[str]
) -> tuple[PersonRow | None, list[RowError]]:
    errors: list[RowError] = []

    def fail(field: str, code: str, message: str) -> None:
        errors.append(RowError(line, field, code, message))

    email = v.get("email", "").lower()
    if not EMAIL.match(email):
        fail("email", "invalid_email", "This is not an email address.")
    if not v.get("display_name"):
        fail("display_name", "required", "A display name is required.")
    for field, limit in MAX_LENGTHS.items():
        if len(v.get(field, "")) > limit:
            fail(field, "too_long", f"At most {limit} characters.")
    manager_email = v.get("manager_email", "").lower()
    if manager_email and not EMAIL.match(manager_email):
        fail("manager_email", "invalid_email", "This is not an email address.")
    if manager_email and manager_email == email:
        fail("manager_email", "self_manager", "A person cannot be their own manager.")
    roles = tuple(
        sorted({r.strip() for r in (v.get("roles") or "employee").split(";") if r.strip()})
    )
    unknown_roles = [r for r in roles if r not in ASSIGNABLE_ROLES]
    if unknown_roles:
        fail("roles", "invalid_role", f"Unknown role(s): {', '.join(unknown_roles)}.")
    scope_text = v.get("hr_scope", "")
    hr_scope: tuple[tuple[str, ...], ...] | None = None
    if scope_text and Role.HR not in roles:
        fail("hr_scope", "scope_without_hr", "An HR scope needs the hr role.")
    elif scope_text and scope_text != COMPANY_WIDE:
        hr_scope = tuple(department_path(p) for p in scope_text.split(";") if department_path(p))
    locale = v.get("locale", "")
    if locale and locale not in LOCALES:
        fail("locale", "invalid_locale", f"Use one of: {', '.join(LOCALES)}.")
    time_zone = v.get("time_zone", "")
    if time_zone and time_zone not in available_timezones():
        fail("time_zone", "invalid_time_zone", "Use an IANA time zone such as Asia/Shanghai.")
    active_text = v.get("active", "").lower()
    if active_text and active_text not in TRUE_WORDS | FALSE_WORDS:
        fail("active", "invalid_boolean", "Use true or false.")
    if errors:
        return None, errors
    return (
        PersonRow(
            line=line,
            email=email,
            display_name=v["display_name"],
            title=v.get("title", ""),
            job_family=v.get("job_family", ""),
            department=department_path(v.get("department", "")),
            manager_email=manager_email,
            roles=roles,
            hr_scope=hr_scope,
            locale=locale,
            time_zone=time_zone,
            active=active_text not in FALSE_WORDS,
            columns=columns,
        ),
        errors,
    )


def invalid_file(errors: list[RowError]) -> ProblemError:
    return ProblemError(
        422,
        "import_invalid",
        f"The file has {len(errors)} problem(s); nothing was imported.",
        errors=[vars(e) for e in errors],
    )
