"""Organisation reads, relation resolution, the access log and admin changes."""

from __future__ import annotations

import uuid

from server.auth import queries as auth_queries
from server.core.access import Relation
from server.org import queries as org_queries
from tests.conftest import problem
from tests.factories import make_person


async def test_me_describes_the_signed_in_person(client, people, headers_for):
    me = (await client.get("/api/me", headers=headers_for("manager.east"))).json()
    assert me["display_name"] == "李娜"
    assert me["roles"] == ["employee", "manager"]
    assert me["manager_id"] == str(people["ceo"])
    assert me["time_zone"] == "Asia/Shanghai"
    admin = (await client.get("/api/me", headers=headers_for("admin"))).json()
    assert admin["roles"] == ["admin"]


async def test_my_team_lists_only_direct_reports(client, people, headers_for):
    team = (await client.get("/api/me/team", headers=headers_for("manager.east"))).json()
    assert {p["id"] for p in team} == {str(people["alice"]), str(people["bob"])}
    skip = (await client.get("/api/me/team", headers=headers_for("ceo"))).json()
    assert {p["id"] for p in skip} == {str(people["manager.east"]), str(people["manager.west"])}
    assert (await client.get("/api/me/team", headers=headers_for("alice"))).json() == []


async def test_relations_are_resolved_for_many_subjects_at_once(client, people, headers_for):
    async def relations(viewer: str) -> dict[str, set[Relation]]:
        principal = await auth_queries.load_principal(people[viewer], uuid.uuid4())
        assert principal is not None
        found = await org_queries.relations(principal, list(people.values()))
        by_name = {name: found[pid] for name, pid in people.items()}
        return {name: set(rels) for name, rels in by_name.items()}

    ceo = await relations("ceo")
    assert ceo["alice"] == {Relation.SKIP_MANAGER}
    assert ceo["manager.east"] == {Relation.DIRECT_MANAGER}
    assert ceo["ceo"] == {Relation.SELF}
    assert ceo["hr"] == {Relation.PEER}
    hr_west = await relations("hr.west")
    assert hr_west["carol"] == {Relation.HR_SCOPE}
    assert hr_west["manager.west"] == {Relation.HR_SCOPE}
    assert hr_west["alice"] == {Relation.PEER}
    hr = await relations("hr")
    assert hr["alice"] == {Relation.HR_SCOPE}
    assert hr["hr"] == {Relation.SELF, Relation.HR_SCOPE}


async def test_skip_level_reaches_every_level_above(client, people, headers_for):
    lead = await make_person("lead@example.com", manager_email="alice@example.com")
    intern = await make_person("intern@example.com", manager_email="lead@example.com")
    principal = await auth_queries.load_principal(people["ceo"], uuid.uuid4())
    assert principal is not None
    found = await org_queries.relations(principal, [lead, intern])
    assert found == {lead: {Relation.SKIP_MANAGER}, intern: {Relation.SKIP_MANAGER}}
    # Three levels up, the CEO sees the intern's full profile; a peer sees the card.
    full = (await client.get(f"/api/people/{intern}", headers=headers_for("ceo"))).json()
    card = (await client.get(f"/api/people/{intern}", headers=headers_for("carol"))).json()
    assert "email" in full
    assert "email" not in card


async def test_only_active_reports_make_a_manager(client, people, headers_for):
    await make_person("trainee@example.com", manager_email="carol@example.com", active=False)
    me = (await client.get("/api/me", headers=headers_for("carol"))).json()
    assert me["roles"] == ["employee"]
    assert (await client.get("/api/me/team", headers=headers_for("carol"))).json() == []
    await make_person("trainee@example.com", manager_email="carol@example.com", active=True)
    me = (await client.get("/api/me", headers=headers_for("carol"))).json()
    assert me["roles"] == ["employee", "manager"]


async def test_a_manager_or_hr_viewing_a_profile_is_logged_for_the_subject(
    client, people, headers_for
):
    alice = str(people["alice"])
    for viewer in ("manager.east", "ceo", "hr", "bob", "alice", "admin"):
        assert (
            await client.get(f"/api/people/{alice}", headers=headers_for(viewer))
        ).status_code == 200
    log = (await client.get("/api/me/access-log", headers=headers_for("alice"))).json()
    seen = [(entry["viewer"]["display_name"], entry["relation"]) for entry in log["items"]]
    # Newest first; peers see only the card and are not logged; self and admin are not logged.
    assert seen == [("王芳", "hr_scope"), ("赵建国", "skip_manager"), ("李娜", "direct_manager")]
    assert {e["record_kind"] for e in log["items"]} == {"profile"}
    # Nobody else can read alice's log: each person lists only their own.
    assert (await client.get("/api/me/access-log", headers=headers_for("manager.east"))).json()[
        "items"
    ] == []


