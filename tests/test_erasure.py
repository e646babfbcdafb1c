"""Erasing a departed employee: what described them goes, what others' records need stays
under a pseudonym, all at once or not at all."""

from __future__ import annotations

import uuid
from typing import Any

from server import db, demo
from server.checkins.tables import Checkin, CheckinNote
from server.feedback.tables import Kudos
from server.goals.tables import Goal
from server.org.tables import Person
from tests.conftest import problem
from tests.push_service import browser_keys
from tests.test_checkins import minutes
from tests.test_feedback import SBI
from tests.test_sync import kudos_to, mutation, outcomes, push

BOB_NOTE = "只给自己看：王伟下季度可能要调去华南"


async def disable(client, as_admin, person: uuid.UUID) -> None:
    response = await client.patch(
        f"/api/admin/people/{person}", json={"active": False}, headers=as_admin
    )
    assert response.status_code == 200, response.text


async def erase(client, as_admin, person: uuid.UUID) -> Any:
    return await client.post(f"/api/admin/people/{person}/erasure", headers=as_admin)


async def bobs_time_here(client, people, headers_for) -> dict[str, str]:
    """Bob gives and receives, has a check-in with a private note of his manager's, a device,
    a reaction, and his profile was viewed; -> ids of what was given to him and by him."""
    bob, alice = headers_for("bob"), headers_for("alice")
    manager = headers_for("manager.east")
    to_bob_alone = kudos_to(people["bob"], "周四陪我去无锡客户现场，把试用数据一项项讲透了")
    to_bob_and_carol = mutation(
        "kudos.create",
        {
            "recipient_ids": [str(people["bob"]), str(people["carol"])],
            "behaviour": "两个人连夜把东西两区的报价模板对齐，周一就能统一发给客户",
        },
    )
    from_bob = kudos_to(people["alice"], "周二在周会上把苏州试点的数据讲得清清楚楚")
    sbi_from_bob = mutation("feedback.create", {**SBI, "recipient_id": str(people["alice"])})
    sbi_to_bob = mutation("feedback.create", {**SBI, "recipient_id": str(people["bob"])})
    checkin = minutes(people["bob"], people["bob"], private_note=BOB_NOTE)
    assert outcomes(await push(client, alice, to_bob_alone, sbi_to_bob)) == ["applied"] * 2
    assert outcomes(await push(client, manager, to_bob_and_carol, checkin)) == ["applied"] * 2
    assert outcomes(await push(client, bob, from_bob, sbi_from_bob)) == ["applied"] * 2
    reaction = mutation("kudos.react", {"kudos_id": from_bob["id"], "emoji": "clap"})
    assert outcomes(await push(client, bob, reaction)) == ["applied"]
    device = {"endpoint": "https://push.example/bob", "keys": browser_keys()}
    assert (await client.put("/api/push/subscription", json=device, headers=bob)).status_code == 204
    assert (await client.get(f"/api/people/{people['bob']}", headers=manager)).status_code == 200
    return {
        "to_bob_alone": to_bob_alone["id"],
        "to_bob_and_carol": to_bob_and_carol["id"],
        "from_bob": from_bob["id"],
        "sbi_from_bob": sbi_from_bob["id"],
    }


async def accounts(client, as_admin, state: str, q: str = "") -> list[str]:
    response = await client.get(f"/api/admin/people?state={state}&q={q}", headers=as_admin)
    assert response.status_code == 200, response.text
    return [person["display_name"] for person in response.json()]


async def every_value_in_the_database() -> str:
    """Every row of every table, as text, to look for what must be gone."""
    rows = [repr(row) for table in db.all_tables() for row in await table.select()]
    return "\n".join(rows)


