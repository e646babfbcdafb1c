"""Kudos and SBI feedback: written through sync mutations, read through scoped lists."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Literal
from uuid import UUID

from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

from server.core.access import Principal
from server.core.entries import Entry, Outcome, Planned
from server.core.erasure import Erasure
from server.core.errors import ProblemError, forbidden, not_found
from server.core.pagination import newest_first, newest_first_sql, next_cursor
from server.db import (
    as_datetime,
    as_uuid,
    by_code_point,
    delete_where,
    fetch,
    fetch_in,
    is_sqlite,
    json_list_sql,
    placeholders,
    write_transaction,
)
from server.feedback import coach, policy
from server.feedback.tables import Feedback, Kudos, KudosReaction, KudosRecipient
from server.goals import queries as goals
from server.org import queries as org
from shared_schemas.common import PersonRef
from shared_schemas.feedback import (
    FeedbackCreate,
    FeedbackRead,
    KudosCreate,
    KudosPage,
    KudosRead,
    ReactionRead,
    ReactionSet,
    RecognitionWeek,
    ReportRecognition,
)

KudosScope = Literal["feed", "received", "given"]
FeedbackBox = Literal["received", "given", "team"]


def now() -> datetime:
    return datetime.now(UTC)


def _written(at: datetime | None) -> datetime:
    """When the entry was written on the phone; a phone clock ahead of ours is not trusted."""
    return min(at, now()) if at is not None else now()


def _require_giver(principal: Principal) -> None:
    if not policy.can_give(principal):
        raise forbidden("Configuration accounts do not give feedback.")


async def _recipient_refusals(
    principal: Principal, recipient_lists: Sequence[Sequence[UUID]]
) -> list[ProblemError | None]:
    """For each entry's recipients, why they cannot receive it (or None), with one query for
    all the entries."""
    _, unknown = await org.active_people(
        sorted({r for rs in recipient_lists for r in rs}), None, None
    )
    refusals: list[ProblemError | None] = []
    for recipients in recipient_lists:
        if principal.person_id in recipients:
            refusals.append(
                ProblemError(422, "self_feedback", "Recognition and feedback go to someone else.")
            )
        elif set(recipients) & set(unknown):
            refusals.append(ProblemError(422, "unknown_person", "There is no such colleague."))
        else:
            refusals.append(None)
    return refusals


# --- kudos --------------------------------------------------------------------------------------


def visible_kudos(principal: Principal) -> Combinable:
    """Deny by default, in SQL: public kudos for the staff; private ones for their author,
    recipients and the recipients' direct managers."""
    sql, args = _visible_kudos_sql(principal, "feedback_kudos")
    return WhereRaw(sql, *args)


def _visible_kudos_sql(principal: Principal, kudos: str) -> tuple[str, list[Any]]:
    """`visible_kudos` over the kudos table named `kudos` in a raw query."""
    me = principal.person_id
    # The recipients are named as a join on a short list (me and my reports), never as an OR
    # over every recipient: with 1,200,000 of them, that OR made PostgreSQL read them all on
    # every page of the feed (210 ms against 4 ms).
    sql = (
        f"({kudos}.author = {{}} OR {kudos}.id IN (SELECT r.kudos"  # noqa: S608 - a table name of ours
        " FROM feedback_kudos_recipient r"
        " JOIN (SELECT id FROM org_person WHERE manager = {} UNION ALL SELECT {}) v"
        " ON v.id = r.person)"
    )
    if policy.reads_public_kudos(principal):
        sql += f" OR {kudos}.visibility = 'public'"
    return sql + ")", [me, me, me]


# Kudos are read straight through the driver: the feed is read on every start of the app,
# and building Piccolo's queries took 44 % of a server process's time under that load. Each
# kudos's recipients and reactions come with it (in their own queries they cost a feed page
# a fifth of its time). The query is built once for each engine.
def _kudos_select() -> str:
    return _kudos_select_on(on_sqlite=is_sqlite())


