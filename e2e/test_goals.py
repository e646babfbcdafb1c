"""Goal consensus on a phone: alice proposes, her manager questions it, both sign; a colleague
cannot see her private goal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from e2e.pages import GoalPage, GoalsPage, ShellPage, sign_in_on_phone

pytestmark = pytest.mark.e2e

GOAL = "提升老客户续约率"


def test_alice_and_her_manager_agree_and_sign_her_goal(
    browser: Browser, browser_context_args: dict[str, Any]
):
    alice = sign_in_on_phone(browser, browser_context_args, "alice@example.com")
    mine = GoalsPage.open_mine(ShellPage(alice))
    expect(alice.get_by_test_id("weight-total")).to_contain_text("100%")
    goal = mine.open_goal(GOAL)
    expect(goal.state).to_have_text("草稿")
    # The four answers are on the page before she proposes.
    expect(alice.get_by_test_id("alignment")).to_contain_text("华东区新签客户 60 家")
    expect(alice.get_by_test_id("alignment")).to_contain_text("市场扩张")
    goal.propose()
    expect(goal.state).to_have_text("待确认")
    goal_url = alice.url
    assert re.search(r"/goals/[0-9a-f-]{36}$", goal_url)

    manager = sign_in_on_phone(browser, browser_context_args, "manager.east@example.com")
    team = GoalsPage.open_team(ShellPage(manager))
    expect(team.waiting_for_me().filter(has_text=GOAL)).to_be_visible()
    manager_view = team.open_goal(GOAL)
    manager_view.comment("续约率 85% 有把握吗？需要我协调客服吗？", prompt="你需要我提供什么支持？")
    expect(manager_view.state).to_have_text("沟通中")
    manager_view.sign()
    expect(manager_view.signature("manager")).to_contain_text("李娜")
    expect(manager_view.signature("employee")).to_contain_text("尚未签字")

    alice.reload()
    goal = GoalPage(alice)
    expect(goal.comments).to_contain_text("续约率 85% 有把握吗")
    goal.sign()
    expect(goal.state).to_have_text("已达成共识")
    expect(goal.signature("employee")).to_contain_text("刘思思")
    expect(goal.signature("manager")).to_contain_text("李娜")
    expect(alice.get_by_test_id("sign")).to_have_count(0)

    # A colleague on the same team cannot open it, nor find it in the goal tree.
    bob = sign_in_on_phone(browser, browser_context_args, "bob@example.com")
    bob.goto(goal_url)
    expect(bob.get_by_test_id("goal-detail")).to_have_count(0)
    expect(bob.get_by_text("内容不存在，或者你没有查看权限。")).to_be_visible()
    bob_goals = GoalsPage.open_mine(ShellPage(bob))
    expect(bob_goals.cards.filter(has_text="开拓无锡新市场")).to_be_visible()
    expect(bob.get_by_text(GOAL)).to_have_count(0)