async def test_erasing_a_departed_employee_keeps_only_what_others_records_need(
    client, people, headers_for, as_admin
):
    ids = await bobs_time_here(client, people, headers_for)
    bob = people["bob"]
    problem(await erase(client, as_admin, bob), 409, "person_active")
    await disable(client, as_admin, bob)
    assert await accounts(client, as_admin, "departed") == ["王伟"]
    assert "王伟" not in await accounts(client, as_admin, "active")

    response = await erase(client, as_admin, bob)
    assert response.status_code == 200, response.text
    report = response.json()
    pseudonym = report["pseudonym"]
    assert pseudonym.startswith("前同事 ")  # in the company's language
    assert report["removed"]["credentials"] == 1
    assert report["removed"]["kudos_to_them_alone"] >= 1
    assert report["removed"]["kudos_reactions"] == 1
    assert report["removed"]["feedback_received"] >= 1
    assert report["removed"]["checkins"] >= 1
    assert report["removed"]["goals"] >= 1  # the demo's 开拓无锡新市场
    assert report["removed"]["access_log"] >= 1
    assert report["kept"]["kudos_given"] >= 1
    assert report["kept"]["feedback_given"] >= 1

    # Nothing that described him is left anywhere: not his email, not his name, not the
    # private note his manager kept about him.
    everything = await every_value_in_the_database()
    assert "bob@example.com" not in everything
    assert "王伟" not in everything
    assert BOB_NOTE not in everything
    assert "https://push.example/bob" not in everything  # went when he was disabled
    assert await Checkin.count().where(Checkin.employee == bob) == 0
    assert await accounts(client, as_admin, "departed") == []
    assert await accounts(client, as_admin, "erased", q="前同事") == [pseudonym]
    assert await Goal.count().where(Goal.owner == bob) == 0
    assert not await Kudos.exists().where(Kudos.id == ids["to_bob_alone"])

    # What he gave stays with the people who received it, under the pseudonym.
    alice = headers_for("alice")
    received = (await client.get("/api/kudos?show=received", headers=alice)).json()["items"]
    [his_kudos] = [k for k in received if k["id"] == ids["from_bob"]]
    assert his_kudos["author"]["display_name"] == pseudonym
    assert his_kudos["reactions"] == []
    feedback = (await client.get("/api/me/feedback?box=received", headers=alice)).json()
    [his_feedback] = [f for f in feedback if f["id"] == ids["sbi_from_bob"]]
    assert his_feedback["author"]["display_name"] == pseudonym
    # A kudos to him and carol stays for carol, now hers alone.
    carols = (await client.get("/api/kudos?show=received", headers=headers_for("carol"))).json()
    [shared] = [k for k in carols["items"] if k["id"] == ids["to_bob_and_carol"]]
    assert [r["display_name"] for r in shared["recipients"]] == ["陈静"]

    # He cannot come back: no sign-in, no second erasure, no edit of the record.
    login = await client.post(
        "/api/auth/login", json={"email": "bob@example.com", "password": demo.DEMO_PASSWORD}
    )
    assert login.status_code == 401
    problem(await erase(client, as_admin, bob), 409, "person_erased")
    problem(
        await client.patch(f"/api/admin/people/{bob}", json={"active": True}, headers=as_admin),
        409,
        "person_erased",
    )


async def test_a_managers_check_ins_and_the_goals_others_align_to_stay_with_the_team(
    client, people, headers_for, as_admin
):
    manager, alice = people["manager.east"], people["alice"]
    checkin = minutes(alice, alice, private_note="只写给自己：思思想带新人")
    assert outcomes(await push(client, headers_for("manager.east"), checkin)) == ["applied"]
    await disable(client, as_admin, manager)
    problem(await erase(client, as_admin, manager), 409, "person_has_reports")
    for report in ("alice", "bob"):
        moved = await client.patch(
            f"/api/admin/people/{people[report]}",
            json={"manager_id": str(people["manager.west"])},
            headers=as_admin,
        )
        assert moved.status_code == 200, moved.text

    aligned = await Goal.select(Goal.id).where(
        (Goal.owner == manager)
        & Goal.id.is_in(Goal.select(Goal.parent).where(Goal.owner != manager))
    )
    assert aligned, "the demo aligns alice's and bob's goals to their manager's"
    response = await erase(client, as_admin, manager)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["kept"]["checkins_they_held"] >= 1
    assert report["kept"]["goals_others_align_to"] == len(aligned)
    assert report["removed"]["checkin_private_notes"] >= 1

    # Alice's check-in keeps its minutes, held by the pseudonym; his note is gone.
    held = await checkin_read(client, headers_for("alice"), checkin["payload"]["checkin_id"])
    assert held["manager"]["display_name"] == report["pseudonym"]
    assert held["highlights"] == checkin["payload"]["highlights"]
    assert await CheckinNote.count().where(CheckinNote.author == manager) == 0
    # Her goal still says why it matters: the goal it aligns to stays, under the pseudonym.
    for row in aligned:
        kept = await Goal.select(Goal.owner.display_name.as_alias("owner")).where(
            Goal.id == row["id"]
        )
        assert kept == [{"owner": report["pseudonym"]}]
    mine = (await client.get("/api/me/goals", headers=headers_for("alice"))).json()["goals"]
    assert {g["parent_id"] for g in mine} & {str(r["id"]) for r in aligned}


async def checkin_read(client, headers, checkin_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/checkins/{checkin_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_erasure_that_fails_midway_leaves_the_person_whole(
    client, people, headers_for, as_admin, monkeypatch
):
    await bobs_time_here(client, people, headers_for)
    bob = people["bob"]
    await disable(client, as_admin, bob)
    before = await every_value_in_the_database()

    async def broken(person_id: uuid.UUID) -> Any:
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr("server.feedback.queries.erase_person", broken)
    response = await erase(client, as_admin, bob)
    assert response.status_code == 500
    assert await every_value_in_the_database() == before
    assert await Person.select(Person.email).where(Person.id == bob) == [
        {"email": "bob@example.com"}
    ]


async def test_only_an_admin_erases_and_only_someone_who_exists(client, people, headers_for):
    for viewer in ("hr", "manager.east", "bob"):
        response = await erase(client, headers_for(viewer), people["alice"])
        problem(response, 403, "forbidden")
    problem(await erase(client, headers_for("admin"), uuid.uuid4()), 404, "not_found")
