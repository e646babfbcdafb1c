"""Benchmark of the periodic alert round (issue: deviation alerts): every rule over 100,000
key results, on PostgreSQL by default.

    .venv/bin/python benchmarks/alert_rules.py [--backend sqlite] [--key-results 100000]

Builds an organisation with bulk inserts (people in teams of eight under their managers, two
agreed goals of two key results each per person, progress spread so that about one key
result in five is far behind, check-ins held on rhythm for nine people in ten and recent
kudos from the manager for most), then times `alerts.evaluate` over everyone:

1. the first round, which raises an alert (and notifies both parties) for every breach;
2. a steady round, where nothing changed: the usual case, every 15 minutes;
3. a round after 5 % of the values moved: some alerts recover, some open.

Prints one JSON line per round with the seconds taken and the alerts opened and recovered.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from piccolo.columns import Serial  # noqa: E402
from piccolo.table import Table  # noqa: E402

from benchmarks.sync_push import in_new_database  # noqa: E402
from server import db  # noqa: E402
from server.alerts import queries as alerts  # noqa: E402
from server.checkins.defaults import DEFAULT_TEMPLATE_ID  # noqa: E402
from server.checkins.tables import Checkin  # noqa: E402
from server.feedback.tables import Kudos, KudosRecipient  # noqa: E402
from server.goals.tables import Cycle, Goal, KeyResult  # noqa: E402
from server.org.tables import Company, Department, Person  # noqa: E402
from server.settings import Settings  # noqa: E402

TEAM = 8
KEY_RESULTS_PER_PERSON = 4  # two goals of two key results


def row(table: type[Table], **values: Any) -> dict[str, Any]:
    """A full row: the table's defaults, then `values`."""
    defaults = {
        c._meta.db_column_name: c.default
        for c in table._meta.columns
        if not isinstance(c, Serial)  # the database numbers these
    }
    # Piccolo's defaults for UUIDs and times are objects that make the value.
    made = {k: v.python() if hasattr(v, "python") else v for k, v in defaults.items()}
    return {**made, **values}


