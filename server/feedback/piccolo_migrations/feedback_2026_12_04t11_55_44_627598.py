from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey
from piccolo.columns.column_types import Varchar

ID = "2026-12-04T11:55:44:627598"
VERSION = "1.38.0"
DESCRIPTION = "Kudos indexes that a unique index leading with the same column covers, and the visibility index, dropped"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="feedback", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Kudos",
        tablename="feedback_kudos",
        column_name="visibility",
        db_column_name="visibility",
        params={"index": False},
        old_params={"index": True},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="KudosRecipient",
        tablename="feedback_kudos_recipient",
        column_name="kudos",
        db_column_name="kudos",
        params={"index": False},
        old_params={"index": True},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="KudosReaction",
        tablename="feedback_kudos_reaction",
        column_name="kudos",
        db_column_name="kudos",
        params={"index": False},
        old_params={"index": True},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
