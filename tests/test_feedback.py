"""Kudos and SBI feedback: the coach, who reads what, reactions, and the weekly figure of
specific recognition a manager gives each report."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server import db
from server.alerts import queries as alert_queries
from server.feedback import coach
from server.feedback import queries as feedback_queries
from server.feedback.tables import Kudos, KudosRecipient
from server.org.tables import Person
from tests.conftest import BACKEND, ROOT, problem
from tests.test_sync import BEHAVIOUR, kudos_to, mutation, outcomes, push

SBI = {
    "situation": "周一华东区周会上",
    "behaviour": "你用了十分钟讲无锡客户的细节，没有留时间讨论需要的支持",
    "impact": "会议超时，售前支持没有安排上",
}


@pytest.mark.parametrize(
    ("text", "specific"),
    [
        ("辛苦了！", False),
        ("干得好，加油！", False),
        ("Great job today, team!", False),
        ("Thanks so much, you are amazing", False),
        ("感谢你在客户投诉当天第一时间赶到现场处理", True),
        ("Thanks for walking the Suzhou client through every line of the quote", True),
    ],
)
def test_the_coach_knows_generic_praise_from_a_described_action(text, specific):
    assert coach.is_specific(text) is specific


def test_the_coach_finds_labels_and_absolute_words_in_both_languages():
    assert coach.labels_in("他总是迟到，态度差") == ["态度差", "总是"]
    assert coach.labels_in("You are always late and lazy") == ["lazy", "always"]
    # Whole words only: "nevertheless" is not "never".
    assert coach.labels_in("Nevertheless, the report was late on Monday") == []


def test_the_phone_coaches_exactly_as_the_server_checks():
    """The phone's coach (pwa/src/feedback/coach.ts, run in Node) and the server's give the
    same score and labels for every phrase of the rules, alone and in sentences."""
    rules = coach.rules()
    phrases = [*rules["generic_praise"], *rules["filler_words"], *rules["labels"]]
    texts = [
        *phrases,
        *(f"{p}！周三在客户现场把报价单逐项讲清楚" for p in phrases),
        *(f"Thanks, {p.upper()} - you walked the client through the quote" for p in phrases),
        "辛苦了辛苦了，干得好干得好",
        "Great job, great work!! Nevertheless the report was late on Monday",
        "Thanks so much, you are amazing",
    ]
    node = shutil.which("node")
    assert node is not None, "Node.js runs the phone's coach (make install)"
    ran = subprocess.run(
        [node, str(ROOT / "tests" / "js" / "coach.cjs")],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        check=True,
    )
    server = [{"specificity": coach.specificity(t), "labels": coach.labels_in(t)} for t in texts]
    assert json.loads(ran.stdout) == server


async def feed(client, headers, show: str = "feed") -> list[dict[str, Any]]:
    response = await client.get(f"/api/kudos?show={show}&limit=200", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def feedback_box(client, headers, box: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/me/feedback?box={box}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_generic_kudos_are_coached_once_then_sent_as_written(client, people, as_manager):
    generic = kudos_to(people["alice"], "辛苦了！")
    [first] = await push(client, as_manager, generic)
    assert first["error"]["code"] == "kudos_not_specific"
    assert first["error"]["errors"][0]["field"] == "behaviour"
    # The author read the hint and sends it anyway (a new entry): it goes through.
    coached = kudos_to(people["alice"], "辛苦了！")
    coached["payload"]["coached"] = True
    assert outcomes(await push(client, as_manager, coached)) == ["applied"]
    assert coached["id"] in {k["id"] for k in await feed(client, as_manager, "given")}


async def test_sbi_feedback_with_labels_is_coached(client, people, headers_for):
    alice = headers_for("alice")
    labelled = {**SBI, "recipient_id": str(people["bob"]), "behaviour": "你总是讲太多细节，不靠谱"}
    [result] = await push(client, alice, mutation("feedback.create", labelled))
    assert result["error"]["code"] == "feedback_labels"
    assert {(e["field"], e["message"]) for e in result["error"]["errors"]} == {
        ("behaviour", "不靠谱"),
        ("behaviour", "总是"),
    }
    coached = mutation("feedback.create", {**labelled, "coached": True})
    assert outcomes(await push(client, alice, coached)) == ["applied"]


async def test_private_kudos_reach_only_the_people_involved(client, people, headers_for):
    entry = kudos_to(people["bob"])
    entry["payload"]["visibility"] = "private"
    assert outcomes(await push(client, headers_for("carol"), entry)) == ["applied"]
    readers = {"carol", "bob", "manager.east"}  # author, recipient, recipient's manager
    for viewer in ["alice", "bob", "carol", "manager.east", "manager.west", "ceo", "hr", "admin"]:
        seen = entry["id"] in {k["id"] for k in await feed(client, headers_for(viewer))}
        assert seen is (viewer in readers), viewer
    # Public kudos are for the whole staff; the admin account only configures.
    public = kudos_to(people["bob"])
    await push(client, headers_for("carol"), public)
    assert public["id"] in {k["id"] for k in await feed(client, headers_for("hr"))}
    assert await feed(client, headers_for("admin")) == []


async def test_sbi_feedback_reaches_the_manager_only_when_shared(client, people, headers_for):
    alice = headers_for("alice")
    private = mutation("feedback.create", {**SBI, "recipient_id": str(people["bob"])})
    shared = mutation(
        "feedback.create",
        {**SBI, "recipient_id": str(people["bob"]), "share_with_manager": True},
    )
    await push(client, alice, private, shared)
    received = {f["id"] for f in await feedback_box(client, headers_for("bob"), "received")}
    assert {private["id"], shared["id"]} <= received
    given = {f["id"] for f in await feedback_box(client, alice, "given")}
    assert {private["id"], shared["id"]} <= given
    team = {f["id"] for f in await feedback_box(client, headers_for("manager.east"), "team")}
    assert shared["id"] in team
    assert private["id"] not in team
    # Skip-level managers and HR never read feedback content.
    for viewer in ("ceo", "hr", "carol"):
        for box in ("received", "given", "team"):
            ids = {f["id"] for f in await feedback_box(client, headers_for(viewer), box)}
            assert not ids & {private["id"], shared["id"]}, (viewer, box)


async def test_reactions_count_once_per_person_and_can_be_taken_back(client, people, headers_for):
    entry = kudos_to(people["alice"])
    await push(client, headers_for("manager.east"), entry)
    react = {"kudos_id": entry["id"], "emoji": "clap"}
    for viewer in ("bob", "carol"):
        await push(client, headers_for(viewer), mutation("kudos.react", react))
    await push(client, headers_for("bob"), mutation("kudos.react", react))  # again: no change
    kudos = next(k for k in await feed(client, headers_for("bob")) if k["id"] == entry["id"])
    assert kudos["reactions"] == [{"emoji": "clap", "count": 2, "mine": True}]
    await push(client, headers_for("bob"), mutation("kudos.react", {**react, "on": False}))
    kudos = next(k for k in await feed(client, headers_for("bob")) if k["id"] == entry["id"])
    assert kudos["reactions"] == [{"emoji": "clap", "count": 1, "mine": False}]


async def test_reactions_are_listed_from_the_first_of_each_emoji(client, people, headers_for):
    entry = kudos_to(people["alice"])
    await push(client, headers_for("manager.east"), entry)
    for viewer, emoji in [("bob", "star"), ("carol", "clap"), ("alice", "star"), ("ceo", "fire")]:
        react = {"kudos_id": entry["id"], "emoji": emoji}
        await push(client, headers_for(viewer), mutation("kudos.react", react))
    kudos = next(k for k in await feed(client, headers_for("alice")) if k["id"] == entry["id"])
    assert kudos["reactions"] == [
        {"emoji": "star", "count": 2, "mine": True},
        {"emoji": "clap", "count": 1, "mine": False},
        {"emoji": "fire", "count": 1, "mine": False},
    ]


async def test_recipients_are_listed_by_name_as_python_orders_names(client, people, headers_for):
    """By code point, whatever order their ids and the database's collation would give."""
    recipients = sorted(people[name] for name in ("alice", "bob", "carol", "ceo"))
    # Named so that neither the ids' order nor a locale's (amy before Bea) is the names'.
    for person, name in zip(recipients, ["陈", "amy", "Zed", "Bea"], strict=True):
        await Person.update({Person.display_name: name}).where(Person.id == person)
    entry = mutation(
        "kudos.create", {"recipient_ids": [str(p) for p in recipients], "behaviour": BEHAVIOUR}
    )
    await push(client, headers_for("manager.east"), entry)
    kudos = next(k for k in await feed(client, headers_for("alice")) if k["id"] == entry["id"])
    assert [r["display_name"] for r in kudos["recipients"]] == ["Bea", "Zed", "amy", "陈"]


