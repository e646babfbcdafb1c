"""The demo organisation of DESIGN.md §8, loaded through the same import path admins use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from server.alerts import queries as alerts
from server.auth import queries as auth_queries
from server.core.security import hash_password
from server.db import write_transaction
from server.demo import checkins as demo_checkins
from server.demo import feedback as demo_feedback
from server.demo import goals as demo_goals
from server.org import people_csv
from server.org import queries as org_queries
from shared_schemas.org import CompanyUpdate

DEMO_PASSWORD = "tandem-demo"  # noqa: S105 - published demo credential
PEOPLE_CSV = Path(__file__).with_name("people.csv")
COMPANY = CompanyUpdate(name="同行示范公司", time_zone="Asia/Shanghai", locale="zh-CN")


async def seed(password_hash: str | None = None) -> None:
    """Create or refresh the demo organisation; running it again changes nothing."""
    rows, errors = people_csv.parse(PEOPLE_CSV.read_text(encoding="utf-8"), max_rows=100)
    if errors:
        raise people_csv.invalid_file(errors)
    # One hash for all: every demo account has the same published password.
    password_hash = password_hash or hash_password(DEMO_PASSWORD)
    # One transaction: the demo appears whole or not at all, and SQLite commits once
    # instead of once per progress entry.
    async with write_transaction():
        await org_queries.update_company(COMPANY)
        await org_queries.import_people(rows, dry_run=False)
        ids = await org_queries.ids_by_email([r.email for r in rows])
        for person_id in ids.values():
            await auth_queries.set_password(person_id, password_hash)
        by_name = {email.split("@")[0]: person_id for email, person_id in ids.items()}
        await demo_goals.seed(by_name)
        await demo_feedback.seed(by_name)
        await demo_checkins.seed(by_name)
        # The deviations the demo holds (a result behind plan, an overdue check-in) are
        # found as the periodic round would find them.
        await alerts.evaluate(datetime.now(UTC))
