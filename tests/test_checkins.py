"""Micro check-ins through the sync push: preparation, minutes held offline, confirmation by
both, actions that carry over, private notes, cadence and status, templates, and the pull."""

from __future__ import annotations

import asyncio
import importlib
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from server import db
from server.checkins import cadence
from server.checkins import queries as checkins
from server.checkins.defaults import DEFAULT_TEMPLATE_ID
from server.checkins.tables import LastHeld
from server.demo.principals import act_as
from server.sync import pull
from shared_schemas.checkins import SubmitMinutes
from tests.conftest import problem
from tests.test_sync import kudos_to, mutation, outcomes, push

TODAY = datetime.now(UTC).date()


def prepare(checkin_id: str, **answers: str) -> dict[str, Any]:
    return mutation(
        "checkin.prepare",
        {"checkin_id": checkin_id, "template_id": str(DEFAULT_TEMPLATE_ID), "answers": answers},
    )


def minutes(employee: uuid.UUID, owner: uuid.UUID, checkin_id: str | None = None, **extra: Any):
    return mutation(
        "checkin.submit",
        {
            "checkin_id": checkin_id or str(uuid.uuid4()),
            "employee_id": str(employee),
            "template_id": str(DEFAULT_TEMPLATE_ID),
            "held_on": TODAY.isoformat(),
            "highlights": "试点客户新签 3 家",
            "blockers": "法务审核慢",
            "support": "李娜约法务负责人",
            "actions": [
                {
                    "id": str(uuid.uuid4()),
                    "title": "把试点合同发给法务预审",
                    "owner_id": str(owner),
                    "due_on": (TODAY + timedelta(days=7)).isoformat(),
                }
            ],
            **extra,
        },
    )


def confirm(checkin_id: str, version: int) -> dict[str, Any]:
    return mutation("checkin.confirm", {"checkin_id": checkin_id, "minutes_version": version})


