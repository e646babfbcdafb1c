from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T06:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Escalated alerts indexed by person"


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="alerts", description=DESCRIPTION)

    # HR reads the escalated alerts of the people in scope: few among all the open ones.
    async def create_index() -> None:
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS alerts_alert_escalated ON alerts_alert (person)"
            " WHERE escalated_at IS NOT NULL"
        )

    manager.add_raw(create_index)
    return manager
