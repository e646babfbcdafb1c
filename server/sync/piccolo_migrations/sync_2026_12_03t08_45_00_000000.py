from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T08:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A trigger that logs which goals a tree holds"

# `goal_tree`: goals added, removed or whose state changed (withdrawn goals leave the tree).
# With `goal_outlines` (titles, levels, visibility, alignment, owners), it says which goals a
# cycle's tree holds and how many are aligned to each.
EVENTS = ("INSERT", "DELETE", "UPDATE OF state")


class RawTable(Table):
    pass


def postgres() -> list[str]:
    """A statement-level trigger, as the other company-wide topics'."""
    return [
        "CREATE FUNCTION sync_log_goals_goal_goal_tree() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN INSERT INTO sync_change (topic) VALUES ('goal_tree'); RETURN NULL; END $$",
        f"CREATE TRIGGER sync_log_goals_goal_goal_tree AFTER {' OR '.join(EVENTS)} ON goals_goal"
        " FOR EACH STATEMENT EXECUTE FUNCTION sync_log_goals_goal_goal_tree()",
    ]


def sqlite() -> list[str]:
    """Row-level triggers, the only kind SQLite has."""
    return [
        f"CREATE TRIGGER sync_log_goals_goal_goal_tree_{event.split()[0].lower()}"
        f" AFTER {event} ON goals_goal"
        " BEGIN INSERT INTO sync_change (topic) VALUES ('goal_tree'); END"
        for event in EVENTS
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sync", description=DESCRIPTION)

    async def create() -> None:
        is_sqlite = RawTable._meta.db.engine_type == "sqlite"
        for statement in sqlite() if is_sqlite else postgres():
            await RawTable.raw(statement)

    manager.add_raw(create)
    return manager
