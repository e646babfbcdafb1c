"""An admin, on a phone, marks a leaver and erases their data; what was given only to them
goes, and the account is left as a pseudonym."""

from __future__ import annotations

import urllib.request
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from e2e.pages import AccountsPage, Api, LoginPage

pytestmark = pytest.mark.e2e

LEAVER = "林晓"


def hire(base_url: str, admin: Api) -> str:
    """A new member of the West team, through the people import; -> their id."""
    csv = (
        "email,display_name,department,manager_email\n"
        f"leaver@example.com,{LEAVER},Sales/Field Sales West,manager.west@example.com\n"
    )
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        base_url + "/api/admin/people/import",
        data=csv.encode(),
        method="POST",
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {admin.token}"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 200
    [person] = admin.call(f"/api/admin/people?state=active&q={quote(LEAVER)}")
    return str(person["id"])


def test_an_admin_erases_a_leaver_from_the_phone(page: Page, base_url: str):
    admin = Api(base_url, "admin@example.com")
    leaver = hire(base_url, admin)
    manager = Api(base_url, "manager.west@example.com")
    kudos = {
        "id": str(uuid.uuid4()),
        "kind": "kudos.create",
        "client_created_at": datetime.now(UTC).isoformat(),
        "payload": {
            "recipient_ids": [leaver],
            "behaviour": "入职第一周就独立完成了成都两家门店的巡检，报告当天交齐",
        },
    }
    [result] = manager.call("/api/sync/push", body={"device_id": "e2e", "mutations": [kudos]})[
        "results"
    ]
    assert result["status"] == "applied", result

    accounts = AccountsPage.from_me(LoginPage(page).open().sign_in("admin@example.com"))
    accounts.show("active", LEAVER).get_by_test_id("mark-left").click()
    expect(accounts.note).to_contain_text(f"{LEAVER} is marked as left")
    accounts.erase(LEAVER)
    expect(accounts.note).to_contain_text(f"{LEAVER}'s data is erased")
    expect(accounts.show("departed", LEAVER)).to_have_count(0)
    [erased] = admin.call(f"/api/admin/people?state=erased&q={quote('前同事')}")
    assert erased["id"] == leaver
    assert erased["email"].endswith("@erased.invalid")
    expect(accounts.show("erased", erased["display_name"])).to_be_visible()
    # The kudos was his alone: it went with him.
    given = [k["id"] for k in manager.kudos_given()]
    assert kudos["id"] not in given
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
