"""The first screen's size budget (pwa/scripts/budget.mjs), which `npm run build` runs: it
fails the build when the JavaScript and CSS index.html loads first pass 60 KB gzipped, and
leaves lazy chunks out of the count."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "pwa" / "scripts" / "budget.mjs"
INDEX = """<!doctype html><html><head>
<script type="module" crossorigin src="/assets/index-a1.js"></script>
<link rel="modulepreload" crossorigin href="/assets/vendor-b2.js">
<link rel="stylesheet" crossorigin href="/assets/index-c3.css">
<link rel="icon" href="/icons/icon-192.png">
</head><body><div id="app"></div></body></html>"""


def build(tmp_path: Path, entry: int, preloaded: int, lazy: int) -> Path:
    """A dist/ whose files hold that many random (so incompressible) bytes."""
    assets = tmp_path / "assets"
    assets.mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    for name, size in (("index-a1.js", entry), ("vendor-b2.js", preloaded), ("lazy-d4.js", lazy)):
        (assets / name).write_bytes(os.urandom(size))
    (assets / "index-c3.css").write_text("body{margin:0}")
    return tmp_path


def budget(dist: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to build the PWA")
    return subprocess.run([node, str(SCRIPT), str(dist)], capture_output=True, text=True)


def test_within_budget_passes_and_lazy_chunks_do_not_count(tmp_path: Path) -> None:
    result = budget(build(tmp_path, entry=30_000, preloaded=20_000, lazy=200_000))
    assert result.returncode == 0, result.stderr
    assert "vendor-b2.js" in result.stdout
    assert "lazy-d4.js" not in result.stdout


def test_over_budget_fails_the_build(tmp_path: Path) -> None:
    # 40 KB + 25 KB of incompressible JavaScript: over 60 KB gzipped.
    result = budget(build(tmp_path, entry=40_000, preloaded=25_000, lazy=0))
    assert result.returncode == 1
    assert "over" in result.stderr


def test_a_build_with_nothing_to_count_fails(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>empty</title>")
    assert budget(tmp_path).returncode == 1
