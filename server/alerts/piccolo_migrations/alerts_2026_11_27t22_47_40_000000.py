from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T22:47:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes over several columns and a partial one"

# Piccolo declares neither uniqueness over several columns nor partial indexes: one rule per
# kind and place, and at most one open or scheduled alert per watched condition (a second
# evaluation racing the first skips the row instead of raising a duplicate).
UNIQUE_INDEXES = (
    "CREATE UNIQUE INDEX alerts_rule_place ON alerts_rule (kind, target)",
    "CREATE UNIQUE INDEX alerts_alert_one_active ON alerts_alert (condition)"
    " WHERE state IN ('open', 'scheduled')",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="alerts", description=DESCRIPTION)

    async def create_indexes() -> None:
        for statement in UNIQUE_INDEXES:
            await RawTable.raw(statement)

    manager.add_raw(create_indexes)
    return manager
