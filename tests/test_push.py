"""Web Push: subscriptions, the inbox, the outbox and its dispatcher, against a loopback push
service that checks and decrypts every message (tests/push_service.py)."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import httpx
import pytest

from server.push import dispatcher as dispatch
from server.push import messages
from server.push.quiet import quiet_until
from server.push.sender import MAX_PAYLOAD_BYTES, Message, PayloadTooLargeError, Sender
from server.push.tables import Notification, PushDelivery, PushSubscription
from server.push.vapid import VapidIdentity, audience, key_file
from tests.conftest import problem
from tests.push_service import PushService, start_push_service


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = start_push_service()
    yield service
    service.close()


@pytest.fixture
async def dispatcher(app: Any) -> AsyncIterator[dispatch.Dispatcher]:
    async with aiohttp.ClientSession() as session:
        yield dispatch.Dispatcher(Sender(app.state.vapid, session), interval_seconds=1)


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], subscription: dict[str, Any]
) -> None:
    response = await client.put("/api/push/subscription", json=subscription, headers=headers)
    assert response.status_code == 204, response.text


async def first_notifications() -> int:
    """How many first notifications ("notifications are on") there are; the demo's alerts are
    in the inbox too."""
    return await Notification.count().where(Notification.kind == "push.enabled")


async def deliveries() -> list[dict[str, Any]]:
    return await PushDelivery.select().order_by(PushDelivery.next_attempt_at)


async def test_the_public_key_is_the_servers_and_the_private_key_stays_in_a_private_file(
    client, app, as_employee
):
    response = await client.get("/api/push/vapid-public-key", headers=as_employee)
    assert response.status_code == 200
    identity: VapidIdentity = app.state.vapid
    assert response.json() == {"application_server_key": identity.application_server_key}
    path = key_file(app.state.settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "PRIVATE KEY" in path.read_text()


async def test_a_new_device_gets_a_first_notification_it_can_decrypt(
    client, people, as_employee, push_service, dispatcher
):
    await subscribe(client, as_employee, push_service.subscribe("alice-phone"))
    assert await dispatcher.dispatch_due() == 1

    [message] = push_service.for_("alice-phone")
    assert push_service.violations == []
    title, body = messages.text("push.enabled", "zh-CN")  # the demo company speaks zh-CN
    assert message.payload == {"title": title, "body": body, "url": "/", "tag": "push.enabled"}
    assert message.headers["ttl"] == str(messages.KINDS["push.enabled"].ttl_seconds)
    assert message.headers["urgency"] == "normal"
    assert message.claims["aud"] == push_service.origin  # with the port
    [delivery] = await deliveries()
    assert delivery["status"] == "sent"
    assert delivery["last_status"] == 201
    inbox = (await client.get("/api/me/notifications", headers=as_employee)).json()
    assert [n["kind"] for n in inbox["items"]] == ["push.enabled"]
    assert inbox["unread"] == 1


async def test_the_app_sending_its_subscription_again_changes_nothing(
    client, people, as_employee, push_service
):
    subscription = push_service.subscribe("alice-phone")
    for _ in range(3):
        await subscribe(client, as_employee, subscription)
    assert await PushSubscription.count() == 1
    assert await first_notifications() == 1


async def test_a_shared_phone_moves_to_whoever_signs_in(client, people, headers_for, push_service):
    subscription = push_service.subscribe("shared")
    await subscribe(client, headers_for("alice"), subscription)
    await subscribe(client, headers_for("bob"), subscription)
    [row] = await PushSubscription.select(PushSubscription.person)
    assert row["person"] == people["bob"]


async def test_signing_out_or_being_disabled_stops_pushes_to_that_persons_devices(
    client, people, as_admin, push_service
):
    login = await client.post(
        "/api/auth/login", json={"email": "alice@example.com", "password": "tandem-demo"}
    )
    tokens = login.json()
    alice = {"Authorization": f"Bearer {tokens['access_token']}"}
    await subscribe(client, alice, push_service.subscribe("alice-phone"))
    await client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert await PushSubscription.count() == 0

    bob_login = await client.post(
        "/api/auth/login", json={"email": "bob@example.com", "password": "tandem-demo"}
    )
    bob = {"Authorization": f"Bearer {bob_login.json()['access_token']}"}
    await subscribe(client, bob, push_service.subscribe("bob-phone"))
    response = await client.patch(
        f"/api/admin/people/{people['bob']}", json={"active": False}, headers=as_admin
    )
    assert response.status_code == 200, response.text
    assert await PushSubscription.count() == 0


async def test_removing_a_subscription_touches_only_ones_own(
    client, people, headers_for, push_service
):
    subscription = push_service.subscribe("alice-phone")
    await subscribe(client, headers_for("alice"), subscription)
    endpoint = {"endpoint": subscription["endpoint"]}
    response = await client.delete(
        "/api/push/subscription", params=endpoint, headers=headers_for("carol")
    )
    assert response.status_code == 204
    assert await PushSubscription.count() == 1
    await client.delete("/api/push/subscription", params=endpoint, headers=headers_for("alice"))
    assert await PushSubscription.count() == 0


@pytest.mark.parametrize("gone", [404, 410])
async def test_an_endpoint_the_push_service_forgot_is_deleted(
    client, people, as_employee, push_service, dispatcher, gone
):
    await subscribe(client, as_employee, push_service.subscribe("alice-phone"))
    push_service.answer("alice-phone", gone)
    await dispatcher.dispatch_due()
    assert await PushSubscription.count() == 0
    assert await PushDelivery.count() == 0
    assert await first_notifications() == 1  # the inbox keeps it


async def make_due(when: datetime | None = None) -> None:
    """Move every pending delivery's next attempt to now (the test's clock does not wait)."""
    await PushDelivery.update({PushDelivery.next_attempt_at: when or datetime.now(UTC)}).where(
        PushDelivery.status == "pending"
    )


async def test_busy_or_failing_push_services_are_retried_later_then_given_up(
    client, people, as_employee, push_service, dispatcher
):
    await subscribe(client, as_employee, push_service.subscribe("alice-phone"))
    push_service.answer("alice-phone", (429, {"Retry-After": "120"}), 500, 503)

    async def attempt() -> dict[str, Any]:
        before = datetime.now(UTC)
        assert await dispatcher.dispatch_due() == 1
        [row] = await deliveries()
        row["delay"] = (row["next_attempt_at"] - before).total_seconds()
        await make_due()
        return row

    busy = await attempt()
    assert (busy["status"], busy["attempts"], busy["last_status"]) == ("pending", 1, 429)
    assert 119 <= busy["delay"] <= 125  # as the push service asked
    first_error = await attempt()
    assert (first_error["attempts"], first_error["last_status"]) == (2, 500)
    assert 19 <= first_error["delay"] <= 25  # 10 s, doubled per attempt
    second_error = await attempt()
    assert (second_error["attempts"], second_error["last_status"]) == (3, 503)
    assert 39 <= second_error["delay"] <= 45
    assert await dispatcher.dispatch_due() == 1
    [sent] = await deliveries()
    assert sent["status"] == "sent"
    assert sent["attempts"] == 4
    assert len(push_service.for_("alice-phone")) == 4
    assert push_service.violations == []


async def test_a_message_that_outlives_its_ttl_is_given_up(
    client, people, as_employee, push_service, dispatcher
):
    await subscribe(client, as_employee, push_service.subscribe("alice-phone"))
    ttl = messages.KINDS["push.enabled"].ttl_seconds
    await PushDelivery.update(
        {PushDelivery.due_at: datetime.now(UTC) - timedelta(seconds=ttl - 5)}
    ).where(PushDelivery.status == "pending")
    push_service.answer("alice-phone", 500)
    await dispatcher.dispatch_due()
    [row] = await deliveries()
    assert (row["status"], row["last_status"]) == ("expired", 500)


async def test_an_unreachable_push_service_is_retried(
    client, people, as_employee, push_service, dispatcher
):
    subscription = push_service.subscribe("alice-phone")
    push_service.close()  # nothing listens there any more
    await subscribe(client, as_employee, subscription)
    await dispatcher.dispatch_due()
    [row] = await deliveries()
    assert row["status"] == "pending"
    assert row["last_status"] is None
    assert "ClientConnectorError" in row["last_error"]


@pytest.mark.parametrize("refusal", [400, 413])
async def test_a_message_the_push_service_calls_malformed_is_logged_as_our_bug(
    client, people, as_employee, push_service, dispatcher, refusal, caplog
):
    await subscribe(client, as_employee, push_service.subscribe("alice-phone"))
    push_service.answer("alice-phone", refusal)
    with caplog.at_level(logging.ERROR, logger="server.push.dispatcher"):
        await dispatcher.dispatch_due()
    [row] = await deliveries()
    assert (row["status"], row["last_status"]) == ("failed", refusal)
    assert any(str(refusal) in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert await PushSubscription.count() == 1


async def test_a_refused_vapid_identity_tells_the_admins_once_a_day(
    client, people, headers_for, push_service, dispatcher
):
    await subscribe(client, headers_for("admin"), push_service.subscribe("admin-phone"))
    await subscribe(client, headers_for("alice"), push_service.subscribe("alice-phone"))
    await subscribe(client, headers_for("bob"), push_service.subscribe("bob-phone"))
    push_service.answer("alice-phone", 403)
    push_service.answer("bob-phone", 403)
    await dispatcher.dispatch_due()
    misconfigured = await Notification.select(Notification.person).where(
        Notification.kind == "push.misconfigured"
    )
    assert misconfigured == [{"person": people["admin"]}]
    await dispatcher.dispatch_due()  # the admin's phone gets it
    assert [r.payload["title"] for r in push_service.for_("admin-phone")][-1] == messages.text(
        "push.misconfigured", "zh-CN"
    )[0]
    failed = await PushDelivery.count().where(PushDelivery.status == "failed")
    assert failed == 2


async def test_two_dispatchers_send_each_message_exactly_once(
    client, people, headers_for, push_service, app
):
    names = ["alice", "bob", "carol", "manager.east", "manager.west", "ceo", "hr"]
    for name in names:
        for device in range(3):
            await subscribe(client, headers_for(name), push_service.subscribe(f"{name}-{device}"))
    push_service.answer("alice-0", 500)  # one retry in the mix
    async with aiohttp.ClientSession() as first, aiohttp.ClientSession() as second:
        a = dispatch.Dispatcher(Sender(app.state.vapid, first), 1)
        b = dispatch.Dispatcher(Sender(app.state.vapid, second), 1)
        for _ in range(3):
            await asyncio.gather(*(d.dispatch_due() for d in (a, b, a, b)))
            await make_due()
    # Each device got each of its deliveries once (its person's "notifications are on" for
    # every device they added after it): no more, no fewer.
    expected = Counter[str]()
    for row in await PushDelivery.select(PushDelivery.subscription.endpoint.as_alias("endpoint")):
        expected[row["endpoint"].removeprefix(push_service.origin)] += 1
    delivered = Counter(r.path for r in push_service.received if r.answered == 201)
    assert delivered == expected
    assert sum(expected.values()) == len(names) * (1 + 2 + 3)
    assert await PushDelivery.count().where(PushDelivery.status != "sent") == 0
    assert push_service.violations == []


async def test_the_inbox_is_ones_own_and_marks_read(client, people, headers_for, push_service):
    for name in ("alice", "bob"):
        await subscribe(client, headers_for(name), push_service.subscribe(f"{name}-1"))
        await subscribe(client, headers_for(name), push_service.subscribe(f"{name}-2"))
    alice = headers_for("alice")
    inbox = (await client.get("/api/me/notifications", headers=alice)).json()
    assert inbox["unread"] == 2
    assert len(inbox["items"]) == 2
    bobs = (await client.get("/api/me/notifications", headers=headers_for("bob"))).json()
    # alice marking bob's notification read does nothing to it
    response = await client.post(
        "/api/me/notifications/read", json={"ids": [bobs["items"][0]["id"]]}, headers=alice
    )
    assert response.status_code == 204
    await client.post(
        "/api/me/notifications/read", json={"ids": [inbox["items"][0]["id"]]}, headers=alice
    )
    assert (await client.get("/api/me/notifications", headers=alice)).json()["unread"] == 1
    assert (await client.get("/api/me/notifications", headers=headers_for("bob"))).json()[
        "unread"
    ] == bobs["unread"]
    english = (await client.get("/api/me/notifications?locale=en", headers=alice)).json()
    assert english["items"][0]["title"] == messages.text("push.enabled", "en")[0]
    assert inbox["items"][0]["title"] == messages.text("push.enabled", "zh-CN")[0]  # hers
    await client.post("/api/me/notifications/read", json={}, headers=alice)
    page = (await client.get("/api/me/notifications?limit=1", headers=alice)).json()
    assert page["unread"] == 0
    assert page["next_cursor"]
    assert len(page["items"]) == 1


async def test_a_subscription_with_malformed_keys_is_refused(client, people, as_employee):
    response = await client.put(
        "/api/push/subscription",
        json={"endpoint": "https://push.example/x", "keys": {"p256dh": "short", "auth": "x"}},
        headers=as_employee,
    )
    problem(response, 400, "validation_failed")
    # Well-formed text, but not a point on the curve: nothing could be encrypted to it.
    response = await client.put(
        "/api/push/subscription",
        json={
            "endpoint": "https://push.example/x",
            "keys": {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
        },
        headers=as_employee,
    )
    problem(response, 422, "invalid_push_keys")
    assert await PushSubscription.count() == 0
    assert await first_notifications() == 0


async def test_a_delivery_that_cannot_be_encrypted_fails_alone(
    client, people, headers_for, push_service, dispatcher, caplog
):
    await subscribe(client, headers_for("alice"), push_service.subscribe("alice-phone"))
    await subscribe(client, headers_for("bob"), push_service.subscribe("bob-phone"))
    # As if stored broken (keys from before they were checked, or a damaged row).
    await PushSubscription.update({PushSubscription.p256dh: "B" + "A" * 86}).where(
        PushSubscription.endpoint == f"{push_service.origin}/push/alice-phone"
    )
    with caplog.at_level(logging.ERROR, logger="server.push.dispatcher"):
        assert await dispatcher.dispatch_due() == 2
    assert [r.path for r in push_service.received] == ["/push/bob-phone"]
    statuses = await PushDelivery.select(PushDelivery.status).order_by(PushDelivery.status)
    assert [row["status"] for row in statuses] == ["failed", "sent"]
    assert any("cannot be sent" in r.getMessage() for r in caplog.records)


def test_the_vapid_audience_is_the_endpoints_origin_with_its_port():
    assert audience("https://fcm.googleapis.com/fcm/send/abc") == "https://fcm.googleapis.com"
    assert audience("https://push.example:443/x") == "https://push.example"
    assert audience("https://push.example:8443/x") == "https://push.example:8443"
    assert audience("http://127.0.0.1:9000/push/a") == "http://127.0.0.1:9000"
    assert audience("https://[::1]:8443/x") == "https://[::1]:8443"


async def test_the_vapid_token_is_signed_once_per_audience(app):
    identity: VapidIdentity = app.state.vapid
    first = identity.authorization("https://a.example/1")
    assert identity.authorization("https://a.example/2") == first
    assert identity.authorization("https://b.example/1") != first


def test_a_payload_over_one_record_is_refused():
    with pytest.raises(PayloadTooLargeError):
        Message("t", "x" * MAX_PAYLOAD_BYTES, "/", "tag").payload()


def test_every_notification_kind_speaks_every_language():
    for kind, spec in messages.KINDS.items():
        assert set(spec.text) == set(messages.LOCALES), kind
        assert spec.ttl_seconds > 0, kind
    assert messages.text("push.enabled", "en-GB") == messages.KINDS["push.enabled"].text["en"]
    assert messages.text("push.enabled", "zh") == messages.KINDS["push.enabled"].text["zh-CN"]


def test_retry_delays_double_and_honour_retry_after():
    assert dispatch.retry_delay(1, None) == timedelta(seconds=10)
    assert dispatch.retry_delay(3, None) == timedelta(seconds=40)
    assert dispatch.retry_delay(50, None) == dispatch.LONGEST_RETRY
    assert dispatch.retry_delay(1, 300) == timedelta(seconds=300)


async def test_a_topic_a_push_service_would_refuse_is_a_bug_caught_at_once(client, people):
    from server.push import queries

    with pytest.raises(ValueError, match="topic"):
        await queries.notify([people["alice"]], "push.enabled", url="/", topic="x" * 33)
    assert await first_notifications() == 0


async def test_two_processes_dispatching_one_outbox_send_each_message_once(
    client, people, headers_for, push_service, settings
):
    """Two `tandem push-dispatch` processes at once on the same database (on PostgreSQL they
    claim with FOR UPDATE SKIP LOCKED; on SQLite the file's one writer claims)."""
    names = ["alice", "bob", "carol", "manager.east", "manager.west", "ceo", "hr", "admin"]
    for name in names:
        for device in range(4):
            await subscribe(client, headers_for(name), push_service.subscribe(f"{name}-{device}"))
    expected = await PushDelivery.count()
    assert expected == len(names) * (1 + 2 + 3 + 4)
    # Alone, one process would take 80 / 25 in flight × 0.3 s ≈ 1.2 s: both work at once.
    push_service.delay_seconds = 0.3
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": settings.database_url,
        "TANDEM_VAR_DIR": str(settings.var_dir),
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.cli",
            "push-dispatch",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [await p.communicate() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    # The last line (migrations report before it).
    attempted = [int(out.decode().strip().splitlines()[-1].split()[0]) for out, _ in outputs]
    assert sum(attempted) == expected
    assert min(attempted) > 0, "both processes dispatched"
    delivered = Counter(r.path for r in push_service.received if r.answered == 201)
    assert sum(delivered.values()) == expected
    assert await PushDelivery.count().where(PushDelivery.status == "sent") == expected
    assert push_service.violations == []


def test_quiet_hours_are_wall_clock_time_where_the_person_is():
    night = (time(22, 0), time(7, 0))
    # 23:30 in Shanghai (UTC+8) is 15:30 UTC: quiet until 07:00 there, 23:00 UTC.
    at = datetime(2026, 11, 27, 15, 30, tzinfo=UTC)
    assert quiet_until(at, "Asia/Shanghai", *night) == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    # The same moment is 07:30 in Los Angeles (UTC-8): not quiet there.
    assert quiet_until(at, "America/Los_Angeles", *night) is None
    # 02:00 in Shanghai, after midnight: quiet until 07:00 the same local day.
    early = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert quiet_until(early, "Asia/Shanghai", *night) == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    # A window within one day (a lunch break), and its end is exclusive.
    lunch = (time(12, 0), time(13, 0))
    noon_utc = datetime(2026, 11, 27, 12, 30, tzinfo=UTC)
    assert quiet_until(noon_utc, "UTC", *lunch) == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
    assert quiet_until(noon_utc.replace(hour=13, minute=0), "UTC", *lunch) is None
    # Daylight saving: 22:00 in Berlin is 21:00 UTC in winter, 20:00 in summer.
    assert quiet_until(datetime(2026, 7, 1, 21, 0, tzinfo=UTC), "Europe/Berlin", *night) == (
        datetime(2026, 7, 2, 5, 0, tzinfo=UTC)
    )
    assert quiet_until(datetime(2026, 1, 1, 22, 0, tzinfo=UTC), "Europe/Berlin", *night) == (
        datetime(2026, 1, 2, 6, 0, tzinfo=UTC)
    )


async def test_quiet_hours_are_saved_and_checked(client, people, as_employee):
    url = "/api/me/notification-preferences"
    assert (await client.get(url, headers=as_employee)).json() == {
        "quiet_hours": None,
        "time_zone": "Asia/Shanghai",  # the company's: alice set none
        "muted_kinds": [],
        "choosable_kinds": messages.CHOOSABLE,
    }
    night = {"quiet_hours": {"start": "22:00", "end": "07:00"}}
    response = await client.put(url, json=night, headers=as_employee)
    assert response.status_code == 200
    assert response.json()["quiet_hours"] == night["quiet_hours"]
    for bad in ({"start": "22:00", "end": "22:00"}, {"start": "24:00", "end": "07:00"}):
        problem(
            await client.put(url, json={"quiet_hours": bad}, headers=as_employee),
            400,
            "validation_failed",
        )
    assert (await client.get(url, headers=as_employee)).json()["quiet_hours"] == night[
        "quiet_hours"
    ]
    await client.put(url, json={"quiet_hours": None}, headers=as_employee)
    assert (await client.get(url, headers=as_employee)).json()["quiet_hours"] is None


async def test_a_push_that_can_wait_waits_for_the_end_of_quiet_hours(
    client, people, as_employee, push_service, dispatcher
):
    shanghai = ZoneInfo("Asia/Shanghai")
    local_now = datetime.now(shanghai)

    def hhmm(moment: datetime) -> str:
        return moment.strftime("%H:%M")

    window = {
        "start": hhmm(local_now - timedelta(hours=1)),
        "end": hhmm(local_now + timedelta(hours=1)),
    }
    await client.put(
        "/api/me/notification-preferences", json={"quiet_hours": window}, headers=as_employee
    )
    await subscribe(client, as_employee, push_service.subscribe("alice-phone"))
    [held] = await deliveries()
    expected_end = (local_now + timedelta(hours=1)).replace(second=0, microsecond=0)
    assert held["next_attempt_at"] == expected_end.astimezone(UTC)
    assert held["due_at"] == held["next_attempt_at"]  # its TTL counts from then
    assert await dispatcher.dispatch_due() == 0  # nothing sent during quiet hours
    assert push_service.received == []
    # In the inbox at once, though.
    inbox = (await client.get("/api/me/notifications", headers=as_employee)).json()
    assert inbox["unread"] == 1


async def test_one_endpoint_sent_several_times_at_once_is_saved_once(
    client, people, as_employee, push_service
):
    subscription = push_service.subscribe("alice-phone")
    responses = await asyncio.gather(
        *(
            client.put("/api/push/subscription", json=subscription, headers=as_employee)
            for _ in range(5)
        )
    )
    assert [r.status_code for r in responses] == [204] * 5
    assert await PushSubscription.count() == 1
    assert await first_notifications() == 1
