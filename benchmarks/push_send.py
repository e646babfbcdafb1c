"""Benchmark of sending Web Push (issue: deviation alerts and Web Push): encrypted messages
per second per core from Tandem's sender to a loopback push service, side by side with
pywebpush in the same run, which signs a VAPID token for every message.

    .venv/bin/python benchmarks/push_send.py

Both senders run in this process, one after the other, with the same 50 messages in flight,
the same subscriptions (real P-256 keys) and the same payload; the push service answers 201
from a process of its own. "Per core" is messages per second of this process's CPU time.
Also reported: the cost of preparing one message (encryption and headers) without sending.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from py_vapid import Vapid02  # type: ignore[import-untyped]  # noqa: E402
from pywebpush import WebPusher, webpush_async  # type: ignore[import-untyped]  # noqa: E402

from benchmarks.sync_push import free_port, wait_ready  # noqa: E402
from server.push.sender import Message, Sender, Target  # noqa: E402
from server.push.vapid import VapidIdentity  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.push_service import browser_keys  # noqa: E402

IN_FLIGHT = 50
SUBSCRIPTIONS = 100
MESSAGE = Message("Notifications are on", "Tandem will tell you here.", "/", "push.enabled")
TTL = 6 * 3600


async def measure(count: int, send_one: Callable[[int], Awaitable[None]]) -> dict[str, float]:
    """`count` messages, IN_FLIGHT at a time; -> wall and CPU rates."""
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one(i: int) -> None:
        async with slots:
            await send_one(i)

    started_wall, started_cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(i) for i in range(count)))
    wall = time.perf_counter() - started_wall
    cpu = time.process_time() - started_cpu
    return {"messages": count, "per_s": count / wall, "per_cpu_s": count / cpu}


def prepare_rate(prepare: Callable[[int], object], count: int) -> float:
    started = time.process_time()
    for i in range(count):
        prepare(i)
    return count / (time.process_time() - started)


async def run(count: int, stub: str) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="tandem-push-bench-"))
    identity = VapidIdentity.from_settings(Settings(var_dir=work))
    pem = identity.private_pem.decode()
    subscriptions: list[dict[str, Any]] = [
        {"endpoint": f"{stub}/push/{i}", "keys": browser_keys()} for i in range(SUBSCRIPTIONS)
    ]
    targets = [Target(s["endpoint"], s["keys"]["p256dh"], s["keys"]["auth"]) for s in subscriptions]
    payload = MESSAGE.payload().decode()
    vapid = Vapid02.from_pem(pem.encode())
    subject = {"sub": identity.subject}
    results: dict[str, Any] = {}

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT)) as client:
        sender = Sender(identity, client)

        async def ours(i: int) -> None:
            answer = await sender.send(targets[i % SUBSCRIPTIONS], MESSAGE, TTL, "normal", "")
            assert answer.status == 201, answer

        await measure(200, ours)  # warm-up: connections open, token signed
        results["tandem"] = await measure(count, ours)
        results["tandem"]["prepare_per_cpu_s"] = prepare_rate(
            lambda i: sender.request(targets[i % SUBSCRIPTIONS], MESSAGE, TTL, "normal", ""),
            count // 4,
        )

    connector = aiohttp.TCPConnector(limit=IN_FLIGHT)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def theirs(i: int) -> None:
            response = await webpush_async(
                subscriptions[i % SUBSCRIPTIONS],
                payload,
                vapid_private_key=vapid,
                vapid_claims=dict(subject),
                ttl=TTL,
                aiohttp_session=session,
            )
            assert not isinstance(response, str)
            assert response.status == 201

        await measure(200, theirs)
        results["pywebpush"] = await measure(count, theirs)

    def their_prepare(i: int) -> None:
        subscription = subscriptions[i % SUBSCRIPTIONS]
        WebPusher(subscription).encode(payload.encode(), "aes128gcm")
        vapid.sign({**subject, "aud": stub})

    results["pywebpush"]["prepare_per_cpu_s"] = prepare_rate(their_prepare, count // 4)
    return results


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--messages", type=int, default=6000)
    args = options.parse_args()
    port = free_port()
    stub = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.push_stub:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    try:
        origin = f"http://127.0.0.1:{port}"
        wait_ready(origin + "/ready")
        results = asyncio.run(run(args.messages, origin))
    finally:
        stub.terminate()
        stub.wait(timeout=10)
    ours, theirs = results["tandem"], results["pywebpush"]
    print(f"\n{args.messages} messages, {IN_FLIGHT} in flight, {SUBSCRIPTIONS} subscriptions\n")
    print("| sender | messages/s | per CPU-second (per core) | prepared per CPU-second |")
    print("|---|---:|---:|---:|")
    for name, r in (
        ("Tandem (token per audience)", ours),
        ("pywebpush (token per message)", theirs),
    ):
        rates = (r["per_s"], r["per_cpu_s"], r["prepare_per_cpu_s"])
        print(f"| {name} | " + " | ".join(f"{rate:,.0f}" for rate in rates) + " |")
    print(
        f"\nratio per core: {ours['per_cpu_s'] / theirs['per_cpu_s']:.2f}×;"
        f" preparing: {ours['prepare_per_cpu_s'] / theirs['prepare_per_cpu_s']:.2f}×"
    )
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "push_send.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )


if __name__ == "__main__":
    main()
