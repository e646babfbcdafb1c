"""The `tandem` command line, run as a user runs it, checked by the database it leaves."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def tandem(tmp_path: Path):
    database = tmp_path / "cli.db"
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": f"sqlite:///{database}",
        "TANDEM_VAR_DIR": str(tmp_path / "var"),
        "TANDEM_NEW_PASSWORD": "a-long-enough-password",
    }

    def run(
        *args: str, check: bool = True, python: bool = False, **settings: str
    ) -> subprocess.CompletedProcess[str]:
        """`settings`: more TANDEM_* variables, named in lower case without the prefix;
        `python`: `args` are Python's own instead of the command line's."""
        return subprocess.run(
            [sys.executable, *([] if python else ["-m", "server.cli"]), *args],
            env={**env, **{f"TANDEM_{k.upper()}": v for k, v in settings.items()}},
            capture_output=True,
            text=True,
            check=check,
        )

    def query(sql: str, *values: object) -> list[tuple]:
        with sqlite3.connect(database) as connection:
            return connection.execute(sql, values).fetchall()

    run.query = query  # type: ignore[attr-defined]
    return run


def test_demo_is_idempotent(tandem):
    tandem("demo")
    tandem("demo")
    assert tandem.query("SELECT count(*) FROM org_person") == [(8,)]
    assert tandem.query("SELECT count(*) FROM auth_credential") == [(8,)]
    assert tandem.query("SELECT journal_mode FROM pragma_journal_mode") == [("wal",)]


def test_create_user_stores_roles_and_an_argon2_hash(tandem):
    tandem("migrate")
    tandem(
        "create-user", "new.hr@example.com", "--name", "新HR", "--role", "employee", "--role", "hr"
    )
    rows = tandem.query(
        "SELECT p.roles, c.password_hash FROM org_person p"
        " JOIN auth_credential c ON c.person = p.id"
    )
    assert len(rows) == 1
    roles, password_hash = rows[0]
    assert roles == "employee hr"
    assert password_hash.startswith("$argon2id$")


def test_import_org_reports_lines_and_writes_nothing_on_error(tandem, tmp_path):
    tandem("migrate")
    bad = tmp_path / "people.csv"
    bad.write_text(
        "email,display_name,manager_email\nok@example.com,好,\nbroken,坏,\n", encoding="utf-8"
    )
    result = tandem("import-org", str(bad), check=False)
    assert result.returncode != 0
    assert "line 3: email" in result.stderr
    assert tandem.query("SELECT count(*) FROM org_person") == [(0,)]
    good = tmp_path / "good.csv"
    good.write_text(
        "email,display_name,department\nok@example.com,好,Ops/North\n", encoding="utf-8"
    )
    result = tandem("import-org", str(good))
    assert '"created": 1' in result.stdout
    assert tandem.query("SELECT name FROM org_department ORDER BY name") == [("North",), ("Ops",)]


def test_the_generated_secret_key_is_private(tandem, tmp_path):
    tandem("openapi")
    key = tmp_path / "var" / "secret.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert len(key.read_text().strip()) >= 32


def test_a_key_file_others_can_read_is_refused_and_doctor_says_how_to_fix_it(tandem, tmp_path):
    tandem("openapi")
    key = tmp_path / "var" / "secret.key"
    assert tandem("doctor").returncode == 0
    key.chmod(0o644)
    refused = tandem("openapi", check=False)
    assert refused.returncode != 0
    assert f"chmod 600 {key}" in refused.stderr
    doctor = tandem("doctor", check=False)
    assert doctor.returncode == 1
    assert f"problem  secret key: {key} can be read by other users" in doctor.stdout
    assert key.read_text().strip() not in doctor.stdout + doctor.stderr
    key.chmod(0o600)
    assert tandem("openapi").returncode == 0


def test_doctor_flags_a_placeholder_secret_and_plain_http(tandem):
    placeholder = "change-me-" * 4
    doctor = tandem(
        "doctor", check=False, secret_key=placeholder, public_url="http://perf.example.com"
    )
    assert doctor.returncode == 1
    assert "problem  secret key: TANDEM_SECRET_KEY looks like a placeholder" in doctor.stdout
    assert "problem  address: http://perf.example.com is plain HTTP" in doctor.stdout
    assert placeholder not in doctor.stdout + doctor.stderr
    fine = tandem(
        "doctor",
        secret_key="Zk3q9-Vv_TtR2mLwP8xYc4Nh7JsDbE1aUoG6",
        public_url="https://perf.example.com",
    )
    assert (
        "ok       address: https://perf.example.com, with Strict-Transport-Security" in fine.stdout
    )
    assert "problem" not in fine.stdout
    on_this_machine = tandem("doctor", public_url="http://127.0.0.1:8000")
    assert "plain HTTP, on this machine only" in on_this_machine.stdout


def test_vapid_init_creates_a_private_key_once_and_never_prints_it(tandem, tmp_path):
    first = tandem("vapid", "init").stdout
    key = tmp_path / "var" / "vapid_private.pem"
    assert first.startswith(f"created {key}")
    assert key.stat().st_mode & 0o777 == 0o600
    pem = key.read_text()
    public = first.split("public key: ")[1].strip()
    assert len(public) == 87  # base64url of a 65-byte uncompressed P-256 point
    second = tandem("vapid", "init").stdout
    assert second.startswith(f"kept {key}")
    assert public in second
    assert key.read_text() == pem
    body = pem.split("-----")[2].strip().splitlines()[0]
    assert body not in first + second


# The indexes on large tables that docs/operations.md says to build by hand first, with
# CREATE INDEX CONCURRENTLY on PostgreSQL, so that a deploy does not lock writes.
BUILT_BY_HAND = {
    "checkins_checkin_held_on_employee_state": "checkins_checkin (held_on, employee, state)",
    "checkins_checkin_employee_held_on_state": "checkins_checkin (employee, held_on, state)",
}
# The check-ins app's last migration before them.
CHECKINS_FIRST = "2026-11-27T14:56:40:000000"


def test_migrate_accepts_the_large_indexes_built_by_hand_first(tandem, tmp_path: Path):
    """A database from before those indexes (check-ins as first created), the indexes built
    by hand as the operations guide says, then `tandem migrate`: it completes."""
    piccolo = Path(sys.executable).with_name("piccolo")
    env = {
        **os.environ,
        "PICCOLO_CONF": "server.piccolo_conf",
        "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    for app, *up_to in (("org",), ("auth",), ("goals",), ("checkins", CHECKINS_FIRST)):
        subprocess.run([piccolo, "migrations", "forwards", app, *up_to], env=env, check=True)
    assert tandem.query("SELECT count(*) FROM checkins_checkin") == [(0,)]
    for name, on in BUILT_BY_HAND.items():
        tandem.query(f"CREATE INDEX {name} ON {on}")
    ran = tandem("migrate", check=False)
    assert ran.returncode == 0, ran.stderr
    indexes = {
        row[0] for row in tandem.query("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    assert set(BUILT_BY_HAND) <= indexes
    assert "checkins_checkin_employee" not in indexes


# The goals app's last migration before goals said whether their parent is shared.
GOALS_BEFORE_PARENT_SHARED = "2026-11-25T23:07:24:467996"


def test_migrate_tells_existing_goals_whether_their_parent_is_shared(tandem, tmp_path: Path):
    """Goals written before `parent_shared` get it from their parents: a shared objective of
    the same cycle, not an individual goal, nor one of another cycle, nor none."""
    piccolo = Path(sys.executable).with_name("piccolo")
    env = {
        **os.environ,
        "PICCOLO_CONF": "server.piccolo_conf",
        "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    for app, *up_to in (("org",), ("auth",), ("goals", GOALS_BEFORE_PARENT_SHARED)):
        subprocess.run([piccolo, "migrations", "forwards", app, *up_to], env=env, check=True)
    tandem.query("INSERT INTO org_person (id, email) VALUES ('p', 'p@example.com')")
    tandem.query("INSERT INTO goals_cycle (id) VALUES ('this'), ('last')")
    goals = [  # id, level, cycle, parent
        ("objective", "team", "this", None),
        ("old objective", "team", "last", None),
        ("mine", "individual", "this", None),
        ("under objective", "individual", "this", "objective"),
        ("under mine", "individual", "this", "mine"),
        ("under old objective", "individual", "this", "old objective"),
    ]
    for goal_id, level, cycle, parent in goals:
        tandem.query(
            "INSERT INTO goals_goal (id, level, owner, cycle, parent, created_by)"
            " VALUES (?, ?, 'p', ?, ?, 'p')",
            goal_id,
            level,
            cycle,
            parent,
        )
    ran = tandem("migrate", check=False)
    assert ran.returncode == 0, ran.stderr
    flagged = tandem.query("SELECT id FROM goals_goal WHERE parent_shared")
    assert flagged == [("under objective",)]


def test_serve_keeps_the_objects_of_its_start_out_of_collections(tandem):
    """Walking them in every collection of the oldest generation held up every request in
    flight for 80-100 ms about once a second under load, and with them out of reach the
    oldest generation still came due every few seconds (docs/performance.md). Served with
    uvicorn replaced by a report of what is frozen, and of the collector's thresholds, when
    it would start."""
    serve = (
        "import gc, uvicorn;"
        " uvicorn.run = lambda app, **_:"
        " print('frozen', gc.get_freeze_count(), *gc.get_threshold());"
        " from server.cli import main; main(['serve'])"
    )
    said, frozen, *thresholds = tandem("-c", serve, python=True).stdout.splitlines()[-1].split()
    assert said == "frozen"
    assert int(frozen) > 10_000
    assert [int(t) for t in thresholds] == [700, 10, 100]  # Python's, but the oldest's
