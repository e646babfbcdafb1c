"""The database layer's own guarantees."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from random import Random

import asyncpg
import pytest
from piccolo.columns import Integer
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from server import db
from tests.conftest import PG_ADMIN_URL, REQUIRE_PG


async def open_small_pool(engine: PostgresEngine, size: int = 2) -> None:
    """On the test server's PostgreSQL; skipped without it, except where it is required."""
    try:
        await db.open_pool(engine, size)
    except (OSError, asyncpg.PostgresError) as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable")


def test_markers_are_numbered_for_asyncpg_in_order():
    """Each `{}` becomes the next `$n`, also when the same statement comes again."""
    sql = "SELECT id FROM t WHERE a = {} AND b IN ({}, {}) ORDER BY id"
    numbered = "SELECT id FROM t WHERE a = $1 AND b IN ($2, $3) ORDER BY id"
    assert db._numbered(sql) == numbered
    assert db._numbered(sql) == numbered
    assert db._numbered("SELECT 1") == "SELECT 1"


async def test_the_pool_serves_waiting_requests_first():
    """A task that gives its connection back and asks again at once queues behind the tasks
    already waiting, instead of overtaking them."""
    engine = PostgresEngine(config={"dsn": PG_ADMIN_URL})
    await open_small_pool(engine)
    try:
        waiting: list[int] = []  # tickets of the requests waiting, in the order they asked
        overtaken = 0

        async def use_connection(ticket: int) -> None:
            nonlocal overtaken
            waiting.append(ticket)
            async with engine.pool.acquire():
                overtaken += ticket != waiting[0]
                waiting.remove(ticket)
                await asyncio.sleep(0)

        async def request(first_ticket: int) -> None:
            # Arriving at different moments, as requests do; then two turns at the pool, back
            # to back (a periodic round's reads, then its transaction).
            for _ in range(first_ticket % 7):
                await asyncio.sleep(0)
            await use_connection(first_ticket)
            await use_connection(first_ticket + 1)

        await asyncio.gather(*(request(2 * i) for i in range(40)))
        assert overtaken == 0
    finally:
        await db.close_pool(engine)


async def test_a_request_runs_all_its_queries_on_one_pooled_connection():
    """On PostgreSQL a request's raw reads, Piccolo's queries and its transactions (even one
    that fails) share one connection of the pool, given back when the request ends; a task
    the request starts takes a connection of its own."""
    engine = db.OneConnectionPerRequestEngine(config={"dsn": PG_ADMIN_URL})
    await open_small_pool(engine)
    app_engine = db.bound_engine()
    db.bind(engine)
    try:

        async def backend() -> int:
            [row] = await db.fetch("SELECT pg_backend_pid() AS pid")
            return int(row["pid"])

        async with db.one_connection_per_request():
            first = await backend()
            [by_piccolo] = await engine.run_ddl("SELECT pg_backend_pid() AS pid")
            async with db.write_transaction():
                in_transaction = await backend()
            with pytest.raises(asyncpg.DivisionByZeroError):
                async with db.write_transaction():
                    await db.fetch("SELECT 1 / 0 AS boom")
            after_failure = await backend()
            of_a_task = await asyncio.create_task(backend())
            assert engine.pool.get_idle_size() == 1
        assert {by_piccolo["pid"], in_transaction, after_failure} == {first}
        assert of_a_task != first
        assert engine.pool.get_idle_size() == 2
    finally:
        db.bind(app_engine)
        await db.close_pool(engine)


async def test_the_pool_keeps_a_push_of_a_hundred_kudos_prepared():
    """A statement as long as a push of 100 kudos written in one go (`insert_together`,
    about 20 KiB of text) stays prepared on its connection, so PostgreSQL does not parse and
    plan it again for every push: asyncpg keeps none longer than 15 KiB unless told."""
    engine = db.OneConnectionPerRequestEngine(config={"dsn": PG_ADMIN_URL})
    await open_small_pool(engine)
    try:
        sql = "SELECT " + " + ".join(f"${n}::int" for n in range(1, 2_501))  # about 30 KiB
        async with engine.pool.acquire() as connection:
            for _ in range(2):
                assert await connection.fetchval(sql, *[1] * 2_500) == 2_500
            kept = await connection.fetchval(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", sql
            )
        assert kept == 1
    finally:
        await db.close_pool(engine)


