from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-25T23:07:24:467996"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes over several columns"

# Piccolo declares single-column uniqueness only; these guard invariants that span columns:
# one frozen version per number, one signature per role and version, one entry per delivery.
UNIQUE_INDEXES = (
    "CREATE UNIQUE INDEX goals_version_goal_version ON goals_version (goal, version)",
    "CREATE UNIQUE INDEX goals_signature_once ON goals_signature (goal, version, role)",
    "CREATE UNIQUE INDEX goals_progress_delivery ON goals_progress"
    " (integration, external_event_id)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="goals", description=DESCRIPTION)

    async def create_indexes() -> None:
        for statement in UNIQUE_INDEXES:
            await RawTable.raw(statement)

    manager.add_raw(create_indexes)
    return manager
