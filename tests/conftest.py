"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with TANDEM_TEST_DB=postgres),
the app with a test client, the demo organisation, and signed-in clients per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar import Litestar
from piccolo.engine.sqlite import SQLiteEngine

from server import db, demo
from server.app import create_app
from server.core.security import hash_password
from server.org import queries as org_queries
from server.settings import Settings
from tests.factories import make_person

BACKEND = os.environ.get("TANDEM_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("TANDEM_TEST_PG_URL", "postgresql://127.0.0.1:5432/test")
# CI (or anyone who sets it) must not get a silent pass when PostgreSQL is missing.
REQUIRE_PG = os.environ.get("TANDEM_REQUIRE_PG") == "1" or os.environ.get("CI") == "true"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"

DEMO_EMAILS = {
    "admin": "admin@example.com",
    "hr": "hr@example.com",
    "ceo": "ceo@example.com",
    "manager.east": "manager.east@example.com",
    "manager.west": "manager.west@example.com",
    "alice": "alice@example.com",
    "bob": "bob@example.com",
    "carol": "carol@example.com",
    # Not in the demo: HR whose scope is Field Sales West only, for out-of-scope cases.
    "hr.west": "hr.west@example.com",
}


async def create_pg_database(admin_url: str) -> str:
    """A fresh, uniquely named database next to the given one; -> its URL."""
    name = f"tandem_test_{uuid.uuid4().hex[:12]}"
    try:
        connection = await asyncpg.connect(admin_url)
    except (OSError, asyncpg.PostgresError) as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable at {admin_url}: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {admin_url}")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


async def drop_pg_database(admin_url: str, url: str) -> None:
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = await create_pg_database(PG_ADMIN_URL)
    yield url
    await drop_pg_database(PG_ADMIN_URL, url)


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp("var")
    dist = tmp_path_factory.mktemp("dist")
    (dist / "index.html").write_text("<!doctype html><title>Tandem</title><div id=app></div>")
    (dist / "assets").mkdir()
    (dist / "assets" / "index-abc123.js").write_text("console.log('tandem')")
    (dist / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    return Settings(
        database_url=database_url,
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        var_dir=var_dir,
        pwa_dist=dist,
        # Every pull of the suite checks the change log missed none of the suite's writes.
        sync_verify_versions=True,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    """The app, driven in the tests' own event loop (Litestar's test client would run it in
    a portal thread, and a PostgreSQL pool belongs to the loop that opened it)."""
    application = create_app(settings)
    engine = application.state.engine
    await db.migrate(engine)
    await db.open_pool(engine, settings.database_pool_size)
    yield application
    await db.close_pool(engine)


@pytest.fixture(scope="session")
async def session_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("198.51.100.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def truncate_all(engine: Any) -> None:
    tables = [t._meta.tablename for t in db.all_tables()]
    if isinstance(engine, SQLiteEngine):
        # RESTRICT on the department tree is checked row by row: cut the links first.
        await engine.run_ddl("UPDATE org_department SET parent = NULL")
        for table in reversed(tables):
            await engine.run_ddl(f"DELETE FROM {table}")  # noqa: S608 - our own table names
        # The change log's triggers logged those deletes.
        await engine.run_ddl("DELETE FROM sync_change")
    else:
        await engine.run_ddl(f"TRUNCATE {', '.join(tables)} CASCADE")
    # What a fresh installation has (the default check-in template).
    await db.ensure_reference_data()


@pytest.fixture
async def client(
    app: Litestar, session_client: httpx.AsyncClient
) -> AsyncIterator[httpx.AsyncClient]:
    """The test client on an empty database; everything a test writes is removed after it."""
    session_client.headers.pop("authorization", None)
    yield session_client
    await truncate_all(app.state.engine)


@pytest.fixture(scope="session")
def demo_password_hash() -> str:
    return hash_password(demo.DEMO_PASSWORD)


@pytest.fixture
async def people(client: httpx.AsyncClient, demo_password_hash: str) -> dict[str, uuid.UUID]:
    """The demo organisation plus hr.west; -> short name -> person id."""
    return await seed_demo(demo_password_hash)


async def seed_demo(password_hash: str) -> dict[str, uuid.UUID]:
    await demo.seed(password_hash=password_hash)
    await make_person(
        "hr.west@example.com",
        "周敏",
        department="People",
        roles=("employee", "hr"),
        hr_scope=("Sales/Field Sales West",),
    )
    ids = await org_queries.ids_by_email(list(DEMO_EMAILS.values()))
    return {name: ids[email] for name, email in DEMO_EMAILS.items()}


HeadersFor = Callable[[str], dict[str, str]]


@pytest.fixture
def headers_for(app: Litestar, people: dict[str, uuid.UUID]) -> HeadersFor:
    """Real, signed access tokens for any demo person (no password round-trip per test)."""

    def make(name: str) -> dict[str, str]:
        token = app.state.signer.issue(people[name], uuid.uuid4())
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def as_admin(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("admin")


@pytest.fixture
def as_hr(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("hr")


@pytest.fixture
def as_manager(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("manager.east")


@pytest.fixture
def as_employee(headers_for: HeadersFor) -> dict[str, str]:
    return headers_for("alice")


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 answer with the given status and code; -> the document."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code, body
    return body


ROOT = Path(__file__).resolve().parent.parent
