"""Privacy on a phone: who can see my data, who viewed it (narrowed by kind and viewer), and a
copy of it to take away."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.pages import Api, LoginPage, PrivacyPage
from server.checkins.defaults import DEFAULT_TEMPLATE_ID

pytestmark = pytest.mark.e2e


def test_alice_sees_who_can_see_her_data_and_who_looked(page: Page, base_url: str):
    alice = Api(base_url, "alice@example.com")
    alice_id = alice.call("/api/me")["id"]
    [goal, *_] = [g for g in alice.call("/api/me/goals")["goals"] if g["level"] == "individual"]
    Api(base_url, "manager.east@example.com").call(f"/api/people/{alice_id}")
    Api(base_url, "ceo@example.com").call(f"/api/goals/{goal['id']}")

    privacy = PrivacyPage.from_me(LoginPage(page).open().sign_in("alice@example.com"))
    checkins = privacy.audience("checkin")
    expect(checkins).to_contain_text("Your manager (李娜): reads it and takes part")
    expect(checkins).to_contain_text(
        "Managers above your manager (赵建国): sees whether it happens on time, never what is said"
    )
    expect(checkins).not_to_contain_text("Everyone else")
    expect(privacy.audience("goal")).to_contain_text("Everyone else in the company: reads it")
    expect(privacy.audience("goal")).to_contain_text("only when it is public")
    expect(privacy.audience("feedback")).to_contain_text(
        "only when the author chooses to share it with your manager"
    )

    expect(privacy.access_log).to_contain_text("李娜 viewed your profile as your manager")
    privacy.only_kind("goal")
    expect(privacy.access_log).to_contain_text("赵建国 viewed your goal")
    expect(privacy.access_log).not_to_contain_text("viewed your profile")
    privacy.only_kind("all")
    privacy.viewer.select_option(label="李娜")
    expect(privacy.access_log).to_contain_text("李娜 viewed your profile")
    expect(privacy.access_log).not_to_contain_text("赵建国")
    # A phone's width: nothing runs off the side of the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_a_late_answer_for_the_filter_before_does_not_replace_the_newer_one(
    page: Page, base_url: str
):
    """On a slow network the answer to the filter chosen before can arrive last: the log
    shows what the filter chosen last asked for."""
    alice = Api(base_url, "alice@example.com")
    [goal, *_] = [g for g in alice.call("/api/me/goals")["goals"] if g["level"] == "individual"]
    Api(base_url, "manager.east@example.com").call(f"/api/goals/{goal['id']}")
    Api(base_url, "ceo@example.com").call(f"/api/goals/{goal['id']}")
    privacy = PrivacyPage.from_me(LoginPage(page).open().sign_in("alice@example.com"))
    expect(privacy.access_log).to_contain_text("赵建国 viewed your goal")

    held: list[Route] = []

    def hold_the_log_for_anyone(route: Route) -> None:
        if "viewer_id" in route.request.url:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/me/access-log?*", hold_the_log_for_anyone)
    privacy.only_kind("goal")
    privacy.viewer.select_option(label="李娜")
    expect(privacy.access_log).to_contain_text("李娜 viewed your goal")
    expect(privacy.access_log).not_to_contain_text("赵建国")

    [late] = held
    with page.expect_request_finished(lambda request: request is late.request):
        late.continue_()
    # The page reads the late answer in the moments after it arrives; give it those moments.
    page.wait_for_timeout(300)
    expect(privacy.access_log).to_contain_text("李娜 viewed your goal")
    expect(privacy.access_log).not_to_contain_text("赵建国")


def test_the_privacy_page_reads_in_chinese(page: Page):
    shell = LoginPage(page).open().sign_in("carol@example.com")
    shell.open_me().language.select_option("zh-CN")
    privacy = PrivacyPage.from_me(shell)
    expect(privacy.audience("checkin")).to_contain_text("你的直属经理（张强）")
    expect(privacy.audience("checkin")).to_contain_text("只能看到是否按时进行，看不到内容")


def test_carol_takes_a_copy_of_her_data_without_her_managers_private_note(
    page: Page, base_url: str
):
    note = "只写给自己：carol 想转岗做培训，下季度再聊"
    manager = Api(base_url, "manager.west@example.com")
    carol_id = Api(base_url, "carol@example.com").call("/api/me")["id"]
    checkin_id, today = str(uuid.uuid4()), date.today()
    entry = {
        "id": str(uuid.uuid4()),
        "kind": "checkin.submit",
        "client_created_at": datetime.now(UTC).isoformat(),
        "payload": {
            "checkin_id": checkin_id,
            "employee_id": carol_id,
            "template_id": str(DEFAULT_TEMPLATE_ID),
            "held_on": today.isoformat(),
            "highlights": "西区门店巡检提前两天完成",
            "actions": [
                {
                    "id": str(uuid.uuid4()),
                    "title": "把巡检清单分享给新同事",
                    "owner_id": carol_id,
                    "due_on": (today + timedelta(days=7)).isoformat(),
                }
            ],
            "private_note": note,
        },
    }
    [result] = manager.call("/api/sync/push", body={"device_id": "e2e", "mutations": [entry]})[
        "results"
    ]
    assert result["status"] == "applied", result

    privacy = PrivacyPage.from_me(LoginPage(page).open().sign_in("carol@example.com"))
    archive = privacy.download("json")
    assert re.fullmatch(r"tandem-my-data-\d{4}-\d{2}-\d{2}\.json", archive.suggested_filename)
    text = Path(archive.path()).read_text(encoding="utf-8")
    data = json.loads(text)
    assert data["profile"]["email"] == "carol@example.com"
    assert checkin_id in [c["id"] for c in data["checkins"]]
    assert note not in text

    summary = privacy.download("summary")
    assert summary.suggested_filename.endswith(".html")
    page_text = Path(summary.path()).read_text(encoding="utf-8")
    assert '<html lang="en">' in page_text  # the app's language
    assert "西区门店巡检提前两天完成" in page_text
    assert note not in page_text


def test_hr_sets_how_long_kudos_are_kept(page: Page, base_url: str):
    privacy = PrivacyPage.from_me(LoginPage(page).open().sign_in("hr@example.com"))
    kudos = page.get_by_test_id("retention-kudos")
    expect(kudos).to_have_value("")  # kept until deleted
    expect(page.get_by_test_id("retention-access_log")).to_have_value("730")
    kudos.fill("500")
    page.get_by_test_id("retention-save").click()
    expect(page.get_by_test_id("retention-note")).to_contain_text("Saved")
    shown = Api(base_url, "admin@example.com").call("/api/privacy/retention")
    [period] = [p for p in shown["periods"] if p["kind"] == "kudos"]
    assert period["days"] == 500
    assert period["updated_by"]["display_name"] == "王芳"
    assert privacy.page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_hr_sees_check_in_coverage_without_figures_for_small_groups(page: Page):
    shell = LoginPage(page).open().sign_in("hr@example.com")
    shell.tab("checkins").click()
    groups = page.get_by_test_id("coverage-group")
    everyone = groups.filter(has_text="Everyone you cover")
    expect(everyone).to_contain_text("on time")
    # The East team has three people: its check-ins are not counted out loud.
    expect(groups.filter(has_text="Field Sales East")).to_contain_text("No figures")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
