"""The work of one request, counted in CPU instructions under Valgrind's callgrind, for
comparing versions of the code on a noisy machine. A shared virtual machine's speed moves
by a third from one minute to the next, which hides a change of a tenth in requests per
second; the instructions a request takes move by less than one percent between runs.

    .venv/bin/python benchmarks/instructions.py [--people 100000] [--read tree] DIR [DIR ...]

Each DIR is a checkout of Tandem (a `git worktree` of the version to compare): its server
runs under callgrind on the organisation of `make bench` (seeded if missing), reads once
for every person of the load (so that what a server keeps between requests is kept), then
again with instructions counted. Needs Valgrind (apt-get install valgrind).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scale import sample_people, scale_database  # noqa: E402
from benchmarks.sync_push import free_port  # noqa: E402
from server.core.security import TokenSigner  # noqa: E402
from server.settings import Settings  # noqa: E402

READS = {"tree": "/api/goal-cycles/{cycle}/tree", "feed": "/api/kudos?limit=20"}


def connect(port: int) -> http.client.HTTPConnection:
    """A kept-alive connection, once the server (slow to start under callgrind) answers."""
    deadline = time.monotonic() + 600
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            connection.request("GET", "/readyz")
            connection.getresponse().read()
            return connection
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def instructions(out_files: list[Path]) -> int:
    """The instructions callgrind counted while instrumentation was on: in the server's
    file, the largest (the processes it starts write files of their own)."""
    totals = [
        int(line.split()[1])
        for out_file in out_files
        for line in out_file.read_text().splitlines()
        if line.startswith(("summary:", "totals:"))
    ]
    return max(totals)


def measure(code: Path, env: dict[str, str], path: str, tokens: list[str], work: Path) -> float:
    """Millions of instructions a request, over one read for each token."""
    run = uuid.uuid4().hex
    port = free_port()
    server = subprocess.Popen(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={work / run}.%p.out",
            sys.executable,
            *("-m", "server.cli", "serve", "--port", str(port), "--log-level", "warning"),
        ],
        env=env,
        cwd=code,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        connection = connect(port)

        def read_all() -> None:
            for token in tokens:
                connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")

        read_all()
        control = ["callgrind_control", "--instr"]
        subprocess.run([*control, "on", str(server.pid)], check=True, capture_output=True)
        read_all()
        subprocess.run([*control, "off", str(server.pid)], check=True, capture_output=True)
    finally:
        server.terminate()
        server.wait(timeout=120)
    return instructions(list(work.glob(f"{run}.*.out"))) / len(tokens) / 1e6


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("--people", type=int, default=100_000)
    options.add_argument("--read", choices=sorted(READS), default="tree")
    options.add_argument("code", nargs="+", type=Path, help="checkouts to compare")
    args = options.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is missing: apt-get install valgrind")
    url = scale_database(args.people, fresh=False)
    sample = asyncio.run(sample_people(url, random.Random(11)))  # noqa: S311 - reproducible
    work = Path(tempfile.mkdtemp(prefix="tandem-instructions-"))
    settings = Settings(database_url=url, var_dir=work / "var")
    signer = TokenSigner.from_settings(settings)  # writes the key the servers will read
    env = {**os.environ, "TANDEM_DATABASE_URL": url, "TANDEM_VAR_DIR": str(work / "var")}
    # The goal tree's readers in the load (`scale.Load`).
    people = sample["employees"] + sample["managers"] + sample["hr_partners"]
    tokens = [signer.issue(person["id"], uuid.uuid4()) for person in people]
    path = READS[args.read].format(cycle=sample["cycle"])
    print(f"| code | {args.read}: millions of instructions a request ({len(tokens)} reads) |")
    print("|---|---:|")
    for code in args.code:
        per_request = measure(code.resolve(), env, path, tokens, work)
        print(f"| {code} | {per_request:.2f} |", flush=True)


if __name__ == "__main__":
    main()
