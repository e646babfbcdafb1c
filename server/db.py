"""The database engine: built from settings, bound to every table, migrated with Piccolo."""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from contextvars import ContextVar
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol
from urllib.parse import urlparse
from uuid import UUID

import aiosqlite
import asyncpg  # type: ignore[import-untyped]
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppConfig
from piccolo.custom_types import Combinable
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from server.settings import Settings

# The domain apps, in migration order (later apps reference earlier tables).
APP_MODULES = (
    "server.org.piccolo_app",
    "server.auth.piccolo_app",
    "server.audit.piccolo_app",
    "server.goals.piccolo_app",
    "server.feedback.piccolo_app",
    "server.checkins.piccolo_app",
    "server.sync.piccolo_app",
    "server.push.piccolo_app",
    "server.alerts.piccolo_app",
    "server.privacy.piccolo_app",
)
SQLITE_BUSY_TIMEOUT_SECONDS = 10


def as_uuid(value: Any) -> UUID:
    """Raw queries give UUIDs back as text on SQLite and as UUIDs on PostgreSQL."""
    return value if isinstance(value, UUID) else UUID(str(value))


def as_datetime(value: Any) -> Any:
    """A time from a raw query: SQLite gives text where it has no declared type to convert by
    (an aggregate, a column read through a join's expression). None stays None."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def as_date(value: Any) -> Any:
    """A date from a raw query, as `as_datetime`."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def is_integrity_error(error: BaseException) -> bool:
    """A write broke a constraint (a taken key, a missing reference), on either engine."""
    return isinstance(error, sqlite3.IntegrityError | asyncpg.IntegrityConstraintViolationError)


def placeholders(values: Collection[Any]) -> str:
    """Bind markers for raw SQL (`{}` per value, bound by the driver). Raw SQL formats in only
    these markers and constants, never a value."""
    return ", ".join("{}" for _ in values)


def columns_of(table: type[Table], alias: str, *but: str) -> str:
    """The table's columns as `alias.column` for a raw select, all but `but` (which the
    select reads through joins instead): taken from the model, so they follow it."""
    return ", ".join(
        f"{alias}.{c._meta.db_column_name}" for c in table._meta.columns if c._meta.name not in but
    )


def contains_pattern(text: str) -> str:
    """A LIKE pattern for `text` anywhere in a value. A person's % and _ are taken out, not
    read as wildcards."""
    return "%" + text.replace("%", "").replace("_", "") + "%"


def like_ignoring_case() -> str:
    """The operator for `contains_pattern` in raw SQL: SQLite's LIKE already ignores (ASCII)
    case, and it has no ILIKE."""
    return "LIKE" if bound_engine().engine_type == "sqlite" else "ILIKE"


async def insert_rows(table: type[Table], rows: Sequence[Mapping[str, Any]]) -> None:
    """All rows in one statement, in the open transaction or a new one. Keys are column names,
    the same in every row. The hot write paths (the sync push) use it because Piccolo builds
    an object and a query per row, and even its raw queries check every bound value in Python,
    which for a multi-row insert costs more than the insert: this goes straight to the driver."""
    await insert_returning(table, rows)


# Both drivers bind at most 32,767 values per statement; larger inserts go in chunks.
MAX_BOUND_VALUES = 32_000


async def delete_where(table: type[Table], condition: Combinable) -> int:
    """Deletes the rows that match; -> how many."""
    return len(await table.delete().where(condition).returning(table._meta.primary_key))


async def insert_returning(
    table: type[Table],
    rows: Sequence[Mapping[str, Any]],
    returning: str = "",
    skip_conflicts: bool = False,
) -> list[dict[str, Any]]:
    """`insert_rows`, answering the `returning` columns of the rows written. `skip_conflicts`:
    a row that would break a unique index is left out instead of failing the statement."""
    if not rows:
        return []
    tail = (" ON CONFLICT DO NOTHING" if skip_conflicts else "") + (
        f" RETURNING {returning}" if returning else ""
    )
    engine = table._meta.db
    written: list[dict[str, Any]] = []
    async with write_transaction(engine) as transaction:
        for sql, values in _insert_statements(table, rows):
            written += await _run(engine, transaction.connection, sql + tail, values)
    return written


def _insert_statements(
    table: type[Table], rows: Sequence[Mapping[str, Any]]
) -> Iterator[tuple[str, list[Any]]]:
    """`_insert` in as many statements as the drivers' limit on bound values takes."""
    chunk = MAX_BOUND_VALUES // len(rows[0])
    for start in range(0, len(rows), chunk):
        yield _insert(table, rows[start : start + chunk])


