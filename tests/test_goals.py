"""Goals through the API: negotiation and signatures, amendments, the four questions and the
weight rule, progress and integrations, templates, the tree and privacy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.auth import queries as auth_queries
from server.goals import queries as goal_queries
from server.goals.tables import Goal, KeyResult, ProgressEntry
from server.org import people_csv
from server.org import queries as org_queries
from tests.conftest import problem


async def my_goals(client, headers) -> dict[str, Any]:
    response = await client.get("/api/me/goals", headers=headers)
    assert response.status_code == 200, response.text
    return {g["title"]: g for g in response.json()["goals"]}


async def goal(client, headers, goal_id) -> dict[str, Any]:
    response = await client.get(f"/api/goals/{goal_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def alice_draft(client, as_employee) -> dict[str, Any]:
    return (await my_goals(client, as_employee))["提升老客户续约率"]


async def alice_active(client, as_employee) -> dict[str, Any]:
    return (await my_goals(client, as_employee))["拓展苏州制造业新客户"]


async def act(client, headers, goal_id, action, **extra) -> Any:
    return await client.post(
        f"/api/goals/{goal_id}/transitions", json={"action": action, **extra}, headers=headers
    )


async def sign(client, headers, current) -> Any:
    body = {"version": current["version"], "content_hash": current["content_hash"]}
    return await client.post(f"/api/goals/{current['id']}/signatures", json=body, headers=headers)


async def waiting_for_signature(client, as_employee, as_manager, goal_id: str) -> set[str]:
    """Whose lists (hers, her manager's team's) say the goal waits for their signature."""
    mine = (await client.get("/api/me/goals", headers=as_employee)).json()["goals"]
    team = (await client.get("/api/me/team/goals", headers=as_manager)).json()
    lists = {"employee": mine, "manager": team}
    return {
        party
        for party, goals in lists.items()
        if next(g for g in goals if g["id"] == goal_id)["awaiting_my_signature"]
    }


async def test_a_goal_is_negotiated_and_signed_by_both(client, people, as_employee, as_manager):
    draft = await alice_draft(client, as_employee)
    assert await waiting_for_signature(client, as_employee, as_manager, draft["id"]) == set()
    proposed = (await act(client, as_employee, draft["id"], "propose")).json()
    assert proposed["state"] == "proposed"
    assert proposed["version"] == 1
    assert proposed["permissions"]["sign"] is True
    assert await waiting_for_signature(client, as_employee, as_manager, draft["id"]) == {
        "employee",
        "manager",
    }

    # The manager asks a question: the goal is now in discussion.
    response = await client.post(
        f"/api/goals/{draft['id']}/comments",
        json={"body": "最大的挑战是什么？", "prompt": "biggest_challenge"},
        headers=as_manager,
    )
    assert response.status_code == 201, response.text
    assert (await goal(client, as_manager, draft["id"]))["state"] == "in_discussion"

    # The manager counter-proposes a higher target: a new version, the first is superseded.
    current = await goal(client, as_manager, draft["id"])
    key_result = current["key_results"][0]
    changed = {**key_result, "target_value": "88"}
    for derived in ("current_value", "progress", "expected_progress", "pace"):
        changed.pop(derived)
    response = await client.patch(
        f"/api/goals/{draft['id']}", json={"key_results": [changed]}, headers=as_manager
    )
    assert response.status_code == 200, response.text
    counter = response.json()
    assert counter["version"] == 2
    assert counter["content_hash"] != proposed["content_hash"]
    assert counter["key_results"][0]["id"] == key_result["id"]

    # Signing what one read before the change is refused.
    problem(await sign(client, as_employee, proposed), 409, "goal_changed")

    signed_once = (await sign(client, as_employee, counter)).json()
    assert signed_once["state"] == "in_discussion"
    assert await waiting_for_signature(client, as_employee, as_manager, draft["id"]) == {"manager"}
    assert [s["role"] for s in signed_once["signatures"]] == ["employee"]
    problem(await sign(client, as_employee, counter), 409, "already_signed")

    agreed = (await sign(client, as_manager, counter)).json()
    assert agreed["state"] == "agreed"
    assert await waiting_for_signature(client, as_employee, as_manager, draft["id"]) == set()
    assert agreed["agreed_version"] == 2
    assert {(s["role"], s["content_hash"]) for s in agreed["signatures"]} == {
        ("employee", counter["content_hash"]),
        ("manager", counter["content_hash"]),
    }
    versions = (await client.get(f"/api/goals/{draft['id']}/versions", headers=as_employee)).json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "agreed")]
    assert versions[1]["content"]["key_results"][0]["target_value"] == "88"

    # The agreed version is the record: it is not edited, only amended.
    problem(
        await client.patch(f"/api/goals/{draft['id']}", json={"title": "x"}, headers=as_employee),
        409,
        "goal_agreed",
    )
    assert (await act(client, as_employee, draft["id"], "activate")).json()["state"] == "active"


async def test_an_amendment_needs_both_signatures_again(client, people, as_employee, as_manager):
    active = await alice_active(client, as_employee)
    before = await goal(client, as_employee, active["id"])
    response = await client.post(
        f"/api/goals/{active['id']}/amendments",
        json={"changes": {"title": "拓展苏州和昆山的新客户"}, "reason": "市场范围扩大"},
        headers=as_employee,
    )
    assert response.status_code == 201, response.text
    pending = response.json()
    assert pending["amendment_pending"] is True
    assert pending["state"] == "active"
    # Until both sign, the agreed version stays in force.
    assert pending["title"] == before["title"]
    assert pending["version"] == before["version"] + 1
    assert pending["content_hash"] != before["content_hash"]
    problem(
        await client.post(
            f"/api/goals/{active['id']}/amendments",
            json={"changes": {"weight": 60}, "reason": "again"},
            headers=as_manager,
        ),
        409,
        "amendment_pending",
    )

    await sign(client, as_employee, pending)
    assert (await goal(client, as_employee, active["id"]))["title"] == before["title"]
    amended = (await sign(client, as_manager, pending)).json()
    assert amended["title"] == "拓展苏州和昆山的新客户"
    assert amended["amendment_pending"] is False
    assert amended["agreed_version"] == pending["version"]
    versions = (await client.get(f"/api/goals/{active['id']}/versions", headers=as_manager)).json()
    assert [v["status"] for v in versions] == ["superseded", "agreed"]
    assert [v["content"]["title"] for v in versions] == [before["title"], "拓展苏州和昆山的新客户"]
    assert versions[1]["reason"] == "市场范围扩大"
    assert len(versions[0]["signatures"]) == 2
    assert len(versions[1]["signatures"]) == 2


async def test_only_the_two_parties_sign(client, people, headers_for, as_employee):
    draft = await alice_draft(client, as_employee)
    proposed = (await act(client, as_employee, draft["id"], "propose")).json()
    # The CEO (skip level) and HR may read it, but they are not parties to the agreement.
    problem(await sign(client, headers_for("ceo"), proposed), 403, "not_a_party")
    problem(await sign(client, headers_for("hr"), proposed), 403, "not_a_party")
    # A colleague cannot even see it.
    problem(await sign(client, headers_for("bob"), proposed), 404, "not_found")
    problem(
        await client.post(
            f"/api/goals/{draft['id']}/comments", json={"body": "hi"}, headers=headers_for("ceo")
        ),
        403,
        "not_a_party",
    )


async def test_proposal_requires_the_four_answers(client, people, as_employee):
    cycle = (await client.get("/api/goal-cycles", headers=as_employee)).json()[0]
    response = await client.post(
        "/api/goals",
        json={
            "cycle_id": cycle["id"],
            "title": "学习新产品",
            "key_results": [
                {"title": "通过认证", "metric_kind": "yes_no", "due_on": cycle["ends_on"]}
            ],
        },
        headers=as_employee,
    )
    assert response.status_code == 201, response.text
    body = problem(
        await act(client, as_employee, response.json()["id"], "propose"), 422, "goal_incomplete"
    )
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("theme_id", "serves_missing"),
        ("key_results[0].standards", "standard_missing"),
        ("weight", "weight_missing"),
        ("support.needed", "support_missing"),
    }


async def test_proposal_explains_weights_that_do_not_total_100(client, people, as_employee):
    draft = await alice_draft(client, as_employee)
    await client.patch(f"/api/goals/{draft['id']}", json={"weight": 30}, headers=as_employee)
    body = problem(await act(client, as_employee, draft["id"], "propose"), 422, "weights_not_100")
    assert "90%" in body["detail"]
    assert {e["message"] for e in body["errors"]} == {
        "拓展苏州制造业新客户: 60%",
        "提升老客户续约率: 30%",
    }
    assert (await goal(client, as_employee, draft["id"]))["state"] == "draft"


@pytest.mark.parametrize(
    ("key_result", "code"),
    [
        ({"start_value": "10", "target_value": "10"}, "target_equals_start"),
        ({"start_value": "10", "target_value": "5"}, "direction_mismatch"),
        ({"due_on": "2099-01-01"}, "due_outside_cycle"),
    ],
)
async def test_bad_key_results_are_refused(client, people, as_employee, key_result, code):
    cycle = (await client.get("/api/goal-cycles", headers=as_employee)).json()[0]
    kr = {"title": "指标", "due_on": cycle["ends_on"], **key_result}
    response = await client.post(
        "/api/goals",
        json={"cycle_id": cycle["id"], "title": "坏目标", "key_results": [kr]},
        headers=as_employee,
    )
    body = problem(response, 422, code)
    assert body["errors"][0]["field"].startswith("key_results[0].")
    assert "坏目标" not in await my_goals(client, as_employee)


async def test_parent_links_cannot_form_a_cycle(client, people, as_hr):
    cycle = (await client.get("/api/goal-cycles", headers=as_hr)).json()[0]

    async def objective(title, parent=None):
        body = {"level": "company", "cycle_id": cycle["id"], "title": title, "parent_id": parent}
        response = await client.post("/api/goals", json=body, headers=as_hr)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    top = await objective("顶层")
    middle = await objective("中层", top)
    bottom = await objective("底层", middle)
    response = await client.patch(f"/api/goals/{top}", json={"parent_id": bottom}, headers=as_hr)
    problem(response, 422, "parent_cycle")
    problem(
        await client.patch(f"/api/goals/{top}", json={"parent_id": top}, headers=as_hr),
        422,
        "parent_cycle",
    )


async def test_progress_is_an_append_only_log(client, people, as_employee, as_manager):
    active = await goal(client, as_employee, (await alice_active(client, as_employee))["id"])
    kr = active["key_results"][0]
    url = f"/api/key-results/{kr['id']}/progress"
    before = (await client.get(url, headers=as_employee)).json()
    response = await client.post(url, json={"value": "24", "note": "签下两家"}, headers=as_manager)
    assert response.status_code == 201, response.text
    assert response.json()["source"] == "manual"
    assert response.json()["recorded_by"]["id"] == str(people["manager.east"])
    log = (await client.get(url, headers=as_employee)).json()
    assert log[:-1] == before
    assert log[-1]["value"] == "24"
    assert (await goal(client, as_employee, active["id"]))["key_results"][0][
        "current_value"
    ] == "24"


async def test_an_entry_synced_late_does_not_overwrite_a_newer_value(client, people):
    alice = await auth_queries.load_principal(people["alice"], people["alice"])
    goals = await goal_queries.list_my_goals(alice, None)
    active = next(g for g in goals.goals if g.state == "active")
    kr = (await goal_queries.get_goal(alice, active.id)).key_results[0]
    await goal_queries.record_progress(alice, kr.id, goal_queries.ProgressCreate(value=24))
    yesterday = datetime.now(UTC) - timedelta(days=1)
    await goal_queries.record_progress(
        alice, kr.id, goal_queries.ProgressCreate(value=22), source="checkin", recorded_at=yesterday
    )
    assert (await goal_queries.get_goal(alice, active.id)).key_results[0].current_value == 24


async def test_progress_is_refused_for_closed_and_unagreed_goals(
    client, people, as_employee, as_manager
):
    draft = await goal(client, as_employee, (await alice_draft(client, as_employee))["id"])
    response = await client.post(
        f"/api/key-results/{draft['key_results'][0]['id']}/progress",
        json={"value": "75"},
        headers=as_employee,
    )
    problem(response, 409, "goal_not_agreed")

    active = await goal(client, as_employee, (await alice_active(client, as_employee))["id"])
    problem(
        await act(client, as_employee, active["id"], "close", score=80), 409, "invalid_transition"
    )
    problem(await act(client, as_manager, active["id"], "close"), 422, "score_required")
    closed = (await act(client, as_manager, active["id"], "close", score=80)).json()
    assert (closed["state"], closed["score"]) == ("closed", 80)
    response = await client.post(
        f"/api/key-results/{active['key_results'][0]['id']}/progress",
        json={"value": "25"},
        headers=as_employee,
    )
    problem(response, 409, "key_result_closed")


async def test_integrations_push_values_and_repeats_are_ignored(
    client, people, as_admin, as_employee
):
    issued = (
        await client.post("/api/admin/integration-tokens", json={"name": "CRM"}, headers=as_admin)
    ).json()
    token = issued["token"]
    listed = (await client.get("/api/admin/integration-tokens", headers=as_admin)).json()
    assert "token" not in listed[0]
    stored = await goal_queries.IntegrationToken.select(goal_queries.IntegrationToken.token_hash)
    assert token not in str(stored)

    active = await goal(client, as_employee, (await alice_active(client, as_employee))["id"])
    kr_id = active["key_results"][0]["id"]
    url = f"/api/integrations/key-results/{kr_id}/progress"
    auth = {"Authorization": f"Bearer {token}"}
    delivery = {"value": "23", "external_event_id": "crm-deal-42", "note": "成交"}
    first = await client.post(url, json=delivery, headers=auth)
    assert first.status_code == 200, first.text
    assert first.json()["duplicate"] is False
    assert first.json()["entry"]["source"] == "integration"
    assert first.json()["entry"]["integration_name"] == "CRM"
    again = await client.post(url, json={**delivery, "value": "99"}, headers=auth)
    assert again.json() == {**first.json(), "duplicate": True}
    entries = await ProgressEntry.count().where(ProgressEntry.external_event_id == "crm-deal-42")
    assert entries == 1
    assert (await goal(client, as_employee, active["id"]))["key_results"][0][
        "current_value"
    ] == "23"

    # The token reports metrics and nothing else; revoked, it reports nothing.
    problem(await client.get("/api/me", headers=auth), 401, "invalid_token")
    response = await client.delete(
        f"/api/admin/integration-tokens/{issued['id']}", headers=as_admin
    )
    assert response.status_code == 204
    response = await client.post(
        url, json={**delivery, "external_event_id": "crm-43"}, headers=auth
    )
    problem(response, 401, "invalid_integration_token")


async def make_reports(manager_email: str, count: int) -> None:
    rows = [
        people_csv.PersonRow(
            line=i + 2,
            email=f"rep{i}@example.com",
            display_name=f"销售{i}",
            title="",
            job_family="field_sales",
            department=("Sales", "Field Sales East"),
            manager_email=manager_email,
            roles=("employee",),
            hr_scope=None,
            locale="",
            time_zone="",
            active=True,
        )
        for i in range(count)
    ]
    await org_queries.import_people(rows, dry_run=False)


async def template_id(client, headers) -> str:
    return (await client.get("/api/goal-templates", headers=headers)).json()[0]["id"]


async def test_a_template_goes_to_200_people_in_one_request(client, people, as_hr, as_manager):
    await make_reports("manager.east@example.com", 198)
    template = await template_id(client, as_hr)
    departments = (await client.get("/api/org/departments", headers=as_hr)).json()
    east = next(d["id"] for d in departments if d["name"] == "Field Sales East")
    response = await client.post(
        f"/api/goal-templates/{template}/assignments", json={"department_id": east}, headers=as_hr
    )
    assert response.status_code == 201, response.text
    # 198 new reps plus alice, bob and manager.east.
    assert response.json()["created"] == 201
    copies = await Goal.select(Goal.state, Goal.owner).where(Goal.template == template)
    assert len({c["owner"] for c in copies}) == 201
    assert {c["state"] for c in copies} == {"draft"}
    assert await KeyResult.count().where(KeyResult.goal.template == template) == 2 * 201

    # Assigning again skips everyone who already has a copy.
    again = await client.post(
        f"/api/goal-templates/{template}/assignments",
        json={"department_id": east},
        headers=as_manager,
    )
    assert again.json() == {"created": 0, "skipped": 201, "goal_ids": []}


async def test_template_assignment_is_all_or_nothing(client, people, as_hr, monkeypatch):
    await make_reports("manager.east@example.com", 200)
    template = await template_id(client, as_hr)
    original = KeyResult.insert

    def failing_insert(*rows):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(KeyResult, "insert", failing_insert)
    # The goals are written first; the key results then fail, and the goals must go too.
    response = await client.post(
        f"/api/goal-templates/{template}/assignments",
        json={"job_family": "field_sales"},
        headers=as_hr,
    )
    problem(response, 500, "internal_error")
    monkeypatch.setattr(KeyResult, "insert", original)
    assert await Goal.count().where(Goal.template == template) == 0


async def test_templates_go_only_to_people_in_reach(client, people, headers_for):
    manager_west = headers_for("manager.west")
    template = await template_id(client, manager_west)
    response = await client.post(
        f"/api/goal-templates/{template}/assignments",
        json={"person_ids": [str(people["carol"]), str(people["alice"])]},
        headers=manager_west,
    )
    body = problem(response, 403, "assignee_out_of_reach")
    assert [e["message"] for e in body["errors"]] == [str(people["alice"])]
    assert await Goal.count().where(Goal.template == template) == 0


async def test_private_goals_stay_private(client, people, headers_for, as_employee, as_manager):
    bob = headers_for("bob")
    active = await alice_active(client, as_employee)
    problem(await client.get(f"/api/goals/{active['id']}", headers=bob), 404, "not_found")
    problem(
        await client.get(f"/api/goals/{active['id']}", headers=headers_for("admin")),
        404,
        "not_found",
    )

    cycle = (await client.get("/api/goal-cycles", headers=bob)).json()[0]

    def titles(tree: dict[str, Any]) -> set[str]:
        def walk(node):
            yield node["goal"]["title"]
            for child in node["children"]:
                yield from walk(child)

        return {t for theme in tree["themes"] for node in theme["objectives"] for t in walk(node)}

    seen_by_bob = titles(
        (await client.get(f"/api/goal-cycles/{cycle['id']}/tree", headers=bob)).json()
    )
    assert "拓展苏州制造业新客户" not in seen_by_bob
    assert "成都重点客户收入 400 万元" in seen_by_bob  # carol made hers public
    assert "华东区新签客户 60 家" in seen_by_bob  # department objectives are open
    seen_by_manager = titles(
        (await client.get(f"/api/goal-cycles/{cycle['id']}/tree", headers=as_manager)).json()
    )
    assert "拓展苏州制造业新客户" in seen_by_manager

    # Visibility is the owner's choice, at any time, and nobody else's.
    draft = await alice_draft(client, as_employee)
    assert (await goal(client, as_employee, draft["id"]))["permissions"]["change_visibility"]
    assert not (await goal(client, as_manager, draft["id"]))["permissions"]["change_visibility"]
    for changes in ({"visibility": "public"}, {"visibility": "public", "weight": 40}):
        problem(
            await client.patch(f"/api/goals/{draft['id']}", json=changes, headers=as_manager),
            403,
            "owner_only",
        )
    assert (await client.get(f"/api/goals/{draft['id']}", headers=bob)).status_code == 404
    response = await client.patch(
        f"/api/goals/{active['id']}", json={"visibility": "public"}, headers=as_employee
    )
    assert response.status_code == 200, response.text
    assert (await client.get(f"/api/goals/{active['id']}", headers=bob)).status_code == 200


async def test_a_managers_read_of_a_private_goal_is_in_the_owners_access_log(
    client, people, as_employee, as_manager
):
    active = await alice_active(client, as_employee)
    await goal(client, as_manager, active["id"])
    log = (await client.get("/api/me/access-log", headers=as_employee)).json()["items"]
    assert [(e["record_kind"], e["relation"], e["record_id"]) for e in log] == [
        ("goal", "direct_manager", active["id"])
    ]


async def test_why_this_goal_leads_up_to_the_strategy_theme(client, people, as_employee):
    active = await goal(client, as_employee, (await alice_active(client, as_employee))["id"])
    assert [(s["kind"], s["level"], s["title"]) for s in active["alignment"]] == [
        ("goal", "department", "华东区新签客户 60 家"),
        ("goal", "company", "华东、华西市场份额各提升 5 个百分点"),
        ("theme", None, "市场扩张"),
    ]


async def test_the_demo_has_goals_on_track_and_behind(client, people, as_manager):
    team = (await client.get("/api/me/team/goals", headers=as_manager)).json()
    pace = {g["owner"]["display_name"]: g["pace"] for g in team if g["state"] == "active"}
    assert pace == {"刘思思": "on_track", "王伟": "behind"}


async def test_team_goals_of_a_cycle_and_on_the_phone_of_the_current_ones(
    client, people, as_hr, as_employee, as_manager
):
    ended = await client.post(
        "/api/goal-cycles",
        json={
            "name": "2025 H1",
            "kind": "half",
            "starts_on": "2025-01-01",
            "ends_on": "2025-06-30",
        },
        headers=as_hr,
    )
    assert ended.status_code == 201, ended.text
    old_goal = await client.post(
        "/api/goals",
        json={"cycle_id": ended.json()["id"], "title": "上半年的老目标", "key_results": []},
        headers=as_employee,
    )
    assert old_goal.status_code == 201, old_goal.text

    async def titles(query: str = "") -> set[str]:
        team = await client.get(f"/api/me/team/goals{query}", headers=as_manager)
        return {g["title"] for g in team.json()}

    assert await titles(f"?cycle_id={ended.json()['id']}") == {"上半年的老目标"}
    everything = await titles()
    assert "上半年的老目标" in everything
    # The phone keeps the current cycles' goals, read from the database as such.
    pull = (await client.get("/api/sync/pull", headers=as_manager)).json()
    [on_phone] = [c["items"] for c in pull["changes"] if c["collection"] == "team_goals"]
    assert {g["title"] for g in on_phone} == everything - {"上半年的老目标"}


async def test_a_proposal_waits_for_the_managers_signature(client, people, headers_for):
    team = (await client.get("/api/me/team/goals", headers=headers_for("ceo"))).json()
    waiting = [g["title"] for g in team if g["awaiting_my_signature"]]
    assert waiting == ["华西团队辅导与微沟通"]


async def test_only_planners_set_up_cycles_and_themes(client, people, as_hr, as_manager):
    body = {"name": "2027", "kind": "year", "starts_on": "2027-01-01", "ends_on": "2026-12-31"}
    problem(
        await client.post("/api/goal-cycles", json=body, headers=as_hr), 422, "invalid_cycle_dates"
    )
    problem(await client.post("/api/goal-cycles", json=body, headers=as_manager), 403, "forbidden")


async def test_hr_sets_the_department_objectives_of_its_scope(client, people, headers_for):
    as_hr_west = headers_for("hr.west")
    departments = {
        d["name"]: d["id"]
        for d in (await client.get("/api/org/departments", headers=as_hr_west)).json()
    }
    west, east = departments["Field Sales West"], departments["Field Sales East"]
    rights = (await client.get("/api/me/goal-rights", headers=as_hr_west)).json()
    assert rights == {
        "plan": False,
        "department_ids": [west],
        "templates": True,
        "integrations": False,
    }
    company_rights = (await client.get("/api/me/goal-rights", headers=headers_for("hr"))).json()
    assert company_rights["plan"] is True
    assert set(company_rights["department_ids"]) == set(departments.values())
    employee_rights = (await client.get("/api/me/goal-rights", headers=headers_for("alice"))).json()
    assert employee_rights == {
        "plan": False,
        "department_ids": [],
        "templates": False,
        "integrations": False,
    }

    cycle = (await client.get("/api/goal-cycles", headers=as_hr_west)).json()[0]["id"]
    body = {
        "cycle_id": cycle,
        "level": "department",
        "title": "华西新签客户 40 家",
        "owner_id": str(people["manager.west"]),
    }
    response = await client.post(
        "/api/goals", json={**body, "department_id": west}, headers=as_hr_west
    )
    assert response.status_code == 201, response.text
    objective = response.json()
    assert objective["owner"]["id"] == str(people["manager.west"])
    assert objective["permissions"]["edit"] is True
    problem(
        await client.post("/api/goals", json={**body, "department_id": east}, headers=as_hr_west),
        403,
        "forbidden",
    )
    problem(
        await client.post("/api/goals", json=body, headers=as_hr_west), 422, "department_required"
    )
    problem(
        await client.post("/api/goals", json={**body, "level": "company"}, headers=as_hr_west),
        403,
        "forbidden",
    )
    # HR for the West keeps the West's objectives, whoever owns them, and no others.
    response = await client.patch(
        f"/api/goals/{objective['id']}", json={"title": "华西新签客户 45 家"}, headers=as_hr_west
    )
    assert response.status_code == 200, response.text
    east_objective = next(
        g["goal"]
        for branch in (
            await client.get(f"/api/goal-cycles/{cycle}/tree", headers=as_hr_west)
        ).json()["themes"]
        for node in branch["objectives"]
        for g in [node, *node["children"]]
        if g["goal"]["level"] == "department"
        and g["goal"]["owner"]["id"] == str(people["manager.east"])
    )
    problem(
        await client.patch(
            f"/api/goals/{east_objective['id']}", json={"title": "改名"}, headers=as_hr_west
        ),
        403,
        "forbidden",
    )