async def test_the_pool_does_not_compile_statements_to_machine_code():
    """PostgreSQL's JIT is off for the app's sessions: a plan estimated dear (the walk up
    the managers of a few hundred people) was compiled for twice as long as it ran."""
    engine = db.OneConnectionPerRequestEngine(config={"dsn": PG_ADMIN_URL})
    await open_small_pool(engine)
    try:
        async with engine.pool.acquire() as connection:
            assert await connection.fetchval("SHOW jit") == "off"
    finally:
        await db.close_pool(engine)


class Numbers(Table, tablename="t"):
    x = Integer(primary_key=True)


@asynccontextmanager
async def _grouping_engine() -> AsyncIterator[db.OneConnectionPerRequestEngine]:
    """The app's PostgreSQL engine with its pool open and bound, an empty table `t`."""
    engine = db.OneConnectionPerRequestEngine(config={"dsn": PG_ADMIN_URL})
    await open_small_pool(engine, 6)
    app_engine = db.bound_engine()
    db.bind(engine)
    try:
        await engine.pool.execute("DROP TABLE IF EXISTS t; CREATE TABLE t (x integer PRIMARY KEY)")
        yield engine
    finally:
        await engine.pool.execute("DROP TABLE IF EXISTS t")
        db.bind(app_engine)
        await db.close_pool(engine)


async def _request_inserting(*xs: int) -> None:
    """A request that writes rows of `t` with `insert_together`."""
    async with db.one_connection_per_request():
        await db.insert_together([(Numbers, [{"x": x} for x in xs])])


@asynccontextmanager
async def _row_uncommitted(x: int) -> AsyncIterator[None]:
    """Another connection's row `x` of `t`, uncommitted until the block ends, then
    rolled back: an insert of the same key waits for it meanwhile, then goes in."""
    blocker = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await blocker.execute("BEGIN")
        await blocker.execute("INSERT INTO t VALUES ($1)", x)
        yield
        await blocker.execute("ROLLBACK")
    finally:
        await blocker.close()


@asynccontextmanager
async def _statement_held(x: int) -> AsyncIterator[asyncio.Task[None]]:
    """A request whose insert of `x` runs (`_row_uncommitted`) until the block ends."""
    async with _row_uncommitted(x):
        held = asyncio.create_task(_request_inserting(x))
        await asyncio.sleep(0.1)
        yield held
    await asyncio.wait_for(held, 5)


async def _answers(tasks: list[asyncio.Task[None]]) -> list[BaseException | None]:
    """What the requests were answered, failing instead of waiting forever for one never
    answered."""
    return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)


async def _transactions_of_rows() -> dict[int, str]:
    """Each row of `t` with the transaction that wrote it (one per statement here)."""
    rows = await db.fetch("SELECT x, xmin::text AS written_by FROM t")
    return {row["x"]: row["written_by"] for row in rows}


async def test_postgresql_inserts_that_wait_share_one_statement():
    """Requests whose inserts (`insert_together`) come while another request's insert runs
    wait for it, then are written in one statement; when that statement breaks a key, each
    request's inserts run again alone, and only the broken one fails."""
    async with _grouping_engine():
        async with _statement_held(1) as held:
            waiting = [asyncio.create_task(_request_inserting(*xs)) for xs in ((2, 3), (5,))]
            await asyncio.sleep(0.05)
            assert not held.done()
            assert not any(task.done() for task in waiting)
        assert await _answers(waiting) == [None] * len(waiting)
        written_by = await _transactions_of_rows()
        assert sorted(written_by) == [1, 2, 3, 5]
        assert written_by[2] == written_by[3] == written_by[5] != written_by[1]

        async with _statement_held(10):
            waiting = [asyncio.create_task(_request_inserting(x)) for x in (11, 2, 12)]
            await asyncio.sleep(0.05)
        answers = await _answers(waiting)
        assert answers[0] is None
        assert answers[2] is None
        assert isinstance(answers[1], asyncpg.UniqueViolationError)
        written_by = await _transactions_of_rows()
        assert sorted(written_by) == [1, 2, 3, 5, 10, 11, 12]
        assert written_by[11] != written_by[12]


