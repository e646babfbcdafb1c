from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T22:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Triggers that log which topics each write changed, and the log's index"


class RawTable(Table):
    pass


# The tables whose writes a pull's collections depend on, and how a changed row `r` names its
# topic: whose check-ins, whose feedback received. A topic is read from columns no write
# changes (a check-in's employee, an action's or a note's check-in, a feedback's recipient),
# so the row after an update names the same topic as the row before.
BY_ROW = (
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
    ("checkins_last_held", ("employee",), "'checkins:' || r.employee", ""),
    ("feedback_sbi", ("recipient",), "'feedback:' || r.recipient", ""),
)
# Tables whose every write changes one company-wide topic, and the update that does (all
# updates when None). `people`: what the organisation shows of anyone (names, titles,
# managers, departments, roles, who left).
COMPANY_WIDE = (
    ("org_person", "people", "display_name, title, manager, department, roles, active"),
    ("org_department", "people", None),
    ("checkins_cadence", "cadences", None),
    ("checkins_template", "templates", None),
)


def postgres() -> list[str]:
    """Statement-level triggers: a statement writing thousands of rows (an import, a purge,
    COPY) logs each topic once."""
    statements = []
    for table, _, topic, join in BY_ROW:
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
    for table, topic, updated in COMPANY_WIDE:
        update = f"UPDATE OF {updated}" if updated else "UPDATE"
        statements += [
            f"CREATE FUNCTION sync_log_{table}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN INSERT INTO sync_change (topic) VALUES ('{topic}'); RETURN NULL; END $$",
            f"CREATE TRIGGER sync_log_{table} AFTER INSERT OR DELETE OR {update} ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION sync_log_{table}()",
        ]
    return statements


def sqlite() -> list[str]:
    """Row-level triggers, the only kind SQLite has."""
    statements = []
    for table, columns, topic, join in BY_ROW:
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            changed = ", ".join(f"{row}.{column} AS {column}" for column in columns)
            statements.append(
                f"CREATE TRIGGER sync_log_{table}_{event.lower()} AFTER {event} ON {table}"
                f" BEGIN INSERT INTO sync_change (topic) SELECT {topic}"
                f" FROM (SELECT {changed}) r{join}; END"
            )
    for table, topic, updated in COMPANY_WIDE:
        update = f"UPDATE OF {updated}" if updated else "UPDATE"
        for event in ("INSERT", "DELETE", update):
            statements.append(
                f"CREATE TRIGGER sync_log_{table}_{event.split()[0].lower()} AFTER {event}"
                f" ON {table} BEGIN INSERT INTO sync_change (topic) VALUES ('{topic}'); END"
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
