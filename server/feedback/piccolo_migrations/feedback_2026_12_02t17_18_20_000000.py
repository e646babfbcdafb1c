from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T17:18:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "Kudos recipients' copies filled from their kudos, and indexed for the last specific recognition"


class RawTable(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def fill_and_index() -> None:
        await RawTable.raw(
            "UPDATE feedback_kudos_recipient SET author = k.author, written_at = k.written_at,"
            " generic = k.generic FROM feedback_kudos k WHERE k.id = feedback_kudos_recipient.kudos"
        )
        # The specific kudos each person had from one author, latest last: the last
        # recognition from their manager is one step into it.
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS feedback_kudos_recipient_specific"
            " ON feedback_kudos_recipient (person, author, written_at) WHERE NOT generic"
        )
        # Recipients a process of the release before gives without the copy (a rolling
        # deploy), for the alert round to fill in: none, once every process is new.
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS feedback_kudos_recipient_uncopied"
            " ON feedback_kudos_recipient (kudos) WHERE author IS NULL"
        )

    manager.add_raw(fill_and_index)
    return manager