async def test_postgresql_groups_bind_a_bounded_number_of_values():
    """Past `GROUP_VALUES`, the inserts that wait go in the next statement, in the order
    they came; an insert larger than that is written alone at once, without waiting."""
    async with _grouping_engine() as engine:
        assert engine.insert_groups is not None
        engine.insert_groups.GROUP_VALUES = 2
        async with _statement_held(1) as held:
            waiting = [asyncio.create_task(_request_inserting(x)) for x in (5, 6, 7)]
            await _request_inserting(2, 3, 4)
            assert not held.done()
        assert await _answers(waiting) == [None] * len(waiting)
        written_by = await _transactions_of_rows()
        assert sorted(written_by) == [1, 2, 3, 4, 5, 6, 7]
        assert written_by[5] == written_by[6] != written_by[7]


async def test_postgresql_inserts_of_requests_gone_are_not_written():
    """A request cancelled while its inserts wait is left out of the statement; one
    cancelled when told to run the next statement passes that on to the next request."""
    async with _grouping_engine() as engine:
        groups = engine.insert_groups
        assert groups is not None
        async with _statement_held(1):
            waiting = [asyncio.create_task(_request_inserting(x)) for x in (2, 3, 4)]
            await asyncio.sleep(0.05)
            waiting[1].cancel()
        assert await _answers([waiting[0], waiting[2]]) == [None, None]
        assert waiting[1].cancelled()

        async with _statement_held(5):
            waiting = [asyncio.create_task(_request_inserting(x)) for x in (6, 7)]
            await asyncio.sleep(0.05)
            # The held statement ends: the first waiting request is told to lead the next,
            # and is cancelled before it runs.
            groups._pass_lead()
            waiting[0].cancel()
            await _answers(waiting)
        assert waiting[0].cancelled()
        assert sorted(await _transactions_of_rows()) == [1, 2, 4, 5, 7]
        assert not groups._running


async def test_postgresql_inserts_run_alone_when_the_request_running_them_has_gone():
    """A request cancelled while its statement holds other requests' inserts: theirs are
    then written alone."""
    async with _grouping_engine():
        async with _row_uncommitted(2):
            async with _statement_held(1):
                waiting = [asyncio.create_task(_request_inserting(x)) for x in (2, 3)]
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.1)  # 2 leads 2 and 3 in one statement, which waits
            assert not any(task.done() for task in waiting)
            waiting[0].cancel()
            await _answers(waiting)
        assert waiting[0].cancelled()
        assert sorted(await _transactions_of_rows()) == [1, 3]


async def test_sqlite_connections_stay_open_only_while_the_app_runs(tmp_path):
    """While the app runs, up to KEPT_OPEN connections (each with a thread) are kept for the
    next queries; outside it (the CLI) and after shutdown none is left behind."""
    engine = db.KeptOpenSQLiteEngine(path=str(tmp_path / "kept.db"), timeout=1)
    threads_before = threading.active_count()

    async def busy() -> None:
        await asyncio.gather(*(engine.run_ddl("SELECT 1") for _ in range(20)))

    async def threads_settle_at(expected: int) -> bool:
        # A closed connection's thread ends just after it answers the close.
        for _ in range(100):
            if threading.active_count() == expected:
                return True
            await asyncio.sleep(0.01)
        return False

    await busy()
    assert await threads_settle_at(threads_before)
    await db.open_pool(engine, 1)
    await busy()
    assert await threads_settle_at(threads_before + engine.KEPT_OPEN)
    async with engine.transaction():
        await engine.run_ddl("CREATE TABLE t (x INTEGER)")
    assert await engine.run_ddl("SELECT count(*) AS n FROM t") == [{"n": 0}]
    await db.close_pool(engine)
    assert await threads_settle_at(threads_before)