async def checkin(client, headers, checkin_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/checkins/{checkin_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_checkin_held_offline_is_confirmed_by_both(client, people, headers_for):
    bob, manager = headers_for("bob"), headers_for("manager.east")
    # Bob prepares on his phone; his manager's phone, offline on site, never saw that id.
    prep_id = str(uuid.uuid4())
    assert outcomes(await push(client, bob, prepare(prep_id, highlights="走访了 6 家客户"))) == [
        "applied"
    ]
    held = minutes(people["bob"], people["bob"], private_note="王伟需要更多售前支持")
    [result] = await push(client, manager, held)
    checkin_id = result["entity_id"]
    assert checkin_id == held["payload"]["checkin_id"]
    # The preparation was written into the minutes: both ids lead to one check-in.
    via_prep = await checkin(client, bob, prep_id)
    assert via_prep["id"] == checkin_id
    assert via_prep["answers"] == {"highlights": "走访了 6 家客户"}
    assert via_prep["state"] == "recorded"
    assert via_prep["my_private_note"] == ""  # the manager's note is his alone
    assert (await checkin(client, manager, checkin_id))["my_private_note"] == "王伟需要更多售前支持"

    await push(client, bob, confirm(checkin_id, 1))
    assert (await checkin(client, bob, checkin_id))["employee_confirmed"] is True
    assert (await checkin(client, bob, checkin_id))["state"] == "recorded"
    await push(client, manager, confirm(checkin_id, 1))
    done = await checkin(client, bob, checkin_id)
    assert done["state"] == "confirmed"
    assert done["manager_confirmed"]
    assert done["employee_confirmed"]

    # Changed minutes need both confirmations again; confirming what one read before fails.
    await push(client, manager, minutes(people["bob"], people["bob"], checkin_id, blockers="无"))
    changed = await checkin(client, bob, checkin_id)
    assert (changed["minutes_version"], changed["state"]) == (2, "recorded")
    assert not changed["employee_confirmed"]
    assert outcomes(await push(client, bob, confirm(checkin_id, 1))) == ["minutes_changed"]
    assert outcomes(await push(client, bob, confirm(checkin_id, 2))) == ["applied"]


async def test_only_the_two_parties_hold_a_checkin(client, people, headers_for):
    entry = minutes(people["alice"], people["alice"])
    for outsider in ("bob", "carol", "ceo", "hr", "manager.west"):
        [result] = await push(client, headers_for(outsider), entry | {"id": str(uuid.uuid4())})
        assert result["error"]["code"] == "not_a_party", outsider
    [result] = await push(client, headers_for("alice"), entry)
    assert result["status"] == "applied"
    # Content for the parties; skip-level managers, HR and colleagues get nothing.
    for outsider in ("bob", "ceo", "hr", "admin"):
        problem(
            await client.get(f"/api/checkins/{result['entity_id']}", headers=headers_for(outsider)),
            404,
            "not_found",
        )
    # The manager's read is in alice's "who viewed my data".
    await checkin(client, headers_for("manager.east"), result["entity_id"])
    log = (await client.get("/api/me/access-log", headers=headers_for("alice"))).json()
    assert {(e["record_kind"], e["relation"]) for e in log["items"]} >= {
        ("checkin", "direct_manager")
    }


async def test_minutes_check_their_actions(client, people, as_manager):
    bad_owner = minutes(people["alice"], people["carol"])
    early = minutes(people["alice"], people["alice"])
    early["payload"]["actions"][0]["due_on"] = (TODAY - timedelta(days=1)).isoformat()
    too_many = minutes(people["alice"], people["alice"])
    too_many["payload"]["actions"] *= 3
    results = await push(client, as_manager, bad_owner, early, too_many)
    assert outcomes(results) == ["action_owner", "action_due_before_checkin", "validation_failed"]
    assert results[0]["error"]["errors"][0]["field"] == "actions[0].owner_id"


async def test_preparation_shows_what_moved_and_what_is_still_open(
    client, people, headers_for, as_employee
):
    alice, manager = as_employee, headers_for("manager.east")
    before = (await client.get("/api/checkin-preparation", headers=alice)).json()
    assert before["since"] is not None  # the demo's last check-in
    # Last time's open actions carry over.
    open_titles = {a["title"] for a in before["open_actions"]}
    assert "把标准试点合同发给法务预审" in open_titles
    # Progress and kudos since then show up.
    kr = next(c for c in before["key_result_changes"] if c["goal_title"] == "拓展苏州制造业新客户")
    await push(
        client,
        alice,
        mutation("kr.progress", {"key_result_id": kr["key_result_id"], "value": "31"}),
    )
    await push(client, manager, kudos_to(people["alice"]))
    action = next(a for a in before["open_actions"] if a["title"] == "把标准试点合同发给法务预审")
    await push(client, alice, mutation("action.complete", {"action_id": action["id"]}))

    after = (
        await client.get(f"/api/checkin-preparation?person_id={people['alice']}", headers=manager)
    ).json()
    moved = next(
        c for c in after["key_result_changes"] if c["key_result_id"] == kr["key_result_id"]
    )
    assert moved["value_now"] == "31"
    assert moved["value_before"] == kr["value_before"]
    assert len(after["kudos_received"]) == len(before["kudos_received"]) + 1
    assert action["id"] not in {a["id"] for a in after["open_actions"]}
    problem(
        await client.get(
            f"/api/checkin-preparation?person_id={people['alice']}", headers=headers_for("carol")
        ),
        404,
        "not_found",
    )


@pytest.mark.parametrize(
    ("rhythm", "last", "today", "due", "status"),
    [
        ("weekly", date(2026, 11, 2), date(2026, 11, 8), date(2026, 11, 9), "ok"),
        ("weekly", date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 9), "due"),
        ("weekly", date(2026, 11, 2), date(2026, 11, 12), date(2026, 11, 9), "due"),
        ("weekly", date(2026, 11, 2), date(2026, 11, 13), date(2026, 11, 9), "overdue"),
        ("biweekly", date(2026, 11, 2), date(2026, 11, 10), date(2026, 11, 16), "ok"),
        ("monthly", date(2026, 1, 31), date(2026, 2, 10), date(2026, 2, 28), "ok"),
        ("monthly", date(2026, 12, 15), date(2026, 12, 20), date(2027, 1, 15), "ok"),
        ("weekly", None, date(2026, 11, 2), date(2026, 11, 2), "never"),
    ],
)
def test_cadence_decides_when_a_checkin_is_due(rhythm, last, today, due, status):
    assert cadence.next_due(rhythm, last, today) == due
    assert cadence.status(rhythm, last, today) == status


async def statuses_in_reach(client, headers, limit: int = 50) -> list[dict[str, Any]]:
    """Every page of the check-in status list, in order."""
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/api/checkin-status", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return rows


async def test_status_follows_the_teams_cadence_and_shows_no_content(client, people, headers_for):
    async def by_name(headers) -> dict[str, dict[str, Any]]:
        return {r["person"]["display_name"]: r for r in await statuses_in_reach(client, headers)}

    hr = headers_for("hr")
    statuses = await by_name(hr)
    assert statuses["刘思思"]["cadence"] == "biweekly"
    assert statuses["王伟"]["status"] == "overdue"  # 24 days since his last one
    assert set(statuses["刘思思"]) == {
        "person",
        "manager",
        "cadence",
        "last_held_on",
        "next_due_on",
        "status",
    }
    response = await client.put(
        f"/api/cadences/{people['manager.east']}",
        json={"cadence": "monthly"},
        headers=headers_for("manager.east"),
    )
    assert response.status_code == 204
    statuses = await by_name(hr)
    assert statuses["王伟"]["cadence"] == "monthly"
    assert statuses["王伟"]["status"] == "ok"
    problem(
        await client.put(
            f"/api/cadences/{people['manager.east']}",
            json={"cadence": "weekly"},
            headers=headers_for("manager.west"),
        ),
        403,
        "forbidden",
    )
    # Scope: a manager sees themself and their reports; an employee only themself.
    assert set(await by_name(headers_for("manager.east"))) == {"李娜", "刘思思", "王伟"}
    assert set(await by_name(headers_for("alice"))) == {"刘思思"}


async def last_held_kept() -> dict[uuid.UUID, date]:
    rows = await db.fetch(
        "SELECT employee, held_on FROM checkins_last_held WHERE held_on IS NOT NULL"
    )
    return {db.as_uuid(r["employee"]): db.as_date(r["held_on"]) for r in rows}


async def last_held_counted() -> dict[uuid.UUID, date]:
    rows = await db.fetch(
        "SELECT employee, MAX(held_on) AS held_on FROM checkins_checkin"
        " WHERE state IN ('recorded', 'confirmed') GROUP BY employee"
    )
    return {db.as_uuid(r["employee"]): db.as_date(r["held_on"]) for r in rows}


async def test_each_persons_last_checkin_held_is_kept_with_every_write(client, people, headers_for):
    """The day that HR's coverage, the statuses and the overdue alerts read is, after every
    write that can change it, the last day a check-in of theirs was held."""
    bob, alice = people["bob"], people["alice"]
    manager, hr = headers_for("manager.east"), headers_for("hr")

    async def last_held(name: str) -> str | None:
        statuses = await statuses_in_reach(client, hr)
        [status] = [s for s in statuses if s["person"]["id"] == str(people[name])]
        return status["last_held_on"]

    async def held(days_ago: int, checkin_id: str | None = None, version: int = 1) -> str:
        day = (TODAY - timedelta(days=days_ago)).isoformat()
        written = minutes(bob, bob, checkin_id, held_on=day)
        written["payload"]["actions"][0]["due_on"] = TODAY.isoformat()
        [result] = await push(client, manager, written)
        assert outcomes([result]) == ["applied"]
        return str(result["entity_id"])

    assert await last_held_kept() == await last_held_counted()
    # A preparation is no check-in held.
    await push(client, headers_for("bob"), prepare(str(uuid.uuid4()), highlights="走访"))
    assert await last_held_kept() == await last_held_counted()
    await held(10)
    assert (await last_held_kept())[bob] == TODAY - timedelta(days=10)
    latest = await held(3)
    assert await last_held("bob") == (TODAY - timedelta(days=3)).isoformat()
    # The latest minutes rewritten to an earlier day: the one before is the last again.
    await held(20, latest, version=2)
    assert (await last_held_kept())[bob] == TODAY - timedelta(days=10)
    assert await last_held("bob") == (TODAY - timedelta(days=10)).isoformat()
    await push(client, headers_for("bob"), confirm(latest, 2))
    await push(client, manager, confirm(latest, 2))
    assert await last_held_kept() == await last_held_counted()
    assert outcomes(await push(client, manager, minutes(alice, alice))) == ["applied"]
    assert (await last_held_kept())[alice] == TODAY

    # The purge of check-ins held before a day takes the last one of whoever met only before.
    await checkins.purge_before(datetime.now(UTC) - timedelta(days=5))
    kept = await last_held_kept()
    assert bob not in kept
    assert kept[alice] == TODAY
    assert await last_held("bob") is None
    assert kept == await last_held_counted()

    admin = headers_for("admin")
    response = await client.patch(
        f"/api/admin/people/{alice}", json={"active": False}, headers=admin
    )
    assert response.status_code == 200, response.text
    response = await client.post(f"/api/admin/people/{alice}/erasure", headers=admin)
    assert response.status_code == 200, response.text
    assert alice not in await last_held_kept()
    assert await last_held_kept() == await last_held_counted()


async def test_minutes_written_while_others_are_uncommitted_keep_the_latest_day(
    client, people, headers_for
):
    """The manager's minutes of yesterday are written but not yet committed when Bob's phone
    sends minutes of a week ago: Bob's write waits for the manager's and then counts it, so
    the day kept is yesterday, not the last day Bob's write could see when it began (on
    PostgreSQL, a single upsert of the day it counted would keep a week ago)."""
    bob = people["bob"]
    manager = await act_as(people["manager.east"])
    month_ago = minutes(bob, bob, held_on=(TODAY - timedelta(days=30)).isoformat())
    assert outcomes(await push(client, headers_for("manager.east"), month_ago)) == ["applied"]
    written, release = asyncio.Event(), asyncio.Event()

    async def managers_minutes_held_open() -> None:
        async with db.write_transaction():
            yesterday = minutes(bob, bob, held_on=(TODAY - timedelta(days=1)).isoformat())
            await checkins.submit_minutes(manager, SubmitMinutes(**yesterday["payload"]))
            written.set()
            await release.wait()

    holding = asyncio.create_task(managers_minutes_held_open())
    await written.wait()
    week_ago = minutes(bob, bob, held_on=(TODAY - timedelta(days=7)).isoformat())
    bobs = asyncio.create_task(push(client, headers_for("bob"), week_ago))
    await asyncio.sleep(0.3)
    assert not bobs.done()  # waiting for the manager's transaction
    release.set()
    await holding
    assert outcomes(await bobs) == ["applied"]
    assert (await last_held_kept())[bob] == TODAY - timedelta(days=1)
    assert await last_held_kept() == await last_held_counted()


async def test_the_migration_fills_in_each_persons_last_checkin_held(people, monkeypatch):
    """A database from before the day was kept: the migration that made the table fills it
    from the check-ins there are."""
    migration = importlib.import_module(
        "server.checkins.piccolo_migrations.checkins_2026_12_02t13_12_00_000000"
    )
    monkeypatch.setattr(migration.RawTable._meta, "db", db.bound_engine())
    await LastHeld.delete(force=True)
    for fill in (await migration.forwards()).raw:
        await fill()
    assert await last_held_kept() == await last_held_counted() != {}


async def test_the_status_list_comes_by_name_a_page_at_a_time(client, people, headers_for):
    """A reach can be a whole company: small pages follow one another by name, with nobody
    repeated or skipped, and a forged cursor is refused."""
    hr = headers_for("hr")
    whole = await statuses_in_reach(client, hr, limit=200)
    assert len(whole) > 5
    assert await statuses_in_reach(client, hr, limit=2) == whole
    names = [s["person"]["display_name"] for s in whole]
    assert names == sorted(names)
    assert len({s["person"]["id"] for s in whole}) == len(whole)
    problem(
        await client.get("/api/checkin-status", params={"cursor": "bm90IGpzb24"}, headers=hr),
        400,
        "invalid_cursor",
    )
    response = await client.get("/api/checkin-status", params={"limit": 0}, headers=hr)
    assert response.status_code == 400


async def test_templates_are_versioned(client, people, as_hr, as_employee):
    [current] = (await client.get("/api/checkin-templates", headers=as_employee)).json()
    assert current["id"] == str(DEFAULT_TEMPLATE_ID)
    assert current["sections"][1]["prompts"][0]["zh_cn"].startswith("最近最卡壳的任务是什么")
    sections = [{**s, "minutes": 4} for s in current["sections"]]
    response = await client.post(
        "/api/checkin-templates",
        json={"name": current["name"], "sections": sections, "replaces_id": current["id"]},
        headers=as_hr,
    )
    assert response.status_code == 201, response.text
    assert (response.json()["version"], response.json()["family_id"]) == (2, current["id"])
    [newest] = (await client.get("/api/checkin-templates", headers=as_employee)).json()
    assert newest["version"] == 2
    # Check-ins made with version 1 keep it.
    held = (await client.get("/api/checkins", headers=as_employee)).json()
    assert {c["template_id"] for c in held} == {str(DEFAULT_TEMPLATE_ID)}
    problem(
        await client.post(
            "/api/checkin-templates",
            json={"name": "乱序", "sections": list(reversed(sections))},
            headers=as_hr,
        ),
        422,
        "template_sections",
    )


async def test_the_company_template_keeps_its_place_and_only_hr_may_edit_it(
    client, people, as_hr, as_employee
):
    async def templates(headers: dict[str, str]) -> list[dict[str, Any]]:
        return (await client.get("/api/checkin-templates", headers=headers)).json()

    [default] = await templates(as_hr)
    assert default["editable"] is True
    assert [t["editable"] for t in await templates(as_employee)] == [False]
    store = {"name": "门店巡店版", "sections": default["sections"]}
    assert (await client.post("/api/checkin-templates", json=store, headers=as_hr)).is_success
    new_version = {**store, "name": default["name"], "replaces_id": default["id"]}
    assert (await client.post("/api/checkin-templates", json=new_version, headers=as_hr)).is_success
    # The app uses the first: still the company's template, now in its second version.
    listed = await templates(as_employee)
    assert [(t["name"], t["version"]) for t in listed] == [(default["name"], 2), ("门店巡店版", 1)]


async def test_the_pull_is_scoped_and_sends_only_what_changed(client, people, headers_for):
    def collections(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        return {c["collection"]: c["items"] for c in body["changes"]}

    alice, carol = headers_for("alice"), headers_for("carol")
    first = (await client.get("/api/sync/pull", headers=alice)).json()
    mine = collections(first)
    assert set(mine) == {
        "goals",
        "team",
        "colleagues",
        "team_goals",
        "checkin_templates",
        "checkins",
        "checkin_status",
        "kudos",
        "feedback_received",
    }
    # Whom her phone offers offline: her manager and the colleague who shares him.
    assert {p["display_name"] for p in mine["colleagues"]} == {"李娜", "王伟"}
    assert {g["title"] for g in mine["goals"]} == {"拓展苏州制造业新客户", "提升老客户续约率"}
    assert {c["employee"]["display_name"] for c in mine["checkins"]} == {"刘思思"}
    # Carol's phone never receives alice's check-ins or goals.
    theirs = collections((await client.get("/api/sync/pull", headers=carol)).json())
    assert {c["employee"]["display_name"] for c in theirs["checkins"]} == {"陈静"}
    assert "拓展苏州制造业新客户" not in {g["title"] for g in theirs["goals"]}
    # The manager's phone carries his reports' check-ins, for holding one offline.
    east = collections(
        (await client.get("/api/sync/pull", headers=headers_for("manager.east"))).json()
    )
    assert {c["employee"]["display_name"] for c in east["checkins"]} == {"刘思思", "王伟"}

    again = (await client.get(f"/api/sync/pull?cursor={first['cursor']}", headers=alice)).json()
    assert again["changes"] == []
    await push(client, headers_for("bob"), kudos_to(people["alice"]))
    after = (await client.get(f"/api/sync/pull?cursor={first['cursor']}", headers=alice)).json()
    assert set(collections(after)) == {"kudos"}
    problem(await client.get("/api/sync/pull?cursor=!!", headers=alice), 400, "invalid_cursor")


async def test_a_managers_phone_keeps_each_reports_latest_checkins(client, people, headers_for):
    bob, manager = headers_for("bob"), headers_for("manager.east")
    held = []
    for days_ago in range(5):
        entry = minutes(
            people["bob"], people["bob"], held_on=(TODAY - timedelta(days_ago)).isoformat()
        )
        assert outcomes(await push(client, manager, entry)) == ["applied"]
        held.append(entry["payload"]["checkin_id"])

    def pulled(body: dict[str, Any]) -> list[dict[str, Any]]:
        return next(c["items"] for c in body["changes"] if c["collection"] == "checkins")

    on_his_phone = pulled((await client.get("/api/sync/pull", headers=manager)).json())
    by_person: dict[str, list[str]] = {}
    for c in on_his_phone:
        by_person.setdefault(c["employee"]["display_name"], []).append(c["id"])
    # Bob's three latest, newest first; Alice's own latest too, not crowded out by Bob's.
    assert by_person["王伟"] == list(reversed(held))[:3]
    assert by_person["刘思思"]
    assert [c["created_at"] for c in on_his_phone] == sorted(
        (c["created_at"] for c in on_his_phone), reverse=True
    )
    # Online, and on Bob's own phone, more of his history.
    online = await client.get(f"/api/checkins?person_id={people['bob']}", headers=manager)
    assert [c["id"] for c in online.json()][:5] == list(reversed(held))
    on_bobs_phone = [
        c["id"] for c in pulled((await client.get("/api/sync/pull", headers=bob)).json())
    ]
    assert on_bobs_phone[:5] == list(reversed(held))


async def test_of_checkins_made_at_one_moment_the_phone_keeps_the_same_ones(
    client, people, headers_for
):
    """Which of a report's check-ins made at the same moment are his latest is decided by
    id, as they are listed, so the manager's pull (and its fingerprint) does not depend on
    the order the database happens to rank them in."""
    manager = headers_for("manager.east")
    made = []
    for days_ago in range(5):
        entry = minutes(
            people["bob"], people["bob"], held_on=(TODAY - timedelta(days_ago)).isoformat()
        )
        assert outcomes(await push(client, manager, entry)) == ["applied"]
        made.append(uuid.UUID(entry["payload"]["checkin_id"]))
    await db.fetch_in(
        "UPDATE checkins_checkin SET created_at = {} WHERE id IN ({in})",
        made,
        datetime.now(UTC) + timedelta(minutes=1),
    )
    pulled = (await client.get("/api/sync/pull", headers=manager)).json()
    on_phone = next(c["items"] for c in pulled["changes"] if c["collection"] == "checkins")
    bobs = [c["id"] for c in on_phone if c["employee"]["id"] == str(people["bob"])]
    assert bobs == [str(i) for i in sorted(made)[: pull.RECENT_TEAM_CHECKINS]]


async def test_the_pulled_goals_are_the_goals_as_the_api_reads_them(client, people, headers_for):
    """Read together for the pull, each goal is what reading it alone answers, alignment,
    signatures and permissions included."""
    alice = headers_for("alice")
    mine = (await client.get("/api/me/goals", headers=alice)).json()["goals"]
    active = next(g for g in mine if g["state"] == "active")
    company = (await client.get(f"/api/goals/{active['id']}", headers=alice)).json()["alignment"][1]
    # Her draft straight under the company objective: her two goals now differ in alignment.
    draft = next(g for g in mine if g["state"] == "draft")
    moved = await client.patch(
        f"/api/goals/{draft['id']}", json={"parent_id": company["id"]}, headers=alice
    )
    assert moved.status_code == 200, moved.text
    for person in ("alice", "bob", "manager.east"):
        headers = headers_for(person)
        pulled = next(
            c["items"]
            for c in (await client.get("/api/sync/pull", headers=headers)).json()["changes"]
            if c["collection"] == "goals"
        )
        assert pulled, person
        for goal in pulled:
            alone = await client.get(f"/api/goals/{goal['id']}", headers=headers)
            assert goal == alone.json()
    # A withdrawn goal is no longer one to record progress on.
    withdrawn = await client.post(
        f"/api/goals/{draft['id']}/transitions", json={"action": "withdraw"}, headers=alice
    )
    assert withdrawn.status_code == 200, withdrawn.text
    body = (await client.get("/api/sync/pull", headers=alice)).json()
    pulled = next(c["items"] for c in body["changes"] if c["collection"] == "goals")
    assert [g["id"] for g in pulled] == [active["id"]]
