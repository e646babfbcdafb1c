from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

DEFAULT_TIME_ZONE = "Asia/Shanghai"
DEFAULT_LOCALE = "zh-CN"


class Company(Table, tablename="org_company"):
    """One row: the company this installation serves."""

    id = UUID(primary_key=True)
    name = Varchar(length=200)
    time_zone = Varchar(length=64, default=DEFAULT_TIME_ZONE)
    locale = Varchar(length=16, default=DEFAULT_LOCALE)


class Department(Table, tablename="org_department"):
    id = UUID(primary_key=True)
    name = Varchar(length=200)
    parent: ForeignKey["Department"] = ForeignKey(
        "self", null=True, on_delete=OnDelete.restrict, index=True
    )


class Person(Table, tablename="org_person"):
    id = UUID(primary_key=True)
    email = Varchar(length=320, unique=True)  # stored lower-case
    display_name = Varchar(length=200)
    title = Varchar(length=200, default="")
    # Same-role comparisons (calibration) group people by job family.
    job_family = Varchar(length=100, default="", index=True)
    manager: ForeignKey["Person"] = ForeignKey(
        "self", null=True, on_delete=OnDelete.set_null, index=True
    )
    department = ForeignKey(Department, null=True, on_delete=OnDelete.set_null, index=True)
    # Assigned roles, space separated ("employee hr"); "manager" is derived from reports.
    roles = Varchar(length=100, default="employee")
    active = Boolean(default=True)
    # Empty means "use the company default".
    locale = Varchar(length=16, default="")
    time_zone = Varchar(length=64, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # Set when an admin erased the person after they left (docs/privacy.md): the row stays
    # only as the pseudonymous author of what others' records keep.
    erased_at = Timestamptz(null=True, default=None)


class HrScope(Table, tablename="org_hr_scope"):
    """A department (with its sub-departments) an HR person covers; no row = company-wide."""

    id = UUID(primary_key=True)
    person = ForeignKey(Person, on_delete=OnDelete.cascade, index=True)
    department = ForeignKey(Department, on_delete=OnDelete.cascade)
