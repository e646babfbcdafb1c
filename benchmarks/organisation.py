"""A realistic organisation for the benchmarks at scale: `tandem bench seed --people N`.

N people in a tree under one chief executive, 5–9 reports per manager; the first three
levels of managers head the divisions, departments and sections (the department tree), HR
partners cover the divisions and one HR lead the whole company. Two half-year cycles (the
current one and the one before), with strategy themes, company, department and team goals
aligned down the tree, two individual goals of two key results for everyone, agreed and
signed by both sides, and monthly progress. A year of weekly check-ins with each manager
(about one week in ten missed), with next actions on the latest ones; a kudos a month and
an SBI feedback a quarter from everyone to a teammate. Then the first alert round over
everyone, so the alerts a live installation would have are open.

Rows are made in Python in chunks of people and written with PostgreSQL's COPY (SQLite,
for the tests: multi-row inserts), never one ORM call per row. Every account's password
is BENCH_PASSWORD. The same N and seed give the same organisation (ids aside).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from piccolo.columns import Serial
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from server import db
from server.alerts import queries as alerts
from server.auth.tables import Credential
from server.checkins.defaults import DEFAULT_TEMPLATE_ID
from server.checkins.queries import record_last_held
from server.checkins.tables import Checkin, CheckinAction, TeamCadence
from server.core.security import hash_password
from server.feedback.tables import Feedback, Kudos, KudosRecipient
from server.goals.content import content_hash
from server.goals.tables import Cycle, Goal, GoalVersion, KeyResult, ProgressEntry, Signature
from server.goals.tables import StrategyTheme as Theme
from server.org.tables import Company, Department, HrScope, Person
from server.sync import versions
from shared_schemas.goals import GoalContent, KeyResultContent

BENCH_PASSWORD = "tandem-bench"  # noqa: S105 - every generated account's, for load tests
EMAIL_DOMAIN = "bench.example"
# Managers at these depths below the chief executive head a division, department, section.
DEPARTMENT_LEVELS = ("Division", "Department", "Section")
WEEKS_OF_CHECKINS = 52
WEEKS_WITH_ACTIONS = 8  # next actions are written on the latest check-ins only
PEOPLE_PER_CHUNK = 2_000
THEMES = ("Grow in new regions", "Delight customers", "Run lean")


def email(index: int) -> str:
    return f"p{index}@{EMAIL_DOMAIN}"


def defaults_of(table: type[Table]) -> dict[str, Any]:
    """A row of the table's defaults (serial columns are numbered by the database)."""
    values = {
        c._meta.db_column_name: c.default for c in table._meta.columns if not isinstance(c, Serial)
    }
    # Piccolo's defaults for UUIDs and times are objects that make the value.
    return {k: v.python() if hasattr(v, "python") else v for k, v in values.items()}


class Rows:
    """Rows waiting to be written to one table: full rows, defaults filled in."""

    def __init__(self, table: type[Table]) -> None:
        self.table = table
        defaults = defaults_of(table)
        self.columns = list(defaults)
        self.template = list(defaults.values())
        self.position = {column: i for i, column in enumerate(self.columns)}
        self.pending: list[tuple[Any, ...]] = []
        self.written = 0

    def add(self, **values: Any) -> None:
        row = self.template.copy()
        for column, value in values.items():
            row[self.position[column]] = value
        self.pending.append(tuple(row))

    async def write(self) -> None:
        if not self.pending:
            return
        engine = self.table._meta.db
        if isinstance(engine, PostgresEngine):
            assert engine.pool is not None, "the caller opens the pool (db.open_pool)"
            async with engine.pool.acquire() as connection:
                await connection.copy_records_to_table(
                    self.table._meta.tablename, records=self.pending, columns=self.columns
                )
        else:
            await db.insert_rows(
                self.table, [dict(zip(self.columns, r, strict=True)) for r in self.pending]
            )
        self.written += len(self.pending)
        self.pending = []


