from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T14:56:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "One private note per author per check-in"


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="checkins", description=DESCRIPTION)

    async def create_index() -> None:
        await RawTable.raw(
            "CREATE UNIQUE INDEX checkins_note_once ON checkins_note (checkin, author)"
        )

    manager.add_raw(create_index)
    return manager
