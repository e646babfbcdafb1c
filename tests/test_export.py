"""My data export: everything about me, as I may read it, in a JSON archive and a page."""

from __future__ import annotations

import uuid
from typing import Any

from server.checkins.tables import Checkin
from server.feedback.tables import Feedback, KudosRecipient
from server.goals.tables import Goal
from shared_schemas.privacy import MyDataExport
from tests.test_checkins import minutes
from tests.test_feedback import SBI
from tests.test_sync import kudos_to, mutation, outcomes, push

MANAGER_NOTE = "私下记一笔：alice 最近情绪不高，先观察"


async def export_of(client, headers) -> dict[str, Any]:
    response = await client.get("/api/me/export", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="tandem-my-data-'
    )
    MyDataExport.model_validate(response.json())  # the documented format, whole
    body: dict[str, Any] = response.json()
    return body


async def history_for_alice(client, people, headers_for) -> str:
    """A check-in with a private note of her manager's, feedback and kudos both ways, a
    private kudos between two others, and a view of her check-in; -> the check-in id."""
    checkin_id = str(uuid.uuid4())
    entry = minutes(
        people["alice"], people["alice"], checkin_id=checkin_id, private_note=MANAGER_NOTE
    )
    assert outcomes(await push(client, headers_for("manager.east"), entry)) == ["applied"]
    await client.get(f"/api/checkins/{checkin_id}", headers=headers_for("manager.east"))
    bob, alice = headers_for("bob"), headers_for("alice")
    sbi_to = {**SBI, "recipient_id": str(people["alice"])}
    sbi_from = {**SBI, "recipient_id": str(people["bob"])}
    private = mutation(
        "kudos.create",
        {
            "recipient_ids": [str(people["carol"])],
            "behaviour": "帮 carol 连夜核对了西区的库存表，第二天一早就能发货",
            "visibility": "private",
        },
    )
    assert outcomes(
        await push(client, bob, kudos_to(people["alice"]), mutation("feedback.create", sbi_to))
    ) == ["applied", "applied"]
    assert outcomes(await push(client, bob, private)) == ["applied"]
    assert outcomes(
        await push(client, alice, kudos_to(people["bob"]), mutation("feedback.create", sbi_from))
    ) == ["applied", "applied"]
    return checkin_id


async def test_the_export_holds_everything_about_me_and_nobody_elses_private_notes(
    client, people, headers_for
):
    checkin_id = await history_for_alice(client, people, headers_for)
    alice = people["alice"]
    response = await client.get("/api/me/export", headers=headers_for("alice"))
    export = await export_of(client, headers_for("alice"))

    assert export["format"] == "tandem.my-data.v1"
    assert export["profile"]["email"] == "alice@example.com"
    # Every record about her, counted in the tables themselves.
    assert len(export["checkins"]) == await Checkin.count().where(
        (Checkin.employee == alice) & (Checkin.state != "merged")
    )
    assert checkin_id in {c["id"] for c in export["checkins"]}
    assert len(export["goals"]) == await Goal.count().where(Goal.owner == alice)
    assert len(export["kudos_received"]) == await KudosRecipient.count().where(
        KudosRecipient.person == alice
    )
    assert len(export["feedback_received"]) == await Feedback.count().where(
        Feedback.recipient == alice
    )
    assert len(export["feedback_given"]) == await Feedback.count().where(Feedback.author == alice)
    assert export["goals"], "the demo gives alice goals"
    for record in export["goals"]:
        assert record["goal"]["owner"]["id"] == str(alice)
        # A goal proposed at least once has its signed versions; a draft has none yet.
        assert bool(record["versions"]) == (record["goal"]["state"] != "draft")
    assert any(record["progress"] for record in export["goals"]), "her progress history"
    # Her manager's private note is his, not hers (GDPR art. 20(4)); nor is a private kudos
    # between two others hers to take away.
    assert MANAGER_NOTE not in response.text
    assert "连夜核对了西区的库存表" not in response.text
    [viewed] = [e for e in export["access_log"] if e["record_id"] == checkin_id]
    assert viewed["viewer"]["display_name"] == "李娜"


async def test_the_checkins_a_manager_runs_are_his_reports_records_not_his(
    client, people, headers_for
):
    await history_for_alice(client, people, headers_for)
    own = minutes(people["manager.east"], people["manager.east"])
    assert outcomes(await push(client, headers_for("ceo"), own)) == ["applied"]
    export = await export_of(client, headers_for("manager.east"))
    assert [c["id"] for c in export["checkins"]] == [own["payload"]["checkin_id"]]


async def test_the_summary_page_is_readable_in_my_language_and_escapes_what_people_wrote(
    client, people, headers_for
):
    await history_for_alice(client, people, headers_for)
    marked_up = "<script>alert(1)</script> 周五帮我把展台的灯箱修好了，开展前一小时"
    assert outcomes(await push(client, headers_for("bob"), kudos_to(people["alice"], marked_up)))
    response = await client.get("/api/me/export/summary", headers=headers_for("alice"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].endswith('.html"')
    page = response.text
    assert '<html lang="zh-CN">' in page
    assert "收到的认可" in page
    assert "谁查看过我的数据" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 周五帮我把展台的灯箱修好了" in page
    assert "<script>" not in page
    assert MANAGER_NOTE not in page

    english = await client.get("/api/me/export/summary?locale=en", headers=headers_for("alice"))
    assert '<html lang="en">' in english.text
    assert "Recognition received" in english.text


async def test_the_export_needs_a_signed_in_person(client, people):
    for path in ("/api/me/export", "/api/me/export/summary"):
        response = await client.get(path)
        assert response.status_code == 401