@cache
def _kudos_select_on(on_sqlite: bool) -> str:
    """`on_sqlite` only keys the cache: the helpers spell the bound engine's SQL themselves."""
    recipients = json_list_sql(
        ["p.id", "p.display_name"],
        "FROM feedback_kudos_recipient r JOIN org_person p ON p.id = r.person WHERE r.kudos = k.id",
        f"{by_code_point('p.display_name')}, p.id",
    )
    # In the order given: each emoji is listed from its first reaction.
    reactions = json_list_sql(
        ["x.person", "x.emoji"],
        "FROM feedback_kudos_reaction x WHERE x.kudos = k.id",
        "x.created_at",
    )
    return (
        "SELECT k.id, k.author AS author_id, a.display_name AS author_name, k.behaviour,"  # noqa: S608 - SQL of ours only
        " k.goal, k.company_value, k.visibility, k.created_at, k.written_at,"
        f" {recipients} AS recipients, {reactions} AS reactions"
        " FROM feedback_kudos k JOIN org_person a ON a.id = k.author"
    )


async def _kudos_rows(
    principal: Principal, show: KudosScope, tail: str, *args: Any
) -> list[dict[str, Any]]:
    """The kudos the principal may see in `show`, then `tail` (conditions starting with
    AND, the order, a limit) with its values."""
    visible, visible_args = _visible_kudos_sql(principal, "k")
    sql = f"{_kudos_select()} WHERE {visible}"
    if show == "given":
        sql += " AND k.author = {}"
        visible_args.append(principal.person_id)
    elif show == "received":
        sql += " AND k.id IN (SELECT kudos FROM feedback_kudos_recipient WHERE person = {})"
        visible_args.append(principal.person_id)
    rows = await fetch(sql + tail, *visible_args, *args)
    return [
        {
            **r,
            "id": as_uuid(r["id"]),
            "author_id": as_uuid(r["author_id"]),
            "goal": as_uuid(r["goal"]) if r["goal"] is not None else None,
            "created_at": as_datetime(r["created_at"]),
            "written_at": as_datetime(r["written_at"]),
            "recipients": json.loads(r["recipients"] or "[]"),
            "reactions": json.loads(r["reactions"] or "[]"),
        }
        for r in rows
    ]


async def list_kudos(
    principal: Principal, show: KudosScope, cursor: str | None, limit: int
) -> KudosPage:
    """A page, newest first."""
    tail, args = newest_first_sql("k.created_at", "k.id", cursor, limit)
    rows = await _kudos_rows(principal, show, tail, *args)
    items = await _kudos_reads(principal, rows[:limit])
    return KudosPage(items=items, next_cursor=next_cursor(rows, limit, "created_at"))


async def recent_kudos(principal: Principal, limit: int) -> list[tuple[UUID, int]]:
    """The feed's newest `limit` kudos as their ids and revisions (which triggers move with
    what a kudos shows): a phone keeping the feed is sent only those it does not hold as
    they are (`kudos_by_id`)."""
    visible, args = _visible_kudos_sql(principal, "k")
    rows = await fetch(
        f"SELECT k.id, k.revision FROM feedback_kudos k WHERE {visible}"  # noqa: S608 - SQL of ours only
        " ORDER BY k.created_at DESC, k.id DESC LIMIT {}",
        *args,
        limit,
    )
    return [(as_uuid(r["id"]), r["revision"]) for r in rows]


async def kudos_by_id(principal: Principal, ids: Sequence[UUID]) -> list[KudosRead]:
    """Those of these kudos the principal may see, newest first."""
    if not ids:
        return []
    tail = f" AND k.id IN ({placeholders(ids)}) ORDER BY k.created_at DESC, k.id DESC"
    return await _kudos_reads(principal, await _kudos_rows(principal, "feed", tail, *ids))


async def all_kudos(principal: Principal, show: KudosScope) -> list[KudosRead]:
    """The whole list, oldest first (the data export)."""
    rows = await _kudos_rows(principal, show, " ORDER BY k.created_at, k.id")
    return await _kudos_reads(principal, rows)


