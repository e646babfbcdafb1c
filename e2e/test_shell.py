"""The PWA shell against the real server on a 390×844 phone viewport."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.pages import LoginPage

pytestmark = pytest.mark.e2e

DEMO_ACCOUNTS = {
    "admin@example.com": "孙磊",
    "hr@example.com": "王芳",
    "ceo@example.com": "赵建国",
    "manager.east@example.com": "李娜",
    "manager.west@example.com": "张强",
    "alice@example.com": "刘思思",
    "bob@example.com": "王伟",
    "carol@example.com": "陈静",
}


def test_alice_signs_in_on_a_phone_and_sees_her_name(page: Page):
    assert page.viewport_size == {"width": 390, "height": 844}
    shell = LoginPage(page).open().sign_in("alice@example.com")
    expect(shell.greeting).to_contain_text("刘思思")
    expect(shell.connection).to_have_text("Online")
    expect(shell.unsynced).to_have_text("Everything is synced")
    # Bottom navigation within thumb reach: the tab bar sits at the bottom of the screen.
    box = shell.tab("me").bounding_box()
    assert box is not None
    assert box["y"] > 844 * 0.85
    # Employees without reports have no team tab.
    expect(shell.tab("team")).to_have_count(0)


@pytest.mark.parametrize("email", list(DEMO_ACCOUNTS))
def test_every_demo_account_can_sign_in(page: Page, email: str):
    shell = LoginPage(page).open().sign_in(email)
    expect(shell.greeting).to_contain_text(DEMO_ACCOUNTS[email])


def test_wrong_password_shows_a_translated_error(page: Page):
    login = LoginPage(page).open()
    login.sign_in("alice@example.com", "wrong-password")
    expect(login.error).to_have_text("The email or the password is not right.")


def test_the_app_shell_opens_offline_after_the_first_visit(page: Page):
    shell = LoginPage(page).open().sign_in("alice@example.com")
    expect(shell.greeting).to_contain_text("刘思思")
    shell.wait_for_offline_ready()
    page.context.set_offline(True)
    page.reload()
    expect(shell.greeting).to_contain_text("刘思思")
    expect(shell.connection).to_have_text("Offline")
    # A deep link is answered from the precache too.
    page.goto("/me")
    expect(page.get_by_text("alice@example.com")).to_be_visible()
    page.context.set_offline(False)


def test_the_zh_cn_ui_renders_chinese(browser: Browser, base_url: str):
    context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    login = LoginPage(page).open()
    expect(page.get_by_role("heading")).to_have_text("登录同行")
    shell = login.sign_in("alice@example.com")
    expect(shell.greeting).to_have_text("刘思思，你好")
    expect(shell.connection).to_have_text("在线")
    expect(shell.tab("me")).to_have_text("我的")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    context.close()


def test_language_can_be_chosen_before_signing_in(page: Page):
    login = LoginPage(page).open()
    login.language.select_option("zh-CN")
    expect(login.submit).to_have_text("登录")
    login.sign_in("alice@example.com", "wrong-password")
    expect(login.error).to_have_text("邮箱或密码不正确。")
    shell = login.sign_in("alice@example.com")
    expect(shell.tab("me")).to_have_text("我的")


def test_language_can_be_switched_and_is_remembered(page: Page):
    shell = LoginPage(page).open().sign_in("bob@example.com")
    me = shell.open_me()
    me.language.select_option("zh-CN")
    expect(shell.tab("today")).to_have_text("今天")
    page.reload()
    expect(shell.tab("today")).to_have_text("今天")


def test_a_manager_sees_the_team(page: Page):
    shell = LoginPage(page).open().sign_in("manager.east@example.com")
    shell.tab("team").click()
    expect(page).to_have_url(re.compile(r"/team$"))
    team = page.get_by_test_id("team-list")
    expect(team.locator("li")).to_have_count(2)
    expect(team).to_contain_text("刘思思")
    expect(team).to_contain_text("王伟")


TAB_LABELS_JS = """[...document.querySelectorAll('.tabs a')].map(a => {
  const range = document.createRange(); range.selectNodeContents(a);
  const box = range.getBoundingClientRect(); return [box.left, box.right];
})"""


def test_a_managers_six_tabs_fit_a_375_px_phone_with_room_between_labels(page: Page):
    page.set_viewport_size({"width": 375, "height": 700})
    shell = LoginPage(page).open().sign_in("manager.east@example.com")
    expect(shell.tab("team")).to_be_visible()
    labels = page.evaluate(TAB_LABELS_JS)
    assert len(labels) == 6
    gaps = [after[0] - before[1] for before, after in itertools.pairwise(labels)]
    assert min(gaps) >= 8, gaps
    assert labels[0][0] >= 0, labels
    assert labels[-1][1] <= 375, labels


def test_signing_out_returns_to_the_login_screen(page: Page):
    shell = LoginPage(page).open().sign_in("carol@example.com")
    shell.open_me().sign_out.click()
    expect(LoginPage(page).email).to_be_visible()
    page.reload()
    expect(LoginPage(page).email).to_be_visible()


def test_deep_links_open_the_app(page: Page):
    shell = LoginPage(page).open().sign_in("manager.east@example.com")
    expect(shell.greeting).to_contain_text("李娜")
    page.goto("/team")
    expect(page.get_by_test_id("team-list").locator("li")).to_have_count(2)
    expect(shell.tab("team")).to_have_attribute("aria-current", "page")
