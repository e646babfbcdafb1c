"""The database layer's own guarantees."""

from __future__ import annotations

import asyncio
import threading

import asyncpg
import pytest
from piccolo.engine.postgres import PostgresEngine

from server import db
from tests.conftest import PG_ADMIN_URL, REQUIRE_PG


async def test_the_pool_serves_waiting_requests_first():
    """A request that gives its connection back and asks again at once (the principal, then
    the transaction) queues behind the requests already waiting, instead of overtaking them."""
    engine = PostgresEngine(config={"dsn": PG_ADMIN_URL})
    try:
        await db.open_pool(engine, 2)
    except (OSError, asyncpg.PostgresError) as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable")
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
            # Arriving at different moments, as requests do; then the principal and the
            # transaction: two turns at the pool, back to back.
            for _ in range(first_ticket % 7):
                await asyncio.sleep(0)
            await use_connection(first_ticket)
            await use_connection(first_ticket + 1)

        await asyncio.gather(*(request(2 * i) for i in range(40)))
        assert overtaken == 0
    finally:
        await db.close_pool(engine)


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
