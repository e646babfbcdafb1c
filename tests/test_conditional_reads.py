"""Online reads answered from the pull's versions behind HTTP validators
(`server/sync/conditional.py`): an unchanged answer is 304 Not Modified, any write it shows
moves its ETag, and another viewer's ETag validates only the very same bytes. The suite
verifies versions (`sync_verify_versions`), so a revalidation here fails when an answer
changed under its ETag; the authorization matrix revalidates every person's copies after
every write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.alerts import queries as alerts
from server.db import fetch
from server.goals import queries as goals
from server.goals import routes as goal_routes
from server.sync import conditional
from tests.test_alerts import BOB_GOAL, alice_behind, first_kr, record
from tests.test_goal_tree import cycle_id, titles_anywhere


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


def tree_nodes(copy: Copy) -> list[dict[str, Any]]:
    return [node for theme in copy.answer["themes"] for node in theme["objectives"]]


def node_of(nodes: list[dict[str, Any]], title: str) -> dict[str, Any]:
    for node in nodes:
        if node["goal"]["title"] == title:
            return node
        found = node_of(node["children"], title)
        if found:
            return found
    return {}


@pytest.fixture
def trees_built(app, monkeypatch) -> list[str]:
    """The viewers whose tree was built, with the suite's verifying of versions off (it
    builds every answer): what a server in service builds."""
    monkeypatch.setattr(app.state.settings, "sync_verify_versions", False)
    built: list[str] = []
    goal_tree = goals.goal_tree

    async def counted(principal, cycle, verify):
        built.append(str(principal.person_id))
        return await goal_tree(principal, cycle, verify)

    monkeypatch.setattr(goals, "goal_tree", counted)
    return built


async def tree_copy(client, headers: dict[str, str]) -> Copy:
    """A copy of the viewer's tree of the current cycle, as the PWA holds it once it has
    read it twice: whose goals a tree shows, so which topics it is made from, is learned
    from an answer, and the ETag of the first names a version no copy has."""
    cycle = await cycle_id(client, headers)
    copy = await held(client, f"/api/goal-cycles/{cycle}/tree", headers)
    first = copy.etag
    assert not await copy.revalidate()  # the same bytes, now named by their version
    assert copy.etag != first
    return copy


async def test_a_tree_is_answered_from_its_version_from_the_second_read_on(
    client, people, headers_for, trees_built
):
    copy = await tree_copy(client, headers_for("carol"))
    assert len(trees_built) == 2
    named = copy.etag
    assert not await copy.revalidate()
    assert (copy.etag, len(trees_built)) == (named, 2)  # not built
    # A process that has not built this tree (what it learned is its own) builds it again,
    # and a copy of the same bytes is still current.
    goal_routes.GOAL_TREE.forget_learned()
    assert not await copy.revalidate()
    assert len(trees_built) == 3


async def test_a_process_keeps_what_it_learned_of_the_latest_trees_only(
    client, people, headers_for, trees_built, monkeypatch
):
    monkeypatch.setattr(conditional, "LEARNED_KEPT", 2)
    goal_routes.GOAL_TREE.forget_learned()
    copies = [await tree_copy(client, headers_for(name)) for name in ("carol", "bob", "alice")]
    trees_built.clear()
    # Bob's and Alice's trees are answered from their versions; Carol's, the oldest, is
    # built again (and is the same).
    for copy in copies[1:]:
        assert not await copy.revalidate()
    assert trees_built == []
    assert not await copies[0].revalidate()
    assert trees_built == [str(people["carol"])]


async def test_a_tree_is_sent_again_when_a_goal_it_shows_moves(
    client, people, headers_for, trees_built
):
    trees = {name: await tree_copy(client, headers_for(name)) for name in ("carol", "manager.east")}
    kr = await first_kr(BOB_GOAL)
    before = node_of(tree_nodes(trees["manager.east"]), BOB_GOAL)["goal"]["progress"]
    await record(client, headers_for("bob"), kr, kr["current_value"] + 1)
    trees_built.clear()
    # Bob's goals are in his manager's tree, not in Carol's: hers is not even built.
    assert not await trees["carol"].revalidate()
    assert trees_built == []
    assert await trees["manager.east"].revalidate()
    assert node_of(tree_nodes(trees["manager.east"]), BOB_GOAL)["goal"]["progress"] > before


async def test_a_tree_is_sent_again_when_a_goal_joins_or_leaves_it(client, people, headers_for):
    alice, carol, hr = headers_for("alice"), headers_for("carol"), headers_for("hr")
    trees = {"alice": await tree_copy(client, alice), "carol": await tree_copy(client, carol)}
    cycle = await cycle_id(client, alice)
    response = await client.post(
        "/api/goals", json={"cycle_id": cycle, "title": "学习新产品"}, headers=alice
    )
    assert response.status_code == 201, response.text
    assert await trees["alice"].revalidate()
    assert "学习新产品" in titles_anywhere(tree_nodes(trees["alice"]))
    assert not await trees["carol"].revalidate()  # Alice's private goal

    # HR has no goal in any tree yet: a tree learns of a public one from the goals added.
    company = node_of(tree_nodes(trees["carol"]), "上线新一代客户服务小程序")["goal"]
    joining = {"cycle_id": cycle, "title": "小程序上线培训", "visibility": "public"}
    response = await client.post(
        "/api/goals", json={**joining, "parent_id": company["id"]}, headers=hr
    )
    assert response.status_code == 201, response.text
    assert await trees["carol"].revalidate()
    assert "小程序上线培训" in titles_anywhere(tree_nodes(trees["carol"]))

    west = node_of(tree_nodes(trees["carol"]), "华西区新增收入 1200 万元")["goal"]
    response = await client.post(
        f"/api/goals/{west['id']}/transitions",
        json={"action": "withdraw"},
        headers=headers_for("ceo"),
    )
    assert response.status_code == 200, response.text
    for name, copy in trees.items():
        assert await copy.revalidate(), name
        assert west["title"] not in titles_anywhere(tree_nodes(copy)), name


async def test_a_tree_is_sent_again_when_a_goal_it_leaves_out_is_withdrawn(
    client, people, headers_for, monkeypatch
):
    """What a node counts of the goals it leaves out (`more`) follows goals shown nowhere in
    the tree, whose owners' topics it does not learn."""
    monkeypatch.setattr(goals, "TREE_GOALS", 4)
    carol = await tree_copy(client, headers_for("carol"))
    top = node_of(tree_nodes(carol), "华东、华西市场份额各提升 5 个百分点")
    assert "华东区新签客户 60 家" not in titles_anywhere(tree_nodes(carol))
    assert top["more"] == 1
    manager_east = await tree_copy(client, headers_for("manager.east"))
    east = node_of(tree_nodes(manager_east), "华东区新签客户 60 家")["goal"]
    response = await client.post(
        f"/api/goals/{east['id']}/transitions",
        json={"action": "withdraw"},
        headers=headers_for("ceo"),
    )
    assert response.status_code == 200, response.text
    assert await carol.revalidate()
    assert node_of(tree_nodes(carol), "华东、华西市场份额各提升 5 个百分点")["more"] == 0
