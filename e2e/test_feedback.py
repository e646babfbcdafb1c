"""Recognition and check-in questions on a phone: a manager sees whom they have not
recognised this week, links a kudos to a goal, and filters the feed; HR publishes new
check-in questions that the next preparation shows."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from e2e.pages import Api, CheckinsPage, FeedbackPage, LoginPage, ShellPage, sign_in_on_phone
from e2e.test_sync import online_and_synced

pytestmark = pytest.mark.e2e


def recognised_this_week(manager: Api, person_id: str) -> int:
    [report] = [
        r for r in manager.call("/api/me/team/recognition") if r["person"]["id"] == person_id
    ]
    return int(report["weeks"][-1]["count"])


def test_a_manager_recognises_a_report_for_a_goal_and_sees_the_week_counted(
    page: Page, base_url: str
):
    manager = Api(base_url, "manager.east@example.com")
    bob = Api(base_url, "bob@example.com").call("/api/me")
    goal = Api(base_url, "bob@example.com").call("/api/me/goals")["goals"][0]
    before = recognised_this_week(manager, bob["id"])
    shell = online_and_synced(LoginPage(page).open().sign_in("manager.east@example.com"))

    def bobs_recognition() -> Locator:
        shell.tab("team").click()
        card = page.get_by_test_id("team-list").locator("li").filter(has_text=bob["display_name"])
        return card.get_by_test_id("recognition")

    expected = (
        f"Specific kudos from you this week: {before}"
        if before
        else f"No specific kudos from you this week yet. What did {bob['display_name']} do well?"
    )
    expect(bobs_recognition()).to_contain_text(expected)

    tag = uuid.uuid4().hex[:8]
    feedback = FeedbackPage.open(shell)
    page.get_by_test_id("give-kudos").click()
    feedback.choose_recipient("kudos-recipient", bob["display_name"])
    page.get_by_test_id("kudos-behaviour").fill(f"周四你把无锡三家客户的回访纪要整理成对比表 {tag}")
    page.get_by_test_id("kudos-goal").select_option(label=goal["title"])
    page.get_by_test_id("kudos-send").click()
    expect(page.get_by_test_id("saved")).to_be_visible()
    shell.wait_until_sent()
    [sent] = [k for k in manager.kudos_given() if tag in k["behaviour"]]
    assert sent["goal_id"] == goal["id"]

    # The feed filters: what I gave holds it, what I received does not.
    page.get_by_test_id("kudos-show-given").click()
    expect(feedback.feed).to_contain_text(tag)
    page.get_by_test_id("kudos-show-received").click()
    expect(feedback.feed).not_to_contain_text(tag)

    expect(bobs_recognition()).to_contain_text(f"Specific kudos from you this week: {before + 1}")


def test_hr_publishes_new_checkin_questions_that_the_next_preparation_uses(
    page: Page, browser: Browser, browser_context_args: dict[str, Any], base_url: str
):
    [current] = Api(base_url, "hr@example.com").call("/api/checkin-templates")
    question = f"这两周哪位同事帮了你最大的忙？{uuid.uuid4().hex[:6]}"
    shell = online_and_synced(LoginPage(page).open().sign_in("hr@example.com"))
    CheckinsPage.open(shell)
    page.get_by_test_id("edit-template").click()
    highlights = page.get_by_test_id("template-highlights")
    highlights.get_by_test_id("add-prompt").click()
    highlights.get_by_test_id("prompt-zh").last.fill(question)
    highlights.get_by_test_id("prompt-en").last.fill("Who helped you most in the last two weeks?")
    page.get_by_test_id("publish-template").click()
    expect(page.get_by_test_id("published")).to_have_text(
        f"Version {current['version'] + 1} of the check-in questions is now in use."
    )

    # Alice's phone picks the new questions up with its next pull.
    alice = sign_in_on_phone(browser, browser_context_args, "alice@example.com")
    ShellPage(alice).tab("checkins").click()
    alice.get_by_test_id("prepare").click()
    expect(alice.get_by_test_id("prepare-form")).to_contain_text(question)
    alice.context.close()
