"""Benchmark of "my data export" (issue: trust) for a person with five years of history.

    .venv/bin/python benchmarks/export.py [--backend postgres] [--years 5]

Seeds the demo into a new database, then gives alice (a sales rep) `--years` of history
through the same queries the API uses: a quarterly cycle each quarter with three agreed
goals of three key results and weekly progress on each, a check-in with her manager every
week (minutes, two actions, confirmed by both, then read again by him, which her access log
records), two kudos received and one given a week, and SBI feedback both ways every other
week. Then times `GET /api/me/export` and `GET /api/me/export/summary` as alice, in the
app in this process (no network between), five times each, and prints the median and the
slowest with the size of the answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.sync_push import in_new_database  # noqa: E402
from server import db, demo  # noqa: E402
from server.app import create_app  # noqa: E402
from server.checkins import queries as checkins  # noqa: E402
from server.checkins.defaults import DEFAULT_TEMPLATE_ID  # noqa: E402
from server.core.entries import Entry, write_accepted  # noqa: E402
from server.demo.principals import act_as  # noqa: E402
from server.feedback import queries as feedback  # noqa: E402
from server.goals import queries as goals  # noqa: E402
from server.org import queries as org  # noqa: E402
from server.settings import Settings  # noqa: E402
from shared_schemas.checkins import ActionIn, ConfirmMinutes, SubmitMinutes  # noqa: E402
from shared_schemas.feedback import FeedbackCreate, KudosCreate  # noqa: E402
from shared_schemas.goals import (  # noqa: E402
    CycleCreate,
    GoalCreate,
    KeyResultIn,
    ProgressCreate,
    SignatureCreate,
    SupportIn,
    ThemeCreate,
    TransitionRequest,
)

RUNS = 5
COLLEAGUES = ("bob", "carol", "manager.east", "manager.west", "ceo")
SBI = {
    "situation": "周二客户回访会上",
    "behaviour": "你先复述了客户的三条顾虑，再逐条给出我们的安排",
    "impact": "客户当场确认了续约时间，会议提前十分钟结束",
}


def quarters(years: int, today: date) -> list[tuple[date, date]]:
    """The quarters that began in the last `years` years, oldest first."""
    starts = [
        date(y, m, 1) for y in range(today.year - years, today.year + 1) for m in (1, 4, 7, 10)
    ]
    kept = [s for s in starts if today - timedelta(days=365 * years) <= s <= today]
    return [(s, _quarter_end(s)) for s in kept]


def _quarter_end(start: date) -> date:
    following = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - timedelta(days=1)


async def goal_history(people: dict[str, uuid.UUID], years: int, today: date) -> None:
    hr, alice = await act_as(people["hr"]), await act_as(people["alice"])
    manager = await act_as(people["manager.east"])
    for starts, ends in quarters(years, today):
        name = f"{starts:%Y} Q{(starts.month + 2) // 3}"
        cycle = await goals.create_cycle(
            hr, CycleCreate(name=name, kind="quarter", starts_on=starts, ends_on=ends)
        )
        theme = await goals.create_theme(hr, ThemeCreate(cycle_id=cycle.id, name="市场扩张"))
        drafts = [
            await goals.create_goal(
                alice,
                GoalCreate(
                    cycle_id=cycle.id,
                    title=f"{name} 目标 {n + 1}",
                    theme_id=theme.id,
                    weight=weight,
                    support=SupportIn(needed="每月一次客户联合拜访"),
                    key_results=[
                        KeyResultIn(
                            title=f"关键结果 {k + 1}",
                            start_value=Decimal(0),
                            target_value=Decimal(100),
                            due_on=ends,
                            weight=kr_weight,
                            standards=["quantity", "time"],
                        )
                        for k, kr_weight in enumerate((34, 33, 33))
                    ],
                ),
            )
            for n, weight in enumerate((34, 33, 33))
        ]
        for draft in drafts:
            goal = await goals.transition(alice, draft.id, TransitionRequest(action="propose"))
            for signer in (alice, manager):
                signature = SignatureCreate(version=goal.version, content_hash=goal.content_hash)
                goal = await goals.sign(signer, goal.id, signature)
            week = starts + timedelta(days=7)
            while week <= min(ends, today):
                share = Decimal((week - starts).days) / Decimal((ends - starts).days)
                at = datetime.combine(week, datetime.min.time(), tzinfo=UTC)
                for kr in goal.key_results:
                    await goals.record_progress(
                        alice, kr.id, ProgressCreate(value=round(100 * share, 1)), recorded_at=at
                    )
                week += timedelta(days=7)


async def conversation_history(people: dict[str, uuid.UUID], weeks: int, today: date) -> None:
    alice, manager = await act_as(people["alice"]), await act_as(people["manager.east"])
    for week in range(weeks, 0, -1):
        held_on = today - timedelta(weeks=week)
        checkin_id = await checkins.submit_minutes(
            manager,
            SubmitMinutes(
                checkin_id=uuid.uuid4(),
                employee_id=people["alice"],
                template_id=DEFAULT_TEMPLATE_ID,
                held_on=held_on,
                highlights=f"第 {week} 周：新签两家客户，回访完成率 90%",
                blockers="合同审批排队，平均要等三天",
                support="经理和法务约好每周二集中审批",
                actions=[
                    ActionIn(
                        id=uuid.uuid4(),
                        title=title,
                        owner_id=people[owner],
                        due_on=held_on + timedelta(days=7),
                    )
                    for title, owner in (
                        ("整理本周回访记录", "alice"),
                        ("约法务周二审批", "manager.east"),
                    )
                ],
                private_note="经理的私人备注：下次聊聊她想带新人的想法",
            ),
        )
        for party in (alice, manager):
            await checkins.confirm(party, ConfirmMinutes(checkin_id=checkin_id, minutes_version=1))
        await checkins.get_checkin(manager, checkin_id)  # logged in her access log


async def recognition_history(people: dict[str, uuid.UUID], weeks: int, now: datetime) -> None:
    alice = await act_as(people["alice"])
    authors = {name: await act_as(people[name]) for name in COLLEAGUES}
    for week in range(weeks, 0, -1):
        at = now - timedelta(weeks=week)
        for name in (COLLEAGUES[week % 5], COLLEAGUES[(week + 2) % 5]):
            kudos = KudosCreate(
                recipient_ids=[people["alice"]],
                behaviour=f"第 {week} 周帮客户把报价单逐项讲清楚，客户当场签了试点",
            )
            await write_accepted(
                await feedback.plan_kudos(authors[name], [Entry(uuid.uuid4(), kudos, at)])
            )
        given = KudosCreate(
            recipient_ids=[people[COLLEAGUES[week % 5]]],
            behaviour=f"第 {week} 周陪我跑了三家客户，路上帮我把演示改得更清楚",
        )
        await write_accepted(await feedback.plan_kudos(alice, [Entry(uuid.uuid4(), given, at)]))
        if week % 2 == 0:
            to_alice = FeedbackCreate(recipient_id=people["alice"], **SBI)
            from_alice = FeedbackCreate(recipient_id=people["bob"], **SBI)
            await write_accepted(
                await feedback.plan_feedback(authors["bob"], [Entry(uuid.uuid4(), to_alice, at)])
            )
            await write_accepted(
                await feedback.plan_feedback(alice, [Entry(uuid.uuid4(), from_alice, at)])
            )


async def timed(client: httpx.AsyncClient, path: str, headers: dict[str, str]) -> dict[str, Any]:
    seconds, size = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        response = await client.get(path, headers=headers)
        seconds.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
        size = len(response.content)
    return {
        "path": path,
        "median_s": round(statistics.median(seconds), 3),
        "slowest_s": round(max(seconds), 3),
        "bytes": size,
    }


async def main(url: str, backend: str, years: int) -> None:
    settings = Settings(database_url=url, var_dir=Path(tempfile.mkdtemp()))
    app = create_app(settings)
    engine = app.state.engine
    await db.migrate(engine)
    await db.open_pool(engine, 4)
    try:
        await demo.seed()
        people = await org.ids_by_email([f"{n}@example.com" for n in ("alice", "hr", *COLLEAGUES)])
        people = {email.split("@")[0]: person for email, person in people.items()}
        now = datetime.now(UTC)
        started = time.perf_counter()
        await goal_history(people, years, now.date())
        await conversation_history(people, 52 * years, now.date())
        await recognition_history(people, 52 * years, now)
        seeded = round(time.perf_counter() - started, 1)
        token = app.state.signer.issue(people["alice"], uuid.uuid4())
        headers = {"Authorization": f"Bearer {token}"}
        # Litestar's __call__ is annotated with ASGI's own types, narrower than httpx's.
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            export = (await client.get("/api/me/export", headers=headers)).json()
            results = {
                "backend": backend,
                "years": years,
                "seed_seconds": seeded,
                "records": {
                    key: len(value) for key, value in export.items() if isinstance(value, list)
                },
                "progress_entries": sum(len(g["progress"]) for g in export["goals"]),
                "timings": [
                    await timed(client, "/api/me/export", headers),
                    await timed(client, "/api/me/export/summary", headers),
                ],
            }
        print(json.dumps(results, ensure_ascii=False, indent=2), flush=True)
        out = ROOT / "benchmarks" / "results" / f"export-{backend}.json"
        out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    finally:
        await db.close_pool(engine)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--years", type=int, default=5)
    arguments = parser.parse_args()
    in_new_database(arguments.backend, lambda url: main(url, arguments.backend, arguments.years))
