from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T22:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Triggers that log which topics each write changed, and the log's index"


class RawTable(Table):
    pass


# The tables whose writes a pull's check-ins depend on, and how a changed row `r` names its
# topic: the check-ins of one employee. A topic is read from columns no write changes (a
# check-in's employee, an action's or a note's check-in), so the row after an update names
# the same topic as the row before.
LOGGED = (
    ("checkins_checkin", ("employee",), "'checkins:' || r.employee", ""),
    (
        "checkins_action",
        ("checkin",),
        "'checkins:' || c.employee",
        " JOIN checkins_checkin c ON c.id = r.checkin",
    ),
    (
        "checkins_note",
        ("checkin",),
        "'checkins:' || c.employee",
        " JOIN checkins_checkin c ON c.id = r.checkin",
    ),
)
# What the organisation shows of a person (names, titles, who manages whom, departments,
# roles, who left): one company-wide topic, `people`.
PEOPLE_COLUMNS = "display_name, title, manager, department, roles, active"


def postgres() -> list[str]:
    """Statement-level triggers: a statement writing thousands of rows (an import, a purge,
    COPY) logs each topic once."""
    statements = []
    for table, _, topic, join in LOGGED:
        statements.append(
            f"CREATE FUNCTION sync_log_{table}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN INSERT INTO sync_change (topic) SELECT DISTINCT {topic}"
            f" FROM changed r{join}; RETURN NULL; END $$"
        )
        # A trigger with a transition table serves one event.
        for event, rows in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            statements.append(
                f"CREATE TRIGGER sync_log_{table}_{event.lower()} AFTER {event} ON {table}"
                f" REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT"
                f" EXECUTE FUNCTION sync_log_{table}()"
            )
    statements += [
        "CREATE FUNCTION sync_log_people() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN INSERT INTO sync_change (topic) VALUES ('people'); RETURN NULL; END $$",
        f"CREATE TRIGGER sync_log_people AFTER INSERT OR DELETE OR UPDATE OF {PEOPLE_COLUMNS}"
        " ON org_person FOR EACH STATEMENT EXECUTE FUNCTION sync_log_people()",
    ]
    return statements


def sqlite() -> list[str]:
    """Row-level triggers, the only kind SQLite has."""
    statements = []
    for table, columns, topic, join in LOGGED:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            changed = ", ".join(f"{row}.{column} AS {column}" for column in columns)
            statements.append(
                f"CREATE TRIGGER sync_log_{table}_{event.lower()} AFTER {event} ON {table}"
                f" BEGIN INSERT INTO sync_change (topic) SELECT {topic}"
                f" FROM (SELECT {changed}) r{join}; END"
            )
    for event in ("INSERT", "DELETE", f"UPDATE OF {PEOPLE_COLUMNS}"):
        name = event.split()[0].lower()
        statements.append(
            f"CREATE TRIGGER sync_log_people_{name} AFTER {event} ON org_person"
            " BEGIN INSERT INTO sync_change (topic) VALUES ('people'); END"
        )
    return statements


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sync", description=DESCRIPTION)

    async def create() -> None:
        # A topic's newest id and its number of rows, read from the index alone.
        await RawTable.raw("CREATE INDEX sync_change_topic_id ON sync_change (topic, id)")
        is_sqlite = RawTable._meta.db.engine_type == "sqlite"
        for statement in sqlite() if is_sqlite else postgres():
            await RawTable.raw(statement)

    manager.add_raw(create)
    return manager
