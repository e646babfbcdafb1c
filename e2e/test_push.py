"""Notifications on the phone: the service worker shows pushes, the app asks for permission
only from a tap, and the inbox lists every notification."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from e2e.pages import (
    COUNT_PERMISSION_ASKS_JS,
    Api,
    InboxPage,
    LoginPage,
    ServiceWorkerPush,
)
from tests.push_service import browser_keys

pytestmark = pytest.mark.e2e


def test_the_app_asks_for_permission_only_from_a_tap(page: Page):
    page.add_init_script(COUNT_PERMISSION_ASKS_JS)
    shell = LoginPage(page).open().sign_in("alice@example.com")
    expect(shell.greeting).to_be_visible()
    shell.wait_for_offline_ready()
    page.reload()
    expect(shell.greeting).to_be_visible()
    me = shell.open_me()
    expect(me.push_off).to_be_visible()
    assert page.evaluate("window.__permissionAsks") == 0
    assert page.evaluate("Notification.permission") == "default"
    me.turn_on_push.click()
    page.wait_for_function("window.__permissionAsks === 1")


def test_the_service_worker_shows_every_push_even_an_unreadable_one(page: Page):
    shell = LoginPage(page).open().sign_in("alice@example.com")
    expect(shell.greeting).to_be_visible()
    shell.wait_for_offline_ready()
    page.context.grant_permissions(["notifications"])
    push = ServiceWorkerPush(page)
    push.deliver(
        json.dumps(
            {"title": "Notifications are on", "body": "A neutral body", "url": "/", "tag": "t-1"}
        )
    )
    assert push.notifications(1) == [
        {"title": "Notifications are on", "body": "A neutral body", "tag": "t-1"}
    ]
    push.deliver("\u0000 not json")
    titles = {n["title"] for n in push.notifications(2)}
    assert titles == {"Notifications are on", "Tandem"}  # the fallback, in the phone's English


def test_the_inbox_lists_a_notification_and_marks_it_read(page: Page, base_url: str):
    # A device registered through the API: its first notification lands in the inbox (the
    # closed network here has no push service for the browser itself to subscribe to). What
    # the demo already told bob (its alerts) is read first.
    bob = Api(base_url, "bob@example.com")
    bob.call("/api/me/notifications/read", {})
    bob.call(
        "/api/push/subscription",
        {
            "endpoint": "http://127.0.0.1:9/push/bob-e2e",
            "keys": browser_keys(),
        },
        method="PUT",
    )
    shell = LoginPage(page).open().sign_in("bob@example.com")
    expect(shell.greeting).to_be_visible()
    inbox = InboxPage(page)
    expect(inbox.unread).to_have_text("1")
    inbox.open()
    item = inbox.notification("push.enabled")
    expect(item).to_contain_text("Notifications are on")  # in the app's language
    item.click()
    expect(inbox.unread).to_have_count(0)
    expect(shell.greeting).to_be_visible()  # it opened its screen (Today)


def test_quiet_hours_are_set_on_the_phone(page: Page, base_url: str):
    shell = LoginPage(page).open().sign_in("carol@example.com")
    expect(shell.greeting).to_be_visible()
    me = shell.open_me()
    me.quiet_on.check()
    me.quiet_start.fill("21:30")
    me.quiet_end.fill("06:45")
    me.quiet_save.click()
    expect(me.quiet_note).to_have_text("Saved.")
    saved = Api(base_url, "carol@example.com").call("/api/me/notification-preferences")
    assert saved["quiet_hours"] == {"start": "21:30", "end": "06:45"}
