from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-27T14:46:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Unique indexes over several columns"

# One recipient row per person per kudos; one reaction of each kind per person.
UNIQUE_INDEXES = (
    "CREATE UNIQUE INDEX feedback_kudos_recipient_once ON feedback_kudos_recipient (kudos, person)",
    "CREATE UNIQUE INDEX feedback_kudos_reaction_once ON feedback_kudos_reaction"
    " (kudos, person, emoji)",
)


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def create_indexes() -> None:
        for statement in UNIQUE_INDEXES:
            await RawTable.raw(statement)

    manager.add_raw(create_indexes)
    return manager
