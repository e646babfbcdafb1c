"""Online reads answered from the pull's versions behind HTTP validators
(`server/sync/conditional.py`): an unchanged answer is 304 Not Modified, any write it shows
moves its ETag, and another viewer's ETag validates only the very same bytes. The suite
verifies versions (`sync_verify_versions`), so a revalidation here fails when an answer
changed under its ETag; the authorization matrix revalidates every person's copies after
every write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.alerts import queries as alerts
from server.db import fetch
from tests.test_alerts import BOB_GOAL, alice_behind, first_kr, record


class Copy:
    """What a client holds of one read: its ETag and answer, revalidated as the PWA does."""

    def __init__(self, client, path: str, headers: dict[str, str], **params: str) -> None:
        self.client, self.path, self.headers, self.params = client, path, headers, params
        self.etag = ""
        self.answer: Any = None

    async def revalidate(self) -> bool:
        """-> whether the answer was sent again (it changed)."""
        conditional = {"If-None-Match": self.etag} if self.etag else {}
        response = await self.client.get(
            self.path, params=self.params, headers={**self.headers, **conditional}
        )
        assert response.status_code in (200, 304), response.text
        assert response.headers["cache-control"] == "no-store"
        self.etag = response.headers["etag"]
        if response.status_code == 304:
            assert response.content == b""
            return False
        self.answer = response.json()
        return True


async def held(client, path: str, headers: dict[str, str], **params: str) -> Copy:
    copy = Copy(client, path, headers, **params)
    assert await copy.revalidate()
    return copy


async def test_an_unchanged_answer_is_not_modified(client, headers_for):
    manager = headers_for("manager.east")
    copy = await held(client, "/api/alerts", manager)
    assert copy.etag[0] == copy.etag[-1] == '"'
    etag = copy.etag
    assert not await copy.revalidate()
    assert copy.etag == etag

    async def status_with(if_none_match: str, **params: str) -> int:
        response = await client.get(
            "/api/alerts", params=params, headers={**manager, "If-None-Match": if_none_match}
        )
        return response.status_code

    # A weak tag and a list compare as RFC 9110 says; anything else is answered in full.
    assert await status_with(f"W/{copy.etag}") == 304
    assert await status_with(f'"elsewhere", {copy.etag}') == 304
    assert await status_with("*") == 200
    assert await status_with(copy.etag.strip('"')) == 200
    # The read's arguments are part of its version.
    assert await status_with(copy.etag, status="closed") == 200


async def test_another_viewers_etag_validates_only_the_same_bytes(client, people, headers_for):
    """An ETag names a viewer's version and the answer's bytes: another viewer's ETag is
    current only for exactly the answer it would be sent."""
    carol = await held(client, "/api/alerts", headers_for("carol"))
    assert carol.answer == []
    await alice_behind(client, people, headers_for)
    alice = await held(client, "/api/alerts", headers_for("alice"))
    assert alice.answer != []
    response = await client.get(
        "/api/alerts", headers={**headers_for("carol"), "If-None-Match": alice.etag}
    )
    assert response.status_code == 200
    assert response.json() == []
    assert response.headers["etag"] == carol.etag
    # An empty list is an empty list, whoever was sent it first.
    west = await held(client, "/api/alerts", headers_for("hr.west"))
    assert west.answer == []
    carol.etag = west.etag
    assert not await carol.revalidate()
    assert carol.etag != west.etag  # the 304 names carol's own version


async def test_alerts_are_sent_again_when_raised_escalated_or_renamed(client, people, headers_for):
    copies = {
        name: await held(client, "/api/alerts", headers_for(name))
        for name in ("alice", "manager.east", "hr", "carol")
    }
    alert = await alice_behind(client, people, headers_for)
    for name in ("alice", "manager.east"):
        assert await copies[name].revalidate(), name
        assert alert["id"] in {a["id"] for a in copies[name].answer}
    for name in ("hr", "carol"):
        assert not await copies[name].revalidate(), name

    assert await alerts.escalate(datetime.now(UTC) + timedelta(days=15)) >= 1
    assert await copies["hr"].revalidate()
    assert alert["id"] in {a["id"] for a in copies["hr"].answer}
    assert await copies["manager.east"].revalidate()
    assert all(a["escalated_at"] for a in copies["manager.east"].answer)

    # The key result's title the alerts show, changed by an edit of the goal.
    await fetch(
        "UPDATE goals_key_result SET title = {} WHERE id = {}",
        "苏州新签制造业客户",
        alert["key_result"]["id"],
    )
    for name in ("alice", "manager.east", "hr"):
        assert await copies[name].revalidate(), name
        [shown] = [a for a in copies[name].answer if a["id"] == alert["id"]]
        assert shown["key_result"]["title"] == "苏州新签制造业客户"
    assert not await copies["carol"].revalidate()


async def test_progress_alone_does_not_move_the_alerts_of_its_key_result(
    client, people, headers_for
):
    """The key result's trigger looks for alerts only when a title or unit changed: progress
    is written far more often."""
    alert = await alice_behind(client, people, headers_for)
    copy = await held(client, "/api/alerts", headers_for("manager.east"))
    await fetch(
        "UPDATE goals_key_result SET current_value = current_value WHERE id = {}",
        alert["key_result"]["id"],
    )
    assert not await copy.revalidate()


async def test_the_team_goals_are_sent_again_when_a_report_records_progress(client, headers_for):
    east = await held(client, "/api/me/team/goals", headers_for("manager.east"))
    west = await held(client, "/api/me/team/goals", headers_for("manager.west"))
    before = {g["id"]: g["progress"] for g in east.answer}
    kr = await first_kr(BOB_GOAL)
    await record(client, headers_for("bob"), kr, kr["current_value"] + 1)
    assert await east.revalidate()
    [goal] = [g for g in east.answer if g["title"] == BOB_GOAL]
    assert goal["progress"] > before[goal["id"]]
    assert not await east.revalidate()
    # Another team's goals.
    assert not await west.revalidate()
