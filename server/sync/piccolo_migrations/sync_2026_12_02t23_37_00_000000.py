from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T23:37:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Triggers that log which topics each write changed, and the log's index"


class RawTable(Table):
    pass


# The tables whose writes a pull's collections depend on, and how a changed row `r` names its
# topic: whose check-ins, whose goals, whose feedback received. A topic is read from columns
# no write changes (a check-in's employee, an action's or a note's check-in, a key result's
# goal, a feedback's recipient; a goal's owner, when it changes, also changes
# `goal_outlines`), so the row after an update names the same topic as the row before.
CHECKIN_JOIN = " JOIN checkins_checkin c ON c.id = r.checkin"
GOAL_JOIN = " JOIN goals_goal g ON g.id = r.goal"
BY_ROW = (
    ("checkins_checkin", ("employee",), "'checkins:' || r.employee", ""),
    (
        "checkins_action",
        ("checkin",),
        "'checkins:' || c.employee",
        CHECKIN_JOIN,
    ),
    ("checkins_note", ("checkin",), "'checkins:' || c.employee", CHECKIN_JOIN),
    ("checkins_last_held", ("employee",), "'checkins:' || r.employee", ""),
    ("goals_goal", ("owner",), "'goals:' || r.owner", ""),
    (
        "goals_key_result",
        ("goal",),
        "'goals:' || g.owner",
        GOAL_JOIN,
    ),
    ("goals_version", ("goal",), "'goals:' || g.owner", GOAL_JOIN),
    ("goals_signature", ("goal",), "'goals:' || g.owner", GOAL_JOIN),
    ("feedback_sbi", ("recipient",), "'feedback:' || r.recipient", ""),
)
EVERY_WRITE = ("INSERT", "UPDATE", "DELETE")
# Writes that change one company-wide topic:
# - `people`: what the organisation shows of anyone (names, titles, managers, departments,
#   roles, who left);
# - `goal_outlines`: what a goal shows of the goals above it and a kudos of the goal it names
#   (title, level, visibility, alignment, owner, cycle);
# - `strategy`: cycles and strategy themes; `cadences`, `templates` (of check-ins), `kudos`.
COMPANY_WIDE = (
    (
        "org_person",
        "people",
        ("INSERT", "DELETE", "UPDATE OF display_name, title, manager, department, roles, active"),
    ),
    ("org_department", "people", EVERY_WRITE),
    (
        "goals_goal",
        "goal_outlines",
        ("UPDATE OF title, level, visibility, parent, theme, owner, cycle",),
    ),
    ("goals_cycle", "strategy", EVERY_WRITE),
    ("goals_theme", "strategy", EVERY_WRITE),
    ("checkins_cadence", "cadences", EVERY_WRITE),
    ("checkins_template", "templates", EVERY_WRITE),
    ("feedback_kudos", "kudos", EVERY_WRITE),
    # Recipients are written with their kudos, which logs them; the alert round's updates
    # fill in copies the kudos do not show. Only an erasure takes one away on its own.
    ("feedback_kudos_recipient", "kudos", ("DELETE",)),
    ("feedback_kudos_reaction", "kudos", EVERY_WRITE),
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
    for table, topic, events in COMPANY_WIDE:
        statements += [
            f"CREATE FUNCTION sync_log_{table}_{topic}() RETURNS trigger LANGUAGE plpgsql AS $$"
            f" BEGIN INSERT INTO sync_change (topic) VALUES ('{topic}'); RETURN NULL; END $$",
            f"CREATE TRIGGER sync_log_{table}_{topic} AFTER {' OR '.join(events)} ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION sync_log_{table}_{topic}()",
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
    for table, topic, events in COMPANY_WIDE:
        for event in events:
            statements.append(
                f"CREATE TRIGGER sync_log_{table}_{topic}_{event.split()[0].lower()}"
                f" AFTER {event} ON {table}"
                f" BEGIN INSERT INTO sync_change (topic) VALUES ('{topic}'); END"
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
