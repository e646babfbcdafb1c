"""Page objects: the e2e tests speak in user actions, the selectors live here."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

DEMO_PASSWORD = "tandem-demo"


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
