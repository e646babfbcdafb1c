from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T13:02:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Triggers that move a kudos's revision whenever what it shows changes"

# What a kudos shows besides names and goal titles (which the sync pull follows through the
# `people` and `goal_outlines` topics): its own columns, its reactions, and its recipients,
# which only an erasure takes away. Row-level on both engines: each write names its kudos.
SHOWN = "author, behaviour, goal, company_value, visibility, created_at, written_at"
BUMP = "UPDATE feedback_kudos SET revision = revision + 1 WHERE id = {}.kudos"


class RawTable(Table):
    pass


def postgres() -> list[str]:
    return [
        "CREATE FUNCTION feedback_kudos_revise() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        f" IF TG_OP = 'DELETE' THEN {BUMP.format('OLD')}; ELSE {BUMP.format('NEW')}; END IF;"
        " RETURN NULL; END $$",
        "CREATE TRIGGER feedback_kudos_reaction_revises"
        " AFTER INSERT OR UPDATE OR DELETE ON feedback_kudos_reaction"
        " FOR EACH ROW EXECUTE FUNCTION feedback_kudos_revise()",
        "CREATE TRIGGER feedback_kudos_recipient_revises AFTER DELETE ON feedback_kudos_recipient"
        " FOR EACH ROW EXECUTE FUNCTION feedback_kudos_revise()",
        "CREATE FUNCTION feedback_kudos_revised() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " NEW.revision := OLD.revision + 1; RETURN NEW; END $$",
        f"CREATE TRIGGER feedback_kudos_revised BEFORE UPDATE OF {SHOWN} ON feedback_kudos"
        " FOR EACH ROW EXECUTE FUNCTION feedback_kudos_revised()",
    ]


def sqlite() -> list[str]:
    return [
        *(
            f"CREATE TRIGGER feedback_kudos_reaction_revises_{event.lower()}"
            f" AFTER {event} ON feedback_kudos_reaction BEGIN {BUMP.format(row)}; END"
            for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
        ),
        "CREATE TRIGGER feedback_kudos_recipient_revises AFTER DELETE ON feedback_kudos_recipient"
        f" BEGIN {BUMP.format('OLD')}; END",
        f"CREATE TRIGGER feedback_kudos_revised AFTER UPDATE OF {SHOWN} ON feedback_kudos"
        " BEGIN UPDATE feedback_kudos SET revision = revision + 1 WHERE id = NEW.id; END",
    ]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="feedback", description=DESCRIPTION)

    async def create() -> None:
        is_sqlite = RawTable._meta.db.engine_type == "sqlite"
        for statement in sqlite() if is_sqlite else postgres():
            await RawTable.raw(statement)

    manager.add_raw(create)
    return manager
