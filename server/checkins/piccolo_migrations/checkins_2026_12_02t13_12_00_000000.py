from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T13:12:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Each person's last check-in held, from the check-ins there are"


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="checkins", description=DESCRIPTION)

    # The states a check-in is held in ("recorded", "confirmed"), as queries.HELD_STATES
    # said when this was written.
    async def fill() -> None:
        await RawTable.raw(
            "INSERT INTO checkins_last_held (employee, held_on)"
            " SELECT employee, MAX(held_on) FROM checkins_checkin"
            " WHERE state IN ('recorded', 'confirmed') GROUP BY employee"
        )

    manager.add_raw(fill)
    return manager