def _reaction_reads(reactions: list[list[str]], me: UUID) -> list[ReactionRead]:
    """`[person, emoji]` pairs in the order given -> each emoji once, from its first."""
    people: dict[str, list[UUID]] = defaultdict(list)
    for person, emoji in reactions:
        people[emoji].append(UUID(person))
    return [ReactionRead(emoji=e, count=len(p), mine=me in p) for e, p in people.items()]


async def _kudos_reads(principal: Principal, rows: list[dict[str, Any]]) -> list[KudosRead]:
    titles = await goals.readable_titles(principal, [r["goal"] for r in rows if r["goal"]])
    return [
        KudosRead(
            id=r["id"],
            author=PersonRef(id=r["author_id"], display_name=r["author_name"]),
            recipients=[
                PersonRef(id=UUID(person), display_name=name) for person, name in r["recipients"]
            ],
            behaviour=r["behaviour"],
            goal_id=r["goal"] if r["goal"] in titles else None,
            goal_title=titles.get(r["goal"]),
            company_value=r["company_value"],
            visibility=r["visibility"],
            reactions=_reaction_reads(r["reactions"], principal.person_id),
            can_delete=policy.can_delete_kudos(principal, r["author_id"]),
            created_at=r["created_at"],
            written_at=r["written_at"],
        )
        for r in rows
    ]


def _copied_to_recipients(kudos: dict[str, Any]) -> dict[str, Any]:
    """What each recipient row keeps of its kudos (`KudosRecipient`)."""
    return {key: kudos[key] for key in ("author", "written_at", "generic")}


async def plan_kudos(principal: Principal, entries: Sequence[Entry[KudosCreate]]) -> Planned:
    """Each entry becomes a kudos under its own id, or is refused; the sync push hands over
    a phone's queued kudos together, so the checks and the rows cover all of them at once.
    The caller writes the rows."""
    _require_giver(principal)
    refusals = await _recipient_refusals(principal, [e.data.recipient_ids for e in entries])
    linked_goals = await goals.readable_titles(
        principal, [e.data.goal_id for e in entries if e.data.goal_id is not None]
    )
    outcomes: list[Outcome] = []
    kudos_rows: list[dict[str, Any]] = []
    recipient_rows: list[dict[str, Any]] = []
    for entry, refusal in zip(entries, refusals, strict=True):
        data = entry.data
        specific = coach.is_specific(data.behaviour)
        if refusal is None and data.goal_id is not None and data.goal_id not in linked_goals:
            refusal = ProblemError(422, "unknown_goal", "There is no such goal.")
        if refusal is None and not specific and not data.coached:
            refusal = ProblemError(
                422,
                "kudos_not_specific",
                "Say what the person did that you appreciate, so they can do it again.",
                errors=[{"field": "behaviour", "code": "kudos_not_specific", "message": "generic"}],
            )
        if refusal is not None:
            outcomes.append(refusal)
            continue
        outcomes.append(entry.id)
        kudos = {
            "id": entry.id,
            "author": principal.person_id,
            "behaviour": data.behaviour,
            "goal": data.goal_id,
            "company_value": data.company_value,
            "visibility": data.visibility,
            "generic": not specific,
            "created_at": now(),
            "written_at": _written(entry.written_at),
        }
        kudos_rows.append(kudos)
        recipient_rows += [
            {"kudos": entry.id, "person": person, **_copied_to_recipients(kudos)}
            for person in sorted(set(data.recipient_ids))
        ]
    return Planned(outcomes, [(Kudos, kudos_rows), (KudosRecipient, recipient_rows)])


async def _visible_kudos_author(principal: Principal, kudos_id: UUID) -> UUID:
    row = (
        await Kudos.select(Kudos.author)
        .where((Kudos.id == kudos_id) & visible_kudos(principal))
        .first()
    )
    if row is None:
        raise not_found()
    author: UUID = row["author"]
    return author


