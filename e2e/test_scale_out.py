"""Scale-out: two server processes on one PostgreSQL database, as behind a load balancer
(docs/operations.md). What must happen once still happens once: a sync push delivered to
both at the same moment, the alert rounds both run, and the push dispatch both run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from e2e.conftest import run_coroutine, seeded_demo, serving
from e2e.pages import Api
from tests.conftest import PG_ADMIN_URL, create_pg_database, drop_pg_database
from tests.push_service import start_push_service

pytestmark = pytest.mark.e2e


class Cluster:
    def __init__(self, a: str, b: str, database_url: str) -> None:
        self.a, self.b, self.database_url = a, b, database_url

    def rows(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        async def read() -> list[dict[str, Any]]:
            connection = await asyncpg.connect(self.database_url)
            try:
                return [dict(r) for r in await connection.fetch(sql, *args)]
            finally:
                await connection.close()

        return run_coroutine(read())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Always PostgreSQL, whichever backend the suite runs on: several processes share one
    database only there. Both read the same key files (var/), as a deployment shares its
    secrets, and run their background jobs often, so they overlap within the test."""
    work: Path = tmp_path_factory.mktemp("scale-out")
    database_url = run_coroutine(create_pg_database(PG_ADMIN_URL))
    try:
        env = seeded_demo(
            database_url,
            work,
            TANDEM_PUSH_DISPATCH_INTERVAL_SECONDS="0.2",
            TANDEM_ALERT_INTERVAL_SECONDS="0.5",
        )
        with serving(env, work / "a.log") as a, serving(env, work / "b.log") as b:
            yield Cluster(a, b, database_url)
    finally:
        run_coroutine(drop_pg_database(PG_ADMIN_URL, database_url))


def send(base: str, token: str, path: str, body: Any, method: str = "POST") -> Any:
    request = urllib.request.Request(  # noqa: S310 - loopback test servers
        base + path,
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        content = response.read()
        return json.loads(content) if content else None


def eventually(check: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("not within the time allowed")
        time.sleep(0.2)


def test_a_push_delivered_to_both_processes_at_once_is_applied_once(cluster: Cluster):
    alice = Api(cluster.a, "alice@example.com")  # her token is good on either process
    bob = Api(cluster.b, "bob@example.com").call("/api/me")["id"]
    marker = uuid.uuid4().hex[:8]
    mutations = [
        {
            "id": str(uuid.uuid4()),
            "kind": "kudos.create",
            "client_created_at": "2026-12-01T08:00:00Z",
            "payload": {
                "recipient_ids": [bob],
                "behaviour": f"{marker} 在客户现场把第 {n} 份报价单逐项讲清楚，客户当场同意试点",
            },
        }
        for n in range(20)
    ]
    body = {"device_id": "two-processes", "mutations": mutations}
    # The phone retries while the first delivery is still being applied, through either
    # process: twelve deliveries of one batch, at once.
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(
            pool.map(
                lambda base: send(base, alice.token, "/api/sync/push", body),
                [cluster.a, cluster.b] * 6,
            )
        )
    for answer in answers:
        assert [r["id"] for r in answer["results"]] == [m["id"] for m in mutations]
        assert {r["status"] for r in answer["results"]} <= {"applied", "duplicate"}
    # Every delivery names the same kudos for each entry, and the database holds one each.
    assert len({tuple(r["entity_id"] for r in a["results"]) for a in answers}) == 1
    written = cluster.rows(
        "SELECT behaviour FROM feedback_kudos WHERE behaviour LIKE $1", f"{marker}%"
    )
    assert len(written) == len(mutations)


def test_alert_rounds_in_both_processes_raise_each_alert_once(cluster: Cluster):
    # Both processes run a round every half second; a breach appears between them.
    alice = Api(cluster.b, "alice@example.com")
    goal = next(
        g for g in alice.call("/api/me/goals")["goals"] if g["title"] == "拓展苏州制造业新客户"
    )
    key_result = alice.call(f"/api/goals/{goal['id']}")["key_results"][0]
    alice.call(f"/api/key-results/{key_result['id']}/progress", {"value": "0"})
    condition = f"kr_behind:{key_result['id']}"

    def raised() -> bool:
        return bool(
            cluster.rows("SELECT id FROM alerts_alert WHERE condition LIKE $1", f"{condition}%")
        )

    eventually(raised)
    time.sleep(3)  # several more rounds in each process
    assert (
        cluster.rows(
            "SELECT condition FROM alerts_alert WHERE state IN ('open', 'scheduled')"
            " GROUP BY condition HAVING count(*) > 1"
        )
        == []
    )
    [alert] = cluster.rows(
        "SELECT id FROM alerts_alert WHERE condition LIKE $1 AND state = 'open'", f"{condition}%"
    )
    told = Counter(
        r["person"]
        for r in cluster.rows(
            "SELECT person FROM push_notification WHERE subject_id = $1", alert["id"]
        )
    )
    assert sorted(told.values()) == [1, 1]  # alice and her manager, once each


def test_push_dispatch_in_both_processes_sends_each_notification_once(cluster: Cluster):
    service = start_push_service()
    try:
        carol = Api(cluster.a, "carol@example.com")
        devices = [f"carol-{n}" for n in range(12)]
        endpoints = {}
        for n, device in enumerate(devices):
            # Each new device is told "notifications are on", whichever process saved it.
            subscription = service.subscribe(device)
            endpoints[device] = subscription["endpoint"]
            base = cluster.a if n % 2 else cluster.b
            send(base, carol.token, "/api/push/subscription", subscription, "PUT")

        def sent_to(device: str) -> int:
            [row] = cluster.rows(
                "SELECT count(*) AS sent FROM push_delivery d"
                " JOIN push_subscription s ON s.id = d.subscription"
                " WHERE s.endpoint = $1 AND d.status = 'sent'",
                endpoints[device],
            )
            return int(row["sent"])

        # Each device is told of every device added after it: 12 + 11 + ... + 1 messages.
        expected = len(devices) * (len(devices) + 1) // 2
        eventually(lambda: sum(sent_to(d) for d in devices) == expected)
        time.sleep(2)  # ten more dispatch turns in each process
        for device in devices:
            # What the push service received is what the outbox sent, once each.
            assert len(service.for_(device)) == sent_to(device)
        assert sum(len(service.for_(d)) for d in devices) == expected
        assert service.violations == []
    finally:
        service.close()


def test_processes_starting_at_once_on_a_new_database_take_turns_to_migrate(
    tmp_path: Path,
):
    """A deployment starts its processes together: each migrates on start (`tandem serve`)."""
    database_url = run_coroutine(create_pg_database(PG_ADMIN_URL))
    try:
        env = {**os.environ, "TANDEM_DATABASE_URL": database_url, "TANDEM_VAR_DIR": str(tmp_path)}
        starting = [
            subprocess.Popen(
                [sys.executable, "-m", "server.cli", "migrate"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(4)
        ]
        outputs = [process.communicate(timeout=120)[0].decode() for process in starting]
        assert [p.returncode for p in starting] == [0, 0, 0, 0], outputs
        cluster = Cluster("", "", database_url)
        # One default check-in template, whoever got there first.
        assert len(cluster.rows("SELECT id FROM checkins_template")) == 1
    finally:
        run_coroutine(drop_pg_database(PG_ADMIN_URL, database_url))
