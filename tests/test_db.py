"""The database layer's own guarantees."""

from __future__ import annotations

import asyncio

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
