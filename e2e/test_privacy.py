"""Privacy on a phone: who can see my data, and who viewed it, narrowed by kind and viewer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.pages import Api, LoginPage, PrivacyPage

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


def test_the_privacy_page_reads_in_chinese(page: Page):
    shell = LoginPage(page).open().sign_in("carol@example.com")
    shell.open_me().language.select_option("zh-CN")
    privacy = PrivacyPage.from_me(shell)
    expect(privacy.audience("checkin")).to_contain_text("你的直属经理（张强）")
    expect(privacy.audience("checkin")).to_contain_text("只能看到是否按时进行，看不到内容")