async def delete_kudos(principal: Principal, kudos_id: UUID) -> None:
    author = await _visible_kudos_author(principal, kudos_id)
    if not policy.can_delete_kudos(principal, author):
        raise forbidden("Only the author removes a kudos.")
    await Kudos.delete().where(Kudos.id == kudos_id)


async def set_reaction(principal: Principal, data: ReactionSet) -> UUID:
    _require_giver(principal)
    await _visible_kudos_author(principal, data.kudos_id)
    mine = (
        (KudosReaction.kudos == data.kudos_id)
        & (KudosReaction.person == principal.person_id)
        & (KudosReaction.emoji == data.emoji)
    )
    async with write_transaction():
        exists = await KudosReaction.exists().where(mine)
        if data.on and not exists:
            await KudosReaction.insert(
                KudosReaction(
                    kudos=data.kudos_id,
                    person=principal.person_id,
                    emoji=data.emoji,
                    created_at=now(),
                )
            )
        elif not data.on and exists:
            await KudosReaction.delete().where(mine)
    return data.kudos_id


async def kudos_received_since(person_id: UUID, since: datetime | None) -> list[dict[str, Any]]:
    """For a check-in with the person (the caller has checked the viewer is a party, and
    parties read every kudos the person received): id, author, behaviour, written_at."""
    query = KudosRecipient.select(
        KudosRecipient.kudos.id.as_alias("id"),
        KudosRecipient.kudos._.author._.id.as_alias("author_id"),
        KudosRecipient.kudos._.author._.display_name.as_alias("author_name"),
        KudosRecipient.kudos.behaviour.as_alias("behaviour"),
        KudosRecipient.kudos.written_at.as_alias("written_at"),
    ).where(KudosRecipient.person == person_id)
    if since is not None:
        query = query.where(KudosRecipient.kudos.written_at > since)
    rows = await query.order_by(KudosRecipient.kudos.written_at, ascending=False)
    return [
        {
            "id": r["id"],
            "author": PersonRef(id=r["author_id"], display_name=r["author_name"]),
            "behaviour": r["behaviour"],
            "written_at": r["written_at"],
        }
        for r in rows
    ]


# --- SBI feedback -------------------------------------------------------------------------------

FEEDBACK_COLUMNS = (
    Feedback.id,
    Feedback.author.id.as_alias("author_id"),
    Feedback.author.display_name.as_alias("author_name"),
    Feedback.recipient.id.as_alias("recipient_id"),
    Feedback.recipient.display_name.as_alias("recipient_name"),
    Feedback.situation,
    Feedback.behaviour,
    Feedback.impact,
    Feedback.suggestion,
    Feedback.shared_with_manager,
    Feedback.created_at,
    Feedback.written_at,
)
SBI_FIELDS = ("situation", "behaviour", "impact", "suggestion")


def _in_box(principal: Principal, box: FeedbackBox) -> Combinable:
    """Each box is its own deny-by-default scope: what I received, what I gave, and what
    authors shared with me about my direct reports."""
    me = principal.person_id
    if box == "received":
        return Feedback.recipient == me
    if box == "given":
        return Feedback.author == me
    return (Feedback.shared_with_manager == True) & WhereRaw(  # noqa: E712
        "feedback_sbi.recipient IN (SELECT id FROM org_person WHERE manager = {})", me
    )


def _feedback_read(row: dict[str, Any]) -> FeedbackRead:
    return FeedbackRead(
        id=row["id"],
        author=PersonRef(id=row["author_id"], display_name=row["author_name"]),
        recipient=PersonRef(id=row["recipient_id"], display_name=row["recipient_name"]),
        shared_with_manager=row["shared_with_manager"],
        created_at=row["created_at"],
        written_at=row["written_at"],
        **{name: row[name] for name in SBI_FIELDS},
    )


