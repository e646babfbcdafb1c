"""Benchmarks at enterprise scale (`make bench`): one Tandem server process on PostgreSQL
with a generated organisation (`tandem bench seed`), driven by wrk from a second process
over loopback, beside a bare Litestar JSON endpoint measured in the same run (the ceiling).

    .venv/bin/python benchmarks/scale.py [--people 100000] [--seconds 15] [--soak-minutes 30]

The organisation is kept in the PostgreSQL database `tandem_scale_<people>` and reused by
the next run (seeding 100,000 people takes minutes); `--fresh` seeds it again.

Scenarios at 32 connections, each a realistic mix of people signed in with real tokens:
the kudos feed (everyone), my team (managers), the goal tree (employees, managers, HR;
read the first time, and again with the ETag of the answer the app holds), the manager's
dashboard (the sync pull with the cursor of the phone's last sync, alerts and
team goals with the ETags of the answers the app holds: what a manager's phone reads on
returning to the app), and the sync push
(single mutations and batches of 100). Each reports requests/s, p50/p95/p99 and its share
of the ceiling. Then HR's organisation-wide reads, timed one at
a time. `--soak-minutes` adds a load of every read and push mixed, sampling the server's
resident memory. Results: a Markdown table, and benchmarks/results/scale-<people>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # type: ignore[import-untyped]  # noqa: E402

from benchmarks.sync_push import (  # noqa: E402
    LUA,
    PG_ADMIN,
    call,
    free_port,
    median_run,
    wait_ready,
    wrk,
)
from server.core.security import TokenSigner  # noqa: E402
from server.settings import Settings  # noqa: E402

CONNECTIONS = 32
# A request of a scenario: who makes it, the path, and the ETag it revalidates, if any.
Line = tuple[Any, ...]
SAMPLE = {"employees": 400, "managers": 200}
KUDOS_TEXT = "周三在客户现场把报价单逐项讲清楚，客户当场同意试点"
# HR's organisation-wide reads, timed one at a time.
HR_READS = {
    "check-in coverage": "/api/checkin-coverage",
    "open alerts by department": "/api/open-alerts-by-department",
    "check-in status, first page of 50": "/api/checkin-status",
}


def scale_database(people: int, fresh: bool) -> str:
    """The URL of the database holding an organisation of `people`, seeding it if needed."""
    name = f"tandem_scale_{people}"
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name

    async def holds() -> int | None:
        admin = await asyncpg.connect(PG_ADMIN)
        try:
            if fresh:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
                await admin.execute(f'CREATE DATABASE "{name}"')
                return None
        finally:
            await admin.close()
        connection = await asyncpg.connect(url)
        try:
            return int(await connection.fetchval("SELECT count(*) FROM org_person"))
        except asyncpg.UndefinedTableError:
            return None
        finally:
            await connection.close()

    found = asyncio.run(holds())
    if found is not None and found != people:
        sys.exit(f"{name} holds {found} people, not {people}: run with --fresh")
    if found is None:
        print(f"seeding {people:,} people into {name} (once; later runs reuse it)", flush=True)
        subprocess.run(
            [sys.executable, "-m", "server.cli", "bench", "seed", "--people", str(people)],
            env={**os.environ, "TANDEM_DATABASE_URL": url},
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return url


async def sample_people(url: str, rng: random.Random) -> dict[str, Any]:
    """Whom the load signs in as: employees and managers at random, the HR lead, the HR
    partners and the chief executive; with the current cycle and a teammate for each to
    recognise."""
    connection = await asyncpg.connect(url)
    try:
        people = await connection.fetch(
            "SELECT p.id, p.manager, p.roles, EXISTS (SELECT 1 FROM org_person r"
            " WHERE r.manager = p.id) AS manages,"
            " EXISTS (SELECT 1 FROM org_hr_scope s WHERE s.person = p.id) AS scoped"
            " FROM org_person p WHERE p.active"
        )
        cycle = await connection.fetchval(
            "SELECT id FROM goals_cycle WHERE starts_on <= current_date"
            " AND ends_on >= current_date ORDER BY starts_on DESC LIMIT 1"
        )
    finally:
        await connection.close()
    employees = [p for p in people if not p["manages"] and p["manager"] is not None]
    managers = [p for p in people if p["manages"] and p["manager"] is not None]
    hr = [p for p in people if "hr" in p["roles"]]
    return {
        "cycle": cycle,
        "employees": rng.sample(employees, min(SAMPLE["employees"], len(employees))),
        "managers": rng.sample(managers, min(SAMPLE["managers"], len(managers))),
        "hr_lead": [p for p in hr if not p["scoped"]],
        "hr_partners": [p for p in hr if p["scoped"]],
        "chief": [p for p in people if p["manager"] is None],
    }


class Load:
    """Tokens for the sampled people and the request files of each scenario."""

    def __init__(
        self, signer: TokenSigner, sample: dict[str, Any], work: Path, server: str, url: str
    ) -> None:
        self.signer, self.sample, self.work, self.server = signer, sample, work, server
        self.url = url
        self._cursors: dict[tuple[Any, str], str] = {}
        self._etags: dict[tuple[Any, str], str] = {}
        self._lines: dict[str, tuple[str, list[Line]]] = {}

    def token(self, person: Any) -> str:
        return self.signer.issue(person["id"], uuid.uuid4())

    def _get(self, person: Any, path: str) -> Any:
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.server + path, headers={"Authorization": f"Bearer {self.token(person)}"}
        )
        return urllib.request.urlopen(request)  # noqa: S310

    def synced(self, person: Any, when: str) -> Line:
        """The pull as a phone returning to the app makes it: merging the kudos feed, with the
        cursor of its last sync, taken once per person at the moment `when` names."""
        if (person["id"], when) not in self._cursors:
            with self._get(person, "/api/sync/pull?partial=true") as response:
                self._cursors[person["id"], when] = json.loads(response.read())["cursor"]
        return person, f"/api/sync/pull?partial=true&cursor={self._cursors[person['id'], when]}"

    def write_kudos(self) -> None:
        """A public kudos, as the company writes about ten a minute at 100,000 people."""
        writer = self.sample["employees"][0]
        mutation = {
            "id": str(uuid.uuid4()),
            "kind": "kudos.create",
            "client_created_at": "2026-11-27T08:00:00Z",
            "payload": {"recipient_ids": [str(writer["manager"])], "behaviour": KUDOS_TEXT},
        }
        body = {"device_id": "bench", "mutations": [mutation]}
        [result] = call(self.server, "/api/sync/push", body, self.token(writer))["results"]
        assert result["status"] == "applied", result

    def wait_until_folded(self) -> None:
        """Until the server's compaction has folded the change log (a round a minute):
        cursors and ETags taken before it may name a state it changes."""
        asyncio.run(_wait_until_folded(self.url))

    def revalidated(self, person: Any, path: str) -> Line:
        """A read answered from versions as the app makes it again: with the ETag of the
        answer it holds (taken once per person and path, from the second answer: a read whose
        topics follow from its answer, the goal tree, names its version from then on)."""
        if (person["id"], path) not in self._etags:
            for _ in range(2):
                with self._get(person, path) as response:
                    self._etags[person["id"], path] = response.headers["ETag"]
        return person, path, self._etags[person["id"], path]

    def requests(self, name: str, lines: list[Line]) -> dict[str, str]:
        """A file of lines "<token> <path> [<ETag>]" for `lua/reads.lua`."""
        path = self.work / f"{name}.txt"
        path.write_text("".join(f"{' '.join([self.token(p), *rest])}\n" for p, *rest in lines))
        return {"TANDEM_LUA_DIR": str(LUA), "TANDEM_REQUESTS": str(path)}

    def reads(self) -> dict[str, dict[str, str]]:
        """The request files of the read scenarios, signed in afresh (the lines are chosen
        once: the cursors and ETags of one moment)."""
        if not self._lines:
            self._lines = self._read_lines()
        return {name: self.requests(file, lines) for name, (file, lines) in self._lines.items()}

    def _read_lines(self) -> dict[str, tuple[str, list[Line]]]:
        """Each read scenario's file name and lines."""
        s = self.sample
        everyone = s["employees"] + s["managers"] + s["hr_partners"] + s["hr_lead"] + s["chief"]
        tree = f"/api/goal-cycles/{s['cycle']}/tree"
        tree_readers = s["employees"] + s["managers"] + s["hr_partners"]
        # What a manager's phone reads on returning to the app: the sync pull since its last
        # sync (which carries the team's check-in status), the alerts and the team's goals,
        # revalidated with the ETags of the answers it holds. Once with nothing written
        # since, once with a kudos written since the pull: the phone's 50 kudos are read
        # again, as nearly every return finds them at 100,000 people.
        managers = s["managers"]
        # Cursors name the states of the log as the server's compaction leaves them.
        self.wait_until_folded()
        before_kudos = [self.synced(p, "before a kudos") for p in managers]
        self.write_kudos()
        self.wait_until_folded()

        def dashboard(pulls: list[Line]) -> list[Line]:
            reads = ["/api/alerts?status=active", "/api/me/team/goals"]
            return [
                line
                for p, pull in zip(managers, pulls, strict=True)
                for line in [pull, *(self.revalidated(p, path) for path in reads)]
            ]

        return {
            "kudos feed (everyone)": ("feed", [(p, "/api/kudos?limit=20") for p in everyone]),
            "my team (managers)": ("team", [(p, "/api/me/team") for p in managers]),
            "goal tree, first read (employees, managers, HR)": (
                "tree",
                [(p, tree) for p in tree_readers],
            ),
            "goal tree, read again (employees, managers, HR)": (
                "tree-again",
                [self.revalidated(p, tree) for p in tree_readers],
            ),
            "manager dashboard, nothing new (status, alerts, team goals)": (
                "dashboard",
                dashboard([self.synced(p, "now") for p in managers]),
            ),
            "manager dashboard, a kudos since (status, alerts, team goals)": (
                "dashboard-kudos",
                dashboard(before_kudos),
            ),
        }

    def pushes(self) -> dict[str, str]:
        """Employees and managers, each recognising their own manager."""
        path = self.work / "pushers.txt"
        pushers = self.sample["employees"] + self.sample["managers"]
        path.write_text("".join(f"{self.token(p)} {p['manager']}\n" for p in pushers))
        return {"TANDEM_LUA_DIR": str(LUA), "TANDEM_PEOPLE": str(path)}

    def mixed(self) -> dict[str, str]:
        """Every read scenario's requests in one file, for the soak."""
        mixed = self.work / "mixed.txt"
        mixed.write_text(
            "".join(Path(e["TANDEM_REQUESTS"]).read_text() for e in self.reads().values())
        )
        return {"TANDEM_LUA_DIR": str(LUA), "TANDEM_REQUESTS": str(mixed)}


