from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Boolean
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T05:45:26:857787"
VERSION = "1.38.0"
DESCRIPTION = "Goals say whether their parent is a shared objective"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="goals", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Goal",
        tablename="goals_goal",
        column_name="parent_shared",
        db_column_name="parent_shared",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
