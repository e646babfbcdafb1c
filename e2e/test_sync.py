"""Offline on a phone and back (DESIGN.md §4): entries written with no network survive a
reload and reach the server exactly once, through lost acknowledgements, server errors,
refusals and shared phones."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from e2e.pages import Api, CheckinsPage, FeedbackPage, LoginPage, ShellPage

pytestmark = pytest.mark.e2e

PUSH = "**/api/sync/push"


def online_and_synced(shell: ShellPage) -> ShellPage:
    """Signed in, the service worker in control (the app opens offline) and the first pull
    stored (the phone knows its colleagues, templates and team)."""
    page = shell.page
    expect(shell.greeting).to_be_visible()
    shell.wait_for_offline_ready()
    expect(page.get_by_test_id("last-synced")).to_be_visible(timeout=15_000)
    return shell


def synced(shell: ShellPage) -> None:
    shell.wait_until_sent()


def marker() -> str:
    return uuid.uuid4().hex[:8]


def kudos_entry(recipient_id: str, text: str, entry_id: str | None = None) -> dict[str, Any]:
    return {
        "id": entry_id or str(uuid.uuid4()),
        "kind": "kudos.create",
        "payload": {"recipient_ids": [recipient_id], "behaviour": text},
    }


def test_entries_written_offline_survive_a_reload_and_arrive_once(page: Page, base_url: str):
    shell = online_and_synced(LoginPage(page).open().sign_in("alice@example.com"))
    tag = marker()
    page.context.set_offline(True)
    checkins = CheckinsPage.open(shell)
    checkins.prepare(f"{tag} 苏州试点客户签约 3 家")
    feedback = FeedbackPage.open(shell)
    feedback.give_kudos("王伟", f"{tag} 周四替我跑了无锡的客户回访，当天就把纪要发给了我")
    feedback.give_feedback(
        "王伟",
        f"{tag} 周一的周会上",
        "讲了十分钟客户细节，没有留时间讨论需要的支持",
        "会议超时，售前支持没有排上",
    )
    expect(shell.unsynced).to_have_text("3 waiting to sync")

    page.reload()
    expect(shell.connection).to_have_text("Offline")
    expect(shell.unsynced).to_have_text("3 waiting to sync")
    shell.page.get_by_test_id("sync-status").click()
    waiting = page.get_by_test_id("waiting")
    expect(waiting.locator("li")).to_have_count(3)
    expect(waiting).to_contain_text(tag)

    page.context.set_offline(False)
    synced(shell)
    alice = Api(base_url, "alice@example.com")
    assert [k for k in alice.kudos_given() if tag in k["behaviour"]].__len__() == 1
    given = alice.call("/api/me/feedback?box=given")
    assert len([f for f in given if tag in f["situation"]]) == 1
    prepared = [c for c in alice.call("/api/checkins") if tag in c["answers"].get("highlights", "")]
    assert len(prepared) == 1


def test_a_lost_acknowledgement_is_retried_without_a_duplicate(page: Page, base_url: str):
    shell = online_and_synced(LoginPage(page).open().sign_in("bob@example.com"))
    lost: list[str] = []

    def commit_then_drop(route: Route) -> None:
        # The server applies the push; the phone never hears back.
        if not lost:
            lost.append(route.request.post_data or "")
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(PUSH, commit_then_drop)
    tag = marker()
    FeedbackPage.open(shell).give_kudos("刘思思", f"{tag} 把报价单逐项讲清楚，客户当场同意试点")
    synced(shell)
    assert lost, "the first push was not intercepted"
    bob = Api(base_url, "bob@example.com")
    assert len([k for k in bob.kudos_given() if tag in k["behaviour"]]) == 1


def test_a_server_error_halts_the_queue_and_a_refusal_parks_only_its_entry(
    page: Page, base_url: str
):
    shell = online_and_synced(LoginPage(page).open().sign_in("carol@example.com"))
    failing = {"on": True}
    page.route(
        PUSH,
        lambda route: (
            route.fulfill(status=500, json={"code": "internal_error"})
            if failing["on"]
            else route.continue_()
        ),
    )
    carol = Api(base_url, "carol@example.com")
    me = carol.call("/api/me")["id"]
    alice = Api(base_url, "alice@example.com").call("/api/me")["id"]
    tag = marker()
    first = str(uuid.uuid4())
    shell.queue_entries(
        [
            kudos_entry(alice, f"{tag} 跨区域交接时把历史沟通记录整理得清清楚楚", first),
            # A reaction to the kudos above: it only works if the queue keeps its order.
            {
                "id": str(uuid.uuid4()),
                "kind": "kudos.react",
                "payload": {"kudos_id": first, "emoji": "clap"},
            },
            kudos_entry(me, f"{tag} 给自己的表扬：服务器会拒绝"),
            kudos_entry(alice, f"{tag} 周二主动帮新同事过了一遍客户资料，节省了半天"),
        ]
    )
    page.reload()
    expect(shell.unsynced).to_have_text("4 waiting to sync")
    page.wait_for_timeout(3_000)  # at least one retry against the failing server
    expect(shell.unsynced).to_have_text("4 waiting to sync")
    assert not [k for k in carol.kudos_given() if tag in k["behaviour"]]

    failing["on"] = False
    page.context.set_offline(True)  # back "online" next: the app sends at once
    page.context.set_offline(False)
    expect(shell.attention).to_have_text("1 need attention", timeout=30_000)
    synced(shell)
    sent = [k for k in carol.kudos_given() if tag in k["behaviour"]]
    assert len(sent) == 2
    reacted = next(k for k in sent if k["id"] == first)
    assert reacted["reactions"] == [{"emoji": "clap", "count": 1, "mine": True}]

    shell.page.get_by_test_id("sync-status").click()
    parked = page.get_by_test_id("parked")
    expect(parked).to_contain_text("Recognition and feedback go to someone else.")
    page.once("dialog", lambda dialog: dialog.accept())
    parked.get_by_test_id("discard").click()
    expect(shell.attention).to_have_count(0)


def test_a_shared_phone_never_sends_one_persons_entries_with_anothers_token(
    page: Page, base_url: str
):
    shell = online_and_synced(LoginPage(page).open().sign_in("alice@example.com"))
    tag = marker()
    page.context.set_offline(True)
    FeedbackPage.open(shell).give_kudos("王伟", f"{tag} 客户投诉当天第一时间赶到现场处理")
    me = shell.open_me()
    messages: list[str] = []

    def accept(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    me.sign_out.click()
    expect(LoginPage(page).email).to_be_visible()
    assert messages[0].startswith("Not sent yet from this phone: 1.")

    page.context.set_offline(False)
    bob = online_and_synced(LoginPage(page).sign_in("bob@example.com"))
    synced(bob)
    alice = Api(base_url, "alice@example.com")
    assert not [k for k in alice.kudos_given() if tag in k["behaviour"]]
    [waiting] = bob.stored_entries()  # still on the phone, waiting for alice
    assert waiting["userId"] == alice.call("/api/me")["id"]

    page.once("dialog", lambda dialog: dialog.accept())
    bob.open_me().sign_out.click()
    again = online_and_synced(LoginPage(page).sign_in("alice@example.com"))
    synced(again)
    assert len([k for k in alice.kudos_given() if tag in k["behaviour"]]) == 1


def test_a_manager_holds_a_checkin_offline_and_both_confirm(
    browser: Browser, browser_context_args: dict[str, Any], base_url: str
):
    manager_page = browser.new_context(**browser_context_args).new_page()
    manager = online_and_synced(LoginPage(manager_page).open().sign_in("manager.east@example.com"))
    checkins = CheckinsPage.open(manager)
    bob_status = checkins.team_member("王伟").get_by_test_id("checkin-status")
    expect(bob_status).to_contain_text("overdue")  # 24 days since his last, every two weeks
    manager_page.get_by_test_id("cadence").select_option("monthly")
    expect(bob_status).to_contain_text("Next check-in by")
    tag = marker()
    manager_page.context.set_offline(True)
    CheckinsPage.open(manager).hold("王伟", f"{tag} 无锡新签 2 家", "整理无锡客户的报价方案")
    expect(manager.unsynced).to_have_text("2 waiting to sync")  # the minutes and his confirmation
    manager_page.context.set_offline(False)
    synced(manager)

    bob_page = browser.new_context(**browser_context_args).new_page()
    bob = online_and_synced(LoginPage(bob_page).open().sign_in("bob@example.com"))
    held = CheckinsPage.open(bob).history.get_by_test_id("checkin").filter(has_text=tag)
    expect(held).to_contain_text("Waiting for confirmation")
    held.get_by_test_id("confirm-minutes").click()
    # Shown once the confirmation went out and the next pull brought the check-in back.
    expect(held).to_contain_text("Confirmed by both", timeout=30_000)
    api = Api(base_url, "bob@example.com")
    [checkin] = [c for c in api.call("/api/checkins") if tag in c["highlights"]]
    assert checkin["state"] == "confirmed"
    assert [a["title"] for a in checkin["actions"]] == ["整理无锡客户的报价方案"]

    # What authors chose to share about his reports, the manager reads on his phone too.
    FeedbackPage.open(manager)
    manager_page.get_by_test_id("box-team").click()
    expect(manager_page.get_by_test_id("feedback-team")).to_contain_text("周一华东区的周会上")


FAULT_CYCLES = 200


def test_random_faults_lose_nothing_and_duplicate_nothing(page: Page, base_url: str):
    """Offline spells, acknowledgements lost after the server committed, 5xx answers and
    reloads, at random, while entries keep being written: afterwards the server holds every
    entry exactly once."""
    shell = online_and_synced(LoginPage(page).open().sign_in("manager.west@example.com"))
    carol = Api(base_url, "carol@example.com").call("/api/me")["id"]
    rng = random.Random(20261127)  # noqa: S311 - reproducible faults, not secrets
    mode = {"now": "pass"}

    def faulty(route: Route) -> None:
        if mode["now"] == "error":
            route.fulfill(status=503, json={"code": "database_unavailable"})
        elif mode["now"] == "lose":
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(PUSH, faulty)
    tag = marker()
    written: list[str] = []
    for cycle in range(FAULT_CYCLES):
        entry = kudos_entry(carol, f"{tag}-{cycle} 周三在客户现场把交付风险逐条讲清楚")
        written.append(entry["id"])
        shell.queue_entries([entry])
        mode["now"] = rng.choice(["pass", "pass", "lose", "error"])
        roll = rng.random()
        if roll < 0.15:
            page.context.set_offline(True)
            page.wait_for_timeout(rng.randint(20, 200))
            page.context.set_offline(False)
        elif roll < 0.25:
            page.reload()
            expect(shell.greeting).to_be_visible()
        page.wait_for_timeout(rng.randint(10, 120))

    mode["now"] = "pass"
    page.context.set_offline(True)
    page.context.set_offline(False)
    synced(shell)
    assert shell.stored_entries() == []
    api = Api(base_url, "manager.west@example.com")
    arrived = [k["id"] for k in api.kudos_given() if k["behaviour"].startswith(tag)]
    assert sorted(arrived) == sorted(written)  # none lost, none twice


def test_the_coach_speaks_once_and_refused_entries_can_be_fixed(page: Page, base_url: str):
    shell = online_and_synced(LoginPage(page).open().sign_in("bob@example.com"))
    tag = marker()
    page.context.set_offline(True)
    feedback = FeedbackPage.open(shell)
    page.get_by_test_id("give-kudos").click()
    page.get_by_test_id("kudos-recipient-offline").select_option(label="刘思思")
    page.get_by_test_id("kudos-behaviour").fill(f"辛苦了！{tag}")
    page.get_by_test_id("kudos-send").click()
    # Offline, the phone coaches with the server's own rules; the second tap sends it as is.
    expect(page.get_by_test_id("coach")).to_be_visible()
    expect(page.get_by_test_id("kudos-send")).to_have_text("Send as written")
    page.get_by_test_id("kudos-send").click()
    expect(feedback.pending).to_contain_text(tag)

    # An SBI written by another app version, never coached: refused, fixed, sent.
    alice = Api(base_url, "alice@example.com").call("/api/me")["id"]
    shell.queue_entries(
        [
            {
                "id": str(uuid.uuid4()),
                "kind": "feedback.create",
                "payload": {
                    "recipient_id": alice,
                    "situation": f"{tag} 周一晨会",
                    "behaviour": "你总是迟到，不靠谱",
                    "impact": "会议晚开了十分钟",
                },
            }
        ]
    )
    page.context.set_offline(False)
    expect(shell.attention).to_have_text("1 need attention", timeout=30_000)
    shell.page.get_by_test_id("sync-status").click()
    parked = page.get_by_test_id("parked")
    expect(parked).to_contain_text("words like")
    parked.get_by_test_id("fix").click()
    parked.get_by_test_id("fix-behaviour").fill("周一晨会你 9:10 才到，会议等了你十分钟")
    parked.get_by_test_id("resend").click()
    # The fixed entry takes the refused one's place in the queue, then goes out.
    expect(shell.attention).to_have_count(0)
    synced(shell)
    bob = Api(base_url, "bob@example.com")
    assert len([k for k in bob.kudos_given() if tag in k["behaviour"]]) == 1
    [sent] = [f for f in bob.call("/api/me/feedback?box=given") if tag in f["situation"]]
    assert sent["behaviour"] == "周一晨会你 9:10 才到，会议等了你十分钟"


def test_progress_recorded_on_a_site_visit_reaches_the_goal(page: Page, base_url: str):
    shell = online_and_synced(LoginPage(page).open().sign_in("alice@example.com"))
    shell.tab("goals").click()
    page.get_by_test_id("goal-card").filter(has_text="拓展苏州制造业新客户").get_by_role(
        "link"
    ).click()
    expect(page.get_by_test_id("goal-detail")).to_be_visible()
    page.context.set_offline(True)
    page.reload()  # the goal page opens offline from the last pull
    expect(page.get_by_test_id("goal-detail")).to_be_visible()
    page.get_by_test_id("progress-value").first.fill("33")
    page.get_by_test_id("progress-save").first.click()
    expect(page.get_by_test_id("pending")).to_contain_text("33")
    page.context.set_offline(False)
    synced(shell)
    expect(page.get_by_test_id("key-result").first).to_contain_text("33 /", timeout=15_000)


def test_a_phone_is_sent_only_the_kudos_it_lacks_and_keeps_the_whole_feed(
    page: Page, base_url: str
):
    """The pull merges the kudos feed: a kudos given elsewhere comes alone, with the feed's
    order, and the phone shows the feed it held with the new one on top, offline too."""
    bob = Api(base_url, "bob@example.com")
    shell = online_and_synced(LoginPage(page).open().sign_in("bob@example.com"))
    feedback = FeedbackPage.open(shell)
    expect(feedback.feed.get_by_test_id("kudos")).not_to_have_count(0)
    pulls: list[tuple[str, dict[str, Any]]] = []

    def keep(route: Route) -> None:
        answer = route.fetch()
        pulls.append((route.request.url, answer.json()))
        route.fulfill(response=answer)

    page.route("**/api/sync/pull*", keep)
    tag = marker()
    given = {
        **kudos_entry(bob.call("/api/me")["id"], f"{tag} 周五替我整理了客户拜访路线，省下半天"),
        "client_created_at": "2026-01-01T00:00:00Z",
    }
    alice = Api(base_url, "alice@example.com")
    [result] = alice.call("/api/sync/push", {"device_id": "e2e", "mutations": [given]})["results"]
    assert result["status"] == "applied", result

    page.context.set_offline(True)
    page.context.set_offline(False)  # back online: the phone syncs
    expect(feedback.feed.get_by_test_id("kudos").first).to_contain_text(tag, timeout=15_000)
    [(url, sent)] = [
        (url, change)
        for url, pulled in pulls
        for change in pulled["changes"]
        if change["collection"] == "kudos" and change["items"]
    ]
    assert "partial=true" in url
    assert [k["id"] for k in sent["items"]] == [given["id"]]
    feed = bob.call("/api/kudos?show=feed&limit=50")["items"]
    assert sent["order"] == [k["id"] for k in feed]

    page.context.set_offline(True)
    page.reload()
    expect(shell.connection).to_have_text("Offline")
    cards = FeedbackPage.open(shell).feed.get_by_test_id("kudos")
    expect(cards).to_have_count(len(feed))
    expect(cards.first).to_contain_text(tag)
    expect(cards.last).to_contain_text(feed[-1]["behaviour"])
