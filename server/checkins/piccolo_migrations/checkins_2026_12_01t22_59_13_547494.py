from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Date
from piccolo.table import Table


class RawTable(Table):
    pass

ID = "2026-12-01T22:59:13:547494"
VERSION = "1.38.0"
DESCRIPTION = "Check-ins indexed by day, employee and state"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="checkins", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Checkin",
        tablename="checkins_checkin",
        column_name="held_on",
        db_column_name="held_on",
        params={"index": False},
        old_params={"index": True},
        column_class=Date,
        old_column_class=Date,
        schema=None,
    )

    # Ranges of days (retention, the alerts' quiet people) use its first column; HR's
    # coverage reads who met since a day, and in what state, from the index alone.
    async def create_index() -> None:
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS checkins_checkin_held_on_employee_state"
            " ON checkins_checkin (held_on, employee, state)"
        )

    manager.add_raw(create_index)
    return manager