async def seed(key_results: int, today: date) -> None:
    people_count = key_results // KEY_RESULTS_PER_PERSON
    now = datetime.now(UTC)
    started = today - timedelta(days=120)
    rng = random.Random(7)  # noqa: S311 - the same organisation every run
    departments = [row(Department, id=uuid.uuid4(), name=f"Region {i}") for i in range(50)]
    people: list[dict[str, Any]] = []
    goals: list[dict[str, Any]] = []
    krs: list[dict[str, Any]] = []
    for i in range(people_count):
        manager = people[(i - 1) // TEAM]["id"] if i else None
        people.append(
            row(
                Person,
                id=uuid.uuid4(),
                email=f"p{i}@bench.example",
                display_name=f"Person {i}",
                manager=manager,
                department=departments[i % len(departments)]["id"],
                created_at=now - timedelta(days=400),
                updated_at=now,
            )
        )
    cycle = row(
        Cycle,
        id=uuid.uuid4(),
        name="H2",
        kind="half",
        starts_on=started,
        ends_on=started + timedelta(days=240),
    )
    for person in people:
        for _ in range(2):
            goal = uuid.uuid4()
            goals.append(
                row(
                    Goal,
                    id=goal,
                    level="individual",
                    owner=person["id"],
                    cycle=cycle["id"],
                    title="Goal",
                    state="active",
                    version=1,
                    agreed_version=1,
                    created_by=person["id"],
                    created_at=now,
                    updated_at=now,
                )
            )
            for _ in range(2):
                # Half the plan is due by now; one in five is far behind it.
                share = rng.uniform(0.0, 0.2) if rng.random() < 0.2 else rng.uniform(0.4, 0.7)
                krs.append(
                    row(
                        KeyResult,
                        id=uuid.uuid4(),
                        goal=goal,
                        title="Result",
                        metric_kind="number",
                        start_value=Decimal(0),
                        target_value=Decimal(100),
                        current_value=Decimal(round(share * 100, 1)),
                        unit="",
                        due_on=started + timedelta(days=240),
                        standards="quantity",
                    )
                )
    # Most people are on their team's rhythm and were recognised lately; some are not.
    checkins: list[dict[str, Any]] = []
    kudos: list[dict[str, Any]] = []
    recipients: list[dict[str, Any]] = []
    for person in people[1:]:
        if rng.random() < 0.9:
            held = today - timedelta(days=rng.randint(1, 13))
            checkins.append(
                row(
                    Checkin,
                    id=uuid.uuid4(),
                    employee=person["id"],
                    manager=person["manager"],
                    template=DEFAULT_TEMPLATE_ID,
                    state="confirmed",
                    held_on=held,
                    created_at=now,
                    updated_at=now,
                )
            )
        if rng.random() < 0.85:
            given = now - timedelta(days=rng.randint(1, 12))
            kudos_id = uuid.uuid4()
            kudos.append(
                row(
                    Kudos,
                    id=kudos_id,
                    author=person["manager"],
                    behaviour="Specific",
                    visibility="private",
                    created_at=given,
                    written_at=given,
                )
            )
            recipients.append(
                row(
                    KudosRecipient,
                    kudos=kudos_id,
                    person=person["id"],
                    author=person["manager"],
                    written_at=given,
                )
            )
    async with db.write_transaction():
        await db.insert_rows(Company, [row(Company, name="Bench", time_zone="UTC", locale="en")])
        await db.insert_rows(Department, departments)
        for start in range(0, len(people), 5000):  # managers before their reports
            await db.insert_rows(Person, people[start : start + 5000])
        await db.insert_rows(Cycle, [cycle])
        await db.insert_rows(Goal, goals)
        await db.insert_rows(KeyResult, krs)
        await db.insert_rows(Checkin, checkins)
        await db.insert_rows(Kudos, kudos)
        await db.insert_rows(KudosRecipient, recipients)
    if not db.is_sqlite():
        # What autovacuum would soon do after a bulk load: without statistics the planner
        # picks nested loops over 100,000 rows.
        await db.fetch("ANALYZE")


async def timed(label: str, at: datetime) -> None:
    started = time.perf_counter()
    result = await alerts.evaluate(at)
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "round": label,
                "seconds": round(seconds, 3),
                "opened": result.opened,
                "recovered": result.recovered,
            }
        ),
        flush=True,
    )


async def main(url: str, backend: str, key_results: int) -> None:
    settings = Settings(database_url=url)
    engine = db.build_engine(settings)
    await db.migrate(engine)
    await db.open_pool(engine, 4)
    try:
        today = datetime.now(UTC).date()
        started = time.perf_counter()
        await seed(key_results, today)
        print(
            json.dumps(
                {
                    "backend": backend,
                    "key_results": key_results,
                    "seed_seconds": round(time.perf_counter() - started, 1),
                }
            ),
            flush=True,
        )
        at = datetime.now(UTC)
        await timed("first (raises every alert)", at)
        await timed("steady (nothing changed)", at + timedelta(minutes=15))
        ids = [r["id"] for r in await KeyResult.select(KeyResult.id)]
        moved = random.Random(8).sample(ids, len(ids) // 20)  # noqa: S311 - reproducible
        async with db.write_transaction():
            for chunk in range(0, len(moved), 5000):
                part = moved[chunk : chunk + 5000]
                await KeyResult.update({KeyResult.current_value: Decimal(5)}).where(
                    KeyResult.id.is_in(part[: len(part) // 2])
                )
                await KeyResult.update({KeyResult.current_value: Decimal(60)}).where(
                    KeyResult.id.is_in(part[len(part) // 2 :])
                )
        await timed("after 5% of values moved", at + timedelta(minutes=30))
    finally:
        await db.close_pool(engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--key-results", type=int, default=100_000)
    arguments = parser.parse_args()
    in_new_database(
        arguments.backend, lambda url: main(url, arguments.backend, arguments.key_results)
    )
