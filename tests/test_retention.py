"""Retention: HR sets how long each kind of record is kept; the purge deletes what is older."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from server.alerts.tables import Alert
from server.audit import queries as audit
from server.audit.tables import AccessLog
from server.auth.tables import LoginFailure, RefreshToken
from server.checkins.tables import Checkin
from server.core.access import Relation
from server.feedback.tables import Feedback, Kudos
from server.goals.tables import Cycle, Goal
from server.jobs import Background
from server.privacy import queries as privacy
from server.push.tables import Notification
from tests.conftest import problem
from tests.test_checkins import minutes
from tests.test_feedback import SBI
from tests.test_sync import kudos_to, mutation, outcomes, push

NOW = datetime.now(UTC)


async def periods(client, headers) -> dict[str, dict[str, Any]]:
    response = await client.get("/api/privacy/retention", headers=headers)
    assert response.status_code == 200, response.text
    return {p["kind"]: p for p in response.json()["periods"]}


async def set_periods(client, headers, **days: int | None) -> Any:
    body = {"periods": [{"kind": kind, "days": value} for kind, value in days.items()]}
    return await client.put("/api/privacy/retention", json=body, headers=headers)


async def test_hr_sets_how_long_each_kind_of_record_is_kept(client, people, headers_for):
    hr = headers_for("hr")
    shown = await periods(client, hr)
    assert set(shown) == {
        "checkin",
        "goal",
        "feedback",
        "kudos",
        "alert",
        "notification",
        "access_log",
    }
    assert shown["access_log"]["days"] == 730
    assert shown["checkin"]["days"] is None  # kept until someone deletes it
    assert shown["checkin"]["min_days"] == 365

    response = await set_periods(client, hr, kudos=400, checkin=1095, notification=None)
    assert response.status_code == 200, response.text
    changed = {p["kind"]: p for p in response.json()["periods"]}
    assert changed["kudos"]["days"] == 400
    assert changed["checkin"]["days"] == 1095
    assert changed["notification"]["days"] is None
    assert changed["notification"]["default_days"] == 365
    assert changed["kudos"]["updated_by"]["display_name"] == "王芳"
    assert changed["feedback"]["days"] is None
    assert changed["feedback"]["updated_by"] is None

    # Admins and HR of one region read the periods; only company-wide HR changes them.
    admin = await client.get("/api/privacy/retention", headers=headers_for("admin"))
    assert admin.json()["editable"] is False
    assert (await periods(client, headers_for("hr.west")))["kudos"]["days"] == 400
    for viewer in ("hr.west", "admin"):
        problem(await set_periods(client, headers_for(viewer), kudos=90), 403, "forbidden")
    for viewer in ("manager.east", "alice"):
        response = await client.get("/api/privacy/retention", headers=headers_for(viewer))
        problem(response, 403, "forbidden")


async def test_a_period_shorter_than_its_kinds_minimum_changes_nothing(client, people, as_hr):
    response = await set_periods(client, as_hr, kudos=120, access_log=30)
    body = problem(response, 422, "retention_too_short")
    assert body["errors"] == [
        {"field": "periods[1].days", "code": "retention_too_short", "message": "365"}
    ]
    assert (await periods(client, as_hr))["kudos"]["days"] is None


async def backdate(table: Any, column: Any, row_id: Any, at: Any) -> None:
    await table.update({column: at}).where(table.id == row_id)


async def test_the_purge_deletes_only_what_is_older_than_its_period(
    client, people, headers_for, as_hr
):
    manager, alice = headers_for("manager.east"), headers_for("alice")
    old_kudos, new_kudos = kudos_to(people["alice"]), kudos_to(people["bob"])
    old_feedback = mutation("feedback.create", {**SBI, "recipient_id": str(people["bob"])})
    old_checkin, new_checkin = (
        minutes(people["alice"], people["alice"]),
        minutes(people["bob"], people["bob"]),
    )
    assert (
        outcomes(
            await push(
                client, manager, old_kudos, new_kudos, old_feedback, old_checkin, new_checkin
            )
        )
        == ["applied"] * 5
    )
    await backdate(Kudos, Kudos.created_at, old_kudos["id"], NOW - timedelta(days=400))
    await backdate(Feedback, Feedback.created_at, old_feedback["id"], NOW - timedelta(days=4000))
    await backdate(
        Checkin,
        Checkin.held_on,
        old_checkin["payload"]["checkin_id"],
        date.today() - timedelta(days=800),
    )
    # Two alerts opened long ago: one closed long ago, one still open.
    closed, still_open = await _old_alerts(people["alice"])
    # Views of alice's data: one older than the default two years.
    await audit.record_access(
        people["manager.east"], people["alice"], "profile", Relation.DIRECT_MANAGER
    )
    [old_view] = await AccessLog.select(AccessLog.id).where(AccessLog.subject == people["alice"])
    await backdate(AccessLog, AccessLog.viewed_at, old_view["id"], NOW - timedelta(days=731))
    await audit.record_access(
        people["manager.east"], people["alice"], "profile", Relation.DIRECT_MANAGER
    )
    # Two goals of a cycle that ended three years ago; a goal of this half-year aligns to
    # the second, so it stays.
    old_goal = await _goal_in_ended_cycle(people["alice"])
    served = await _goal_in_ended_cycle(people["alice"])
    current = await Goal.select(Goal.id).where(Goal.owner == people["alice"]).first()
    await Goal.update({Goal.parent: served}).where(Goal.id == current["id"])
    notification = uuid.uuid4()
    await Notification.insert(
        Notification(
            id=notification,
            person=people["alice"],
            kind="kudos.received",
            url="/feedback",
            topic="kudos",
            urgency="normal",
            created_at=NOW - timedelta(days=366),
        )
    )
    # A sign-in that ended with its last token's expiry: nothing is kept of it after that.
    await RefreshToken.insert(
        RefreshToken(
            family=uuid.uuid4(),
            person=people["alice"],
            token_hash="0" * 64,
            created_at=NOW - timedelta(days=31),
            expires_at=NOW - timedelta(days=1),
        )
    )
    await LoginFailure.insert(
        LoginFailure(email="alice@example.com", address="203.0.113.9", failed_at=NOW),
        LoginFailure(
            email="alice@example.com", address="203.0.113.9", failed_at=NOW - timedelta(days=2)
        ),
    )
    response = await set_periods(client, as_hr, kudos=365, checkin=730, alert=90, goal=730)
    assert response.status_code == 200, response.text

    purged = await privacy.purge_expired(NOW)

    assert purged == {
        "sessions": 1,
        "sign_in_failures": 1,
        "checkin": 1,
        "goal": 1,
        "kudos": 1,
        "alert": 1,
        "notification": 1,
        "access_log": 1,
    }  # feedback is kept until someone deletes it: no purge for it
    assert not await Kudos.exists().where(Kudos.id == old_kudos["id"])
    assert await Kudos.exists().where(Kudos.id == new_kudos["id"])
    assert await Feedback.exists().where(Feedback.id == old_feedback["id"])
    assert not await Checkin.exists().where(Checkin.id == old_checkin["payload"]["checkin_id"])
    assert await Checkin.exists().where(Checkin.id == new_checkin["payload"]["checkin_id"])
    assert not await Alert.exists().where(Alert.id == closed)
    assert await Alert.exists().where(Alert.id == still_open)
    assert await AccessLog.count().where(AccessLog.subject == people["alice"]) == 1
    assert not await Goal.exists().where(Goal.id == old_goal)
    assert await Goal.exists().where(Goal.id == served)
    assert await Goal.exists().where(Goal.owner == people["alice"])  # this half-year's
    # Run again (another process, the next round): nothing is left to delete.
    assert set((await privacy.purge_expired(NOW)).values()) == {0}
    assert (await client.get("/api/me/goals", headers=alice)).status_code == 200


async def _old_alerts(person: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    long_ago = NOW - timedelta(days=200)
    ids = (uuid.uuid4(), uuid.uuid4())
    for alert_id, state in zip(ids, ("resolved", "open"), strict=True):
        await Alert.insert(
            Alert(
                id=alert_id,
                kind="checkin_overdue",
                condition=f"checkin_overdue:{person}:{state}",
                person=person,
                observed="30",
                expected="14",
                threshold="14",
                state=state,
                opened_at=long_ago,
                closed_at=long_ago if state == "resolved" else None,
            )
        )
    return ids


async def _goal_in_ended_cycle(owner: uuid.UUID) -> uuid.UUID:
    cycle = await Cycle.objects().get_or_create(
        Cycle.name == "2023 上半年",
        defaults={
            Cycle.kind: "half",
            Cycle.starts_on: date(2023, 1, 1),
            Cycle.ends_on: date(2023, 6, 30),
        },
    )
    goal = Goal(
        level="individual",
        owner=owner,
        cycle=cycle.id,
        title="2023 的旧目标",
        created_by=owner,
        created_at=NOW,
        updated_at=NOW,
    )
    await goal.save()
    return goal.id


async def test_each_server_process_purges_in_the_background(client, people, settings):
    await audit.record_access(
        people["manager.east"], people["alice"], "profile", Relation.DIRECT_MANAGER
    )
    await AccessLog.update({AccessLog.viewed_at: NOW - timedelta(days=800)}, force=True)
    background = Background(settings.model_copy(update={"retention_interval_seconds": 0.05}))
    await background.start()
    try:
        for _ in range(100):
            if not await AccessLog.exists():
                break
            await asyncio.sleep(0.05)
    finally:
        await background.stop()
    assert not await AccessLog.exists()