async def test_only_the_author_deletes_a_kudos(client, people, headers_for):
    entry = kudos_to(people["alice"])
    await push(client, headers_for("bob"), entry)
    problem(
        await client.delete(f"/api/kudos/{entry['id']}", headers=headers_for("alice")),
        403,
        "forbidden",
    )
    response = await client.delete(f"/api/kudos/{entry['id']}", headers=headers_for("bob"))
    assert response.status_code == 204
    assert entry["id"] not in {k["id"] for k in await feed(client, headers_for("alice"))}


async def test_a_linked_goal_is_named_only_to_those_who_may_read_it(
    client, people, headers_for, as_employee
):
    goal = next(
        g
        for g in (await client.get("/api/me/goals", headers=as_employee)).json()["goals"]
        if g["title"] == "拓展苏州制造业新客户"  # alice's private goal
    )
    entry = kudos_to(people["alice"])
    entry["payload"]["goal_id"] = goal["id"]
    assert outcomes(await push(client, headers_for("manager.east"), entry)) == ["applied"]
    as_seen = {
        viewer: next(k for k in await feed(client, headers_for(viewer)) if k["id"] == entry["id"])
        for viewer in ("alice", "carol")
    }
    assert as_seen["alice"]["goal_title"] == "拓展苏州制造业新客户"
    assert as_seen["carol"]["goal_title"] is None
    assert as_seen["carol"]["goal_id"] is None
    # Linking a goal the author may not read is refused as if it did not exist.
    entry = kudos_to(people["alice"])
    entry["payload"]["goal_id"] = goal["id"]
    [result] = await push(client, headers_for("carol"), entry)
    assert result["error"]["code"] == "unknown_goal"


