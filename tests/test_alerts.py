"""Deviation alerts through the API: raised when progress is written, told to the person and
their manager only, not raised twice, closing themselves on recovery, the conversation's
lifecycle, escalation to HR, the reminders, and the rules HR sets."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from server.alerts import queries as alerts
from server.alerts import rules
from server.alerts.tables import Alert
from server.db import fetch, is_sqlite
from server.goals import queries as goals
from server.goals.tables import Cycle, Goal, KeyResult
from server.org import queries as org
from server.org.tables import Person
from server.push import reminders
from server.push.tables import Notification, PushDelivery
from tests.conftest import problem
from tests.push_service import browser_keys
from tests.test_checkins import minutes
from tests.test_sync import mutation, push

ALICE_GOAL = "拓展苏州制造业新客户"
BOB_GOAL = "开拓无锡新市场"


async def first_kr(title: str) -> dict[str, Any]:
    goal = await Goal.select(Goal.id).where(Goal.title == title).first()
    # In order: PostgreSQL returns rows in whatever order its plan finds them, which an
    # update of one of them can change.
    return (
        await KeyResult.select()
        .where(KeyResult.goal == goal["id"])
        .order_by(KeyResult.position)
        .first()
    )


async def record(client, headers, kr: dict[str, Any], value: Decimal | int) -> None:
    payload = {"key_result_id": str(kr["id"]), "value": str(value)}
    [result] = await push(client, headers, mutation("kr.progress", payload))
    assert result["status"] == "applied", result


async def alerts_of(client, headers, status: str = "active", **params: str) -> list[dict]:
    response = await client.get("/api/alerts", params={"status": status, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def about(client, headers, person) -> list[dict]:
    return [a for a in await alerts_of(client, headers, "all") if a["person"]["id"] == str(person)]


async def told(kind: str, subject) -> list:
    rows = await Notification.select(Notification.person).where(
        (Notification.kind == kind) & (Notification.subject_id == subject)
    )
    return sorted(r["person"] for r in rows)


async def alice_behind(client, people, headers_for) -> dict[str, Any]:
    """Alice records no new customers at all: far behind the plan."""
    await record(client, headers_for("alice"), await first_kr(ALICE_GOAL), 0)
    [alert] = await about(client, headers_for("alice"), people["alice"])
    return alert


async def test_falling_behind_alerts_alice_and_her_manager_and_nobody_else(
    client, people, headers_for
):
    alert = await alice_behind(client, people, headers_for)
    assert alert["kind"] == "kr_behind"
    assert alert["state"] == "open"
    assert alert["key_result"]["title"] == "苏州新签客户"
    assert alert["goal"]["title"] == ALICE_GOAL
    assert Decimal(alert["observed"]) == 0
    assert Decimal(alert["expected"]) > Decimal(alert["threshold"]) == 25
    assert alert["can_act"]
    assert sorted([people["alice"], people["manager.east"]]) == await told(
        "alert.opened", alert["id"]
    )
    [seen] = await about(client, headers_for("manager.east"), people["alice"])
    assert seen["can_act"]
    for outsider in ("carol", "manager.west", "ceo", "hr", "bob", "admin"):
        assert await about(client, headers_for(outsider), people["alice"]) == [], outsider
        response = await client.get(f"/api/alerts/{alert['id']}", headers=headers_for(outsider))
        problem(response, 404, "not_found")
    # Still behind: the open alert stands and nobody is told twice.
    await record(client, headers_for("alice"), await first_kr(ALICE_GOAL), 1)
    assert len(await about(client, headers_for("alice"), people["alice"])) == 1
    assert len(await told("alert.opened", alert["id"])) == 2


async def test_an_alert_nobody_acted_on_closes_when_the_result_recovers(
    client, people, headers_for
):
    alert = await alice_behind(client, people, headers_for)
    kr = await first_kr(ALICE_GOAL)
    on_plan = kr["target_value"] * Decimal(alert["expected"]) / 100
    await record(client, headers_for("alice"), kr, on_plan.quantize(Decimal(1)) + 1)
    [closed] = await about(client, headers_for("alice"), people["alice"])
    assert closed["state"] == "recovered"
    assert closed["closed_at"] is not None
    assert not closed["can_act"]
    # It recovered, so a new drop is a new alert.
    await record(client, headers_for("alice"), kr, 0)
    states = sorted(a["state"] for a in await about(client, headers_for("alice"), people["alice"]))
    assert states == ["open", "recovered"]


async def test_the_conversation_is_scheduled_then_resolved_with_the_agreement(
    client, people, headers_for
):
    alert = await alice_behind(client, people, headers_for)
    url = f"/api/alerts/{alert['id']}"
    manager = headers_for("manager.east")
    day = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    problem(
        await client.post(f"{url}/schedule", json={"on": "2020-01-01"}, headers=manager),
        422,
        "schedule_in_past",
    )
    response = await client.post(f"{url}/schedule", json={"on": day}, headers=manager)
    assert response.status_code == 200, response.text
    assert (response.json()["state"], response.json()["scheduled_for"]) == ("scheduled", day)
    assert await told("alert.updated", alert["id"]) == [people["alice"]]
    # A booked conversation is kept even if the numbers recover meanwhile.
    kr = await first_kr(ALICE_GOAL)
    await record(client, headers_for("alice"), kr, kr["target_value"])
    assert (await client.get(url, headers=manager)).json()["state"] == "scheduled"
    problem(
        await client.post(f"{url}/resolve", json={"outcome": "resources"}, headers=manager),
        400,
        "validation_failed",
    )
    agreement = {"outcome": "resources", "agreement": "售前工程师每周二陪同拜访两家客户"}
    response = await client.post(f"{url}/resolve", json=agreement, headers=headers_for("alice"))
    assert response.status_code == 200, response.text
    resolved = response.json()
    assert (resolved["state"], resolved["outcome"]) == ("resolved", "resources")
    assert resolved["agreement"] == agreement["agreement"]
    assert resolved["closed_by"]["id"] == str(people["alice"])
    for action, body in (("schedule", {"on": day}), ("dismiss", {"reason": "晚了"})):
        problem(
            await client.post(f"{url}/{action}", json=body, headers=manager), 409, "alert_closed"
        )
    # The manager's reads of the alert are in alice's access log; hers are not.
    log = (await client.get("/api/me/access-log", headers=headers_for("alice"))).json()
    assert {(e["viewer"]["id"], e["record_kind"]) for e in log["items"]} >= {
        (str(people["manager.east"]), "alert")
    }


async def test_an_alert_can_be_dismissed_with_a_reason(client, people, headers_for):
    alert = await alice_behind(client, people, headers_for)
    url = f"/api/alerts/{alert['id']}/dismiss"
    manager = headers_for("manager.east")
    problem(await client.post(url, json={"reason": ""}, headers=manager), 400, "validation_failed")
    response = await client.post(url, json={"reason": "上周的数据录错了"}, headers=manager)
    assert (response.json()["state"], response.json()["dismiss_reason"]) == (
        "dismissed",
        "上周的数据录错了",
    )
    # Dismissed while still behind: no new alert until the result has recovered.
    await record(client, headers_for("alice"), await first_kr(ALICE_GOAL), 0)
    assert len(await about(client, headers_for("alice"), people["alice"])) == 1


async def test_unresolved_after_two_weeks_hr_in_scope_sees_it_and_is_told(
    client, people, headers_for
):
    alert = await alice_behind(client, people, headers_for)
    url = f"/api/alerts/{alert['id']}"
    assert await alerts.escalate(datetime.now(UTC) + timedelta(days=13)) == 0
    problem(await client.get(url, headers=headers_for("hr")), 404, "not_found")

    async def listed_for(name: str) -> set[str]:
        response = await client.get("/api/alerts", headers=headers_for(name))
        assert response.status_code == 200, response.text
        return {a["id"] for a in response.json()}

    assert alert["id"] not in await listed_for("hr")
    assert await alerts.escalate(datetime.now(UTC) + timedelta(days=15)) >= 1
    assert alert["id"] in await listed_for("hr")
    assert alert["id"] not in await listed_for("hr.west")
    assert alert["id"] in await listed_for("manager.east")
    escalated = (await client.get(url, headers=headers_for("hr"))).json()
    assert escalated["escalated_at"] is not None
    assert not escalated["can_act"]
    # HR reads; the conversation stays between alice and her manager.
    problem(
        await client.post(f"{url}/dismiss", json={"reason": "x"}, headers=headers_for("hr")),
        403,
        "not_a_party",
    )
    # hr.west's scope is the West team: alice is not in it.
    problem(await client.get(url, headers=headers_for("hr.west")), 404, "not_found")
    assert await told("alert.escalated", alert["id"]) == [people["hr"]]


async def test_an_alert_with_no_conversation_booked_reminds_both_after_a_week(
    client, people, headers_for
):
    alert = await alice_behind(client, people, headers_for)
    # 10:00 in Shanghai, eight days on.
    week_on = datetime.now(UTC).replace(hour=2, minute=0) + timedelta(days=8)
    await reminders.send_reminders(week_on - timedelta(days=2))
    assert await told("reminder.alert", None) == []
    await reminders.send_reminders(week_on)
    reminded = await Notification.select(Notification.person).where(
        Notification.kind == "reminder.alert"
    )
    assert {people["alice"], people["manager.east"]} <= {r["person"] for r in reminded}
    await client.post(
        f"/api/alerts/{alert['id']}/schedule",
        json={"on": week_on.date().isoformat()},
        headers=headers_for("alice"),
    )
    assert (people["alice"], alert["id"]) not in [
        (p, str(a)) for p, a in await alerts.unscheduled(week_on)
    ]


async def test_an_overdue_check_in_alerts_and_recovers_when_one_is_held(
    client, people, headers_for
):
    # The demo's bob is weeks past his team's rhythm.
    [overdue] = [
        a
        for a in await about(client, headers_for("bob"), people["bob"])
        if a["kind"] == "checkin_overdue"
    ]
    assert overdue["state"] == "open"
    assert Decimal(overdue["observed"]) > Decimal(overdue["threshold"])
    await push(client, headers_for("manager.east"), minutes(people["bob"], people["bob"]))
    [after] = [
        a
        for a in await about(client, headers_for("bob"), people["bob"])
        if a["kind"] == "checkin_overdue"
    ]
    assert after["state"] == "recovered"


async def test_no_recent_recognition_nudges_the_manager_alone(client, people, headers_for):
    later = datetime.now(UTC) + timedelta(weeks=5)
    result = await alerts.evaluate(later, [people["carol"]], ("no_recognition",))
    assert result.opened == 1
    [nudge] = await about(client, headers_for("manager.west"), people["carol"])
    assert (nudge["kind"], nudge["manager_only"], nudge["can_act"]) == (
        "no_recognition",
        True,
        True,
    )
    assert await about(client, headers_for("carol"), people["carol"]) == []
    assert await told("alert.nudge", nudge["id"]) == [people["manager.west"]]


async def test_simultaneous_evaluations_raise_one_alert(client, people, headers_for):
    await first_kr(ALICE_GOAL)
    await Alert.delete().where(Alert.person == people["bob"])
    await asyncio.gather(*(alerts.evaluate(datetime.now(UTC), [people["bob"]]) for _ in range(4)))
    kinds = [a["kind"] for a in await about(client, headers_for("bob"), people["bob"])]
    assert sorted(kinds) == sorted(set(kinds))
    assert "kr_behind" in kinds


async def test_an_alert_push_skips_quiet_hours_and_a_muted_kind_skips_the_push(
    client, people, headers_for
):
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    quiet = {
        "start": (local - timedelta(hours=1)).strftime("%H:%M"),
        "end": (local + timedelta(hours=1)).strftime("%H:%M"),
    }
    settings = "/api/me/notification-preferences"
    alice, manager = headers_for("alice"), headers_for("manager.east")
    for headers, device in ((alice, "alice"), (manager, "manager")):
        subscription = {"endpoint": f"https://push.example/{device}", "keys": browser_keys()}
        response = await client.put("/api/push/subscription", json=subscription, headers=headers)
        assert response.status_code == 204
    await client.put(settings, json={"quiet_hours": quiet}, headers=alice)
    response = await client.put(settings, json={"muted_kinds": ["alert.opened"]}, headers=manager)
    assert response.json()["muted_kinds"] == ["alert.opened"]
    problem(
        await client.put(settings, json={"muted_kinds": ["push.enabled"]}, headers=manager),
        422,
        "unknown_notification_kind",
    )
    alert = await alice_behind(client, people, headers_for)
    [notification] = await Notification.select().where(
        (Notification.kind == "alert.opened") & (Notification.person == people["alice"])
    )
    assert notification["urgency"] == "high"
    [delivery] = await PushDelivery.select().where(PushDelivery.notification == notification["id"])
    # Urgent: due at once, though alice is in her quiet hours.
    assert delivery["due_at"] <= datetime.now(UTC)
    # The manager turned alert pushes off: the inbox has it, no device gets it.
    assert people["manager.east"] in await told("alert.opened", alert["id"])
    manager_notes = await Notification.select(Notification.id).where(
        (Notification.kind == "alert.opened") & (Notification.person == people["manager.east"])
    )
    assert not await PushDelivery.exists().where(
        PushDelivery.notification.is_in([n["id"] for n in manager_notes])
    )
    # Quiet hours were kept while the kinds changed, and the other way round.
    assert (await client.get(settings, headers=alice)).json()["quiet_hours"] == quiet


async def test_hr_sets_rules_for_the_places_in_their_scope(client, people, headers_for):
    hr, west_hr = headers_for("hr"), headers_for("hr.west")
    company = (await client.get("/api/alert-rules", headers=hr)).json()
    assert {(r["kind"], r["scope"], r["editable"]) for r in company} == {
        ("kr_behind", "company", True),
        ("milestone_overdue", "company", True),
        ("checkin_overdue", "company", True),
        ("no_recognition", "company", True),
    }
    assert not any(
        r["editable"] for r in (await client.get("/api/alert-rules", headers=west_hr)).json()
    )
    problem(
        await client.get("/api/alert-rules", headers=headers_for("manager.east")), 403, "forbidden"
    )
    departments = {
        d["name"]: d["id"] for d in (await client.get("/api/org/departments", headers=hr)).json()
    }
    east, west = departments["Field Sales East"], departments["Field Sales West"]
    rule = {"kind": "checkin_overdue", "scope": "department", "threshold": "3"}
    problem(
        await client.post(
            "/api/alert-rules", json={**rule, "department_id": east}, headers=west_hr
        ),
        403,
        "forbidden",
    )
    response = await client.post(
        "/api/alert-rules", json={**rule, "department_id": west}, headers=west_hr
    )
    assert response.status_code == 201, response.text
    assert response.json()["department_name"] == "Field Sales West"
    problem(
        await client.post("/api/alert-rules", json={**rule, "department_id": west}, headers=hr),
        409,
        "rule_exists",
    )
    problem(
        await client.post(
            "/api/alert-rules",
            json={"kind": "quality_threshold", "scope": "company", "threshold": "5"},
            headers=hr,
        ),
        422,
        "rule_scope",
    )
    problem(
        await client.post(
            "/api/alert-rules", json={**rule, "department_id": east, "threshold": "-1"}, headers=hr
        ),
        422,
        "invalid_threshold",
    )
    default = alerts.DEFAULT_RULE_IDS["kr_behind"]
    problem(await client.delete(f"/api/alert-rules/{default}", headers=hr), 409, "rule_required")
    problem(
        await client.patch(f"/api/alert-rules/{default}", json={"enabled": False}, headers=west_hr),
        403,
        "forbidden",
    )


async def test_a_goal_rule_switched_off_closes_that_goals_open_alert(client, people, headers_for):
    hr = headers_for("hr")
    [behind] = [
        a
        for a in await about(client, headers_for("bob"), people["bob"])
        if a["kind"] == "kr_behind"
    ]
    goal = await Goal.select(Goal.id).where(Goal.title == BOB_GOAL).first()
    response = await client.post(
        "/api/alert-rules",
        json={
            "kind": "kr_behind",
            "scope": "goal",
            "goal_id": str(goal["id"]),
            "threshold": "25",
            "enabled": False,
        },
        headers=hr,
    )
    assert response.status_code == 201, response.text
    assert response.json()["goal_title"] == BOB_GOAL
    await alerts.evaluate(datetime.now(UTC), [people["bob"]])
    [after] = [
        a for a in await about(client, headers_for("bob"), people["bob"]) if a["id"] == behind["id"]
    ]
    assert after["state"] == "recovered"
    # Switched on again with a looser threshold than bob's gap: still no alert.
    rule_id = response.json()["id"]
    gap = Decimal(behind["expected"]) - Decimal(behind["observed"])
    response = await client.patch(
        f"/api/alert-rules/{rule_id}",
        json={"enabled": True, "threshold": str(gap + 10)},
        headers=hr,
    )
    assert response.json()["enabled"] is True
    assert (await alerts.evaluate(datetime.now(UTC), [people["bob"]], ("kr_behind",))).opened == 0
    assert (await client.delete(f"/api/alert-rules/{rule_id}", headers=hr)).status_code == 204
    assert (await alerts.evaluate(datetime.now(UTC), [people["bob"]], ("kr_behind",))).opened == 1


async def test_the_round_over_everyone_reads_every_result_that_may_be_behind(client, people):
    """The SQL pre-selection of a company-wide round never leaves out a result pace.py would
    find behind (random values and days across the cycle), and it does leave some out."""
    rng = random.Random(3)
    book = await alerts.rule_book()
    bound = (float(book.lowest("kr_behind")) - alerts.PRESELECT_MARGIN) / 100
    cycle = await Cycle.select().first()
    results = await KeyResult.select(KeyResult.id, KeyResult.start_value, KeyResult.target_value)
    left_out = 0
    for _ in range(25):
        for kr in results:
            share = Decimal(str(round(rng.uniform(-0.2, 1.2), 3)))
            value = kr["start_value"] + (kr["target_value"] - kr["start_value"]) * share
            await KeyResult.update({KeyResult.current_value: value}).where(KeyResult.id == kr["id"])
        today = cycle["starts_on"] + timedelta(days=rng.randint(1, 200))
        behind = {
            f.key_result
            for row, plan in await goals.tracked_key_results()
            for f in rules.key_result_findings(alerts.tracked_key_result(row, plan), book, today)
            if f.kind == "kr_behind" and f.breached
        }
        chosen = await goals.tracked_key_results(behind_by_more_than=bound, on=today)
        selected = {row["id"] for row, _ in chosen}
        assert behind <= {alerts.as_uuid(i) for i in selected}
        left_out += len(results) - len(selected)
    assert left_out > 0


async def test_a_round_over_everyone_finds_what_rounds_per_person_find(client, people):
    """The pre-selections of a company-wide round (results that may be behind, people quiet
    for long enough) leave out nothing: six weeks on, both ways open the same alerts."""
    later = datetime.now(UTC) + timedelta(weeks=6)
    everyone = [r["id"] for r in await Person.select(Person.id)]

    async def opened_by(people_filter) -> set[str]:
        await alerts.evaluate(later, people_filter)
        rows = await Alert.select(Alert.condition).where(Alert.opened_at == later)
        await Alert.delete().where(Alert.opened_at == later)
        return {r["condition"] for r in rows}

    per_person = await opened_by(everyone)
    assert {c.split(":")[0] for c in per_person} >= {"checkin_overdue", "no_recognition"}
    assert await opened_by(None) == per_person


async def test_the_slices_of_a_round_hold_everyone_once_in_order(client, people):
    everyone = sorted(r["id"] for r in await Person.select(Person.id))
    slices = await org.people_slices(3)
    assert len(slices) == len(everyone) // 3 + 1
    in_slices = []
    for part in slices:
        condition, bounds = part.sql("id")
        sql = "SELECT id FROM org_person WHERE 1 = 1" + condition  # noqa: S608 - placeholders only
        rows = await fetch(sql, *bounds)
        in_slices += sorted(alerts.as_uuid(r["id"]) for r in rows)
    assert in_slices == everyone


async def test_a_round_in_small_slices_opens_and_recovers_what_one_slice_does(
    client, people, monkeypatch
):
    """A round over everyone goes through the company a slice of people at a time (its
    memory follows the slice): slices of two open exactly what one slice of everyone opens,
    see their own live alerts (nothing opens twice), and close them on recovery."""
    later = datetime.now(UTC) + timedelta(weeks=6)

    async def opened_in_slices_of(size: int) -> set[str]:
        monkeypatch.setattr(org, "ROUND_SLICE", size)
        await alerts.evaluate(later)
        rows = await Alert.select(Alert.condition).where(Alert.opened_at == later)
        return {r["condition"] for r in rows}

    whole = await opened_in_slices_of(1_000)
    await Alert.delete().where(Alert.opened_at == later)
    assert await opened_in_slices_of(2) == whole
    assert {c.split(":")[0] for c in whole} >= {"kr_behind", "checkin_overdue", "no_recognition"}
    assert await alerts.evaluate(later) == alerts.RoundResult(opened=0, recovered=0)

    await KeyResult.update({KeyResult.current_value: KeyResult.target_value}, force=True)
    behind = {c for c in whole if c.startswith("kr_behind")}
    assert (await alerts.evaluate(later)).recovered >= len(behind) > 0
    still_open = await Alert.select(Alert.condition).where(Alert.state == "open")
    assert not behind & {r["condition"] for r in still_open}


async def test_rounds_of_several_processes_at_once_evaluate_once(client, people):
    """An advisory lock lets one PostgreSQL round run at a time (the others skip); on SQLite
    the one writer runs them one after another. Either way each breach is raised once."""
    later = datetime.now(UTC) + timedelta(weeks=6)
    results = await asyncio.gather(*(alerts.run_round(later) for _ in range(3)))
    ran = [r for r in results if r is not None]
    assert len(ran) == (3 if is_sqlite() else 1)
    opened = await Alert.count().where(Alert.opened_at == later)
    assert sum(r.opened for r in ran) == opened > 0
