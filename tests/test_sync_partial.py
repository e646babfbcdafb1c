"""A phone that merges (`GET /api/sync/pull?partial=true`) is sent of the kudos feed only the
kudos it does not hold as they are now, and the feed's order: what it then holds is exactly
the feed the API shows. Each step is checked against the feed read online."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from server.core.access import Principal, Role
from server.db import fetch
from server.sync import pull, versions
from tests.conftest import problem
from tests.test_sync import kudos_to, mutation, outcomes, push


class MergingPhone:
    """What the PWA's `offline/sync.ts` does with a pull, for the kudos feed."""

    def __init__(self, client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers
        self.cursor: str | None = None
        self.kudos: list[dict[str, Any]] = []

    async def sync(self) -> dict[str, Any] | None:
        """Pull and merge; -> the kudos change the pull sent, if any."""
        params = {"partial": "true", **({"cursor": self.cursor} if self.cursor else {})}
        response = await self.client.get("/api/sync/pull", params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        answer = response.json()
        self.cursor = answer["cursor"]
        sent = next((c for c in answer["changes"] if c["collection"] == "kudos"), None)
        if sent is not None:
            held = {k["id"]: k for k in [*self.kudos, *sent["items"]]}
            self.kudos = [held[kudos_id] for kudos_id in sent["order"]]
        return sent

    async def holds_the_feed(self) -> None:
        online = await self.client.get(
            "/api/kudos", params={"show": "feed", "limit": pull.RECENT_KUDOS}, headers=self.headers
        )
        assert online.status_code == 200, online.text
        assert self.kudos == online.json()["items"]


def ids(kudos: list[dict[str, Any]]) -> list[str]:
    return [k["id"] for k in kudos]


async def test_a_merging_phone_is_sent_only_the_kudos_it_lacks(client, people, headers_for):
    phone = MergingPhone(client, headers_for("bob"))
    first = await phone.sync()
    assert first is not None
    assert len(first["items"]) == len(first["order"]) >= 3
    await phone.holds_the_feed()
    held = ids(phone.kudos)

    given = kudos_to(people["bob"])
    assert outcomes(await push(client, headers_for("alice"), given)) == ["applied"]
    sent = await phone.sync()
    assert sent is not None
    assert ids(sent["items"]) == [given["id"]]
    assert sent["order"] == [given["id"], *held]
    await phone.holds_the_feed()

    # A reaction: that kudos alone, as it is now.
    oldest = held[-1]
    react = mutation("kudos.react", {"kudos_id": oldest, "emoji": "clap"})
    assert outcomes(await push(client, headers_for("carol"), react)) == ["applied"]
    sent = await phone.sync()
    assert sent is not None
    assert ids(sent["items"]) == [oldest]
    assert sent["items"][0]["reactions"] == [{"emoji": "clap", "count": 1, "mine": False}]
    await phone.holds_the_feed()

    # Deleted by its author: nothing to send but the order.
    deleted = await client.delete(f"/api/kudos/{given['id']}", headers=headers_for("alice"))
    assert deleted.status_code == 204, deleted.text
    sent = await phone.sync()
    assert sent is not None
    assert sent["items"] == []
    assert sent["order"] == held
    await phone.holds_the_feed()

    # Nothing written: nothing sent, the feed not even read.
    assert await phone.sync() is None


async def test_a_kudos_the_phone_does_not_show_moves_its_version_and_sends_nothing(
    client, people, headers_for
):
    phone = MergingPhone(client, headers_for("carol"))
    await phone.sync()
    before = pull.decode_cursor(phone.cursor)["kudos"]
    # Private, to someone in another team: the company's kudos topic moved.
    private = kudos_to(people["bob"])
    private["payload"]["visibility"] = "private"
    assert outcomes(await push(client, headers_for("alice"), private)) == ["applied"]
    assert await phone.sync() is None
    after = pull.decode_cursor(phone.cursor)["kudos"]
    assert after.partition(".")[0] != before.partition(".")[0]
    assert after.partition(".")[2] == before.partition(".")[2]
    await phone.holds_the_feed()


async def test_a_retitled_goal_reaches_the_kudos_that_name_it(client, people, headers_for):
    """A kudos shows its goal's title, which is not in its rows: a change to what the kudos'
    reading follows besides their rows (here the goal outlines) salts every digest afresh."""
    alice = headers_for("alice")
    goal = next(
        g
        for g in (await client.get("/api/me/goals", headers=alice)).json()["goals"]
        if g["title"] == "提升老客户续约率"  # her draft
    )
    linked = kudos_to(people["bob"])
    linked["payload"]["goal_id"] = goal["id"]
    assert outcomes(await push(client, alice, linked)) == ["applied"]
    phone = MergingPhone(client, alice)
    await phone.sync()

    retitled = await client.patch(
        f"/api/goals/{goal['id']}", json={"title": "提升苏州老客户续约率"}, headers=alice
    )
    assert retitled.status_code == 200, retitled.text
    sent = await phone.sync()
    assert sent is not None
    assert ids(sent["items"]) == sent["order"]
    assert phone.kudos[0]["goal_title"] == "提升苏州老客户续约率"
    await phone.holds_the_feed()


async def test_the_phone_keeps_the_newest_kudos_only(client, people, headers_for):
    alice = headers_for("alice")
    many = [
        kudos_to(people["bob"], f"周{n}在客户现场逐项讲清报价单，客户同意试点") for n in range(55)
    ]
    assert set(outcomes(await push(client, alice, *many))) == {"applied"}
    phone = MergingPhone(client, headers_for("bob"))
    await phone.sync()
    assert len(phone.kudos) == pull.RECENT_KUDOS
    # The cursor holds a digest for each kept kudos and still fits the pull's limit.
    assert len(phone.cursor or "") < 4000

    held = ids(phone.kudos)
    newest = kudos_to(people["bob"])
    assert outcomes(await push(client, alice, newest)) == ["applied"]
    sent = await phone.sync()
    assert sent is not None
    assert ids(sent["items"]) == [newest["id"]]
    assert sent["order"] == [newest["id"], *held[:-1]]
    await phone.holds_the_feed()


async def test_a_phone_that_does_not_merge_is_still_sent_the_whole_feed(
    client, people, headers_for
):
    """An app loaded before merging existed keeps working: no `partial`, no `order`; even with
    the cursor a merging page left (the verifying pull checks its digests)."""
    bob = headers_for("bob")
    merging = MergingPhone(client, bob)
    await merging.sync()
    first = await client.get("/api/sync/pull", params={"cursor": merging.cursor}, headers=bob)
    assert first.status_code == 200, first.text
    assert first.json()["changes"] == []
    assert outcomes(await push(client, headers_for("alice"), kudos_to(people["bob"]))) == [
        "applied"
    ]
    answer = await client.get("/api/sync/pull", params={"cursor": merging.cursor}, headers=bob)
    [sent] = [c for c in answer.json()["changes"] if c["collection"] == "kudos"]
    assert sent["order"] is None
    online = await client.get(
        "/api/kudos", params={"show": "feed", "limit": pull.RECENT_KUDOS}, headers=bob
    )
    assert sent["items"] == online.json()["items"]


async def test_a_phone_that_took_the_feed_whole_merges_from_its_next_change(
    client, people, headers_for
):
    """A page loaded before merging left a cursor naming the whole feed: at its version
    nothing is sent (and the verifying pull checks the whole feed), and the next change sends
    every kudos with the order."""
    bob = headers_for("bob")
    phone = MergingPhone(client, bob)
    whole = (await client.get("/api/sync/pull", headers=bob)).json()
    [phone.kudos] = [c["items"] for c in whole["changes"] if c["collection"] == "kudos"]
    phone.cursor = whole["cursor"]
    assert await phone.sync() is None
    assert outcomes(await push(client, headers_for("alice"), kudos_to(people["bob"]))) == [
        "applied"
    ]
    sent = await phone.sync()
    assert sent is not None
    assert ids(sent["items"]) == sent["order"]
    await phone.holds_the_feed()
    assert await phone.sync() is None


async def test_a_cursor_with_broken_digests_is_refused(client, people, headers_for):
    bob = headers_for("bob")
    phone = MergingPhone(client, bob)
    await phone.sync()
    positions = pull.decode_cursor(phone.cursor)
    version = positions["kudos"].partition(".")[0]
    broken = pull.encode_cursor({**positions, "kudos": f"{version}.~abcde"})
    answer = await client.get(
        "/api/sync/pull", params={"partial": "true", "cursor": broken}, headers=bob
    )
    problem(answer, 400, "invalid_cursor")


async def test_a_kudos_changed_unlogged_is_caught_by_the_verifying_pull(client, people):
    """The digests trust the kudos's version as the whole collection did; the tests' verifying
    pull refuses a kudos that changed without the log moving."""
    bob = Principal(people["bob"], uuid.uuid4(), frozenset({Role.EMPLOYEE}))
    first = json.loads(await pull.pull(bob, None, merges=True))
    [newest] = await fetch("SELECT MAX(id) AS id FROM sync_change")
    await fetch("UPDATE feedback_kudos SET behaviour = {}", "改过的描述")
    await fetch("DELETE FROM sync_change WHERE id > {}", newest["id"])

    trusting = json.loads(await pull.pull(bob, first["cursor"], merges=True))
    assert trusting["changes"] == []
    with pytest.raises(versions.StaleVersionError, match="kudos"):
        await pull.pull(bob, first["cursor"], merges=True, verify_versions=True)


async def test_a_kudos_revision_moves_with_what_it_shows(client, people, headers_for):
    """The triggers behind the digests: a reaction given or taken back, a recipient taken
    away (an erasure's part) and any column shown move the revision; a copy kept for the
    alert round does not."""
    to_two = kudos_to(people["bob"])
    to_two["payload"]["recipient_ids"].append(str(people["carol"]))
    assert outcomes(await push(client, headers_for("alice"), to_two)) == ["applied"]

    async def revision() -> int:
        [row] = await fetch("SELECT revision FROM feedback_kudos WHERE id = {}", to_two["id"])
        return int(row["revision"])

    async def moved_by(sql: str, *args: Any) -> int:
        before = await revision()
        await fetch(sql, *args)
        return await revision() - before

    carol = headers_for("carol")
    for on in (True, False):
        react = mutation("kudos.react", {"kudos_id": to_two["id"], "emoji": "star", "on": on})
        before = await revision()
        assert outcomes(await push(client, carol, react)) == ["applied"]
        assert await revision() == before + 1
    kudos = to_two["id"]
    assert await moved_by("UPDATE feedback_kudos SET generic = TRUE WHERE id = {}", kudos) == 0
    changed = "UPDATE feedback_kudos SET behaviour = {} WHERE id = {}"
    assert await moved_by(changed, "改过的描述", kudos) == 1
    taken = "DELETE FROM feedback_kudos_recipient WHERE kudos = {} AND person = {}"
    assert await moved_by(taken, kudos, people["carol"]) == 1
