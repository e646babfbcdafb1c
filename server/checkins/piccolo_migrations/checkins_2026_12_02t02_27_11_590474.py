from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey
from piccolo.table import Table


class RawTable(Table):
    pass


ID = "2026-12-02T02:27:11:590474"
VERSION = "1.38.0"
DESCRIPTION = "Check-ins indexed by employee, day held and state"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="checkins", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Checkin",
        tablename="checkins_checkin",
        column_name="employee",
        db_column_name="employee",
        params={"index": False},
        old_params={"index": True},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    # Each person's last check-in held (the alert rounds, a slice of people at a time; the
    # check-in status) is read from the index alone; it serves lookups by employee as the
    # one-column index did.
    async def create_index() -> None:
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS checkins_checkin_employee_held_on_state"
            " ON checkins_checkin (employee, held_on, state)"
        )

    manager.add_raw(create_index)
    return manager