async def list_feedback(
    principal: Principal, box: FeedbackBox, cursor: str | None, limit: int
) -> list[FeedbackRead]:
    query = Feedback.select(*FEEDBACK_COLUMNS).where(_in_box(principal, box))
    rows = await newest_first(query, Feedback.created_at, Feedback.id, cursor, limit)
    return [_feedback_read(r) for r in rows[:limit]]


async def all_feedback(principal: Principal, box: FeedbackBox) -> list[FeedbackRead]:
    """The whole box, oldest first (the data export)."""
    rows = (
        await Feedback.select(*FEEDBACK_COLUMNS)
        .where(_in_box(principal, box))
        .order_by(Feedback.created_at, Feedback.id)
    )
    return [_feedback_read(r) for r in rows]


async def plan_feedback(principal: Principal, entries: Sequence[Entry[FeedbackCreate]]) -> Planned:
    """Each entry becomes an SBI feedback under its own id, or is refused; checked together,
    like kudos, and written by the caller."""
    _require_giver(principal)
    refusals = await _recipient_refusals(principal, [[e.data.recipient_id] for e in entries])
    outcomes: list[Outcome] = []
    rows: list[dict[str, Any]] = []
    for entry, refusal in zip(entries, refusals, strict=True):
        data = entry.data
        labelled = [
            {"field": name, "code": "label_word", "message": word}
            for name in SBI_FIELDS
            for word in coach.labels_in(getattr(data, name))
        ]
        if refusal is None and labelled and not data.coached:
            refusal = ProblemError(
                422,
                "feedback_labels",
                "Describe what the person did, not what they are; avoid 'always' and 'never'.",
                errors=labelled,
            )
        if refusal is not None:
            outcomes.append(refusal)
            continue
        outcomes.append(entry.id)
        rows.append(
            {
                "id": entry.id,
                "author": principal.person_id,
                "recipient": data.recipient_id,
                "shared_with_manager": data.share_with_manager,
                "created_at": now(),
                "written_at": _written(entry.written_at),
                **{name: getattr(data, name) for name in SBI_FIELDS},
            }
        )
    return Planned(outcomes, [(Feedback, rows)])


# --- the weekly recognition figure --------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


async def team_recognition(principal: Principal, weeks: int) -> list[ReportRecognition]:
    """For each direct report: how many specific kudos this manager gave them in each of the
    last `weeks` weeks (Monday to Sunday, UTC), this week included."""
    reports = [
        PersonRef(id=p.id, display_name=p.display_name) for p in await org.list_team(principal)
    ]
    first_week = week_start(now().date()) - timedelta(weeks=weeks - 1)
    counts: dict[tuple[UUID, date], int] = defaultdict(int)
    if reports:
        rows = await KudosRecipient.select(
            KudosRecipient.person, KudosRecipient.kudos.written_at.as_alias("written_at")
        ).where(
            (KudosRecipient.kudos.author == principal.person_id)
            & KudosRecipient.person.is_in([p.id for p in reports])
            # Only recognition the coach found specific counts.
            & (KudosRecipient.kudos.generic == False)  # noqa: E712
            & (KudosRecipient.kudos.written_at >= datetime.combine(first_week, time(), UTC))
        )
        for r in rows:
            counts[(r["person"], week_start(r["written_at"].astimezone(UTC).date()))] += 1
    return [
        ReportRecognition(
            person=person,
            weeks=[
                RecognitionWeek(week_starts_on=start, count=counts[(person.id, start)])
                for start in (first_week + timedelta(weeks=i) for i in range(weeks))
            ],
        )
        for person in reports
    ]


async def copy_to_recipients() -> None:
    """Recipients written without what they keep of their kudos (`KudosRecipient`) get it:
    a process of the release before they kept it still gives kudos during a rolling deploy.
    The alert round calls this before it reads recognition; the partial index of such
    recipients is empty otherwise, so it costs nothing."""
    await fetch(
        "UPDATE feedback_kudos_recipient SET author = k.author, written_at = k.written_at,"
        " generic = k.generic FROM feedback_kudos k"
        " WHERE k.id = feedback_kudos_recipient.kudos AND feedback_kudos_recipient.author IS NULL"
    )


