from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table


class RawTable(Table):
    pass


ID = "2026-12-02T05:45:27:000000"
VERSION = "1.38.0"
DESCRIPTION = "The goals that may be tops of a cycle's tree, and the shared ones, indexed"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="goals", description=DESCRIPTION
    )

    async def fill_and_index() -> None:
        await RawTable.raw(
            "UPDATE goals_goal SET parent_shared = TRUE WHERE EXISTS (SELECT 1 FROM goals_goal p"
            " WHERE p.id = goals_goal.parent AND p.level != 'individual'"
            " AND p.cycle = goals_goal.cycle)"
        )
        # The goals that may be tops of a cycle's tree, and the withdrawn goals whose
        # children may be: few, against every goal of the cycle.
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS goals_goal_maybe_top ON goals_goal (cycle)"
            " WHERE parent IS NULL OR NOT parent_shared"
        )
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS goals_goal_withdrawn ON goals_goal (cycle)"
            " WHERE state = 'withdrawn'"
        )
        # The shared objectives, searched by title when a goal's parent is chosen.
        await RawTable.raw(
            "CREATE INDEX IF NOT EXISTS goals_goal_shared ON goals_goal (cycle)"
            " WHERE level != 'individual'"
        )

    manager.add_raw(fill_and_index)
    return manager
