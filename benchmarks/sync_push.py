"""Benchmark of the sync push (issue: offline check-ins): one Tandem server process on
SQLite or PostgreSQL, driven by wrk from a second process over loopback, side by side with a
bare Litestar JSON endpoint in the same run (the ceiling).

    .venv/bin/python benchmarks/sync_push.py --backend sqlite
    .venv/bin/python benchmarks/sync_push.py --backend postgres

Scenarios: single-mutation pushes at 50 concurrent clients (pushes/s, p50/p99), and
100-mutation batches (mutations/s). Every push carries new kudos.create mutations from the
demo staff; an answer other than "applied" counts as refused and is reported.
Needs `wrk` (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "benchmarks" / "lua"
PG_ADMIN = os.environ.get("TANDEM_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
STAFF = ["alice", "bob", "carol", "manager.east", "manager.west", "ceo", "hr"]
# Whom each person recognises in the benchmark (never themselves).
RECIPIENT = {
    "alice": "bob",
    "bob": "alice",
    "carol": "alice",
    "manager.east": "alice",
    "manager.west": "carol",
    "ceo": "manager.east",
    "hr": "manager.west",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def call(base: str, path: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.loads(response.read())


def database_url(backend: str, work: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{work / 'bench.db'}"
    import asyncpg  # type: ignore[import-untyped]

    name = f"tandem_bench_{os.getpid()}"

    async def create() -> None:
        connection = await asyncpg.connect(PG_ADMIN)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()

    asyncio.run(create())
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    """Remove a PostgreSQL database `database_url` made (nothing to do for SQLite's file)."""
    if not url.startswith("postgresql"):
        return
    import asyncpg

    async def drop() -> None:
        connection = await asyncpg.connect(PG_ADMIN)
        await connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        await connection.close()

    asyncio.run(drop())


def in_new_database(backend: str, run: Callable[[str], Coroutine[Any, Any, None]]) -> None:
    """Runs a benchmark on a new, empty database of that backend, removed afterwards."""
    with tempfile.TemporaryDirectory() as work:
        url = database_url(backend, Path(work))
        try:
            asyncio.run(run(url))
        finally:
            drop_database(url)


WRK_LINE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
# Written by a script's done() (lua/reads.lua): percentiles wrk's table leaves out, in ms.
PERCENTILE_LINE = re.compile(r"^PERCENTILE (\d+) ([\d.]+)$", re.MULTILINE)


def wrk(
    url: str, script: Path | None, env: dict[str, str], connections: int, seconds: int
) -> dict[str, Any]:
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "--latency",
        url,
    ]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=True
    ).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {f"p{p}": float(v) * scale[u] for p, v, u in WRK_LINE.findall(output)}
    latency.update({f"p{p}": float(v) for p, v in PERCENTILE_LINE.findall(output)})
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    refused = re.search(r"REFUSED (\d+)", output)
    return {
        "requests_per_s": rate,
        **latency,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "refused": int(refused.group(1)) if refused else 0,
    }


def median_run(runs: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate of several: one loaded machine (server, database and wrk
    share two cores) varies by about a tenth from run to run."""
    results = sorted((measure() for _ in range(runs)), key=lambda r: r["requests_per_s"])
    return {**results[len(results) // 2], "runs": [r["requests_per_s"] for r in results]}


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    options.add_argument("--seconds", type=int, default=10)
    options.add_argument("--connections", type=int, default=50)
    options.add_argument("--runs", type=int, default=3, help="runs per scenario (median kept)")
    args = options.parse_args()
    # Stopped from outside: still stop the servers (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    url = database_url(args.backend, work)
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": url,
        "TANDEM_VAR_DIR": str(work / "var"),
    }
    python = sys.executable
    subprocess.run(
        [python, "-m", "server.cli", "demo"], env=env, check=True, capture_output=True, cwd=ROOT
    )
    tandem_port, bare_port = free_port(), free_port()
    servers = [
        subprocess.Popen(
            [
                python,
                "-m",
                "server.cli",
                "serve",
                "--port",
                str(tandem_port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        ),
        subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "benchmarks.bare:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        ),
    ]
    try:
        tandem = f"http://127.0.0.1:{tandem_port}"
        bare = f"http://127.0.0.1:{bare_port}"
        wait_ready(tandem + "/readyz")
        wait_ready(bare + "/json")
        ids = {}
        people = []
        for name in STAFF:
            token = call(
                tandem,
                "/api/auth/login",
                {"email": f"{name}@example.com", "password": "tandem-demo"},
            )["access_token"]
            ids[name] = call(tandem, "/api/me", token=token)["id"]
            people.append((name, token))
        pushers = work / "people.txt"
        pushers.write_text("".join(f"{t} {ids[RECIPIENT[name]]}\n" for name, t in people))
        lua_env = {"TANDEM_LUA_DIR": str(LUA), "TANDEM_PEOPLE": str(pushers)}

        def scenario(url: str, script: Path | None, extra: dict[str, str]) -> dict[str, Any]:
            return median_run(
                args.runs, lambda: wrk(url, script, extra, args.connections, args.seconds)
            )

        results = {
            "bare JSON endpoint (ceiling)": scenario(bare + "/json", None, {}),
            "sync push, 1 mutation": scenario(
                tandem, LUA / "push.lua", {**lua_env, "TANDEM_BATCH": "1"}
            ),
            "sync push, 100 mutations": scenario(
                tandem, LUA / "push.lua", {**lua_env, "TANDEM_BATCH": "100"}
            ),
        }
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        drop_database(url)
    ceiling = results["bare JSON endpoint (ceiling)"]["requests_per_s"]
    print(
        f"\n{args.backend}, {args.connections} connections, {args.seconds} s per run,"
        f" median of {args.runs} runs\n"
    )
    print(
        "| scenario | requests/s | mutations/s | p50 ms | p99 ms | share of ceiling | not applied |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        batch = 100 if "100" in name else 1
        mutations = "" if "ceiling" in name else f"{r['requests_per_s'] * batch:,.0f}"
        print(
            f"| {name} | {r['requests_per_s']:,.0f} | {mutations} | {r.get('p50', 0):.1f} | "
            f"{r.get('p99', 0):.1f} | {r['requests_per_s'] / ceiling:.1%} | "
            f"{r['refused'] + r['non_2xx']} |"
        )
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / f"sync_push-{args.backend}.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
