from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T02:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Triggers that log the alerts each write changed"


class RawTable(Table):
    pass


# An alert's write logs `alerts:<person>`, and `escalated_alerts` when the alert is escalated
# (HR in scope reads those; escalation is never undone, so the row after an update tells).
# A key result's title or unit is shown in the alerts naming it: a change logs theirs.
ALERT_TOPICS = (
    " SELECT DISTINCT 'alerts:' || r.person FROM {rows} r"
    " UNION SELECT 'escalated_alerts' FROM {rows} r WHERE r.escalated_at IS NOT NULL"
)


def postgres() -> list[str]:
    """Statement-level triggers, as the other topics' (the sync app's first triggers)."""
    renamed = (
        "SELECT n.id FROM after_rows n JOIN before_rows o ON o.id = n.id"
        " WHERE n.title IS DISTINCT FROM o.title OR n.unit IS DISTINCT FROM o.unit"
    )
    naming = "(SELECT a.* FROM alerts_alert a JOIN renamed k ON a.key_result = k.id)"
    statements = [
        "CREATE FUNCTION sync_log_alerts_alert() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN INSERT INTO sync_change (topic){ALERT_TOPICS.format(rows='changed')};"
        " RETURN NULL; END $$",
        # Progress updates a key result often; only a new title or unit looks for alerts.
        "CREATE FUNCTION sync_log_goals_key_result_alerts() RETURNS trigger"
        f" LANGUAGE plpgsql AS $$ BEGIN IF EXISTS ({renamed}) THEN"
        f" WITH renamed AS ({renamed})"
        f" INSERT INTO sync_change (topic){ALERT_TOPICS.format(rows=naming)};"
        " END IF; RETURN NULL; END $$",
        "CREATE TRIGGER sync_log_goals_key_result_alerts AFTER UPDATE ON goals_key_result"
        " REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows FOR EACH STATEMENT"
        " EXECUTE FUNCTION sync_log_goals_key_result_alerts()",
    ]
    for event, rows in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        statements.append(
            f"CREATE TRIGGER sync_log_alerts_alert_{event.lower()} AFTER {event} ON alerts_alert"
            f" REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT"
            " EXECUTE FUNCTION sync_log_alerts_alert()"
        )
    return statements


def sqlite() -> list[str]:
    """Row-level triggers, the only kind SQLite has."""
    naming = "(SELECT * FROM alerts_alert WHERE key_result = NEW.id)"
    statements = [
        "CREATE TRIGGER sync_log_goals_key_result_alerts AFTER UPDATE OF title, unit"
        " ON goals_key_result WHEN OLD.title IS NOT NEW.title OR OLD.unit IS NOT NEW.unit"
        f" BEGIN INSERT INTO sync_change (topic){ALERT_TOPICS.format(rows=naming)}; END"
    ]
    for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
        changed = f"(SELECT {row}.person AS person, {row}.escalated_at AS escalated_at)"
        statements.append(
            f"CREATE TRIGGER sync_log_alerts_alert_{event.lower()} AFTER {event} ON alerts_alert"
            f" BEGIN INSERT INTO sync_change (topic){ALERT_TOPICS.format(rows=changed)}; END"
        )
    return statements


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="sync", description=DESCRIPTION)

    async def create() -> None:
        is_sqlite = RawTable._meta.db.engine_type == "sqlite"
        for statement in sqlite() if is_sqlite else postgres():
            await RawTable.raw(statement)

    manager.add_raw(create)
    return manager
