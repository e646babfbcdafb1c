"""Every problem code the server can answer has a message in the app's catalog: the PWA
shows `errors[code]`, and a code without one would fall back to "something went wrong".
(The zh-CN catalog is type-checked against the English one, so English is enough here.)"""

from __future__ import annotations

import re
from pathlib import Path

from server.core.errors import CODES_BY_STATUS

ROOT = Path(__file__).resolve().parent.parent
RAISED = re.compile(r'(?:ProblemError|problem_response)\(\s*(?:request,\s*)?\d+,\s*"([a-z_]+)"')


def server_codes() -> set[str]:
    codes = set(CODES_BY_STATUS.values())
    for source in (ROOT / "server").rglob("*.py"):
        codes |= set(RAISED.findall(source.read_text(encoding="utf-8")))
    return codes


def catalog_codes() -> set[str]:
    catalog = (ROOT / "pwa/src/i18n/en.ts").read_text(encoding="utf-8")
    errors = catalog[catalog.index("  errors: {") :]
    errors = errors[: errors.index("\n  },")]
    return set(re.findall(r"^\s+([a-z_]+):", errors, re.MULTILINE))


def test_the_scan_finds_codes_raised_over_several_lines():
    assert {"not_found", "validation_failed", "goal_incomplete", "owner_only"} <= server_codes()


def test_every_problem_code_has_a_message():
    assert server_codes() - catalog_codes() == set()