@dataclass
class Tree:
    """The people as indexes: index 0 is the chief executive."""

    ids: list[uuid.UUID]
    manager: list[int | None]
    depth: list[int]
    reports: list[list[int]] = field(default_factory=list)
    department: list[uuid.UUID] = field(default_factory=list)

    def teammates(self, index: int) -> list[int]:
        """Whom a person works with every day: their manager, peers and reports."""
        boss = self.manager[index]
        peers = self.reports[boss] if boss is not None else []
        return [
            i
            for i in [*([boss] if boss is not None else []), *peers, *self.reports[index]]
            if i != index
        ]


def build_tree(people: int, rng: random.Random) -> Tree:
    """Managers take 5–9 reports each, breadth first, until everyone has a place."""
    tree = Tree(ids=[uuid.uuid4() for _ in range(people)], manager=[None], depth=[0])
    tree.reports = [[] for _ in range(people)]
    waiting = deque([0])
    while len(tree.manager) < people:
        boss = waiting.popleft()
        for _ in range(min(rng.randint(5, 9), people - len(tree.manager))):
            index = len(tree.manager)
            tree.manager.append(boss)
            tree.depth.append(tree.depth[boss] + 1)
            tree.reports[boss].append(index)
            waiting.append(index)
    return tree


@dataclass
class Seeded:
    people: int
    managers: int
    departments: int
    rows: dict[str, int]
    alerts_opened: int
    seconds: float