def _insert(table: type[Table], rows: Sequence[Mapping[str, Any]]) -> tuple[str, list[Any]]:
    """One INSERT of `rows` (keys are column names, the same in every row): `{}` markers and
    the values they bind."""
    columns = list(rows[0])
    values = ", ".join([f"({placeholders(columns)})"] * len(rows))
    return (
        f'INSERT INTO "{table._meta.tablename}" ({", ".join(columns)}) VALUES {values}',  # noqa: S608 - column names come from code
        [row[c] for row in rows for c in columns],
    )


# Rows to insert into a table, and rows to insert table by table (`insert_together`).
TableRows = tuple[type[Table], Sequence[Mapping[str, Any]]]
Inserts = Sequence[TableRows]


async def insert_together(inserts: Inserts) -> None:
    """The rows of several tables (as `insert_rows` takes them), all written or none; a row
    may refer to a row of another table of the same call.

    On PostgreSQL, one statement: each table's insert in a WITH. A statement is atomic on its
    own, so outside a transaction it needs no BEGIN and COMMIT: a sync push of new kudos writes
    them, their recipients and its records in one round trip instead of five. (The inserts of a
    statement run in no set order, but foreign keys are checked at its end.) While the app
    serves requests, small inserts share that statement with those of other requests
    (`_InsertGroups`). On SQLite, which has no INSERT in a WITH, or with more values than one
    statement binds: an insert per table, in one write transaction; on SQLite while the app
    runs, one shared with the inserts of other requests that wait for the writer (`_Writer`)."""
    nonempty = [(table, rows) for table, rows in inserts if rows]
    if not nonempty:
        return
    engine = bound_engine()
    outside_transaction = engine.current_transaction.get() is None
    if isinstance(engine, KeptOpenSQLiteEngine) and engine.keeping and outside_transaction:
        await engine.writer().insert_together(nonempty)
        return
    values = _bound_values(nonempty)
    if isinstance(engine, SQLiteEngine) or values > MAX_BOUND_VALUES:
        async with write_transaction():
            for table, rows in nonempty:
                await insert_rows(table, rows)
        return
    if (
        isinstance(engine, OneConnectionPerRequestEngine)
        and engine.insert_groups is not None
        and values <= engine.insert_groups.GROUP_VALUES
        and outside_transaction
        and _RequestConnection.of_this_task() is not None
    ):
        await engine.insert_groups.insert(nonempty, values)
        return
    await _write_together([nonempty])


def _bound_values(inserts: Inserts) -> int:
    return sum(len(rows) * len(rows[0]) for _, rows in inserts)


async def _write_together(members: Sequence[Inserts]) -> None:
    """All the inserts of `members` (`insert_together`'s) in one PostgreSQL statement: the
    rows of a table with the same columns in one INSERT, each INSERT but the last in a WITH."""
    merged: dict[tuple[type[Table], tuple[str, ...]], list[Mapping[str, Any]]] = {}
    for inserts in members:
        for table, rows in inserts:
            merged.setdefault((table, tuple(rows[0])), []).extend(rows)
    statements, values = [], []
    for (table, _), rows in merged.items():
        sql, bound = _insert(table, rows)
        statements.append(sql)
        values += bound
    *first, last = statements
    ahead = ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(first))
    await fetch(f"WITH {ahead} {last}" if first else last, *values)


class _Turn(Enum):
    """What a request whose inserts wait in `_InsertGroups` is told."""

    LEAD = "lead"  # run the next statement: yours and the inserts waiting behind yours
    WRITTEN = "written"  # yours were written by another request's statement
    ALONE = "alone"  # that statement failed: run yours alone


class _InsertGroups:
    """PostgreSQL: the inserts (`insert_together`) that come while another request's such
    statement runs wait for it to end, then go together in one statement, which the first of
    them runs on its own connection; the others are answered when it has ended. At 50 clients
    the groups are small (two or three pushes, with a pool of 10), but each push they hold
    saves PostgreSQL a statement and both sides a round trip (docs/performance.md). If the
    statement fails (a broken key of one of them, say a racing delivery of the same entry),
    nothing of it was written, and each request runs its own again alone, so only the broken
    one fails."""

    # Larger inserts (a phone's sync of many entries) are written alone: their own rows are
    # most of their statement's work, and a statement of several of them, which would seldom
    # be the same text twice, would be planned anew each time instead of kept prepared.
    GROUP_VALUES = 1_000

    def __init__(self) -> None:
        self._running = False
        # The inserts that wait, each with its number of bound values and what it is told.
        self._waiting: deque[tuple[Inserts, int, asyncio.Future[_Turn]]] = deque()

    async def insert(self, inserts: Inserts, values: int) -> None:
        """`inserts`, which bind `values` values, written with those of other requests."""
        if self._running:
            turn: asyncio.Future[_Turn] = asyncio.get_running_loop().create_future()
            self._waiting.append((inserts, values, turn))
            try:
                told = await turn
            except asyncio.CancelledError:
                if not turn.cancelled() and turn.result() is _Turn.LEAD:  # then cancelled
                    self._pass_lead()
                raise
            if told is _Turn.WRITTEN:
                return
            if told is _Turn.ALONE:
                await _write_together([inserts])
                return
        else:
            self._running = True
        await self._lead(inserts, values)

    async def _lead(self, inserts: Inserts, values: int) -> None:
        followers = self._followers(values)
        try:
            await _write_together([inserts, *(own for own, _ in followers)])
        except BaseException as error:
            self._pass_lead()
            if not followers:
                raise
            _tell(followers, _Turn.ALONE)
            if isinstance(error, asyncio.CancelledError):
                raise
            await _write_together([inserts])
            return
        self._pass_lead()  # first, so the next statement starts first
        _tell(followers, _Turn.WRITTEN)

    def _followers(self, values: int) -> list[tuple[Inserts, asyncio.Future[_Turn]]]:
        """The inserts that wait, in the order they came, while the statement binds at most
        `GROUP_VALUES` values (those of a request gone meanwhile left out)."""
        followers = []
        while self._waiting:
            inserts, more, turn = self._waiting[0]
            if not turn.done() and values + more > self.GROUP_VALUES:
                break
            self._waiting.popleft()
            if not turn.done():
                followers.append((inserts, turn))
                values += more
        return followers

    def _pass_lead(self) -> None:
        """To the longest waiting request still waiting, else to the next that comes."""
        while self._waiting:
            *_, turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(_Turn.LEAD)
                return
        self._running = False