async def test_access_log_pages_with_a_cursor(client, people, headers_for):
    alice = str(people["alice"])
    for _ in range(5):
        await client.get(f"/api/people/{alice}", headers=headers_for("manager.east"))
    first = (await client.get("/api/me/access-log?limit=2", headers=headers_for("alice"))).json()
    assert len(first["items"]) == 2
    ids = [e["id"] for e in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (
            await client.get(
                f"/api/me/access-log?limit=2&cursor={cursor}", headers=headers_for("alice")
            )
        ).json()
        ids += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
    assert len(ids) == len(set(ids)) == 5
    problem(
        await client.get("/api/me/access-log?cursor=garbage!", headers=headers_for("alice")),
        400,
        "invalid_cursor",
    )


async def test_unknown_person_is_404(client, people, as_employee):
    problem(await client.get(f"/api/people/{uuid.uuid4()}", headers=as_employee), 404, "not_found")


async def test_directory_search_finds_colleagues_by_name(client, people, as_employee):
    found = (await client.get("/api/people?q=李", headers=as_employee)).json()
    assert [p["display_name"] for p in found] == ["李娜"]
    assert set(found[0]) == {
        "id",
        "display_name",
        "title",
        "department_id",
        "department_name",
        "active",
    }


async def test_directory_search_ignores_case_wildcards_and_people_who_left(
    client, people, as_employee
):
    for email, name, active in [
        ("zoe.b@example.com", "Zoe Banks", True),
        ("zed.a@example.com", "Zed Adams", True),
        ("zora.c@example.com", "Zora Clark", True),
        ("zack.d@example.com", "Zack Dunn", False),
    ]:
        await make_person(email, name, active=active)

    async def names(query: str) -> list[str]:
        response = await client.get(f"/api/people?{query}", headers=as_employee)
        assert response.status_code == 200
        return [p["display_name"] for p in response.json()]

    # By name, in either case; Zack has left the company.
    assert await names("q=z") == ["Zed Adams", "Zoe Banks", "Zora Clark"]
    assert await names("q=Z&limit=2") == ["Zed Adams", "Zoe Banks"]
    # A person's % and _ are taken out, not read as wildcards (which would find Zora).
    assert await names("q=zo%25a") == []
    assert await names("q=zo_a") == []


async def test_admin_changes_a_manager_but_not_into_a_cycle(client, people, as_admin):
    ceo, alice = people["ceo"], people["alice"]
    body = problem(
        await client.patch(
            f"/api/admin/people/{ceo}", json={"manager_id": str(alice)}, headers=as_admin
        ),
        422,
        "manager_cycle",
    )
    assert body["errors"][0]["field"] == "manager_id"
    r = await client.patch(
        f"/api/admin/people/{alice}",
        json={"manager_id": str(people["manager.west"])},
        headers=as_admin,
    )
    assert r.status_code == 200
    assert r.json()["manager_id"] == str(people["manager.west"])


async def test_admin_cannot_lock_themselves_out(client, people, as_admin):
    admin = people["admin"]
    problem(
        await client.patch(f"/api/admin/people/{admin}", json={"active": False}, headers=as_admin),
        409,
        "cannot_lock_out_self",
    )
    problem(
        await client.patch(
            f"/api/admin/people/{admin}", json={"roles": ["employee"]}, headers=as_admin
        ),
        409,
        "cannot_lock_out_self",
    )


async def test_admin_email_change_must_stay_unique(client, people, as_admin):
    problem(
        await client.patch(
            f"/api/admin/people/{people['alice']}",
            json={"email": "BOB@example.com"},
            headers=as_admin,
        ),
        422,
        "email_taken",
    )


async def test_departments_form_a_tree(client, people, as_admin):
    sales = next(
        d
        for d in (await client.get("/api/org/departments", headers=as_admin)).json()
        if d["name"] == "Sales"
    )
    r = await client.post(
        "/api/org/departments",
        json={"name": "Key Accounts", "parent_id": sales["id"]},
        headers=as_admin,
    )
    assert r.status_code == 201
    assert r.json()["parent_id"] == sales["id"]
    problem(
        await client.post(
            "/api/org/departments",
            json={"name": "Orphan", "parent_id": str(uuid.uuid4())},
            headers=as_admin,
        ),
        422,
        "unknown_department",
    )


async def test_company_settings(client, people, as_admin, as_employee):
    r = await client.patch(
        "/api/org/company", json={"time_zone": "Europe/Berlin", "locale": "en"}, headers=as_admin
    )
    assert r.json() == {"name": "同行示范公司", "time_zone": "Europe/Berlin", "locale": "en"}
    assert (await client.get("/api/org/company", headers=as_employee)).json()[
        "time_zone"
    ] == "Europe/Berlin"
    problem(
        await client.patch("/api/org/company", json={"locale": "fr"}, headers=as_admin),
        400,
        "validation_failed",
    )
