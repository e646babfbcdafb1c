"""A deviation alert end to end: alice's result falls behind the plan on her phone, she and
her manager are told (inbox and a real push through a loopback push service), the manager
books and resolves the conversation, and people outside it see nothing."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from e2e.pages import AlertsPage, Api, GoalsPage, InboxPage, LoginPage, ShellPage, sign_in_on_phone
from tests.push_service import PushService, start_push_service

pytestmark = pytest.mark.e2e

ALICE = "刘思思"
T = TypeVar("T")


def eventually(read: Callable[[], list[T]], timeout: float = 30) -> list[T]:
    """What `read` finds once it finds something (the server's jobs run in the background)."""
    deadline = time.monotonic() + timeout
    while not (found := read()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def alert_pushes(service: PushService, device: str) -> list[dict[str, Any]]:
    """The alert pushes this device received (the dispatcher sends every few seconds)."""
    return eventually(
        lambda: [r.payload for r in service.for_(device) if r.payload["url"].startswith("/alerts/")]
    )


def alerts_about(api: Api, person_id: str) -> list[dict[str, Any]]:
    return [a for a in api.call("/api/alerts?status=all") if a["person"]["id"] == person_id]


def test_falling_behind_books_a_conversation_only_the_two_see(
    browser: Browser, browser_context_args: dict[str, Any], base_url: str
):
    service = start_push_service()
    try:
        alice_api, manager_api = (
            Api(base_url, f"{name}@example.com") for name in ("alice", "manager.east")
        )
        alice_id = alice_api.call("/api/me")["id"]
        for api, device in ((alice_api, "alice"), (manager_api, "manager")):
            api.call("/api/push/subscription", body=service.subscribe(device), method="PUT")

        # Alice, on her phone: no new customer at all so far this half-year.
        page = sign_in_on_phone(browser, browser_context_args, "alice@example.com")
        shell = ShellPage(page)
        GoalsPage.open_mine(shell).open_goal("拓展苏州制造业新客户")
        page.get_by_test_id("progress-value").first.fill("0")
        page.get_by_test_id("progress-save").first.click()
        page.wait_for_function("navigator.onLine")
        [alert] = [
            a for a in eventually(lambda: alerts_about(alice_api, alice_id)) if a["state"] == "open"
        ]
        assert alert["kind"] == "kr_behind"

        # Both are told: in the inbox, and by a push the push service decrypted.
        for device in ("alice", "manager"):
            [pushed] = alert_pushes(service, device)
            assert pushed["url"] == f"/alerts/{alert['id']}"
            assert ALICE not in pushed["body"]  # lock screens show no names or numbers
        assert service.violations == []
        inbox = InboxPage(page).open()
        inbox.notification("alert.opened").first.click()
        alerts = AlertsPage(page)
        expect(alerts.guide).to_be_visible()
        expect(page.get_by_test_id("alert-reading")).to_contain_text("0%")

        # Her manager books the conversation and records what they agreed.
        manager = sign_in_on_phone(browser, browser_context_args, "manager.east@example.com")
        manager_alerts = AlertsPage.from_today(ShellPage(manager))
        manager_alerts.open("kr_behind", ALICE)
        day = date.today() + timedelta(days=2)
        manager_alerts.schedule(day.isoformat())
        expect(manager_alerts.state).to_contain_text(str(day.day))
        manager_alerts.resolve("resources", "售前工程师每周二陪同拜访两家苏州客户")
        expect(manager_alerts.agreement).to_contain_text("售前工程师每周二")
        [closed] = [a for a in alerts_about(alice_api, alice_id) if a["id"] == alert["id"]]
        assert (closed["state"], closed["outcome"]) == ("resolved", "resources")

        # Outside the conversation nobody sees it.
        for outsider in ("carol", "manager.west"):
            assert alerts_about(Api(base_url, f"{outsider}@example.com"), alice_id) == []
    finally:
        service.close()


def test_hr_sets_a_quality_limit_on_one_goal(
    browser: Browser, browser_context_args: dict[str, Any], base_url: str
):
    hr_api = Api(base_url, "hr@example.com")
    bobs = Api(base_url, "bob@example.com").call("/api/me/goals")["goals"]
    [goal] = [g for g in bobs if g["title"] == "开拓无锡新市场"]
    page = sign_in_on_phone(browser, browser_context_args, "hr@example.com")
    page.goto(f"/goals/{goal['id']}")
    rules = page.get_by_test_id("goal-alert-rules")
    expect(rules).to_be_visible()
    rules.get_by_test_id("new-rule-kind").select_option("quality_threshold")
    rules.get_by_test_id("new-rule-threshold").fill("5")
    rules.get_by_test_id("new-rule-save").click()
    expect(rules.get_by_test_id("rule-quality_threshold-goal")).to_be_visible()
    [rule] = [r for r in hr_api.call("/api/alert-rules") if r["goal_id"] == goal["id"]]
    assert (rule["kind"], rule["threshold"], rule["enabled"]) == ("quality_threshold", "5", True)


def test_hr_sees_open_alerts_by_department_without_figures_for_small_groups(page: Page):
    shell = LoginPage(page).open().sign_in("hr@example.com")
    shell.open_me()
    page.get_by_test_id("open-alert-rules").click()
    groups = page.get_by_test_id("open-alerts-group")
    expect(groups.filter(has_text="Everyone you cover")).to_contain_text("open, about")
    # The East team has three people: how many alerts are open about them is not said.
    expect(groups.filter(has_text="Field Sales East")).to_contain_text("No figures")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_the_alert_list_read_again_is_not_sent_again_and_still_shown(
    browser: Browser, browser_context_args: dict[str, Any]
):
    """The list is answered from versions: read again unchanged, the server answers 304 Not
    Modified and the phone shows the copy it kept in memory."""
    manager = sign_in_on_phone(browser, browser_context_args, "manager.east@example.com")

    def active_list(response: Response) -> bool:
        return "/api/alerts?status=active" in response.url

    with manager.expect_response(active_list) as first:
        AlertsPage.from_today(ShellPage(manager))
    assert first.value.status == 200
    listed = manager.get_by_test_id("alerts").get_by_role("button")
    expect(listed).to_have_count(len(first.value.json()))
    shown = listed.all_text_contents()
    assert shown, "the demo's East team has open alerts"

    manager.get_by_test_id("alerts-closed").click()
    with manager.expect_response(active_list) as again:
        manager.get_by_test_id("alerts-active").click()
    assert again.value.status == 304
    expect(listed).to_have_text(shown)
