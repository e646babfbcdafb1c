"""Page objects: the e2e tests speak in user actions, the selectors live here."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Locator, Page, expect

DEMO_PASSWORD = "tandem-demo"

# Puts entries into the device outbox the way the sync client will (IndexedDB "tandem").
# Argument: the user id for the second entry; the first belongs to the signed-in person.
QUEUE_ENTRIES_JS = """async (otherUserId) => {
  const open = indexedDB.open("tandem", 1);
  const db = await new Promise((resolve, reject) => {
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const read = db.transaction("session").objectStore("session").get("current");
  const session = await new Promise((resolve) => (read.onsuccess = () => resolve(read.result)));
  const tx = db.transaction("outbox", "readwrite");
  const now = new Date().toISOString();
  for (const [id, userId] of [["m-mine", session.userId], ["m-other", otherUserId]]) {
    const entry = { id, userId, kind: "kudos.create", payload: {}, clientCreatedAt: now };
    tx.objectStore("outbox").put(entry);
  }
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}"""
COUNT_ENTRIES_JS = """async () => {
  const open = indexedDB.open("tandem", 1);
  const db = await new Promise((resolve) => (open.onsuccess = () => resolve(open.result)));
  const count = db.transaction("outbox").objectStore("outbox").count();
  const result = await new Promise((resolve) => (count.onsuccess = () => resolve(count.result)));
  db.close();
  return result;
}"""


def sign_in_on_phone(browser: Browser, context_args: dict[str, Any], email: str) -> Page:
    """A phone of its own for each person, in the demo's language, signed in."""
    page = browser.new_context(**{**context_args, "locale": "zh-CN"}).new_page()
    shell = LoginPage(page).open().sign_in(email)
    expect(shell.greeting).to_be_visible()
    return page


class LoginPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.email = page.get_by_test_id("login-email")
        self.password = page.get_by_test_id("login-password")
        self.submit = page.get_by_test_id("login-submit")
        self.error = page.get_by_test_id("login-error")
        self.language = page.get_by_test_id("language")

    def open(self) -> LoginPage:
        self.page.goto("/")
        expect(self.email).to_be_visible()
        return self

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> ShellPage:
        self.email.fill(email)
        self.password.fill(password)
        self.submit.click()
        return ShellPage(self.page)


class ShellPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.greeting = page.get_by_test_id("greeting")
        self.connection = page.get_by_test_id("connection")
        self.unsynced = page.get_by_test_id("unsynced")

    def tab(self, name: str) -> Locator:
        return self.page.get_by_test_id(f"tab-{name}")

    def open_me(self) -> MePage:
        self.tab("me").click()
        return MePage(self.page)

    def queue_entries(self, other_user_id: str) -> None:
        self.page.evaluate(QUEUE_ENTRIES_JS, other_user_id)

    def stored_entries(self) -> int:
        return int(self.page.evaluate(COUNT_ENTRIES_JS))

    def wait_for_offline_ready(self) -> None:
        """The service worker has installed and controls the page: the shell is precached."""
        self.page.wait_for_function(
            "navigator.serviceWorker && navigator.serviceWorker.controller !== null"
        )


class MePage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.language = page.get_by_test_id("language")
        self.access_log = page.get_by_test_id("access-log")
        self.sign_out = page.get_by_test_id("sign-out")


class GoalsPage:
    """My goals, and the team's goals for a manager."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cards = page.get_by_test_id("goal-card")

    @classmethod
    def open_mine(cls, shell: ShellPage) -> GoalsPage:
        shell.tab("goals").click()
        expect(shell.page.get_by_test_id("my-goals")).to_be_visible()
        return cls(shell.page)

    @classmethod
    def open_team(cls, shell: ShellPage) -> GoalsPage:
        shell.tab("team").click()
        expect(shell.page.get_by_test_id("team-goals")).to_be_visible()
        return cls(shell.page)

    def waiting_for_me(self) -> Locator:
        return self.page.get_by_test_id("waiting-goals").get_by_test_id("goal-card")

    def open_goal(self, title: str) -> GoalPage:
        self.cards.filter(has_text=title).first.get_by_role("link").click()
        return GoalPage(self.page)


class GoalPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.title = page.get_by_test_id("goal-title")
        self.state = page.get_by_test_id("goal-detail").get_by_test_id("goal-state").first
        self.error = page.get_by_test_id("goal-error")
        self.comments = page.get_by_test_id("comments")
        expect(page.get_by_test_id("goal-detail")).to_be_visible()

    def propose(self) -> None:
        self.page.get_by_test_id("propose").click()

    def comment(self, text: str, prompt: str | None = None) -> None:
        if prompt:
            self.page.get_by_role("button", name=prompt).click()
        self.page.get_by_test_id("comment-body").fill(text)
        self.page.get_by_test_id("comment-send").click()
        expect(self.comments).to_contain_text(text)

    def sign(self) -> None:
        self.page.get_by_test_id("sign").click()

    def signature(self, role: str) -> Locator:
        return self.page.get_by_test_id(f"signature-{role}")

    def edit(self) -> GoalForm:
        self.page.get_by_test_id("edit-goal").click()
        return GoalForm(self.page)

    def amend(self) -> GoalForm:
        self.page.get_by_test_id("amend-goal").click()
        return GoalForm(self.page)


class GoalForm:
    """The goal form: a new goal, an edit, a counter-proposal or an amendment."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.form = page.get_by_test_id("goal-form")
        self.title = self.form.get_by_test_id("goal-title-field")
        self.error = self.form.get_by_test_id("goal-form-error")
        expect(self.form).to_be_visible()

    def key_result(self, index: int) -> Locator:
        return self.form.get_by_test_id("kr-fields").nth(index)

    def fill_key_result(self, index: int, title: str, target: str) -> None:
        if index >= self.form.get_by_test_id("kr-fields").count():
            self.form.get_by_test_id("add-kr").click()
        fields = self.key_result(index)
        fields.get_by_test_id("kr-title").fill(title)
        fields.get_by_test_id("kr-target").fill(target)

    def choose_person(self, picker: str, name: str) -> None:
        self.form.get_by_test_id(picker).fill(name[:1])
        self.form.get_by_role("button", name=name).click()
        expect(self.form.get_by_test_id(f"{picker}-chosen")).to_contain_text(name)

    def save(self) -> None:
        self.form.get_by_test_id("goal-save").click()