async def _wait_until_folded(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for _ in range(150):
            if not await connection.fetchval(
                "SELECT EXISTS (SELECT 1 FROM sync_change GROUP BY topic HAVING count(*) > 1)"
            ):
                return
            await asyncio.sleep(1)
    finally:
        await connection.close()
    raise RuntimeError("the change log was not folded within 150 s")


def timed_get(base: str, path: str, token: str, runs: int) -> dict[str, Any]:
    """One request at a time: the median and slowest of `runs`, each in order, and the
    answer's size."""
    seconds, size = [], 0
    for _ in range(runs):
        request = urllib.request.Request(  # noqa: S310 - loopback
            base + path, headers={"Authorization": f"Bearer {token}"}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request) as response:  # noqa: S310
            size = len(response.read())
        seconds.append(time.perf_counter() - started)
    return {
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
        "each_ms": [round(s * 1000, 1) for s in seconds],
        "bytes": size,
    }


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def soak(pid: int, minutes: int, segment: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """Load for `minutes` in segments of at most ten (tokens live fifteen minutes, so each
    segment signs in afresh, as phones refresh theirs), sampling resident memory every
    30 s from another thread."""
    samples: list[tuple[float, float]] = []
    started = time.monotonic()
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(30):
            samples.append(((time.monotonic() - started) / 60, resident_mb(pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rates = []
    left = minutes * 60
    while left > 0:
        rates.append(segment(min(left, 600)))
        left -= 600
    stop.set()
    sampler.join()

    def at(minute: float) -> float:
        return min(samples, key=lambda s: abs(s[0] - minute))[1]

    at_5, at_end = at(5), samples[-1][1]
    return {
        "minutes": minutes,
        "rss_mb_at_5": round(at_5, 1),
        "rss_mb_at_end": round(at_end, 1),
        "rss_mb_max": round(max(s[1] for s in samples), 1),
        "growth_5_to_end": round((at_end - at_5) / at_5, 4),
        "segments": rates,
        "samples": [(round(m, 2), round(r, 1)) for m, r in samples],
    }


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--people", type=int, default=100_000)
    options.add_argument("--seconds", type=int, default=15)
    options.add_argument("--runs", type=int, default=3, help="runs per scenario (median kept)")
    options.add_argument("--soak-minutes", type=int, default=0)
    options.add_argument("--fresh", action="store_true", help="seed the organisation again")
    args = options.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    url = scale_database(args.people, args.fresh)
    sample = asyncio.run(sample_people(url, random.Random(11)))  # noqa: S311 - reproducible
    work = Path(tempfile.mkdtemp(prefix="tandem-scale-"))
    settings = Settings(database_url=url, var_dir=work / "var")
    signer = TokenSigner.from_settings(settings)  # writes the key the server will read
    env = {**os.environ, "TANDEM_DATABASE_URL": url, "TANDEM_VAR_DIR": str(work / "var")}
    tandem_port, bare_port = free_port(), free_port()
    python = sys.executable
    quiet = ["--log-level", "warning"]
    server = subprocess.Popen(
        [python, "-m", "server.cli", "serve", "--port", str(tandem_port), *quiet],
        env=env,
        cwd=ROOT,
    )
    bare = subprocess.Popen(
        [python, "-m", "uvicorn", "benchmarks.bare:app", "--port", str(bare_port), *quiet],
        env=env,
        cwd=ROOT,
    )
    tandem = f"http://127.0.0.1:{tandem_port}"
    results: dict[str, Any] = {"people": args.people, "connections": CONNECTIONS}
    try:
        wait_ready(tandem + "/readyz")
        wait_ready(f"http://127.0.0.1:{bare_port}/json")
        load = Load(signer, sample, work, tandem, url)

        def scenario(target: str, script: Path | None, extra: dict[str, str]) -> dict[str, Any]:
            return median_run(
                args.runs, lambda: wrk(target, script, extra, CONNECTIONS, args.seconds)
            )

        # The ceiling through the same script, so it is measured the same way.
        ceiling = load.requests("bare", [(sample["employees"][0], "/json")])
        measured = {
            "bare JSON endpoint (ceiling)": scenario(
                f"http://127.0.0.1:{bare_port}", LUA / "reads.lua", ceiling
            )
        }
        for name, extra in load.reads().items():
            measured[name] = scenario(tandem, LUA / "reads.lua", extra)
        push_env = load.pushes()
        for batch in ("1", "100"):
            measured[f"sync push, {batch} mutation{'s' * (batch != '1')}"] = scenario(
                tandem, LUA / "push.lua", {**push_env, "TANDEM_BATCH": batch}
            )
        results["scenarios"] = measured
        hr_lead, partner = sample["hr_lead"][0], sample["hr_partners"][0]
        results["hr"] = {
            f"{name}, {whose}": timed_get(tandem, path, load.token(hr), 5)
            for name, path in HR_READS.items()
            for whose, hr in (("whole company", hr_lead), ("one division", partner))
        }
        if args.soak_minutes:

            def segment(seconds: int) -> dict[str, Any]:
                return wrk(tandem, LUA / "reads.lua", load.mixed(), CONNECTIONS, seconds)

            results["soak"] = soak(server.pid, args.soak_minutes, segment)
        results["rss_mb_after"] = round(resident_mb(server.pid), 1)
    finally:
        for process in (server, bare):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    report(results)


def report(results: dict[str, Any]) -> None:
    measured = results["scenarios"]
    ceiling = measured["bare JSON endpoint (ceiling)"]["requests_per_s"]
    print(f"\n{results['people']:,} people, {results['connections']} connections\n")
    print("| scenario | requests/s | p50 ms | p95 ms | p99 ms | share of ceiling | not 200 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in measured.items():
        print(
            f"| {name} | {r['requests_per_s']:,.0f} | {r.get('p50', 0):.1f} |"
            f" {r.get('p95', 0):.1f} | {r.get('p99', 0):.1f} |"
            f" {r['requests_per_s'] / ceiling:.1%} | {r['refused'] + r['non_2xx']} |"
        )
    print("\n| HR read, one at a time | median ms | slowest ms | bytes |\n|---|---:|---:|---:|")
    for name, r in results["hr"].items():
        print(f"| {name} | {r['median_ms']} | {r['max_ms']} | {r['bytes']:,} |")
    if "soak" in results:
        s = results["soak"]
        print(
            f"\nsoak {s['minutes']} min: RSS {s['rss_mb_at_5']} MB at minute 5,"
            f" {s['rss_mb_at_end']} MB at the end ({s['growth_5_to_end']:+.1%}),"
            f" max {s['rss_mb_max']} MB"
        )
    print(f"\nserver RSS after the run: {results['rss_mb_after']} MB")
    out = ROOT / "benchmarks" / "results" / f"scale-{results['people']}.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
