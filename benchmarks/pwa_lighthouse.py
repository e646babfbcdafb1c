"""The PWA on a phone (`make bench-pwa`): Lighthouse's mobile emulation (a mid-range phone:
4x slower CPU, slow 4G, 412x823) in the system Chromium, against the demo served by
`tandem serve` from a fresh SQLite database.

    .venv/bin/python benchmarks/pwa_lighthouse.py

1. Today and the check-in screen, signed in as alice, the shell already in the service
   worker's cache (Lighthouse keeps the browser's storage: a repeat visit).
2. The sign-in screen on a first visit (Lighthouse empties the storage first).
3. A repeat visit of Today, timed by Playwright (before Lighthouse runs) with the CPU 4x
   slower: from the start of the navigation until the greeting and the two quick buttons
   can be used; median of five.

Prints a table and writes benchmarks/results/pwa.json. Needs `npm ci` in benchmarks/pwa
(the Makefile target does it) and a built PWA (pwa/dist).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from benchmarks.sync_push import free_port, wait_ready  # noqa: E402
from e2e.pages import LoginPage  # noqa: E402

LIGHTHOUSE = ROOT / "benchmarks" / "pwa" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
RELOADS = 5
# Lighthouse's audit ids for the figures the targets name.
AUDITS = {
    "lcp_ms": "largest-contentful-paint",
    "tbt_ms": "total-blocking-time",
    "cls": "cumulative-layout-shift",
    "fcp_ms": "first-contentful-paint",
}


def lighthouse(url: str, port: int, out: Path, keep_storage: bool) -> dict[str, Any]:
    command = [
        str(LIGHTHOUSE),
        url,
        f"--port={port}",
        "--only-categories=performance",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        *(["--disable-storage-reset"] if keep_storage else []),
    ]
    # Lighthouse sometimes misses the start of the page load in its trace (NO_NAVSTART) and
    # asks to be run again.
    for _ in range(3):
        subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": CHROMIUM})
        report = json.loads(out.read_text())
        if report["categories"]["performance"]["score"] is not None:
            break
    else:
        raise RuntimeError(f"Lighthouse failed on {url}: {report.get('runtimeError')}")
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        **{name: report["audits"][audit]["numericValue"] for name, audit in AUDITS.items()},
    }


def repeat_visit_ms(page: Any) -> float:
    """Reloads Today with the CPU 4x slower; -> ms from the navigation's start until the
    greeting shows and the quick buttons take a tap (median of RELOADS)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    times = []
    for _ in range(RELOADS):
        page.reload(wait_until="commit")
        page.get_by_test_id("greeting").wait_for()
        page.locator("[data-testid=quick-kudos]:enabled").wait_for()
        page.locator("[data-testid=quick-checkin]:enabled").wait_for()
        times.append(float(page.evaluate("performance.now()")))
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
    return round(statistics.median(times), 1)


def main() -> None:
    if not LIGHTHOUSE.exists():
        sys.exit("Lighthouse is missing: cd benchmarks/pwa && npm ci")
    if not (ROOT / "pwa" / "dist" / "index.html").exists():
        sys.exit("pwa/dist is missing: make pwa")
    work = Path(tempfile.mkdtemp(prefix="tandem-pwa-"))
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": f"sqlite:///{work / 'tandem.db'}",
        "TANDEM_VAR_DIR": str(work / "var"),
    }
    python = sys.executable
    subprocess.run([python, "-m", "server.cli", "demo"], env=env, check=True, capture_output=True)
    port, debugging = free_port(), free_port()
    server = subprocess.Popen(
        [python, "-m", "server.cli", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {}
    try:
        wait_ready(base + "/readyz")
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                str(work / "profile"),
                executable_path=CHROMIUM,
                headless=True,
                args=[f"--remote-debugging-port={debugging}", "--no-sandbox", "--disable-gpu"],
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                has_touch=True,
                locale="en-US",
                base_url=base,
            )
            page = context.new_page()
            shell = LoginPage(page).open().sign_in("alice@example.com")
            shell.greeting.wait_for()
            shell.wait_for_offline_ready()
            results["repeat visit of Today, interactive (ms)"] = repeat_visit_ms(page)
            for name, path in (("Today", "/"), ("check-ins", "/checkins")):
                results[name] = lighthouse(base + path, debugging, work / f"{name}.json", True)
            # Last: Lighthouse empties the storage, which signs alice out.
            results["sign-in, first visit"] = lighthouse(
                base + "/", debugging, work / "first.json", False
            )
            context.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    report(results)


def report(results: dict[str, Any]) -> None:
    print("\n| screen | performance | LCP ms | TBT ms | CLS | FCP ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        if isinstance(r, dict):
            print(
                f"| {name} | {r['performance']} | {r['lcp_ms']:.0f} | {r['tbt_ms']:.0f} |"
                f" {r['cls']:.3f} | {r['fcp_ms']:.0f} |"
            )
    repeat = results["repeat visit of Today, interactive (ms)"]
    print(f"\nrepeat visit of Today, interactive: {repeat} ms")
    out = ROOT / "benchmarks" / "results" / "pwa.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
