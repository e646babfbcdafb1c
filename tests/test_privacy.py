"""Trust: "who can see my data" and "who viewed my data"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from server.alerts import queries as alerts
from server.goals.tables import Goal
from tests.conftest import problem
from tests.test_alerts import ALICE_GOAL, alice_behind
from tests.test_feedback import SBI
from tests.test_sync import mutation, push

# How each demo person relates to alice, in the overview's words (hr.west is HR, but alice is
# outside the West scope: for her records hr.west is a colleague like any other).
ALICE_VIEWERS = {
    "alice": "self",
    "manager.east": "direct_manager",
    "ceo": "skip_manager",
    "hr": "hr",
    "hr.west": "colleague",
    "bob": "colleague",
    "carol": "colleague",
    "manager.west": "colleague",
    "admin": "admin",
}


async def audience_of(client, headers) -> dict[str, dict[str, dict[str, Any]]]:
    """kind -> viewer -> grant, as the privacy page shows it."""
    response = await client.get("/api/me/data-audience", headers=headers)
    assert response.status_code == 200, response.text
    return {
        record["kind"]: {grant["viewer"]: grant for grant in record["audience"]}
        for record in response.json()["records"]
    }


def names(grant: dict[str, Any]) -> list[str]:
    return [person["display_name"] for person in grant["people"]]


async def test_the_overview_names_who_reads_each_kind_of_record(client, people, headers_for):
    shown = await audience_of(client, headers_for("alice"))
    checkin = shown["checkin"]
    assert set(checkin) == {"self", "direct_manager", "skip_manager", "hr"}
    assert checkin["direct_manager"]["access"] == "read_write"
    assert names(checkin["direct_manager"]) == ["李娜"]
    # Above her manager and HR see whether check-ins happen, never what was said.
    assert checkin["skip_manager"]["access"] == checkin["hr"]["access"] == "status"
    assert names(checkin["skip_manager"]) == ["赵建国"]
    # Company-wide HR covers alice; hr.west (the West region only) does not.
    assert names(checkin["hr"]) == ["王芳"]
    assert set(shown["checkin_private_note"]) == {"author"}
    assert shown["goal"]["colleague"]["condition"] == "if_public"
    assert shown["goal"]["skip_manager"] == {
        "viewer": "skip_manager",
        "access": "read",
        "condition": "always",
        "people": [{"id": str(people["ceo"]), "display_name": "赵建国"}],
    }
    assert shown["feedback"]["direct_manager"]["condition"] == "if_shared"
    assert set(shown["feedback"]) == {"self", "author", "direct_manager"}
    assert shown["alert"]["hr"]["condition"] == "after_escalation"
    assert set(shown["recognition_nudge"]) == {"direct_manager"}
    assert set(shown["access_log"]) == {"self"}
    assert shown["profile"]["colleague"]["access"] == "card"
    assert names(shown["profile"]["admin"]) == ["孙磊"]
    # Each person's own page: for carol, her manager is manager.west.
    carol = await audience_of(client, headers_for("carol"))
    assert names(carol["checkin"]["direct_manager"]) == ["张强"]
    assert names(carol["checkin"]["hr"]) == ["周敏", "王芳"]


class Records:
    """A record of each kind about alice, and what each demo person can read of it."""

    def __init__(self, client, people, headers_for) -> None:
        self.client, self.people, self.headers_for = client, people, headers_for

    async def get(self, viewer: str, url: str, **params: str) -> Any:
        response = await self.client.get(url, params=params, headers=self.headers_for(viewer))
        assert response.status_code in (200, 403, 404), response.text
        return response.json() if response.status_code == 200 else None

    async def profile(self, viewer: str) -> str | None:
        read = await self.get(viewer, f"/api/people/{self.people['alice']}")
        return None if read is None else ("read" if "email" in read else "card")

    async def checkin(self, viewer: str, checkin_id: str) -> str | None:
        if await self.get(viewer, f"/api/checkins/{checkin_id}") is not None:
            return "read"
        statuses = await self.get(viewer, "/api/checkin-status?limit=200") or {"items": []}
        seen = any(s["person"]["id"] == str(self.people["alice"]) for s in statuses["items"])
        return "status" if seen else None

    async def goal(self, viewer: str, goal_id: str) -> str | None:
        return "read" if await self.get(viewer, f"/api/goals/{goal_id}") else None

    async def kudos(self, viewer: str, kudos_id: str) -> str | None:
        feed = await self.get(viewer, "/api/kudos", show="feed", limit="100")
        seen = feed is not None and any(k["id"] == kudos_id for k in feed["items"])
        return "read" if seen else None

    async def feedback(self, viewer: str, feedback_id: str) -> str | None:
        for box in ("received", "given", "team"):
            if any(
                f["id"] == feedback_id
                for f in await self.get(viewer, "/api/me/feedback", box=box) or []
            ):
                return "read"
        return None

    async def alert(self, viewer: str, alert_id: str) -> str | None:
        return "read" if await self.get(viewer, f"/api/alerts/{alert_id}") else None


def expected(
    shown: dict[str, dict[str, Any]], kind: str, viewer: str, holds: set[str]
) -> str | None:
    """What the overview promises this viewer of a record whose state meets `holds`."""
    grant = shown[kind].get(viewer)
    if grant is None or grant["condition"] not in {"always", *holds}:
        return None
    return {"read_write": "read"}.get(grant["access"], grant["access"])


async def test_the_overview_tells_exactly_what_the_api_lets_each_person_read(
    client, people, headers_for
):
    """For a record of each kind about alice, in each of its states, every demo person can
    read exactly what alice's privacy page says: no more (a leak) and no less (a page that
    scares people for nothing)."""
    shown = await audience_of(client, headers_for("alice"))
    records = Records(client, people, headers_for)
    alice = headers_for("alice")

    [checkin, *_] = await records.get("alice", "/api/checkins")
    goal = await Goal.select(Goal.id).where(Goal.title == ALICE_GOAL).first()
    private_kudos, public_kudos = (
        mutation(
            "kudos.create",
            {
                "recipient_ids": [str(people["alice"])],
                "behaviour": "你把苏州客户的报价表整理成了对比清单，周会上大家十分钟就定了方案",
                "visibility": v,
            },
        )
        for v in ("private", "public")
    )
    kept, shared = (
        mutation(
            "feedback.create",
            {**SBI, "recipient_id": str(people["alice"]), "share_with_manager": s},
        )
        for s in (False, True)
    )
    results = await push(client, headers_for("bob"), private_kudos, public_kudos, kept, shared)
    assert [r["status"] for r in results] == ["applied"] * 4
    alert = await alice_behind(client, people, headers_for)

    async def check(kind: str, observe, holds: set[str], authored_by: str = "") -> None:
        for viewer, relation in ALICE_VIEWERS.items():
            role = "author" if viewer == authored_by else relation
            promised = expected(shown, kind, role, holds)
            assert await observe(viewer) == promised, (kind, sorted(holds), viewer)

    await check("profile", records.profile, set())
    await check("checkin", lambda v: records.checkin(v, checkin["id"]), set())
    await check("goal", lambda v: records.goal(v, str(goal["id"])), set())
    await check("kudos", lambda v: records.kudos(v, private_kudos["id"]), set(), "bob")
    await check("kudos", lambda v: records.kudos(v, public_kudos["id"]), {"if_public"}, "bob")
    await check("feedback", lambda v: records.feedback(v, kept["id"]), set(), "bob")
    await check("feedback", lambda v: records.feedback(v, shared["id"]), {"if_shared"}, "bob")
    await check("alert", lambda v: records.alert(v, alert["id"]), set())
    assert await alerts.escalate(datetime.now(UTC) + timedelta(days=15)) >= 1
    await check("alert", lambda v: records.alert(v, alert["id"]), {"after_escalation"})

    response = await client.patch(
        f"/api/goals/{goal['id']}", json={"visibility": "public"}, headers=alice
    )
    assert response.status_code == 200, response.text
    await check("goal", lambda v: records.goal(v, str(goal["id"])), {"if_public"})


async def test_the_access_log_narrows_to_a_kind_a_viewer_or_a_time_span(
    client, people, headers_for
):
    alice = str(people["alice"])
    goal = await Goal.select(Goal.id).where(Goal.title == ALICE_GOAL).first()
    for viewer in ("manager.east", "ceo", "hr"):
        assert (
            await client.get(f"/api/people/{alice}", headers=headers_for(viewer))
        ).status_code == 200
    assert (
        await client.get(f"/api/goals/{goal['id']}", headers=headers_for("ceo"))
    ).status_code == 200

    async def log(**params: str) -> list[tuple[str, str]]:
        response = await client.get(
            "/api/me/access-log", params=params, headers=headers_for("alice")
        )
        assert response.status_code == 200, response.text
        return [(e["viewer"]["display_name"], e["record_kind"]) for e in response.json()["items"]]

    assert await log() == [
        ("赵建国", "goal"),
        ("王芳", "profile"),
        ("赵建国", "profile"),
        ("李娜", "profile"),
    ]
    assert await log(record_kind="goal") == [("赵建国", "goal")]
    assert await log(viewer_id=str(people["ceo"])) == [("赵建国", "goal"), ("赵建国", "profile")]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert await log(since=later) == []
    assert len(await log(until=later)) == 4
    # Page by page with a filter: the cursor keeps the filter's rows only.
    first = await client.get(
        "/api/me/access-log",
        params={"record_kind": "profile", "limit": "2"},
        headers=headers_for("alice"),
    )
    rest = await client.get(
        "/api/me/access-log",
        params={"record_kind": "profile", "limit": "2", "cursor": first.json()["next_cursor"]},
        headers=headers_for("alice"),
    )
    assert [e["viewer"]["display_name"] for e in rest.json()["items"]] == ["李娜"]
    # The log is alice's alone: her manager's own log does not hold her records' reads.
    manager_log = await client.get("/api/me/access-log", headers=headers_for("manager.east"))
    assert all(
        e["viewer"]["id"] != str(people["manager.east"]) for e in manager_log.json()["items"]
    )
    for wrong in ({"record_kind": "salary"}, {"since": "0.5"}, {"until": "yesterday"}):
        problem(
            await client.get("/api/me/access-log", params=wrong, headers=headers_for("alice")),
            400,
            "validation_failed",
        )
