"""Page objects: the e2e tests speak in user actions, the selectors live here."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Browser, Download, Locator, Page, expect

DEMO_PASSWORD = "tandem-demo"

# Writes entries straight into the device outbox, as the composers do (IndexedDB "tandem"),
# for the signed-in person: [{id, kind, payload}] in order. Used where a test needs many
# entries or one the app's own forms would never write.
QUEUE_ENTRIES_JS = """async (entries) => {
  const open = indexedDB.open("tandem");
  const db = await new Promise((resolve, reject) => {
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const read = db.transaction("session").objectStore("session").get("current");
  const session = await new Promise((resolve) => (read.onsuccess = () => resolve(read.result)));
  const tx = db.transaction("outbox", "readwrite");
  let seq = Date.now();
  const now = new Date().toISOString();
  for (const e of entries) {
    const entry = { ...e, userId: session.userId, clientCreatedAt: now, seq: seq++ };
    tx.objectStore("outbox").put(entry);
  }
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
  return session.userId;
}"""
# Every entry in the outbox, anyone's: whose it is and whether it is parked, so a test that
# finds one left over says which.
STORED_ENTRIES_JS = """async () => {
  const open = indexedDB.open("tandem");
  const db = await new Promise((resolve) => (open.onsuccess = () => resolve(open.result)));
  const all = db.transaction("outbox").objectStore("outbox").getAll();
  const entries = await new Promise((resolve) => (all.onsuccess = () => resolve(all.result)));
  db.close();
  return entries.map((e) => ({ id: e.id, userId: e.userId, parked: e.parked ?? null }));
}"""
# How many of the signed-in person's entries still wait to be sent (parked ones excluded).
WAITING_ENTRIES_JS = """async () => {
  const open = indexedDB.open("tandem");
  const db = await new Promise((resolve) => (open.onsuccess = () => resolve(open.result)));
  const tx = db.transaction(["session", "outbox"]);
  const read = (request) =>
    new Promise((resolve) => (request.onsuccess = () => resolve(request.result)));
  const session = await read(tx.objectStore("session").get("current"));
  const entries = await read(tx.objectStore("outbox").getAll());
  db.close();
  return entries.filter((e) => e.userId === session?.userId && !e.parked).length;
}"""


class Api:
    """The server's API as one demo person, for checking what a test did end to end."""

    def __init__(self, base_url: str, email: str) -> None:
        self.base_url = base_url
        self.token = self.call("/api/auth/login", body={"email": email, "password": DEMO_PASSWORD})[
            "access_token"
        ]

    def call(self, path: str, body: dict[str, Any] | None = None, method: str | None = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - loopback test server
            self.base_url + path,
            data=json.dumps(body).encode() if body is not None else None,
            method=method,
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {self.token}"} if hasattr(self, "token") else {}),
            },
        )
        with urllib.request.urlopen(request) as response:  # noqa: S310
            content = response.read()
            return json.loads(content) if content else None

    def kudos_given(self) -> list[dict[str, Any]]:
        given: list[dict[str, Any]] = self.call("/api/kudos?show=given&limit=200")["items"]
        return given


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
        self.attention = page.get_by_test_id("attention")

    def tab(self, name: str) -> Locator:
        return self.page.get_by_test_id(f"tab-{name}")

    def open_me(self) -> MePage:
        self.tab("me").click()
        return MePage(self.page)

    def queue_entries(self, entries: list[dict[str, Any]]) -> str:
        """-> the signed-in person's id."""
        return str(self.page.evaluate(QUEUE_ENTRIES_JS, entries))

    def wait_until_sent(self, timeout_ms: int = 30_000) -> None:
        """Nothing of this person's waits on the phone any more (sent and acknowledged), and
        the header says so. The outbox is counted with `evaluate`, which waits for the
        count: `wait_for_function` takes the promise of an async predicate for a truthy
        answer (playwright#29132), so it let this pass at once, and a test that had written
        entries straight into the outbox could go on while the app still sent them."""
        self._poll(
            lambda: self.page.evaluate(WAITING_ENTRIES_JS) == 0,
            timeout_ms,
            lambda: f"entries still wait to be sent: {self.stored_entries()}",
        )
        expect(self.unsynced).to_have_text("Everything is synced", timeout=timeout_ms)

    def stored_entries(self) -> list[dict[str, Any]]:
        """Every entry kept on the phone, anyone's: id, userId and the problem it is parked
        with (or None)."""
        return list(self.page.evaluate(STORED_ENTRIES_JS))

    def wait_for_offline_ready(self, timeout_ms: int = 30_000) -> None:
        """The service worker has installed and controls the page: the shell is precached.
        Polled with `evaluate`: `wait_for_function` compiles its predicate with eval inside the
        page, which the app's CSP (no 'unsafe-eval') sometimes refused mid-navigation."""
        self._poll(
            lambda: bool(self.page.evaluate("!!navigator.serviceWorker?.controller")),
            timeout_ms,
            lambda: "the service worker never took control of the page",
        )

    def _poll(self, done: Callable[[], bool], timeout_ms: int, failure: Callable[[], str]) -> None:
        """Asks `done` every 100 ms until it says yes; fails with `failure` after `timeout_ms`."""
        for _ in range(timeout_ms // 100):
            if done():
                return
            self.page.wait_for_timeout(100)
        raise AssertionError(failure())


class MePage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.language = page.get_by_test_id("language")
        self.sign_out = page.get_by_test_id("sign-out")
        self.push_off = page.get_by_test_id("push-off")
        self.turn_on_push = page.get_by_test_id("push-turn-on")
        self.quiet_on = page.get_by_test_id("quiet-on")
        self.quiet_start = page.get_by_test_id("quiet-start")
        self.quiet_end = page.get_by_test_id("quiet-end")
        self.quiet_save = page.get_by_test_id("quiet-save")
        self.quiet_note = page.get_by_test_id("quiet-note")


class PrivacyPage:
    """Who can see my data, and the access log with its filters."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.access_log = page.get_by_test_id("access-log")
        self.viewer = page.get_by_test_id("log-viewer")
        self.span = page.get_by_test_id("log-span")

    @classmethod
    def from_me(cls, shell: ShellPage) -> PrivacyPage:
        shell.open_me().page.get_by_test_id("open-privacy").click()
        expect(shell.page.get_by_test_id("data-audience")).to_be_visible()
        return cls(shell.page)

    def audience(self, kind: str) -> Locator:
        return self.page.get_by_test_id(f"audience-{kind}")

    def only_kind(self, kind: str) -> None:
        self.page.get_by_test_id(f"log-kind-{kind}").click()

    def download(self, kind: str) -> Download:
        """The file the export button saves: `json` or `summary`."""
        with self.page.expect_download() as saved:
            self.page.get_by_test_id(f"export-{kind}").click()
        return saved.value


class AccountsPage:
    """The admins' people and accounts: mark a leaver, erase their data."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.note = page.get_by_test_id("accounts-note")
        self.search = page.get_by_test_id("accounts-search")

    @classmethod
    def from_me(cls, shell: ShellPage) -> AccountsPage:
        shell.open_me().page.get_by_test_id("open-accounts").click()
        expect(shell.page.get_by_test_id("accounts")).to_be_visible()
        # The actions ask for confirmation; the admin says yes.
        shell.page.on("dialog", lambda dialog: dialog.accept())
        return cls(shell.page)

    def show(self, state: str, name: str) -> Locator:
        """The card of `name` among those `state` (active, departed, erased)."""
        self.page.get_by_test_id(f"accounts-{state}").click()
        self.search.fill(name)
        return self.page.get_by_test_id("account").filter(has_text=name)

    def erase(self, name: str) -> None:
        self.show("departed", name).get_by_test_id("start-erasure").click()
        confirm = self.page.get_by_test_id("confirm-erasure")
        expect(confirm).to_be_disabled()
        self.page.get_by_test_id("erase-name").fill(name)
        confirm.click()


class InboxPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.bell = page.get_by_test_id("open-inbox")
        self.unread = page.get_by_test_id("unread")
        self.items = page.get_by_test_id("notifications")

    def open(self) -> InboxPage:
        self.bell.click()
        return self

    def notification(self, kind: str) -> Locator:
        return self.page.get_by_test_id(f"notification-{kind}")


# Wraps the permission request before the app loads, to count how often the app asks.
COUNT_PERMISSION_ASKS_JS = """
window.__permissionAsks = 0;
if (window.Notification) {
  const ask = Notification.requestPermission.bind(Notification);
  Notification.requestPermission = (...args) => {
    window.__permissionAsks += 1;
    return ask(...args);
  };
}
"""


class ServiceWorkerPush:
    """Pushes handed to the page's service worker through the Chrome DevTools Protocol, as a
    push service would deliver them, and the notifications it shows."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.origin = page.evaluate("location.origin")
        self.cdp = page.context.new_cdp_session(page)
        self.registrations: list[dict[str, Any]] = []
        self.cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: self.registrations.extend(event["registrations"]),
        )
        self.cdp.send("ServiceWorker.enable")

    def deliver(self, data: str) -> None:
        for _ in range(50):  # the protocol's events arrive while the page's loop runs
            if any(not r["isDeleted"] for r in self.registrations):
                break
            self.page.wait_for_timeout(100)
        [registration] = [r for r in self.registrations if not r["isDeleted"]]
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": self.origin, "registrationId": registration["registrationId"], "data": data},
        )

    def notifications(self, count: int) -> list[dict[str, str]]:
        """The notifications shown, once there are `count` of them (showing one is async)."""
        shown: list[dict[str, str]] = []
        for _ in range(50):
            shown = list(
                self.page.evaluate(
                    "navigator.serviceWorker.ready.then((r) => r.getNotifications())"
                    ".then((all) => all.map((n) => ({ title: n.title, body: n.body, tag: n.tag })))"
                )
            )
            if len(shown) >= count:
                break
            self.page.wait_for_timeout(100)
        return shown


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

    def choose(self, picker: str, name: str, typed: str | None = None) -> None:
        """Types `typed` (default: the name's first letter) into a search picker and takes
        `name` from what it finds; `typed=""` takes it from what the picker suggests."""
        if typed != "":
            self.form.get_by_test_id(picker).fill(name[:1] if typed is None else typed)
        self.form.get_by_role("button", name=name).click()
        expect(self.form.get_by_test_id(f"{picker}-chosen")).to_contain_text(name)

    def save(self) -> None:
        self.form.get_by_test_id("goal-save").click()


class FeedbackPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.feed = page.get_by_test_id("kudos-feed")
        self.pending = page.get_by_test_id("pending")
        expect(page.get_by_test_id("feedback")).to_be_visible()

    @classmethod
    def open(cls, shell: ShellPage) -> FeedbackPage:
        shell.tab("feedback").click()
        return cls(shell.page)

    def choose_recipient(self, picker: str, name: str) -> None:
        """Offline the phone offers the people it knows; online, the directory search."""
        offline = self.page.get_by_test_id(f"{picker}-offline")
        if offline.count():
            offline.select_option(label=name)
        else:
            self.page.get_by_test_id(picker).fill(name[:1])
            self.page.get_by_role("button", name=name).click()

    def give_kudos(self, to: str, behaviour: str) -> None:
        self.page.get_by_test_id("give-kudos").click()
        self.choose_recipient("kudos-recipient", to)
        self.page.get_by_test_id("kudos-behaviour").fill(behaviour)
        self.page.get_by_test_id("kudos-send").click()
        expect(self.page.get_by_test_id("saved")).to_be_visible()

    def give_feedback(self, to: str, situation: str, behaviour: str, impact: str) -> None:
        self.page.get_by_test_id("give-feedback").click()
        self.choose_recipient("sbi-recipient", to)
        self.page.get_by_test_id("sbi-situation").fill(situation)
        self.page.get_by_test_id("sbi-behaviour").fill(behaviour)
        self.page.get_by_test_id("sbi-impact").fill(impact)
        self.page.get_by_test_id("sbi-send").click()
        expect(self.page.get_by_test_id("saved")).to_be_visible()


class CheckinsPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.pending = page.get_by_test_id("pending")
        self.history = page.get_by_test_id("checkin-list")
        expect(page.get_by_test_id("checkins")).to_be_visible()

    @classmethod
    def open(cls, shell: ShellPage) -> CheckinsPage:
        shell.tab("checkins").click()
        return cls(shell.page)

    def prepare(self, highlights: str) -> None:
        self.page.get_by_test_id("prepare").click()
        self.page.get_by_test_id("answer-highlights").fill(highlights)
        self.page.get_by_test_id("prepare-save").click()
        expect(self.page.get_by_test_id("saved")).to_be_visible()

    def team_member(self, person: str) -> Locator:
        return self.page.get_by_test_id("checkin-team").locator("li").filter(has_text=person)

    def hold(self, person: str, highlights: str, action: str) -> None:
        self.team_member(person).get_by_test_id("hold-checkin").click()
        self.page.get_by_test_id("minutes-highlights").fill(highlights)
        self.page.get_by_test_id("action-title").first.fill(action)
        self.page.get_by_test_id("minutes-save").click()
        expect(self.page.get_by_test_id("saved")).to_be_visible()


class AlertsPage:
    """Deviation alerts: the list, one alert with its guide, and the conversation's steps."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.detail = page.get_by_test_id("alert-detail")
        self.guide = page.get_by_test_id("alert-guide")
        self.state = page.get_by_test_id("alert-state")
        self.agreement = page.get_by_test_id("alert-agreement")

    @classmethod
    def from_today(cls, shell: ShellPage) -> AlertsPage:
        shell.tab("today").click()
        shell.page.get_by_test_id("today-alerts").click()
        expect(shell.page.get_by_test_id("alerts")).to_be_visible()
        return cls(shell.page)

    def open(self, kind: str, about: str) -> None:
        self.page.get_by_test_id(f"alert-{kind}").filter(has_text=about).first.click()
        expect(self.guide).to_be_visible()

    def schedule(self, day: str) -> None:
        self.page.get_by_test_id("schedule-on").fill(day)
        self.page.get_by_test_id("schedule-save").click()

    def resolve(self, outcome: str, agreement: str) -> None:
        self.page.get_by_test_id(f"outcome-{outcome}").check()
        self.page.get_by_test_id("agreement").fill(agreement)
        self.page.get_by_test_id("resolve-save").click()