def _tell(followers: list[tuple[Inserts, asyncio.Future[_Turn]]], told: _Turn) -> None:
    for _, turn in followers:
        if not turn.done():  # its request was cancelled
            turn.set_result(told)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """The rows of a read straight through the driver, in the open transaction, else on
    PostgreSQL's pool or SQLite's loop-thread reader. For the few queries every request or
    sync push makes (the principal, the idempotency lookup, the recipients), where Piccolo's
    query string, which checks each value in Python, costs about as much as the round trip.
    `sql` has `{}` markers, like `raw`. On PostgreSQL it may write too (`insert_together`)."""
    engine = bound_engine()
    transaction = engine.current_transaction.get()
    if transaction is not None:
        return await _run(engine, transaction.connection, sql, args)
    if isinstance(engine, PostgresEngine):
        held = _RequestConnection.of_this_task()
        if held is not None:
            return await _run(engine, await held.connection(engine), sql, args)
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                return await _run(engine, connection, sql, args)
        connection = await engine.get_new_connection()  # no pool open (before `open_pool`)
        try:
            return await _run(engine, connection, sql, args)
        finally:
            await connection.close()
    if isinstance(engine, KeptOpenSQLiteEngine) and engine.keeping:
        return await _run(engine, engine.loop_reader(), sql, args)
    return await _run(engine, None, sql, args)


async def fetch_in(sql: str, values: Sequence[Any], *args: Any) -> list[dict[str, Any]]:
    """`fetch` for a query whose `{in}` is an IN list of `values` (after `args`), run in
    chunks so that any number of values stays within what the drivers bind."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(values), MAX_BOUND_VALUES):
        part = values[start : start + MAX_BOUND_VALUES]
        rows += await fetch(sql.replace("{in}", placeholders(part)), *args, *part)
    return rows


async def _run(
    engine: Engine[Any], connection: Any, sql: str, args: Sequence[Any]
) -> list[dict[str, Any]]:
    """`sql` with `{}` markers on a driver connection (SQLite: a kept one when None):
    asyncpg numbers them (`$1`, `$2`, …), sqlite3 takes `?`."""
    if isinstance(engine, PostgresEngine):
        # From each record's items: a fifth faster than through its keys.
        return [dict(row.items()) for row in await connection.fetch(_numbered(sql), *args)]
    if not isinstance(engine, KeptOpenSQLiteEngine):
        raise TypeError(f"unsupported engine {engine!r}")
    return await engine.query(sql.replace("{}", "?"), list(args), connection)


@functools.lru_cache(maxsize=512)
def _numbered(sql: str) -> str:
    """`sql`'s `{}` markers as asyncpg's `$1`, `$2`, …, kept for the statements run again and
    again (one for each length of an IN list): numbered with a regular expression each time,
    they took 2.4 % of the instructions of a goal tree's build."""
    first, *rest = sql.split("{}")
    return first + "".join(f"${number}{part}" for number, part in enumerate(rest, 1))


def sqlite_path(database_url: str) -> str:
    """`sqlite:///var/x.db` -> `var/x.db`; `sqlite:////abs/x.db` -> `/abs/x.db`."""
    return database_url.split("sqlite:///", 1)[1]


class KeptOpenSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a connection, with a thread of its own, for every query
    outside a transaction and every transaction, and sends `PRAGMA foreign_keys` before every
    query: on a busy server that was most of the CPU of a request (docs/performance.md). While
    the app or a command runs (`open_pool`), this one keeps up to `KEPT_OPEN` connections
    open, sets the pragma once per connection, and runs each query in one hop to the
    connection's thread; the point reads of `fetch` and all writes run on the loop's thread
    (`_LoopConnection`). Before that (migrations) and after `close_pool` it behaves like
    Piccolo's, so no thread outlives the process's work."""

    KEPT_OPEN = 8

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__(path=path, timeout=timeout)
        self.keeping = False
        self._idle: list[aiosqlite.Connection] = []
        self._writer: _Writer | None = None
        self._reader: _LoopConnection | None = None

    async def get_connection(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    def loop_reader(self) -> _LoopConnection:
        if self._reader is None:
            self._reader = _LoopConnection(self.connection_kwargs)
        return self._reader

    def writer(self) -> _Writer:
        if self._writer is None:
            self._writer = _Writer(self.connection_kwargs)
        return self._writer

    async def give_back(self, connection: aiosqlite.Connection) -> None:
        """Keep it for the next query, unless a transaction was left open on it."""
        if self.keeping and not connection.in_transaction and len(self._idle) < self.KEPT_OPEN:
            self._idle.append(connection)
        else:
            await connection.close()

    async def close_idle(self) -> None:
        self.keeping = False
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    async def query(
        self,
        sql: str,
        args: list[Any],
        connection: aiosqlite.Connection | _LoopConnection | None = None,
    ) -> list[dict[str, Any]]:
        """One statement in one hop to the connection's thread (or on the loop's thread, for
        a `_LoopConnection`); without a connection, on a kept one. Inserts return their keys with
        RETURNING (SQLite >= 3.35, checked at start-up)."""
        if connection is not None:
            rows: Any = await connection.execute_fetchall(sql, args)
            return list(rows)
        connection = await self.get_connection()
        try:
            return await self.query(sql, args, connection)
        finally:
            await self.give_back(connection)

    # Piccolo's hooks for queries outside and inside a transaction.
    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> list[dict[str, Any]]:
        return await self.query(query, args or [])

    async def _run_in_existing_connection(
        self,
        connection: aiosqlite.Connection,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> list[dict[str, Any]]:
        return await self.query(query, args or [], connection)


class _LoopConnection:
    """A SQLite connection used on the event loop's own thread, for statements that take
    microseconds: the point reads every request makes (`fetch`), and the writes. Sent to a
    connection's thread instead, each of them also waited for the loop's next turn, which
    under load took ten times longer than the statement (docs/performance.md). It never
    waits for a lock on the loop's thread (busy timeout 0; readers never wait in WAL mode)."""

    def __init__(self, connection_kwargs: dict[str, Any]) -> None:
        self.db: sqlite3.Connection = sqlite3.connect(
            **{**connection_kwargs, "timeout": 0}, check_same_thread=False
        )
        self.db.row_factory = dict_factory
        self.db.execute("PRAGMA foreign_keys = 1")

    @property
    def in_transaction(self) -> bool:
        return self.db.in_transaction

    async def execute_fetchall(self, sql: str, args: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return list(self.db.execute(sql, args).fetchall())

    # What Piccolo's savepoints call.
    execute = execute_fetchall

    def close(self) -> None:
        self.db.close()


class _Writer:
    """The one connection that writes while the app runs. SQLite has one writer: writers
    take turns (first come, first served), each in a transaction of its own whose statements
    run on the loop's thread; only the commit, which waits for the disk (a quarter of a
    millisecond here), goes to a thread, so the loop serves other requests meanwhile.

    Under load the turns are what a write waits for (docs/performance.md), so a turn is kept
    short in two ways:

    - The inserts that `insert_together` hands over (a pushed kudos or feedback: most of what
      phones send) wait together for the next turn, then go in one transaction with one
      commit, each in a savepoint of its own: a broken key fails only its own inserts, and
      each is answered when the commit has ended. A turn with one commit for many inserts
      instead of a turn and a commit each: twice the pushes per second at 50 clients.
    - The commit's thread passes the turn on in the callback that tells the loop the commit
      ended, so the next writer begins on the loop's next round instead of three rounds
      later (the commit's future, the writer's task, a lock's waiter). A commit that fails
      is rolled back there, so the next writer always finds the connection outside a
      transaction."""

    # A group's inserts hold the loop's thread while they run (20-30 µs a row, measured
    # under load), so a group takes no more inserts once it holds this many rows: about
    # 10 ms, and a request waits little more than that behind other phones' large syncs.
    GROUP_ROWS = 500

    def __init__(self, connection_kwargs: dict[str, Any]) -> None:
        self.connection = _LoopConnection(connection_kwargs)
        self._writing = False
        self._waiting: deque[asyncio.Future[None]] = deque()
        # Inserts waiting for the next turn, each with its answer; the task that will write them.
        self._inserts: list[tuple[Inserts, asyncio.Future[None]]] = []
        self._inserting: asyncio.Task[None] | None = None
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-commit")

    @asynccontextmanager
    async def transaction(self, engine: KeptOpenSQLiteEngine) -> AsyncIterator[Transaction]:
        await self._take_turn()
        try:
            await self._begin()
            transaction = _WriterTransaction(engine, self.connection)
            try:
                yield transaction
            finally:
                engine.current_transaction.reset(transaction.context)
        except BaseException:
            self._give_up_turn()
            raise
        committed = asyncio.get_running_loop().create_future()
        self._commit([committed])
        await committed

    async def insert_together(self, inserts: Inserts) -> None:
        """`db.insert_together`, written with the inserts of other requests (see the class)."""
        written = asyncio.get_running_loop().create_future()
        self._inserts.append((inserts, written))
        if self._inserting is None:
            self._inserting = asyncio.create_task(self._insert_waiting())
        await written

    async def _insert_waiting(self) -> None:
        try:
            await self._take_turn()
        except asyncio.CancelledError as stopping:  # the app stops: nothing more is written
            waiting, self._inserts, self._inserting = self._inserts, [], None
            _answer([written for _, written in waiting], stopping)
            raise
        waiting = self._waiting_inserts()
        try:
            await self._begin()
            inserted = [written for inserts, written in waiting if self._insert(inserts, written)]
        except BaseException as error:
            self._give_up_turn()
            _answer([written for _, written in waiting], error)
            if isinstance(error, asyncio.CancelledError):
                raise
            return
        self._commit(inserted)

    def _waiting_inserts(self) -> list[tuple[Inserts, asyncio.Future[None]]]:
        """The inserts that wait, taken in the order they came up to `GROUP_ROWS` rows (at
        least one); the rest, and those that come next, wait for the next turn."""
        taken = rows = 0
        while taken < len(self._inserts) and rows < self.GROUP_ROWS:
            rows += sum(len(table_rows) for _, table_rows in self._inserts[taken][0])
            taken += 1
        group, self._inserts = self._inserts[:taken], self._inserts[taken:]
        self._inserting = asyncio.create_task(self._insert_waiting()) if self._inserts else None
        return group

    def _insert(self, inserts: Inserts, written: asyncio.Future[None]) -> bool:
        """One request's inserts in a savepoint; False when they were not written."""
        if written.cancelled():  # its request has gone: nothing to write or answer
            return False
        db = self.connection.db
        db.execute("SAVEPOINT together")
        try:
            for table, rows in inserts:
                for sql, values in _insert_statements(table, rows):
                    db.execute(sql.replace("{}", "?"), values)
        except sqlite3.IntegrityError as error:
            db.execute("ROLLBACK TO together")
            written.set_exception(error)
            return False
        finally:
            db.execute("RELEASE together")
        return True

    async def _take_turn(self) -> None:
        if not self._writing:
            self._writing = True
            return
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if not turn.cancelled():  # the turn came, then the cancellation: pass it on
                self._pass_turn()
            raise

    def _pass_turn(self) -> None:
        """To the longest waiting writer still waiting (one cancelled meanwhile is skipped)."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._writing = False

    def _give_up_turn(self) -> None:
        """The turn's writes undone, and the turn passed on."""
        try:
            if self.connection.in_transaction:
                self.connection.db.execute("ROLLBACK")
        finally:
            self._pass_turn()

    async def _begin(self) -> None:
        """`BEGIN IMMEDIATE`; while another process writes, retried until SQLite's busy
        timeout, the loop serving other requests meanwhile."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SQLITE_BUSY_TIMEOUT_SECONDS
        pause = 0.001
        while True:
            try:
                self.connection.db.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or loop.time() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _commit(self, answers: list[asyncio.Future[None]]) -> None:
        """Commits in the commit's thread, then passes the turn on and answers the writers.
        It goes on whatever becomes of them (a writer cancelled meanwhile: its writes still
        land, and the turn passes on when they have)."""
        self._committer.submit(self._commit_in_thread, asyncio.get_running_loop(), answers)

    def _commit_in_thread(
        self, loop: asyncio.AbstractEventLoop, answers: list[asyncio.Future[None]]
    ) -> None:
        error: sqlite3.Error | None = None
        try:
            self.connection.db.execute("COMMIT")
        except sqlite3.Error as failed:
            error = failed
            if self.connection.in_transaction:
                self.connection.db.execute("ROLLBACK")
        finally:  # whatever happened, the loop hears of it and the turn passes on
            loop.call_soon_threadsafe(self._committed, answers, error)

    def _committed(self, answers: list[asyncio.Future[None]], error: sqlite3.Error | None) -> None:
        self._pass_turn()  # first, so the next writer runs first
        _answer(answers, error)

    def close(self) -> None:
        self._committer.shutdown()
        self.connection.close()


def _answer(answers: list[asyncio.Future[None]], error: BaseException | None) -> None:
    """Tells each writer still waiting that its writes landed (`error` None) or did not."""
    for answer in answers:
        if answer.done():  # its writer was cancelled
            continue
        if error is None:
            answer.set_result(None)
        elif isinstance(error, asyncio.CancelledError):
            answer.cancel()
        else:
            answer.set_exception(error)


class _WriterTransaction(SQLiteTransaction):
    """The `_Writer`'s open transaction, as the current transaction: Piccolo's queries and
    savepoints run on its connection."""

    def __init__(self, engine: KeptOpenSQLiteEngine, connection: _LoopConnection) -> None:
        super().__init__(engine, TransactionType.immediate, allow_nested=False)
        self.connection = connection
        self.context = engine.current_transaction.set(self)


def build_engine(settings: Settings) -> Engine[Any]:
    if settings.is_sqlite:
        if sqlite3.sqlite_version_info < (3, 35):
            raise RuntimeError("Tandem needs SQLite 3.35 or newer (INSERT ... RETURNING)")
        path = sqlite_path(settings.database_url)
        return KeptOpenSQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    scheme = urlparse(settings.database_url).scheme
    if scheme not in ("postgres", "postgresql"):
        raise ValueError(f"unsupported database URL scheme {scheme!r}")
    return OneConnectionPerRequestEngine(config={"dsn": settings.database_url})


def app_configs() -> list[AppConfig]:
    from importlib import import_module

    return [import_module(name).APP_CONFIG for name in APP_MODULES]


def all_tables() -> list[type[Table]]:
    return [table for config in app_configs() for table in config.table_classes]


def bind(engine: Engine[Any]) -> None:
    """Point every table, and Piccolo's migration machinery, at this engine.

    Piccolo looks its engine up through a `piccolo_conf` module; we keep that module
    (`server.piccolo_conf`) but set its engine here, so the app is configured by the
    Settings it is given and not by import-time environment.
    """
    from server import piccolo_conf

    os.environ["PICCOLO_CONF"] = "server.piccolo_conf"
    piccolo_conf.DB = engine
    tables: list[type[Table]] = [*all_tables(), Migration]
    for table in tables:
        table._meta.db = engine


def _ensure_folder_of(path: str) -> None:
    Path(path).absolute().parent.mkdir(parents=True, exist_ok=True)


# PostgreSQL advisory lock key: one process at a time migrates ("migrate").
MIGRATION_LOCK = 0x6D696772617465


async def migrate(engine: Engine[Any]) -> None:
    """Apply every pending migration of every domain app. Several server processes starting
    at once (a deployment) take turns on PostgreSQL: the first applies what is pending, the
    others then find nothing to do."""
    bind(engine)
    if isinstance(engine, SQLiteEngine):
        await asyncio.to_thread(_ensure_folder_of, engine.path)
        # WAL lets readers work while one writer commits; the setting persists in the file.
        await engine.run_ddl("PRAGMA journal_mode=WAL")
        await _migrate()
        return
    assert isinstance(engine, PostgresEngine)
    # A session lock on a connection of its own, released when it closes, whatever happens.
    holder = await engine.get_new_connection()
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        await _migrate()
    finally:
        await holder.close()


async def _migrate() -> None:
    result = await run_forwards(app_name="all")
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
    await ensure_reference_data()


# Rows every installation ships (the default check-in template): "module:function" of an
# idempotent async function, run after migrations (and by the tests after truncating).
REFERENCE_DATA = (
    "server.checkins.queries:ensure_default_template",
    "server.alerts.queries:ensure_default_rules",
)


async def ensure_reference_data() -> None:
    from importlib import import_module

    for target in REFERENCE_DATA:
        module, function = target.split(":")
        await getattr(import_module(module), function)()


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Returning a connection to the pool: asyncpg's default reset costs a round trip on every
    release (`RESET ALL`, `UNLISTEN *`, unlocking advisory locks) to undo session state we never
    set (but `_open_session`'s, meant to stay); an open transaction is still rolled back by the
    pool before this runs."""


async def _open_session(connection: asyncpg.Connection) -> None:
    """A new connection of the pool. Compiling a statement to machine code (PostgreSQL's JIT,
    for a plan estimated dear) took longer than running any of ours: 20 ms for the 10 ms walk
    up the managers of a few hundred people (`org.queries.relations`). Set once the session
    is open rather than asked for in its start-up message, which PgBouncer refuses."""
    await connection.execute("SET jit = off")


class _FairPool(asyncpg.Pool):  # type: ignore[misc]
    """asyncpg's pool hands a returned connection to whichever task asks next, even past
    tasks already waiting: with 50 clients pushing on 10 connections, the median push took
    9 ms and the slowest hundredth 1.4 s. A fair semaphore in front of the pool keeps first
    come, first served (p99 about 1.3 times the median)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._gate = asyncio.Semaphore(kwargs["max_size"])

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109 - asyncpg's signature
        await self._gate.acquire()
        try:
            return await super()._acquire(timeout)
        except BaseException:
            self._gate.release()
            raise

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        try:
            await super().release(connection, timeout=timeout)
        finally:
            self._gate.release()


class _RequestConnection:
    """The one pooled PostgreSQL connection a request uses for all its queries, taken at its
    first query and given back when the response is sent (`one_connection_per_request`).
    Taking one for the principal and another for the transaction queued a request at the
    pool twice: at 50 clients the slowest hundredth of sync pushes took 66 ms against a median
    of 36 ms; with one queueing, 41-48 ms (docs/performance.md)."""

    _current: ContextVar[_RequestConnection | None] = ContextVar("request_connection", default=None)

    def __init__(self) -> None:
        # Only the request's own task uses it: a task it starts (which inherits the context)
        # takes connections of its own, so two queries never share a connection at once.
        self.loop = asyncio.get_running_loop()
        self.task = asyncio.current_task(self.loop)
        self.held: asyncpg.Connection | None = None

    @classmethod
    def of_this_task(cls) -> _RequestConnection | None:
        held = cls._current.get()
        # The loop given: without it, Python 3.11's current_task asks the system for the
        # process id (a system call) to find the running loop, several times per request.
        return held if held is not None and held.task is asyncio.current_task(held.loop) else None

    async def connection(self, engine: PostgresEngine) -> asyncpg.Connection:
        if self.held is None:
            # Only while the app runs (`one_connection_per_request` checks the pool is open).
            assert engine.pool is not None
            self.held = await engine.pool.acquire()
        return self.held


@asynccontextmanager
async def one_connection_per_request() -> AsyncIterator[None]:
    """Around a request: on PostgreSQL, all its queries and transactions on one connection of
    the pool. Every query of the request must then go through that connection (a second one
    from the pool, while the first is held, could wait forever for a full pool)."""
    engine = bound_engine()
    if not isinstance(engine, OneConnectionPerRequestEngine) or engine.pool is None:
        yield
        return
    held = _RequestConnection()
    reset = _RequestConnection._current.set(held)
    try:
        yield
    finally:
        _RequestConnection._current.reset(reset)
        if held.held is not None:
            await engine.pool.release(held.held)


class _HeldConnectionTransaction(PostgresTransaction):
    """Piccolo's transaction, on the request's connection when there is one."""

    __slots__ = ("_request",)

    async def get_connection(self) -> asyncpg.Connection:
        self._request = _RequestConnection.of_this_task()
        if self._request is None:
            return await super().get_connection()  # type: ignore[no-untyped-call] # Piccolo's
        return await self._request.connection(self.engine)

    async def __aexit__(self, *exc_info: Any) -> bool:
        if self._parent is not None or self._request is None:
            return bool(await super().__aexit__(*exc_info))
        # Piccolo's ending without giving the connection back: the request still holds it.
        exception = exc_info[1]
        if exception is not None and not self._rolled_back:
            await self.transaction.rollback()
        elif exception is None and not self._committed and not self._rolled_back:
            await self.transaction.commit()
        self.engine.current_transaction.reset(self.context)
        return exception is None


class OneConnectionPerRequestEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, running a request's queries and transactions on the
    connection the request holds (`one_connection_per_request`), if any."""

    # While its pool is open (`open_pool`): the requests' inserts written together.
    insert_groups: _InsertGroups | None = None

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        held = _RequestConnection.of_this_task()
        if held is None:
            return await super()._run_in_pool(query, args)
        return await (await held.connection(self)).fetch(query, *(args or ()))

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _HeldConnectionTransaction(engine=self, allow_nested=allow_nested)


async def open_pool(engine: Engine[Any], size: int) -> None:
    """The connections the app keeps open while it runs: PostgreSQL's pool of `size`, or
    SQLite's kept-open connections."""
    if isinstance(engine, KeptOpenSQLiteEngine):
        engine.keeping = True
    if isinstance(engine, OneConnectionPerRequestEngine):
        engine.insert_groups = _InsertGroups()
    if isinstance(engine, PostgresEngine):
        engine.pool = await _FairPool(
            **engine.config,
            min_size=size,
            max_size=size,
            max_queries=50_000,
            max_inactive_connection_lifetime=300.0,
            reset=_keep_session,
            # asyncpg prepares (and PostgreSQL plans) anew every time a statement longer than
            # this: 15 KiB by default, which a push of 100 kudos written in one statement
            # (`insert_together`, about 20 KiB of text) passed, planned again for each push.
            max_cacheable_statement_size=64 * 1024,
            init=_open_session,
            loop=None,
            connection_class=asyncpg.Connection,
            record_class=asyncpg.Record,
        )


async def close_pool(engine: Engine[Any]) -> None:
    if isinstance(engine, KeptOpenSQLiteEngine):
        await engine.close_idle()
    if isinstance(engine, OneConnectionPerRequestEngine):
        engine.insert_groups = None
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


def is_sqlite() -> bool:
    """Whether the bound engine is SQLite, for the few statements the engines spell apart."""
    return isinstance(bound_engine(), SQLiteEngine)


def by_code_point(expression: str) -> str:
    """`expression` ordered as Python orders strings (by code point), for an ORDER BY that a
    sort in Python must agree with: PostgreSQL's "C" collation; SQLite's default is that."""
    return expression if is_sqlite() else f'{expression} COLLATE "C"'


def json_list_sql(values: Sequence[str], rows: str, order: str) -> str:
    """A subquery giving, as JSON text, the list of `[values...]` of `rows` (a FROM clause
    with its WHERE, which may name the outer query's tables) in `order`: the rows that belong
    to each row of a page, read with the page instead of in queries of their own. NULL or
    `[]` when there are none. SQLite before 3.44 cannot order an aggregate's input, so it
    aggregates an ordered subquery, whose order it keeps."""
    if is_sqlite():
        named = ", ".join(f"{value} AS v{i}" for i, value in enumerate(values))
        listed = ", ".join(f"v{i}" for i in range(len(values)))
        return (
            f"(SELECT json_group_array(json_array({listed}))"  # noqa: S608 - SQL of ours only
            f" FROM (SELECT {named} {rows} ORDER BY {order}))"
        )
    return f"(SELECT json_agg(json_build_array({', '.join(values)}) ORDER BY {order}) {rows})"


def days_between_sql(later: str, earlier: str) -> str:
    """SQL for the days from one date expression to another (dates subtract on PostgreSQL;
    SQLite keeps them as text). `{}` for a bound date."""
    if is_sqlite():
        return f"(julianday({later}) - julianday({earlier}))"
    return f"({later.replace('{}', '{}::date')} - {earlier})"


def bound_engine() -> Engine[Any]:
    """The engine `bind` pointed every table at."""
    from server import piccolo_conf

    return piccolo_conf.DB


class Savepoint(Protocol):
    async def rollback_to(self) -> None: ...
    async def release(self) -> None: ...


class Transaction(Protocol):
    """What callers use of the open transaction (Piccolo's SQLite and PostgreSQL ones)."""

    # The driver's connection (asyncpg's or aiosqlite's), for statements Piccolo cannot run fast.
    connection: Any

    async def savepoint(self, name: str | None = None) -> Savepoint: ...


def in_transaction() -> bool:
    """Whether this task runs in an open transaction, whose writes may yet be rolled back."""
    return bound_engine().current_transaction.get() is not None


@asynccontextmanager
async def write_transaction(engine: Engine[Any] | None = None) -> AsyncIterator[Transaction]:
    """A transaction for writes, committed when the block ends. Inside an open transaction
    it joins that one (the sync push and the demo seed wrap many writes). On SQLite it is
    `BEGIN IMMEDIATE`, so writers queue for the one write lock instead of failing when a read
    lock cannot be upgraded; while the app or a command runs (`open_pool`), on its one writer
    (`_Writer`)."""
    engine = engine or bound_engine()
    joined = engine.current_transaction.get()
    if joined is not None:
        yield joined
        return
    if isinstance(engine, KeptOpenSQLiteEngine) and engine.keeping:
        async with engine.writer().transaction(engine) as transaction:
            yield transaction
    elif isinstance(engine, SQLiteEngine):
        # Outside a running app (migrations, a test's own engine): one writer at a time
        # through SQLite's busy timeout.
        async with engine.transaction(transaction_type=TransactionType.immediate) as transaction:
            yield transaction
    else:
        async with engine.transaction() as transaction:
            yield transaction


def domain_app(tables_module: ModuleType, depends_on: tuple[str, ...] = ()) -> AppConfig:
    """The Piccolo app of a domain package: its tables and its `piccolo_migrations` folder."""
    package = tables_module.__name__.rsplit(".", 1)[0]
    return AppConfig(
        app_name=package.rsplit(".", 1)[1],
        migrations_folder_path=os.path.join(
            os.path.dirname(tables_module.__file__ or ""), "piccolo_migrations"
        ),
        table_classes=[
            value
            for value in vars(tables_module).values()
            if isinstance(value, type)
            and issubclass(value, Table)
            and value.__module__ == tables_module.__name__
        ],
        migration_dependencies=[f"{dep}.piccolo_app" for dep in depends_on],
    )


async def try_round_lock(key: int) -> bool:
    """Inside a write transaction: may this process run a periodic job's round now? On
    PostgreSQL one process at a time holds the transaction-level advisory lock `key` (released
    at commit); on SQLite the one writer already runs one write transaction at a time."""
    if is_sqlite():
        return True
    [row] = await fetch("SELECT pg_try_advisory_xact_lock({}) AS mine", key)
    return bool(row["mine"])
