"""The people CSV import: all rows or none, every problem reported with its line."""

from __future__ import annotations

from tests.conftest import problem

HEADERS = "email,display_name,title,department,manager_email,roles,hr_scope,active"


async def post_csv(client, headers, text, dry_run=False):
    return await client.post(
        f"/api/admin/people/import?dry_run={str(dry_run).lower()}",
        content=text.encode(),
        headers={**headers, "content-type": "text/csv"},
    )


async def count_people(client, headers) -> int:
    return len((await client.get("/api/people?limit=100", headers=headers)).json())


async def test_import_creates_people_departments_and_managers_in_any_order(
    client, people, as_admin
):
    text = "\n".join(
        [
            HEADERS,
            # The report comes before their (new) manager in the file.
            "dev.one@example.com,开发一,Engineer,R&D/Platform,dev.lead@example.com,employee,,true",
            "dev.lead@example.com,开发主管,Lead,R&D/Platform,ceo@example.com,employee,,true",
            "alice@example.com,刘思思,高级客户经理,Sales/Field Sales East,"
            "manager.east@example.com,employee,,true",
        ]
    )
    r = await post_csv(client, as_admin, text)
    assert r.status_code == 200, r.text
    assert r.json() == {"created": 2, "updated": 1, "departments_created": 2, "dry_run": False}
    lead = (await client.get("/api/people?q=开发主管", headers=as_admin)).json()[0]
    one = (await client.get("/api/people?q=开发一", headers=as_admin)).json()[0]
    detail = (await client.get(f"/api/people/{one['id']}", headers=as_admin)).json()
    assert detail["manager_id"] == lead["id"]
    assert detail["department_name"] == "Platform"
    alice = (await client.get(f"/api/people/{people['alice']}", headers=as_admin)).json()
    assert alice["title"] == "高级客户经理"
    # Importing the same file again changes nothing new.
    again = (await post_csv(client, as_admin, text)).json()
    assert again == {"created": 0, "updated": 3, "departments_created": 0, "dry_run": False}


async def test_bad_rows_are_all_reported_and_nothing_is_written(client, people, as_admin):
    before = await count_people(client, as_admin)
    text = "\n".join(
        [
            HEADERS,
            "ok.person@example.com,好人,,,,employee,,true",
            "not-an-email,坏人,,,,employee,,true",
            "x@example.com,,,,,superuser,,maybe",
            "ok.person@example.com,重复,,,,employee,,true",
            "y@example.com,某人,,,nobody@example.com,employee,,true",
            "z@example.com,某人,,,,employee,People,true",
        ]
    )
    body = problem(await post_csv(client, as_admin, text), 422, "import_invalid")
    found = {(e["line"], e["field"], e["code"]) for e in body["errors"]}
    assert found == {
        (3, "email", "invalid_email"),
        (4, "display_name", "required"),
        (4, "roles", "invalid_role"),
        (4, "active", "invalid_boolean"),
        (5, "email", "duplicate_email"),
        (7, "hr_scope", "scope_without_hr"),
    }
    assert await count_people(client, as_admin) == before
    # Row errors come first; cross-row problems (unknown manager) once rows are clean.
    body = problem(
        await post_csv(
            client, as_admin, HEADERS + "\ny@example.com,某人,,,nobody@example.com,employee,,true"
        ),
        422,
        "import_invalid",
    )
    assert body["errors"] == [
        {
            "line": 2,
            "field": "manager_email",
            "code": "unknown_manager",
            "message": "No person has this email.",
        }
    ]
    assert await count_people(client, as_admin) == before


async def test_a_management_cycle_is_refused(client, people, as_admin):
    text = "\n".join(
        [HEADERS, "ceo@example.com,赵建国,,Leadership,alice@example.com,employee,,true"]
    )
    body = problem(await post_csv(client, as_admin, text), 422, "import_invalid")
    assert body["errors"][0]["code"] == "manager_cycle"
    assert body["errors"][0]["line"] == 2


async def test_header_problems_are_reported_on_line_one(client, people, as_admin):
    body = problem(await post_csv(client, as_admin, "mail,name\na@b.cd,x\n"), 422, "import_invalid")
    assert {(e["line"], e["code"]) for e in body["errors"]} == {
        (1, "unknown_column"),
        (1, "missing_column"),
    }


