"""A real Tandem server (fresh database, demo organisation) and Chromium on a phone viewport."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.conftest import BACKEND, PG_ADMIN_URL, ROOT, create_pg_database, drop_pg_database

T = TypeVar("T")
CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
STARTUP_SECONDS = 60


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run async database set-up from sync fixtures. Playwright's sync API keeps an event loop
    on the main thread, so this runs on a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=1) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not become ready:\n{log.read_text()}")


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path) -> Iterator[str]:
    """`tandem serve` in a subprocess on a free port, exactly as a user runs it; -> its
    address."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server.cli",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()  # a graceful stop waited too long for a client
            process.wait()


def seeded_demo(database_url: str, work: Path, **settings: str) -> dict[str, str]:
    """`tandem demo` on that database; -> the environment to serve it with."""
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_VAR_DIR": str(work / "var"),
        # Every pull checks the change log missed none of the writes the phones made.
        "TANDEM_SYNC_VERIFY_VERSIONS": "true",
        **settings,
    }
    subprocess.run(
        [sys.executable, "-m", "server.cli", "demo"], env=env, check=True, capture_output=True
    )
    return env


@contextlib.contextmanager
def demo_server(work: Path) -> Iterator[str]:
    """The demo served on a database of its own; -> its address."""
    database_url = (
        f"sqlite:///{work / 'tandem.db'}"
        if BACKEND == "sqlite"
        else run_coroutine(create_pg_database(PG_ADMIN_URL))
    )
    try:
        with serving(seeded_demo(database_url, work), work / "server.log") as url:
            yield url
    finally:
        if BACKEND != "sqlite":
            run_coroutine(drop_pg_database(PG_ADMIN_URL, database_url))


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server the browser tests share."""
    if not (ROOT / "pwa" / "dist" / "index.html").exists():
        pytest.fail("pwa/dist is missing: build the PWA first (make test does)")
    with demo_server(tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture(scope="session")
def base_url(server_url: str) -> str:
    return server_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # The system Chromium; the closed network here refuses Chromium's background traffic.
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
        "locale": "en-US",
    }