async def last_recognition(
    person_ids: Sequence[UUID] | None = None,
    *,
    quiet_since: datetime | None = None,
    within: org.PeopleSlice = org.ALL_PEOPLE,
) -> list[dict[str, Any]]:
    """Everyone active with a manager (`within` that slice of people): person, manager,
    department, when the manager last gave them specific kudos (`last_given`, None: never)
    and when they joined (a system job's read, for the recognition nudge). `person_ids`: only
    these; else `quiet_since`: only people with no specific kudos from their manager (nor a
    start) since then."""
    # The slice goes on the recipients too, or PostgreSQL reads all of them for each slice.
    # The recipients keep their kudos' author, day and genericness (`KudosRecipient`), so
    # the kudos themselves are not read: looking up each one by id was half the round.
    recipients_in_slice, recipient_bounds = within.sql("r.person")
    in_slice, bounds = within.sql("p.id")
    sql = (
        "SELECT p.id, p.manager, p.department, p.created_at, MAX(r.written_at) AS last_given"  # noqa: S608 - placeholders only
        " FROM org_person p JOIN org_person m ON m.id = p.manager AND m.active"
        " LEFT JOIN feedback_kudos_recipient r ON r.person = p.id AND r.author = p.manager"
        f" AND NOT r.generic{recipients_in_slice} WHERE p.active{in_slice}"
    )
    args = [*recipient_bounds, *bounds]
    group = " GROUP BY p.id, p.manager, p.department, p.created_at"
    if person_ids is not None:
        rows = await fetch_in(sql + " AND p.id IN ({in})" + group, list(person_ids), *args)
    elif quiet_since is not None:
        rows = await fetch(
            sql
            + " AND p.created_at < {}"
            + group
            + " HAVING MAX(r.written_at) IS NULL OR MAX(r.written_at) < {}",
            *args,
            quiet_since,
            quiet_since,
        )
    else:
        rows = await fetch(sql + group, *args)
    return [
        {
            "person": as_uuid(row["id"]),
            "manager": as_uuid(row["manager"]),
            "department": as_uuid(row["department"]) if row["department"] else None,
            "last_given": as_datetime(row["last_given"]),
            "joined_on": row["created_at"].date(),
        }
        for row in rows
    ]


async def erase_person(person_id: UUID) -> Erasure:
    """What a departed person received goes: SBI feedback, their place among a kudos'
    recipients, and a kudos meant for them alone. What they gave stays for the people who
    received it, under the pseudonym. Their reactions go."""
    theirs = [
        r["kudos"]
        for r in await KudosRecipient.select(KudosRecipient.kudos).where(
            KudosRecipient.person == person_id
        )
    ]
    removed = {
        "feedback_received": await delete_where(Feedback, Feedback.recipient == person_id),
        "kudos_received": await delete_where(KudosRecipient, KudosRecipient.person == person_id),
        "kudos_reactions": await delete_where(KudosReaction, KudosReaction.person == person_id),
    }
    removed["kudos_to_them_alone"] = (
        await delete_where(
            Kudos,
            Kudos.id.is_in(theirs)
            & WhereRaw(
                "NOT EXISTS (SELECT 1 FROM feedback_kudos_recipient r"
                " WHERE r.kudos = feedback_kudos.id)"
            ),
        )
        if theirs
        else 0
    )
    kept = {
        "kudos_given": await Kudos.count().where(Kudos.author == person_id),
        "feedback_given": await Feedback.count().where(Feedback.author == person_id),
    }
    return Erasure(removed, kept)


async def purge_kudos_before(cutoff: datetime) -> int:
    return await delete_where(Kudos, Kudos.created_at < cutoff)


async def purge_feedback_before(cutoff: datetime) -> int:
    return await delete_where(Feedback, Feedback.created_at < cutoff)
