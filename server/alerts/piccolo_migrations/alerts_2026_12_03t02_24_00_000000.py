from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T02:24:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Alerts indexed by key result"


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="alerts", description=DESCRIPTION)

    # A key result's alerts: found when its title changes (the change log names them) and
    # when it is deleted (the foreign key's cascade), without reading every alert.
    async def create_index() -> None:
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS alerts_alert_key_result ON alerts_alert (key_result)"
        )

    manager.add_raw(create_index)
    return manager