class Generator:
    def __init__(self, people: int, today: date, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
        self.today = today
        self.now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9)
        self.tree = build_tree(people, self.rng)
        self.tables = {t: Rows(t) for t in WRITE_ORDER}

    def add(self, table: type[Table], **values: Any) -> None:
        self.tables[table].add(**values)

    async def flush(self) -> None:
        for table in WRITE_ORDER:  # referenced rows first
            await self.tables[table].write()

    def ago(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    # -- the organisation ----------------------------------------------------------------

    def organisation(self) -> None:
        tree = self.tree
        self.add(Company, name="Bench Co", time_zone="Asia/Shanghai", locale="zh-CN")
        leadership = uuid.uuid4()
        self.add(Department, id=leadership, name="Leadership", parent=None)
        tree.department = [leadership] * len(tree.ids)
        heads: dict[int, str] = {}
        for index in range(1, len(tree.ids)):  # breadth first: managers before reports
            boss = tree.manager[index]
            assert boss is not None
            tree.department[index] = tree.department[boss]
            level = tree.depth[index] - 1
            if level < len(DEPARTMENT_LEVELS) and tree.reports[index]:
                department = uuid.uuid4()
                path = f"{heads.get(boss, '')}.{len(heads)}".lstrip(".")
                heads[index] = path
                self.add(
                    Department,
                    id=department,
                    name=f"{DEPARTMENT_LEVELS[level]} {path}",
                    parent=tree.department[boss],
                )
                tree.department[index] = department
        self.departments = 1 + len(heads)
        password = hash_password(BENCH_PASSWORD)  # once: hashing is slow on purpose
        divisions = [i for i in tree.reports[0] if tree.reports[i]]
        # One HR lead for the company and an HR partner in each division, from its people.
        hr_partners = {tree.reports[d][-1]: d for d in divisions}
        for index, person in enumerate(tree.ids):
            boss = tree.manager[index]
            roles = "employee"
            if index == len(tree.ids) - 1 or index in hr_partners:
                roles = "employee hr"
            elif index == len(tree.ids) - 2:
                roles = "employee admin"
            self.add(
                Person,
                id=person,
                email=email(index),
                display_name=f"Person {index}",
                title="Manager" if tree.reports[index] else "Specialist",
                job_family="sales" if index % 3 else "operations",
                manager=tree.ids[boss] if boss is not None else None,
                department=tree.department[index],
                roles=roles,
                created_at=self.ago(500),
                updated_at=self.ago(30),
            )
            self.add(
                Credential,
                id=uuid.uuid4(),
                person=person,
                password_hash=password,
                updated_at=self.ago(500),
            )
            if tree.reports[index]:
                cadence = "weekly" if self.rng.random() < 0.7 else "biweekly"
                self.add(TeamCadence, manager=person, cadence=cadence)
        for partner, division in hr_partners.items():
            self.add(
                HrScope,
                id=uuid.uuid4(),
                person=tree.ids[partner],
                department=tree.department[division],
            )

    # -- goals -----------------------------------------------------------------------------

    def cycles(self) -> list[tuple[uuid.UUID, date, date, bool]]:
        """The current half year and the one before: (id, starts, ends, closed)."""
        first_half = self.today.month <= 6
        starts = date(self.today.year, 1 if first_half else 7, 1)
        before = date(starts.year - first_half, 7 if first_half else 1, 1)
        found = []
        for start in (before, starts):
            ends = date(start.year + (start.month == 7), 1 if start.month == 7 else 7, 1)
            ends -= timedelta(days=1)
            cycle = uuid.uuid4()
            half = "H1" if start.month == 1 else "H2"
            self.add(
                Cycle,
                id=cycle,
                name=f"{start.year} {half}",
                kind="half",
                starts_on=start,
                ends_on=ends,
            )
            found.append((cycle, start, ends, ends < self.today))
        return found

    def goal(
        self,
        owner: int,
        cycle: tuple[uuid.UUID, date, date, bool],
        level: str,
        title: str,
        parent: uuid.UUID | None,
        theme: uuid.UUID | None,
        visibility: str,
    ) -> uuid.UUID:
        """An agreed goal of two key results with monthly progress, signed by the owner and
        (individual goals) their manager, as the API would have left it."""
        cycle_id, starts, ends, closed = cycle
        goal_id, person = uuid.uuid4(), self.tree.ids[owner]
        behind = self.rng.random() < 0.2  # one goal in five trails its plan
        days = (ends - starts).days
        krs = []
        for position in range(2):
            kr = KeyResultContent(
                id=uuid.uuid4(),
                title=f"Result {position + 1}",
                metric_kind="number",
                start_value=Decimal(0),
                target_value=Decimal(100),
                unit="",
                direction="increase",
                due_on=ends,
                weight=50,
                standards=["quantity"],
                milestones=[],
            )
            krs.append(kr)
            value = Decimal(0)
            month = starts + timedelta(days=30)
            while month <= min(ends, self.today):
                share = (
                    (month - starts).days / days * (0.5 if behind else self.rng.uniform(0.8, 1.1))
                )
                value = Decimal(round(100 * share, 1))
                self.add(
                    ProgressEntry,
                    id=uuid.uuid4(),
                    key_result=kr.id,
                    value=value,
                    source="manual",
                    recorded_by=person,
                    recorded_at=datetime.combine(month, datetime.min.time(), tzinfo=UTC),
                )
                month += timedelta(days=30)
            self.add(
                KeyResult,
                id=kr.id,
                goal=goal_id,
                position=position,
                title=kr.title,
                metric_kind="number",
                start_value=kr.start_value,
                target_value=kr.target_value,
                current_value=value,
                due_on=ends,
                weight=50,
                standards="quantity",
            )
        content = GoalContent(
            goal_id=goal_id,
            version=1,
            owner_id=person,
            cycle_id=cycle_id,
            title=title,
            description="",
            theme_id=theme,
            parent_id=parent,
            weight=50 if level == "individual" else 0,
            priority="medium",
            support_needed="",
            support_from_person_id=None,
            support_from_department_id=None,
            key_results=krs,
        )
        digest = content_hash(content)
        created = datetime.combine(starts, datetime.min.time(), tzinfo=UTC)
        self.add(
            Goal,
            id=goal_id,
            level=level,
            owner=person,
            cycle=cycle_id,
            theme=theme,
            parent=parent,
            # Every goal here serves the objective of its owner's manager (or the company's),
            # a shared objective of the same cycle.
            parent_shared=parent is not None,
            title=title,
            weight=content.weight,
            visibility=visibility,
            state="closed" if closed else "active",
            score=3 if closed else None,
            department=self.tree.department[owner] if level == "department" else None,
            version=1,
            agreed_version=1,
            created_by=person,
            created_at=created,
            updated_at=created,
        )
        self.add(
            GoalVersion,
            id=uuid.uuid4(),
            goal=goal_id,
            version=1,
            status="agreed",
            content=content.model_dump_json(),
            content_hash=digest,
            created_by=person,
            created_at=created,
        )
        boss = self.tree.manager[owner]
        if level == "individual" and boss is not None:
            for signer, role in ((person, "employee"), (self.tree.ids[boss], "manager")):
                self.add(
                    Signature,
                    id=uuid.uuid4(),
                    goal=goal_id,
                    version=1,
                    signer=signer,
                    role=role,
                    content_hash=digest,
                    signed_at=created + timedelta(days=3),
                )
        return goal_id

    def shared_goals(self, cycle: tuple[uuid.UUID, date, date, bool]) -> dict[int, uuid.UUID]:
        """Company goals under the themes, then one department or team goal per manager,
        each aligned to its manager's: -> the goal each manager's reports align to."""
        tree, serves = self.tree, {}
        themes = []
        for position, name in enumerate(THEMES):
            theme = uuid.uuid4()
            self.add(Theme, id=theme, cycle=cycle[0], name=name, position=position)
            themes.append(theme)
        company = [
            self.goal(0, cycle, "company", f"Company goal {n + 1}", None, t, "public")
            for n, t in enumerate(themes)
        ]
        serves[0] = company[0]
        for index in range(1, len(tree.ids)):
            boss = tree.manager[index]
            if tree.reports[index] and boss is not None:
                level = "department" if tree.depth[index] <= len(DEPARTMENT_LEVELS) else "team"
                parent = company[index % len(company)] if boss == 0 else serves[boss]
                serves[index] = self.goal(
                    index, cycle, level, f"{level.title()} goal of {index}", parent, None, "public"
                )
        return serves

    # -- conversations ---------------------------------------------------------------------

    def checkins(self, index: int) -> None:
        boss = self.tree.manager[index]
        if boss is None:
            return
        employee, manager = self.tree.ids[index], self.tree.ids[boss]
        offset = self.rng.randint(1, 6)  # people meet on different weekdays
        for week in range(WEEKS_OF_CHECKINS):
            if self.rng.random() < 0.1:
                continue  # a week missed
            held = self.today - timedelta(days=offset + 7 * week)
            at = datetime.combine(held, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
            checkin = uuid.uuid4()
            self.add(
                Checkin,
                id=checkin,
                employee=employee,
                manager=manager,
                template=DEFAULT_TEMPLATE_ID,
                state="confirmed",
                held_on=held,
                highlights="Closed the quarter's two largest renewals.",
                blockers="Waiting on pricing approval for the regional pilot.",
                support="Manager joins the next client visit.",
                minutes_version=1,
                recorded_by=manager,
                employee_confirmed_version=1,
                manager_confirmed_version=1,
                created_at=at,
                updated_at=at,
            )
            if week < WEEKS_WITH_ACTIONS:
                for owner, title in (
                    (employee, "Send the pilot plan"),
                    (manager, "Book the visit"),
                ):
                    self.add(
                        CheckinAction,
                        id=uuid.uuid4(),
                        checkin=checkin,
                        title=title,
                        owner=owner,
                        due_on=held + timedelta(days=7),
                        done_at=None if week == 0 else at + timedelta(days=5),
                        done_by=None if week == 0 else owner,
                        created_at=at,
                    )

    def feedback(self, index: int) -> None:
        teammates = self.tree.teammates(index)
        if not teammates:
            return
        author = self.tree.ids[index]
        for month in range(12):
            at = self.ago(30 * month + self.rng.uniform(0, 29))
            kudos = uuid.uuid4()
            self.add(
                Kudos,
                id=kudos,
                author=author,
                behaviour="在周三的客户复盘里把三条顾虑逐条回应，客户当场同意试点",
                visibility="public" if self.rng.random() < 0.7 else "private",
                created_at=at,
                written_at=at,
            )
            self.add(
                KudosRecipient,
                kudos=kudos,
                person=self.tree.ids[self.rng.choice(teammates)],
                author=author,
                written_at=at,
            )
        for quarter in range(4):
            at = self.ago(91 * quarter + self.rng.uniform(0, 90))
            self.add(
                Feedback,
                id=uuid.uuid4(),
                author=author,
                recipient=self.tree.ids[self.rng.choice(teammates)],
                situation="周二的区域例会上",
                behaviour="汇报时跳过了风险部分",
                impact="大家没能及时调整下周的拜访计划",
                suggestion="下次先讲风险，再讲进展",
                shared_with_manager=self.rng.random() < 0.5,
                created_at=at,
                written_at=at,
            )

    def people_chunks(self) -> Iterator[range]:
        count = len(self.tree.ids)
        for start in range(0, count, PEOPLE_PER_CHUNK):
            yield range(start, min(start + PEOPLE_PER_CHUNK, count))


WRITE_ORDER: tuple[type[Table], ...] = (
    Company,
    Department,
    Person,
    Credential,
    HrScope,
    TeamCadence,
    Cycle,
    Theme,
    Goal,
    KeyResult,
    ProgressEntry,
    GoalVersion,
    Signature,
    Checkin,
    CheckinAction,
    Kudos,
    KudosRecipient,
    Feedback,
)


async def seed(people: int, today: date | None = None, seed: int = 1) -> Seeded:
    """Writes the organisation into the bound database, which must hold nobody yet."""
    if people < 2:
        raise ValueError("an organisation needs at least two people")
    if await Person.count() > 0:
        raise ValueError("the database already holds people: seed into an empty one")
    started = time.perf_counter()
    generator = Generator(people, today or datetime.now(UTC).date(), seed)
    generator.organisation()
    await generator.flush()
    for cycle in generator.cycles():
        serves = generator.shared_goals(cycle)
        await generator.flush()
        for chunk in generator.people_chunks():
            for index in chunk:
                boss = generator.tree.manager[index]
                if boss is None:
                    continue
                for n in range(2):
                    generator.goal(
                        index,
                        cycle,
                        "individual",
                        f"Goal {n + 1} of {index}",
                        serves[boss],
                        None,
                        "public" if generator.rng.random() < 0.2 else "private",
                    )
            await generator.flush()
    for chunk in generator.people_chunks():
        for index in chunk:
            generator.checkins(index)
            generator.feedback(index)
        await generator.flush()
    await record_last_held()
    # The alerts a live installation would have open: the first round over everyone.
    round_ = await alerts.evaluate(generator.now)
    # What the server's compaction would do in its first minute: the change log of a live
    # installation is folded. Left to the server, a benchmark's first fold would change the
    # state of nearly every topic under the cursors and ETags it had just taken.
    await versions.compact()
    if not db.is_sqlite():
        # What autovacuum would soon do after a bulk load: without statistics the planner
        # guesses, and the first measurements would be of its guesses. VACUUM also marks the
        # pages all-visible, which index-only scans need.
        await db.fetch("VACUUM ANALYZE")
    tree = generator.tree
    return Seeded(
        people=people,
        managers=sum(1 for r in tree.reports if r),
        departments=generator.departments,
        rows={t._meta.tablename: r.written for t, r in generator.tables.items()},
        alerts_opened=round_.opened,
        seconds=round(time.perf_counter() - started, 1),
    )


def describe(result: Seeded) -> str:
    return json.dumps(
        {
            "people": result.people,
            "managers": result.managers,
            "departments": result.departments,
            "alerts_opened": result.alerts_opened,
            "seconds": result.seconds,
            "rows": result.rows,
        }
    )
