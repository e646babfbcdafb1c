from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The change log's topics compared byte by byte, and its states read from the index"


class RawTable(Table):
    pass


# Every read of states looks up a hundred or so topics (a goal tree's owners): compared by
# the database's locale, each step down the index called the C library's collation; with
# `folded` only in the table, each topic also read its row. PostgreSQL only: SQLite compares
# bytes already, and its states are read in the process.
POSTGRES = (
    "DROP INDEX sync_change_topic_id",
    'ALTER TABLE sync_change ALTER COLUMN topic TYPE varchar(100) COLLATE "C"',
    "CREATE INDEX sync_change_topic_id ON sync_change (topic, id) INCLUDE (folded)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sync", description=DESCRIPTION)

    async def change() -> None:
        if RawTable._meta.db.engine_type == "sqlite":
            return
        for statement in POSTGRES:
            await RawTable.raw(statement)

    manager.add_raw(change)
    return manager
