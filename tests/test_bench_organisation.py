"""The benchmark organisation (`tandem bench seed`): its shape is what the scale benchmarks
claim, and the API reads it like any organisation it made itself."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar import Litestar

from benchmarks import organisation
from server import db
from server.goals.content import content_hash
from shared_schemas.goals import GoalContent
from tests.conftest import truncate_all

PEOPLE = 70


@pytest.fixture(scope="module")
async def seeded(
    app: Litestar, session_client: httpx.AsyncClient
) -> AsyncIterator[organisation.Seeded]:
    """One organisation for the module's tests, which only read it."""
    yield await organisation.seed(PEOPLE, seed=3)
    await truncate_all(app.state.engine)


async def test_every_manager_has_five_to_nine_reports_under_one_chief(
    seeded: organisation.Seeded,
) -> None:
    people = await db.fetch("SELECT id, manager, department FROM org_person")
    assert len(people) == PEOPLE
    assert sum(p["manager"] is None for p in people) == 1
    reports = Counter(p["manager"] for p in people if p["manager"] is not None)
    sizes = sorted(reports.values())
    # Breadth first: only the last manager to be given reports may have fewer than five.
    assert all(5 <= n <= 9 for n in sizes[1:]), sizes
    assert 1 <= sizes[0] <= 9
    assert seeded.managers == len(reports)
    assert seeded.alerts_opened == len(await db.fetch("SELECT id FROM alerts_alert"))
    departments = {
        d["id"]: d["parent"] for d in await db.fetch("SELECT id, parent FROM org_department")
    }
    assert len(departments) == seeded.departments
    assert sum(parent is None for parent in departments.values()) == 1
    assert all(p["department"] in departments for p in people)


async def test_the_change_log_is_left_folded(seeded: organisation.Seeded) -> None:
    """As a live installation's compaction leaves it: a benchmark's cursors and ETags are
    not taken before a first fold that would change nearly every topic under them."""
    topics = Counter(r["topic"] for r in await db.fetch("SELECT topic FROM sync_change"))
    assert len(topics) > PEOPLE  # each person's goals and check-ins, and more
    assert set(topics.values()) == {1}  # a topic's one row is what the next fold leaves


async def test_a_year_of_weekly_checkins_with_each_manager(seeded: organisation.Seeded) -> None:
    rows = await db.fetch(
        "SELECT c.employee, c.manager, p.manager AS reports_to, c.held_on, c.state"
        " FROM checkins_checkin c JOIN org_person p ON p.id = c.employee"
    )
    per_person = Counter(r["employee"] for r in rows)
    assert len(per_person) == PEOPLE - 1  # everyone but the chief executive
    # 52 weeks, about one in ten missed.
    assert all(35 <= n <= organisation.WEEKS_OF_CHECKINS for n in per_person.values())
    assert all(r["manager"] == r["reports_to"] and r["state"] == "confirmed" for r in rows)
    year_ago = datetime.now(UTC).date() - timedelta(days=366)
    assert all(year_ago <= db.as_date(r["held_on"]) for r in rows)
    last_held = {}
    for r in sorted(rows, key=lambda r: db.as_date(r["held_on"])):
        last_held[r["employee"]] = db.as_date(r["held_on"])
    kept = await db.fetch("SELECT employee, held_on FROM checkins_last_held")
    assert {r["employee"]: db.as_date(r["held_on"]) for r in kept} == last_held


async def test_goals_are_aligned_agreed_and_signed_over_their_content(
    seeded: organisation.Seeded,
) -> None:
    goals = await db.fetch(
        "SELECT g.id, g.level, g.parent, g.parent_shared, g.owner, g.cycle, p.manager"
        " FROM goals_goal g JOIN org_person p ON p.id = g.owner"
    )
    by_id = {g["id"]: g for g in goals}
    for goal in goals:  # as the API writes it: the parent is a shared objective of the cycle
        parent = by_id.get(goal["parent"])
        assert bool(goal["parent_shared"]) == (
            parent is not None
            and parent["level"] != "individual"
            and parent["cycle"] == goal["cycle"]
        )
    individual = [g for g in goals if g["level"] == "individual"]
    assert len(individual) == 2 * 2 * (PEOPLE - 1)  # two goals, two cycles, all but the chief
    for goal in individual:
        parent = by_id[goal["parent"]]
        assert parent["level"] != "individual"
        assert parent["cycle"] == goal["cycle"]
        assert parent["owner"] in (goal["manager"], by_id[parent["id"]]["owner"])
    versions = await db.fetch("SELECT goal, content, content_hash FROM goals_version")
    assert len(versions) == len(goals)
    for version in versions:
        content = GoalContent.model_validate_json(version["content"])
        assert content_hash(content) == version["content_hash"]
    signatures = Counter(
        (r["goal"], r["role"]) for r in await db.fetch("SELECT goal, role FROM goals_signature")
    )
    assert all(
        signatures[(g["id"], "employee")] == signatures[(g["id"], "manager")] == 1
        for g in individual
    )


async def test_the_api_serves_a_generated_person(
    session_client: httpx.AsyncClient, seeded: organisation.Seeded
) -> None:
    client = session_client
    manager = await db.fetch(
        "SELECT p.email, count(r.id) AS reports FROM org_person p"
        " JOIN org_person r ON r.manager = p.id WHERE p.manager IS NOT NULL"
        " GROUP BY p.email ORDER BY p.email LIMIT 1"
    )
    headers = await signed_in(client, manager[0]["email"])
    team = await client.get("/api/me/team", headers=headers)
    assert team.status_code == 200
    assert len(team.json()) == manager[0]["reports"]
    goals = await client.get("/api/me/team/goals", headers=headers)
    assert goals.status_code == 200
    assert {g["state"] for g in goals.json()} <= {"active", "closed"}
    kudos = await client.get("/api/kudos", headers=headers)
    assert kudos.status_code == 200
    assert kudos.json()["items"]


async def test_hr_covers_the_company_or_a_division(
    session_client: httpx.AsyncClient, seeded: organisation.Seeded
) -> None:
    hr = await db.fetch(
        "SELECT p.email, EXISTS (SELECT 1 FROM org_hr_scope s WHERE s.person = p.id) AS scoped"
        " FROM org_person p WHERE p.roles LIKE '%hr%'"
    )
    assert sum(not h["scoped"] for h in hr) == 1  # the HR lead
    for person in hr:
        headers = await signed_in(session_client, person["email"])
        for path in ("/api/checkin-coverage", "/api/open-alerts-by-department"):
            response = await session_client.get(path, headers=headers)
            assert response.status_code == 200, response.text
            [everyone] = [g for g in response.json()["groups"] if g["department_id"] is None]
            if person["scoped"]:
                assert everyone["people"] < PEOPLE - 10  # one division
            else:
                assert everyone["people"] == PEOPLE  # the admin works here too


async def signed_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    login = await client.post(
        "/api/auth/login", json={"email": email, "password": organisation.BENCH_PASSWORD}
    )
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_seeding_refuses_a_database_that_holds_people(seeded: organisation.Seeded) -> None:
    before = await db.fetch("SELECT count(*) AS n FROM checkins_checkin")
    with pytest.raises(ValueError, match="already holds people"):
        await organisation.seed(10)
    assert await db.fetch("SELECT count(*) AS n FROM checkins_checkin") == before


def test_the_same_seed_gives_the_same_tree() -> None:
    first = organisation.build_tree(5_000, random.Random(9))
    again = organisation.build_tree(5_000, random.Random(9))
    assert first.manager == again.manager
    assert isinstance(first.ids[0], uuid.UUID)