async def test_kudos_pushed_together_are_each_checked_on_their_own(client, people, as_employee):
    """A run of kudos in one push is checked and written together; each still gets its own
    answer, and only the accepted ones are written, with all their recipients."""
    alices_goal = next(
        g["id"]
        for g in (await client.get("/api/me/goals", headers=as_employee)).json()["goals"]
        if g["title"] == "拓展苏州制造业新客户"
    )
    to_two = mutation(
        "kudos.create",
        {"recipient_ids": [str(people["bob"]), str(people["carol"])], "behaviour": BEHAVIOUR},
    )
    linked = kudos_to(people["bob"])
    linked["payload"]["goal_id"] = alices_goal
    unknown_goal = kudos_to(people["bob"])
    unknown_goal["payload"]["goal_id"] = str(uuid.uuid4())
    coached = kudos_to(people["bob"], "辛苦了！")
    coached["payload"]["coached"] = True
    batch = [
        to_two,
        kudos_to(people["alice"]),
        kudos_to(people["bob"], "辛苦了！"),
        linked,
        unknown_goal,
        kudos_to(uuid.uuid4()),
        coached,
    ]
    assert outcomes(await push(client, as_employee, *batch)) == [
        "applied",
        "self_feedback",
        "kudos_not_specific",
        "applied",
        "unknown_goal",
        "unknown_person",
        "applied",
    ]
    given = {k["id"]: k for k in await feed(client, as_employee, "given")}
    assert set(given) & {m["id"] for m in batch} == {to_two["id"], linked["id"], coached["id"]}
    assert {r["id"] for r in given[to_two["id"]]["recipients"]} == {
        str(people["bob"]),
        str(people["carol"]),
    }
    assert given[linked["id"]]["goal_id"] == alices_goal
    assert await recipients_copy_their_kudos()


async def test_the_last_recognition_is_the_managers_last_specific_kudos(
    client, people, as_manager, headers_for
):
    """What the recognition nudge reads: kudos the coach found generic, and kudos from
    anyone but the manager, are not the manager's recognition."""
    alice = people["alice"]

    async def last_given() -> datetime | None:
        [row] = await feedback_queries.last_recognition([alice])
        return row["last_given"]

    before = await last_given()
    generic = kudos_to(alice, "辛苦了")
    generic["payload"]["coached"] = True
    assert outcomes(await push(client, as_manager, generic)) == ["applied"]
    assert outcomes(await push(client, headers_for("bob"), kudos_to(alice))) == ["applied"]
    assert await last_given() == before
    specific = kudos_to(alice)
    assert outcomes(await push(client, as_manager, specific)) == ["applied"]
    [written] = await db.fetch(
        "SELECT written_at FROM feedback_kudos WHERE id = {}", uuid.UUID(specific["id"])
    )
    assert await last_given() == db.as_datetime(written["written_at"])
    quiet = await feedback_queries.last_recognition(
        quiet_since=datetime.now(UTC) - timedelta(hours=1)
    )
    assert alice not in {row["person"] for row in quiet}


async def recipients_copy_their_kudos() -> bool:
    """Every kudos recipient keeps its kudos' author, day and genericness (`KudosRecipient`);
    there are generic and specific ones among them."""
    rows = await db.fetch(
        "SELECT r.author AS copied_author, r.written_at AS copied_at, r.generic AS copied,"
        " k.author, k.written_at, k.generic FROM feedback_kudos_recipient r"
        " JOIN feedback_kudos k ON k.id = r.kudos"
    )
    assert {bool(r["generic"]) for r in rows} == {True, False}
    return all(
        (r["copied_author"], r["copied_at"], bool(r["copied"]))
        == (r["author"], r["written_at"], bool(r["generic"]))
        for r in rows
    )