async def _running_sqlite_app_engine(path) -> db.KeptOpenSQLiteEngine:
    engine = db.KeptOpenSQLiteEngine(path=str(path), timeout=1)
    await engine.run_ddl("PRAGMA journal_mode=WAL")
    await engine.run_ddl("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    await db.open_pool(engine, 1)
    return engine


async def _count(engine: db.KeptOpenSQLiteEngine) -> int:
    rows = await engine.run_ddl("SELECT count(*) AS n FROM t")
    return int(rows[0]["n"])


async def test_a_writer_waits_for_another_process_without_stopping_the_loop(tmp_path):
    """The app's writes run on the event loop's thread; while another process (the CLI)
    holds the write lock, the app's writer waits for it and the loop keeps serving."""
    engine = await _running_sqlite_app_engine(tmp_path / "w.db")
    other = sqlite3.connect(tmp_path / "w.db", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO t VALUES (1)")

        async def write() -> None:
            async with db.write_transaction(engine) as transaction:
                await engine.query("INSERT INTO t VALUES (2)", [], transaction.connection)

        writing = asyncio.create_task(write())
        started = time.monotonic()
        for _ in range(20):  # the loop goes on while the writer waits
            await asyncio.sleep(0.01)
        # Engine timeout is 1 s: a writer waiting on the loop's thread would stall it.
        assert time.monotonic() - started < 0.5
        assert not writing.done()
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 5)
        assert await _count(engine) == 2
    finally:
        other.close()
        await db.close_pool(engine)


async def test_a_read_never_sees_a_write_that_is_not_committed(tmp_path):
    engine = await _running_sqlite_app_engine(tmp_path / "r.db")
    seen_inside: list[dict[str, int]] = []

    async def failing_request() -> None:
        nonlocal seen_inside
        async with db.write_transaction(engine) as transaction:
            await engine.query("INSERT INTO t VALUES (7)", [], transaction.connection)
            seen_inside = await engine.query("SELECT x FROM t", [], transaction.connection)
            # Another request's point read (`fetch`), meanwhile:
            assert await engine.query("SELECT x FROM t", [], engine.loop_reader()) == []
            raise RuntimeError("the request fails: its write is rolled back")

    try:
        with pytest.raises(RuntimeError):
            await failing_request()
        assert seen_inside == [{"x": 7}]
        assert await _count(engine) == 0
    finally:
        await db.close_pool(engine)


async def test_writers_cancelled_at_any_moment_leave_the_writer_usable(tmp_path):
    """A request cancelled mid-write (shutdown, a lost client) is rolled back, or committed if
    its commit had begun; either way the next writer gets a clean connection."""
    engine = await _running_sqlite_app_engine(tmp_path / "c.db")
    random = Random(4)
    try:

        async def write(x: int) -> None:
            async with db.write_transaction(engine) as transaction:
                await engine.query("INSERT INTO t VALUES (?)", [x], transaction.connection)

        finished = 0
        for x in range(60):
            writing = asyncio.create_task(write(x))
            for _ in range(random.randrange(4)):
                await asyncio.sleep(0)
            writing.cancel()
            try:
                await writing
                finished += 1
            except asyncio.CancelledError:
                pass
        await write(1000)
        count = await _count(engine)
        assert finished + 1 <= count <= 61
        assert not engine.writer().connection.in_transaction
    finally:
        await db.close_pool(engine)


class Later(Table, tablename="later"):
    """Refers to `t` with a reference checked only at commit (made in its test)."""

    x = Integer()


class _Recorded:
    """The writer's connection, unchanged, with the first word of each statement it runs
    kept (the commit's run in its thread too)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.statements: list[str] = []

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        self.statements.append(sql.split()[0])
        return self.connection.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.connection, name)


def _record_statements(writer: db._Writer) -> list[str]:
    """The first word of each statement the writer runs from now on (`_Recorded`)."""
    recorded = _Recorded(writer.connection.db)
    writer.connection.db = recorded  # type: ignore[assignment]
    return recorded.statements


def _inserting_pairs(writer: db._Writer, firsts: tuple[int, ...]) -> list[asyncio.Task[None]]:
    """Requests that insert x and x + 1, for each x of `firsts` in turn."""
    return [
        asyncio.create_task(writer.insert_together([(Numbers, [{"x": x}, {"x": x + 1}])]))
        for x in firsts
    ]


async def _numbers(engine: db.KeptOpenSQLiteEngine) -> list[int]:
    return [row["x"] for row in await engine.run_ddl("SELECT x FROM t ORDER BY x")]


@asynccontextmanager
async def _turn_held(engine: db.KeptOpenSQLiteEngine, x: int) -> AsyncIterator[None]:
    """A writer that has inserted `x` and keeps its turn until the block ends."""
    inserted, finish = asyncio.Event(), asyncio.Event()

    async def write() -> None:
        async with db.write_transaction(engine) as transaction:
            await engine.query("INSERT INTO t VALUES (?)", [x], transaction.connection)
            inserted.set()
            await finish.wait()

    writing = asyncio.create_task(write())
    await inserted.wait()
    try:
        yield
    finally:
        finish.set()
        await writing


async def test_inserts_that_wait_for_the_writer_share_its_next_commit(tmp_path):
    """Inserts (`insert_together`) that come while the writer is busy wait for its next turn
    together: one transaction and one commit for all, each in a savepoint of its own, so a
    broken key fails only its own rows; each is answered when the commit has ended."""
    engine = await _running_sqlite_app_engine(tmp_path / "g.db")
    writer = engine.writer()
    statements = _record_statements(writer)
    try:
        async with _turn_held(engine, 1):
            inserting = _inserting_pairs(writer, (2, 1, 5))  # 1 is the held writer's
            await asyncio.sleep(0.05)
            assert not any(task.done() for task in inserting)
            assert await _numbers(engine) == []
        answers = await asyncio.gather(*inserting, return_exceptions=True)
        assert answers[0] is None
        assert answers[2] is None
        assert isinstance(answers[1], sqlite3.IntegrityError)
        assert await _numbers(engine) == [1, 2, 3, 5, 6]
        assert statements.count("BEGIN") == 2
        assert statements.count("COMMIT") == 2
        assert not writer.connection.in_transaction
    finally:
        await db.close_pool(engine)


async def test_a_group_of_inserts_holds_a_bounded_number_of_rows(tmp_path):
    """The loop's thread runs a group's inserts in one go: past `GROUP_ROWS` rows, the
    inserts that wait go in the next group, in the order they came."""
    engine = await _running_sqlite_app_engine(tmp_path / "rows.db")
    writer = engine.writer()
    writer.GROUP_ROWS = 3
    statements = _record_statements(writer)
    try:
        async with _turn_held(engine, 1):
            inserting = _inserting_pairs(writer, (2, 4, 6))
            await asyncio.sleep(0.01)
        await asyncio.gather(*inserting)
        assert await _numbers(engine) == [1, 2, 3, 4, 5, 6, 7]
        groups = " ".join(statements).split("BEGIN")[2:]
        assert [group.count("SAVEPOINT") for group in groups] == [2, 1]
    finally:
        await db.close_pool(engine)


async def test_an_insert_whose_request_has_gone_is_not_written(tmp_path):
    engine = await _running_sqlite_app_engine(tmp_path / "gone.db")
    writer = engine.writer()
    try:
        async with _turn_held(engine, 1):
            inserting = [
                asyncio.create_task(writer.insert_together([(Numbers, [{"x": x}])])) for x in (2, 3)
            ]
            await asyncio.sleep(0.01)
            inserting[0].cancel()
        await inserting[1]
        assert inserting[0].cancelled()
        assert await _numbers(engine) == [1, 3]
    finally:
        await db.close_pool(engine)


async def test_a_commit_that_fails_is_undone_and_the_next_writer_goes_on(tmp_path):
    """A commit can fail (here a deferred reference checked only then): every writer that
    shared it gets the error, none of their rows is kept, and the writer is left outside a
    transaction for the next one."""
    engine = await _running_sqlite_app_engine(tmp_path / "f.db")
    await engine.run_ddl(
        "CREATE TABLE later (x INTEGER REFERENCES t (x) DEFERRABLE INITIALLY DEFERRED)"
    )
    writer = engine.writer()
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.write_transaction(engine) as transaction:
                await engine.query("INSERT INTO later VALUES (9)", [], transaction.connection)
        async with _turn_held(engine, 1):
            inserting = [
                asyncio.create_task(writer.insert_together([(table, [{"x": x}])]))
                for table, x in ((Numbers, 9), (Later, 8))  # no 8 in t: refused at commit
            ]
            await asyncio.sleep(0.01)
        answers = await asyncio.gather(*inserting, return_exceptions=True)
        assert all(isinstance(answer, sqlite3.IntegrityError) for answer in answers)
        await writer.insert_together([(Numbers, [{"x": 2}])])
        assert await _numbers(engine) == [1, 2]
        assert await engine.run_ddl("SELECT count(*) AS n FROM later") == [{"n": 0}]
    finally:
        await db.close_pool(engine)