async def test_dry_run_reports_without_writing(client, people, as_admin):
    before = await count_people(client, as_admin)
    r = await post_csv(
        client, as_admin, HEADERS + "\nnew@example.com,新人,,New Dept,,employee,,true", dry_run=True
    )
    assert r.json() == {"created": 1, "updated": 0, "departments_created": 1, "dry_run": True}
    assert await count_people(client, as_admin) == before
    names = {d["name"] for d in (await client.get("/api/org/departments", headers=as_admin)).json()}
    assert "New Dept" not in names


async def test_hr_scope_from_the_file_limits_what_hr_sees(client, people, as_admin, headers_for):
    text = HEADERS + "\nhr@example.com,王芳,HRBP,People,,employee;hr,Sales/Field Sales East,true"
    assert (await post_csv(client, as_admin, text)).status_code == 200
    hr = headers_for("hr")
    alice = (await client.get(f"/api/people/{people['alice']}", headers=hr)).json()
    carol = (await client.get(f"/api/people/{people['carol']}", headers=hr)).json()
    assert "email" in alice
    assert "email" not in carol


async def test_deactivating_in_the_file_ends_sessions(client, people, as_admin):
    tokens = (
        await client.post(
            "/api/auth/login", json={"email": "bob@example.com", "password": "tandem-demo"}
        )
    ).json()
    text = (
        HEADERS
        + "\nbob@example.com,王伟,客户经理,Sales/Field Sales East,"
        + "manager.east@example.com,employee,,false"
    )
    assert (await post_csv(client, as_admin, text)).status_code == 200
    problem(
        await client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]}),
        401,
        "session_expired",
    )


async def test_csv_needs_the_csv_content_type_and_utf8(client, people, as_admin):
    r = await client.post(
        "/api/admin/people/import",
        content=b"email\n",
        headers={**as_admin, "content-type": "application/json"},
    )
    problem(r, 415, "unsupported_media_type")
    r = await client.post(
        "/api/admin/people/import",
        content="email,display_name\n".encode("utf-16"),
        headers={**as_admin, "content-type": "text/csv"},
    )
    problem(r, 400, "invalid_encoding")


async def test_an_update_changes_only_the_columns_in_the_file(
    client, people, as_admin, headers_for
):
    r = await client.patch(
        f"/api/admin/people/{people['bob']}", json={"active": False}, headers=as_admin
    )
    assert r.status_code == 200
    before = {
        name: (await client.get(f"/api/people/{people[name]}", headers=as_admin)).json()
        for name in ("hr.west", "alice", "bob")
    }
    text = (
        "email,display_name,title\n"
        "hr.west@example.com,周敏,HR 伙伴\n"
        "alice@example.com,刘思思,资深客户经理\n"
        "bob@example.com,王伟,客户经理\n"
    )
    assert (await post_csv(client, as_admin, text)).status_code == 200
    for name, old in before.items():
        new = (await client.get(f"/api/people/{people[name]}", headers=as_admin)).json()
        changed = {key for key in old if old[key] != new[key]}
        assert changed <= {"title"}, (name, changed)
    # Bob stays disabled, and hr.west keeps her Field Sales West scope.
    assert before["bob"]["active"] is False
    hr_west = headers_for("hr.west")
    assert (
        "email" not in (await client.get(f"/api/people/{people['alice']}", headers=hr_west)).json()
    )
    assert "email" in (await client.get(f"/api/people/{people['carol']}", headers=hr_west)).json()


async def test_roles_without_a_scope_column_keep_an_hr_scope(client, people, as_admin, headers_for):
    text = "email,display_name,roles\nhr.west@example.com,周敏,employee;hr\n"
    assert (await post_csv(client, as_admin, text)).status_code == 200
    hr_west = headers_for("hr.west")
    assert (
        "email" not in (await client.get(f"/api/people/{people['alice']}", headers=hr_west)).json()
    )
    # Dropping the hr role removes the scope with it.
    text = "email,display_name,roles\nhr.west@example.com,周敏,employee\n"
    assert (await post_csv(client, as_admin, text)).status_code == 200
    me = (await client.get("/api/me", headers=hr_west)).json()
    assert me["roles"] == ["employee"]


async def test_an_admin_cannot_import_themselves_out(client, people, as_admin):
    text = "email,display_name,roles\nadmin@example.com,孙磊,employee\n"
    body = problem(await post_csv(client, as_admin, text), 422, "import_invalid")
    assert [(e["line"], e["code"]) for e in body["errors"]] == [(2, "cannot_lock_out_self")]
    me = (await client.get("/api/me", headers=as_admin)).json()
    assert me["roles"] == ["admin"]