async def recipients_without_copies(client, people, as_manager) -> None:
    """Recipients as a release before they kept a copy of their kudos wrote them."""
    coached = kudos_to(people["alice"], "辛苦了")
    coached["payload"]["coached"] = True
    assert outcomes(await push(client, as_manager, coached)) == ["applied"]
    await db.fetch("UPDATE feedback_kudos_recipient SET author = NULL, written_at = NULL")
    await db.fetch("UPDATE feedback_kudos_recipient SET generic = NOT generic")
    assert not await recipients_copy_their_kudos()


async def test_the_migration_fills_in_what_recipients_keep_of_their_kudos(
    client, people, as_manager, monkeypatch
):
    await recipients_without_copies(client, people, as_manager)
    migration = importlib.import_module(
        "server.feedback.piccolo_migrations.feedback_2026_12_02t17_18_20_000000"
    )
    monkeypatch.setattr(migration.RawTable._meta, "db", db.bound_engine())
    for fill in (await migration.forwards()).raw:
        await fill()
    assert await recipients_copy_their_kudos()


async def test_the_weekly_figure_counts_specific_kudos_from_the_manager(
    client, people, as_manager, headers_for
):
    def count_for(rows: list[dict[str, Any]], name: str) -> list[int]:
        return next(
            [w["count"] for w in r["weeks"]] for r in rows if r["person"]["display_name"] == name
        )

    url = "/api/me/team/recognition?weeks=2"
    before = (await client.get(url, headers=as_manager)).json()
    generic = kudos_to(people["alice"], "辛苦了")
    generic["payload"]["coached"] = True
    await push(client, as_manager, kudos_to(people["alice"]), kudos_to(people["alice"]), generic)
    # Kudos from someone else are not the manager's recognition.
    await push(client, headers_for("bob"), kudos_to(people["alice"]))
    after = (await client.get(url, headers=as_manager)).json()
    assert count_for(after, "刘思思")[-1] == count_for(before, "刘思思")[-1] + 2
    assert count_for(after, "王伟") == count_for(before, "王伟")
    assert len(after) == 2  # alice and bob, the direct reports
    assert (await client.get(url, headers=headers_for("alice"))).json() == []


@pytest.mark.parametrize("show", ["feed", "received", "given"])
async def test_the_kudos_pages_follow_one_another_without_gap_or_repeat(
    client, people, headers_for, show
):
    """The demo's kudos and a few more, some written in the same instant, paged three at a
    time: the pages, in order, are the whole list."""
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    for n in range(7):
        kudos_id = uuid.uuid4()
        await Kudos.insert(
            Kudos(
                id=kudos_id,
                author=people["manager.east"],
                behaviour=f"第 {n} 次把客户的三条顾虑逐条回应",
                visibility="public" if n % 2 else "private",
                created_at=at - timedelta(minutes=n // 2),  # pairs share an instant
                written_at=at,
            )
        )
        await KudosRecipient.insert(KudosRecipient(kudos=kudos_id, person=people["alice"]))
    headers = headers_for("alice")
    whole = [k["id"] for k in await feed(client, headers, show)]
    paged, cursor = [], None
    while True:
        query = f"/api/kudos?show={show}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = (await client.get(query, headers=headers)).json()
        paged += [k["id"] for k in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert paged == whole
    assert len(whole) == len(set(whole))
    if show != "given":
        assert len(whole) >= 7


async def test_the_alert_round_fills_in_recipients_a_release_before_wrote(
    client, people, as_manager
):
    """During a rolling deploy, processes of the release before give kudos without the
    copies; the round fills them in before it reads who was recognised."""
    await recipients_without_copies(client, people, as_manager)
    assert await alert_queries.run_round(datetime.now(UTC)) is not None
    assert await recipients_copy_their_kudos()


@pytest.mark.parametrize(
    ("table", "index"),
    [
        ("feedback_kudos_recipient", "feedback_kudos_recipient_once"),
        ("feedback_kudos_reaction", "feedback_kudos_reaction_once"),
    ],
)
async def test_a_kudos_recipients_and_reactions_are_found_by_their_unique_index(
    client, table, index
):
    """Read by kudos (the feed, a kudos deleted with them) through the unique index that
    leads with it: the column has no index of its own, which every push would write."""
    by_kudos = f"SELECT * FROM {table} WHERE kudos = {{}}"  # noqa: S608 - names above
    if BACKEND == "sqlite":
        plan = await db.fetch(f"EXPLAIN QUERY PLAN {by_kudos}", str(uuid.uuid4()))
    else:
        async with db.write_transaction():
            # The tests' tables are a page or two, which PostgreSQL would rather read whole.
            await db.fetch("SET LOCAL enable_seqscan = off")
            plan = await db.fetch(f"EXPLAIN {by_kudos}", uuid.uuid4())
    assert index in str(plan)
