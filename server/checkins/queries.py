"""Check-ins: written through sync mutations (prepare, submit minutes, confirm, complete an
action), read by their two parties; status (never content) for the manager chain and HR."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from server.audit import queries as audit
from server.checkins import cadence, policy
from server.checkins.defaults import DEFAULT_SECTIONS, DEFAULT_TEMPLATE_ID, DEFAULT_TEMPLATE_NAME
from server.checkins.tables import (
    Checkin,
    CheckinAction,
    CheckinNote,
    CheckinTemplate,
    LastHeld,
    TeamCadence,
)
from server.core.access import Principal, Relation
from server.core.erasure import Erasure
from server.core.errors import ProblemError, forbidden, not_found
from server.core.pagination import decode_name_cursor, encode_name_cursor
from server.db import (
    as_date,
    as_uuid,
    columns_of,
    delete_where,
    fetch,
    fetch_in,
    placeholders,
    write_transaction,
)
from server.feedback import queries as feedback
from server.goals import queries as goals
from server.org import queries as org
from server.privacy.groups import tally
from shared_schemas.checkins import (
    SECTION_KEYS,
    ActionRead,
    CadenceSet,
    CheckinPrepRead,
    CheckinRead,
    CheckinStatusPage,
    CheckinStatusRead,
    CheckinTemplateCreate,
    CheckinTemplateRead,
    CompleteAction,
    ConfirmMinutes,
    CoverageGroupRead,
    CoverageRead,
    KudosNote,
    PrepareCheckin,
    SubmitMinutes,
    TemplateSection,
)
from shared_schemas.common import PersonRef

HELD_STATES = ("recorded", "confirmed")
RECENT_CHECKINS = 20
# A preparation folded into a newer one, folded into the minutes: ids stay valid through this
# many steps.
MAX_MERGES = 8


def now() -> datetime:
    return datetime.now(UTC)


# --- templates ----------------------------------------------------------------------------------


async def ensure_default_template() -> None:
    """Reference data: the shipped template exists (run after migrations)."""
    if await CheckinTemplate.exists().where(CheckinTemplate.id == DEFAULT_TEMPLATE_ID):
        return
    await CheckinTemplate.insert(
        CheckinTemplate(
            id=DEFAULT_TEMPLATE_ID,
            family=DEFAULT_TEMPLATE_ID,
            version=1,
            name=DEFAULT_TEMPLATE_NAME,
            sections=_sections_json(DEFAULT_SECTIONS),
            created_by=None,
            created_at=now(),
        )
    )


def _sections_json(sections: list[TemplateSection]) -> str:
    return json.dumps([s.model_dump() for s in sections], ensure_ascii=False)


def _template(principal: Principal, row: dict[str, Any]) -> CheckinTemplateRead:
    return CheckinTemplateRead(
        id=row["id"],
        family_id=row["family"],
        version=row["version"],
        name=row["name"],
        sections=[TemplateSection.model_validate(s) for s in json.loads(row["sections"])],
        created_at=row["created_at"],
        editable=policy.can_manage_templates(principal),
    )


async def list_templates(principal: Principal) -> list[CheckinTemplateRead]:
    """The newest version of each template, the oldest template first (the company's own,
    which the app uses, keeps its place when it gets a new version)."""
    rows = await CheckinTemplate.select().order_by(CheckinTemplate.version, ascending=False)
    newest: dict[UUID, dict[str, Any]] = {}
    first_created: dict[UUID, datetime] = {}
    for row in rows:
        newest.setdefault(row["family"], row)
        first_created[row["family"]] = row["created_at"]  # versions come newest first
    families = sorted(newest, key=lambda family: (first_created[family], str(family)))
    return [_template(principal, newest[family]) for family in families]


async def create_template(principal: Principal, data: CheckinTemplateCreate) -> CheckinTemplateRead:
    if not policy.can_manage_templates(principal):
        raise forbidden("Company-wide HR maintains the check-in templates.")
    if [s.key for s in data.sections] != list(SECTION_KEYS):
        raise ProblemError(
            422,
            "template_sections",
            "A check-in has three sections, in order: highlights, obstacles, next actions.",
        )
    template_id = uuid4()
    family, version = template_id, 1
    if data.replaces_id is not None:
        replaced = (
            await CheckinTemplate.select().where(CheckinTemplate.id == data.replaces_id).first()
        )
        if replaced is None:
            raise ProblemError(422, "unknown_template", "There is no such check-in template.")
        family = replaced["family"]
        newest = (
            await CheckinTemplate.select(CheckinTemplate.version)
            .where(CheckinTemplate.family == family)
            .order_by(CheckinTemplate.version, ascending=False)
            .first()
        )
        version = newest["version"] + 1 if newest else 1
    row = CheckinTemplate(
        id=template_id,
        family=family,
        version=version,
        name=data.name,
        sections=_sections_json(data.sections),
        created_by=principal.person_id,
        created_at=now(),
    )
    await CheckinTemplate.insert(row)
    return _template(principal, row.to_dict())


async def _require_template(template_id: UUID) -> None:
    if not await CheckinTemplate.exists().where(CheckinTemplate.id == template_id):
        raise ProblemError(422, "unknown_template", "There is no such check-in template.")


# --- who is asking ------------------------------------------------------------------------------


async def _role_for(
    principal: Principal, employee_id: UUID
) -> tuple[str | None, frozenset[Relation]]:
    relations = (await org.relations(principal, [employee_id]))[employee_id]
    return policy.party_role(relations), relations


async def _find_checkin(checkin_id: UUID) -> dict[str, Any] | None:
    """The check-in under this id, following a preparation into what it was merged into."""
    row = await Checkin.select().where(Checkin.id == checkin_id).first()
    for _ in range(MAX_MERGES):
        if row is None or row["merged_into"] is None:
            break
        row = await Checkin.select().where(Checkin.id == row["merged_into"]).first()
    return row


async def _party_checkin(
    principal: Principal, checkin_id: UUID
) -> tuple[dict[str, Any], str, frozenset[Relation]]:
    """The check-in, the viewer's part in it and their relations to its employee; 404 for
    anyone who is not a party."""
    row = await _find_checkin(checkin_id)
    if row is None:
        raise not_found()
    role, relations = await _role_for(principal, row["employee"])
    if role is None:
        raise not_found()
    return row, role, relations


# --- writes (sync mutations) --------------------------------------------------------------------


async def prepare(
    principal: Principal, data: PrepareCheckin, written_at: datetime | None = None
) -> UUID:
    """The employee's own answers before the conversation; editable until minutes exist."""
    if not policy.holds_checkins(principal):
        raise forbidden("Configuration accounts hold no check-ins.")
    await _require_template(data.template_id)
    answers = json.dumps(data.answers, ensure_ascii=False)
    row = await _find_checkin(data.checkin_id)
    if row is not None:
        role, _ = await _role_for(principal, row["employee"])
        if role is None:
            raise not_found()
        if role != "employee":
            raise ProblemError(403, "not_a_party", "Only the employee prepares their check-in.")
        if row["state"] != "preparing":
            raise ProblemError(
                409, "checkin_recorded", "The minutes are written; the preparation is closed."
            )
        await Checkin.update(
            {Checkin.answers: answers, Checkin.prepared_at: now(), Checkin.updated_at: now()}
        ).where(Checkin.id == row["id"])
        prepared_id: UUID = row["id"]
        return prepared_id
    async with write_transaction():
        await Checkin.insert(
            Checkin(
                id=data.checkin_id,
                employee=principal.person_id,
                manager=await org.manager_of(principal.person_id),
                template=data.template_id,
                state="preparing",
                answers=answers,
                prepared_at=written_at or now(),
                created_at=now(),
                updated_at=now(),
            )
        )
        # One open preparation per person: an older one (another phone, offline) folds into this.
        await Checkin.update({Checkin.state: "merged", Checkin.merged_into: data.checkin_id}).where(
            (Checkin.employee == principal.person_id)
            & (Checkin.state == "preparing")
            & (Checkin.id != data.checkin_id)
        )
    return data.checkin_id


async def submit_minutes(principal: Principal, data: SubmitMinutes) -> UUID:
    """The minutes, by either party. New: a preparation still open for the employee is
    written into it (the manager's phone may not have known its id). Again: the minutes are
    replaced, and both confirm again."""
    role, _ = await _role_for(principal, data.employee_id)
    if role is None:
        raise ProblemError(
            403, "not_a_party", "Only the employee and their direct manager hold a check-in."
        )
    await _require_template(data.template_id)
    manager = await org.manager_of(data.employee_id)
    allowed_owners = {data.employee_id, manager}
    for i, action in enumerate(data.actions):
        if action.owner_id not in allowed_owners:
            raise ProblemError(
                422,
                "action_owner",
                "Each next action belongs to the employee or their manager.",
                errors=[{"field": f"actions[{i}].owner_id", "code": "action_owner", "message": ""}],
            )
        if action.due_on < data.held_on:
            raise ProblemError(
                422,
                "action_due_before_checkin",
                "A next action is due after the check-in.",
                errors=[
                    {
                        "field": f"actions[{i}].due_on",
                        "code": "action_due_before_checkin",
                        "message": "",
                    }
                ],
            )
    async with write_transaction():
        existing = await _find_checkin(data.checkin_id)
        if existing is None:
            checkin_id = data.checkin_id
            await _create_from_preparation(data, manager)
        elif existing["employee"] != data.employee_id:
            # The id names another person's check-in: as good as unknown to this writer.
            raise ProblemError(409, "checkin_mismatch", "This check-in is someone else's.")
        else:
            checkin_id = existing["id"]
        await Checkin.update(
            {
                Checkin.template: data.template_id,
                Checkin.held_on: data.held_on,
                Checkin.highlights: data.highlights,
                Checkin.blockers: data.blockers,
                Checkin.support: data.support,
                Checkin.minutes_version: Checkin.minutes_version + 1,
                Checkin.recorded_by: principal.person_id,
                Checkin.state: "recorded",
                Checkin.updated_at: now(),
            }
        ).where(Checkin.id == checkin_id)
        await _replace_actions(checkin_id, data)
        await _save_note(checkin_id, principal.person_id, data.private_note)
        await _keep_last_held(data.employee_id)
    return checkin_id


async def _keep_last_held(employee: UUID) -> None:
    """The day of the person's last check-in held, again from their check-ins, in the
    transaction that wrote one (minutes can move to an earlier day). The row is locked before
    the day is read: of two minutes written at once for one person, the later writer waits and
    then reads the earlier one's check-in too."""
    await fetch(
        "INSERT INTO checkins_last_held (employee, held_on) VALUES ({}, NULL)"
        " ON CONFLICT (employee) DO UPDATE SET held_on = checkins_last_held.held_on",
        employee,
    )
    held = sorted(HELD_STATES)
    await fetch(
        "UPDATE checkins_last_held SET held_on = (SELECT MAX(held_on) FROM checkins_checkin"  # noqa: S608 - placeholders only
        f" WHERE employee = {{}} AND state IN ({placeholders(held)})) WHERE employee = {{}}",
        employee,
        *held,
        employee,
    )


async def record_last_held() -> None:
    """Everyone's last check-in held, from all check-ins: after check-ins were written in
    bulk, around the queries that keep it (the benchmark's generated organisation)."""
    held = sorted(HELD_STATES)
    async with write_transaction():
        await LastHeld.delete(force=True)
        await fetch(
            "INSERT INTO checkins_last_held (employee, held_on)"  # noqa: S608 - placeholders only
            " SELECT employee, MAX(held_on) FROM checkins_checkin"
            f" WHERE state IN ({placeholders(held)}) GROUP BY employee",
            *held,
        )


async def _create_from_preparation(data: SubmitMinutes, manager: UUID | None) -> None:
    prepared = (
        await Checkin.select(Checkin.id, Checkin.answers, Checkin.prepared_at)
        .where((Checkin.employee == data.employee_id) & (Checkin.state == "preparing"))
        .order_by(Checkin.created_at, ascending=False)
        .first()
    )
    await Checkin.insert(
        Checkin(
            id=data.checkin_id,
            employee=data.employee_id,
            manager=manager,
            template=data.template_id,
            state="recorded",
            answers=prepared["answers"] if prepared else "{}",
            prepared_at=prepared["prepared_at"] if prepared else None,
            created_at=now(),
            updated_at=now(),
        )
    )
    if prepared:
        await Checkin.update({Checkin.state: "merged", Checkin.merged_into: data.checkin_id}).where(
            Checkin.id == prepared["id"]
        )


async def _replace_actions(checkin_id: UUID, data: SubmitMinutes) -> None:
    """The actions in the minutes, by id: kept ones keep whether they are done."""
    keep = [a.id for a in data.actions]
    await CheckinAction.delete().where(
        (CheckinAction.checkin == checkin_id) & CheckinAction.id.not_in(keep)
    )
    existing = {
        r["id"]
        for r in await CheckinAction.select(CheckinAction.id).where(CheckinAction.id.is_in(keep))
    }
    for action in data.actions:
        if action.id in existing:
            updated = await CheckinAction.update(
                {
                    CheckinAction.title: action.title,
                    CheckinAction.owner: action.owner_id,
                    CheckinAction.due_on: action.due_on,
                },
                returning=[CheckinAction.id],
            ).where((CheckinAction.id == action.id) & (CheckinAction.checkin == checkin_id))
            if not updated:
                raise ProblemError(409, "checkin_mismatch", "That action belongs elsewhere.")
        else:
            await CheckinAction.insert(
                CheckinAction(
                    id=action.id,
                    checkin=checkin_id,
                    title=action.title,
                    owner=action.owner_id,
                    due_on=action.due_on,
                    created_at=now(),
                )
            )


async def _save_note(checkin_id: UUID, author: UUID, body: str) -> None:
    mine = (CheckinNote.checkin == checkin_id) & (CheckinNote.author == author)
    await CheckinNote.delete().where(mine)
    if body:
        await CheckinNote.insert(
            CheckinNote(checkin=checkin_id, author=author, body=body, updated_at=now())
        )


async def confirm(principal: Principal, data: ConfirmMinutes) -> UUID:
    row, role, _ = await _party_checkin(principal, data.checkin_id)
    if row["state"] not in HELD_STATES:
        raise ProblemError(409, "no_minutes", "There are no minutes to confirm yet.")
    if data.minutes_version != row["minutes_version"]:
        raise ProblemError(
            409, "minutes_changed", "The minutes changed since you read them; read them again."
        )
    column = (
        Checkin.employee_confirmed_version
        if role == "employee"
        else Checkin.manager_confirmed_version
    )
    other = (
        row["manager_confirmed_version"]
        if role == "employee"
        else row["employee_confirmed_version"]
    )
    both = other == row["minutes_version"] or row["manager"] is None
    await Checkin.update(
        {column: data.minutes_version, Checkin.state: "confirmed" if both else "recorded"}
    ).where((Checkin.id == row["id"]) & (Checkin.minutes_version == data.minutes_version))
    confirmed: UUID = row["id"]
    return confirmed


async def minutes_to_confirm(
    within: org.PeopleSlice = org.ALL_PEOPLE,
) -> list[tuple[UUID, UUID]]:
    """(person, check-in) for each party who has not yet confirmed the current minutes of a
    check-in of an employee `within` the slice, for the reminders (no principal: a system
    job, and it reveals only to each party their own open task)."""
    in_slice, bounds = within.sql("employee")
    rows = await fetch(
        "SELECT id, employee, manager, minutes_version, employee_confirmed_version,"  # noqa: S608 - placeholders only
        f" manager_confirmed_version FROM checkins_checkin WHERE state = 'recorded'{in_slice}",
        *bounds,
    )
    waiting = []
    for row in rows:
        if row["employee_confirmed_version"] != row["minutes_version"]:
            waiting.append((as_uuid(row["employee"]), as_uuid(row["id"])))
        if (
            row["manager"] is not None
            and row["manager_confirmed_version"] != row["minutes_version"]
        ):
            waiting.append((as_uuid(row["manager"]), as_uuid(row["id"])))
    return waiting


async def complete_action(principal: Principal, data: CompleteAction) -> UUID:
    action = (
        await CheckinAction.select(CheckinAction.checkin)
        .where(CheckinAction.id == data.action_id)
        .first()
    )
    if action is None:
        raise not_found()
    await _party_checkin(principal, action["checkin"])
    await CheckinAction.update(
        {
            CheckinAction.done_at: now() if data.done else None,
            CheckinAction.done_by: principal.person_id if data.done else None,
        }
    ).where(CheckinAction.id == data.action_id)
    return data.action_id


# --- reads --------------------------------------------------------------------------------------

# Check-ins and their actions are read straight through the driver: the sync pull reads a
# manager's team's recent ones on every start of the app, and building Piccolo's query
# strings was most of the time those reads took.
ACTION_SELECT = (
    "SELECT a.id, a.checkin, a.title, a.due_on, a.done_at, o.id AS owner_id,"
    " o.display_name AS owner_name FROM checkins_action a JOIN org_person o ON o.id = a.owner"
)
CHECKIN_SELECT = (
    f"SELECT {columns_of(Checkin, 'c', 'employee', 'manager')},"  # noqa: S608 - column names of ours
    " e.id AS employee_id, e.display_name AS employee_name,"
    " m.id AS manager_id, m.display_name AS manager_name"
    " FROM checkins_checkin c JOIN org_person e ON e.id = c.employee"
    " LEFT JOIN org_person m ON m.id = c.manager"
)


def _action(row: dict[str, Any]) -> ActionRead:
    return ActionRead(
        id=row["id"],
        checkin_id=row["checkin"],
        title=row["title"],
        owner=PersonRef(id=row["owner_id"], display_name=row["owner_name"]),
        due_on=row["due_on"],
        done_at=row["done_at"],
    )


async def _reads(principal: Principal, rows: list[dict[str, Any]]) -> list[CheckinRead]:
    ids = [r["id"] for r in rows]
    actions: dict[UUID, list[ActionRead]] = defaultdict(list)
    notes: dict[UUID, str] = {}
    for a in await fetch_in(
        f"{ACTION_SELECT} WHERE a.checkin IN ({{in}}) ORDER BY a.created_at", ids
    ):
        actions[a["checkin"]].append(_action(a))
    for n in await fetch_in(
        "SELECT checkin, body FROM checkins_note WHERE author = {} AND checkin IN ({in})",
        ids,
        principal.person_id,
    ):
        notes[n["checkin"]] = n["body"]
    return [
        CheckinRead(
            id=r["id"],
            employee=PersonRef(id=r["employee_id"], display_name=r["employee_name"]),
            manager=(
                PersonRef(id=r["manager_id"], display_name=r["manager_name"])
                if r["manager_id"]
                else None
            ),
            template_id=r["template"],
            state=r["state"],
            answers=json.loads(r["answers"]),
            prepared_at=r["prepared_at"],
            held_on=r["held_on"],
            highlights=r["highlights"],
            blockers=r["blockers"],
            support=r["support"],
            actions=actions[r["id"]],
            minutes_version=r["minutes_version"],
            employee_confirmed=r["minutes_version"] > 0
            and r["employee_confirmed_version"] == r["minutes_version"],
            manager_confirmed=r["minutes_version"] > 0
            and r["manager_confirmed_version"] == r["minutes_version"],
            my_private_note=notes.get(r["id"], ""),
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def _require_party_of(principal: Principal, person_id: UUID) -> frozenset[Relation]:
    role, relations = await _role_for(principal, person_id)
    if role is None:
        raise not_found()
    return relations


async def list_checkins(principal: Principal, person_id: UUID | None) -> list[CheckinRead]:
    """A person's recent check-ins, newest first: for them and their direct manager."""
    person = person_id or principal.person_id
    await _require_party_of(principal, person)
    return await recent_checkins(principal, [person])


async def recent_checkins(
    principal: Principal,
    person_ids: list[UUID],
    each: int = RECENT_CHECKINS,
    own: int | None = None,
) -> list[CheckinRead]:
    """The `each` most recent check-ins of each of these people the principal is a party to
    (others are left out; `own` of the principal's own, if given), newest first (by id among
    those made at the same moment, so a pull's fingerprint does not change with the order
    the database happens to return them in), in one read whatever the number of people."""
    relations = await org.relations(principal, person_ids)
    parties = [p for p, rel in relations.items() if policy.party_role(rel) is not None]
    if not parties:
        return []
    rows = await fetch(
        f"{CHECKIN_SELECT} WHERE c.id IN (SELECT ranked.id FROM (SELECT id, employee,"  # noqa: S608 - placeholders and constants only
        " ROW_NUMBER() OVER (PARTITION BY employee ORDER BY created_at DESC, id) AS recency"
        " FROM checkins_checkin"
        f" WHERE state != 'merged' AND employee IN ({placeholders(parties)})) ranked"
        " WHERE ranked.recency <= {} AND ranked.employee = {}"
        " OR ranked.recency <= {} AND ranked.employee <> {})"
        " ORDER BY c.created_at DESC, c.id",
        *parties,
        each if own is None else own,
        principal.person_id,
        each,
        principal.person_id,
    )
    return await _reads(principal, rows)


async def my_history(principal: Principal) -> list[CheckinRead]:
    """Every check-in the principal had as the employee, oldest first (the data export): the
    minutes as they read them, so their manager's private notes are not among them."""
    rows = await fetch(
        f"{CHECKIN_SELECT} WHERE c.employee = {{}} AND c.state != 'merged' ORDER BY c.created_at",
        principal.person_id,
    )
    return await _reads(principal, rows)


async def get_checkin(principal: Principal, checkin_id: UUID) -> CheckinRead:
    row, _, relations = await _party_checkin(principal, checkin_id)
    logged = policy.logged_relation(relations)
    if logged is not None:
        await audit.record_access(
            principal.person_id, row["employee"], "checkin", logged, row["id"]
        )
    full = await fetch(f"{CHECKIN_SELECT} WHERE c.id = {{}}", row["id"])
    return (await _reads(principal, full))[0]


async def _last_held(person_ids: list[UUID]) -> dict[UUID, date]:
    """The day of each person's last check-in held; nobody for those who never had one."""
    rows = await fetch_in(
        "SELECT employee, held_on FROM checkins_last_held"
        " WHERE held_on IS NOT NULL AND employee IN ({in})",
        person_ids,
    )
    return {as_uuid(r["employee"]): as_date(r["held_on"]) for r in rows}


async def preparation(principal: Principal, person_id: UUID | None) -> CheckinPrepRead:
    """What moved since the last check-in: key results, checkpoints, kudos, open actions."""
    person = person_id or principal.person_id
    await _require_party_of(principal, person)
    since_day = (await _last_held([person])).get(person)
    since = datetime.combine(since_day, time.max, UTC) if since_day else None
    changes, milestones = await goals.progress_since(person, since)
    kudos = await feedback.kudos_received_since(person, since)
    open_actions = await fetch(
        f"{ACTION_SELECT} JOIN checkins_checkin c ON c.id = a.checkin"
        " WHERE c.employee = {} AND a.done_at IS NULL ORDER BY a.due_on",
        person,
    )
    name = (await org.display_names([person])).get(person, "")
    return CheckinPrepRead(
        person=PersonRef(id=person, display_name=name),
        since=since_day,
        key_result_changes=changes,
        milestones=milestones,
        kudos_received=[KudosNote.model_validate(k) for k in kudos],
        open_actions=[_action(a) for a in open_actions],
    )


# --- cadence and status -------------------------------------------------------------------------


async def set_cadence(principal: Principal, manager_id: UUID, data: CadenceSet) -> None:
    if not await org.person_exists(manager_id):
        raise not_found()  # company-wide HR relates to any id, even one nobody has
    relations = (await org.relations(principal, [manager_id]))[manager_id]
    if not policy.can_set_cadence(principal, relations):
        raise forbidden("A manager sets their team's rhythm; HR in scope may do it for them.")
    async with write_transaction():
        await TeamCadence.delete().where(TeamCadence.manager == manager_id)
        await TeamCadence.insert(TeamCadence(manager=manager_id, cadence=data.cadence))


async def _with_rhythm(
    people: list[dict[str, Any]],
) -> list[tuple[dict[str, Any], str, date | None]]:
    """Each person with their team's cadence and the day of their last check-in held."""
    last = await _last_held([p["id"] for p in people])
    managers = sorted({p["manager_id"] for p in people if p["manager_id"]})
    rows = await fetch_in(
        "SELECT manager, cadence FROM checkins_cadence WHERE manager IN ({in})", managers
    )
    cadences = {as_uuid(r["manager"]): r["cadence"] for r in rows}
    return [
        (p, cadences.get(p["manager_id"], cadence.DEFAULT_CADENCE), last.get(p["id"]))
        for p in people
    ]


async def statuses(principal: Principal, nearest: bool = False) -> list[CheckinStatusRead]:
    """Status only, for the people in the viewer's reach (themselves, their reports, HR
    scope; `nearest`: themselves and their direct reports): the cadence, the last check-in
    held and whether one is due."""
    return await _statuses(await org.staff_in_reach(principal, nearest))


async def status_page(principal: Principal, cursor: str | None, limit: int) -> CheckinStatusPage:
    """`statuses` a page at a time, by name: a reach can be a whole company."""
    after = decode_name_cursor(cursor) if cursor else None
    people = await org.staff_in_reach(principal, after=after, limit=limit + 1)
    shown = people[:limit]
    next_cursor = None
    if len(people) > limit:
        next_cursor = encode_name_cursor(shown[-1]["display_name"], shown[-1]["id"])
    return CheckinStatusPage(items=await _statuses(shown), next_cursor=next_cursor)


async def _statuses(people: list[dict[str, Any]]) -> list[CheckinStatusRead]:
    today = now().date()
    result = []
    for p, rhythm, held in await _with_rhythm(people):
        result.append(
            CheckinStatusRead(
                person=PersonRef(id=p["id"], display_name=p["display_name"]),
                manager=(
                    PersonRef(id=p["manager_id"], display_name=p["manager_name"])
                    if p["manager_id"]
                    else None
                ),
                cadence=rhythm,
                last_held_on=held,
                next_due_on=cadence.next_due(rhythm, held, today),
                status=cadence.status(rhythm, held, today),
            )
        )
    return result


# Each count of the coverage and the status it counts (`cadence.status`).
COVERAGE_FIELDS = {"on_time": "ok", "due": "due", "overdue": "overdue", "never": "never"}


async def coverage(principal: Principal, min_group_size: int) -> CoverageRead:
    """How many of the people HR covers are on time with their check-ins, by department
    (sub-departments included) and in all; counts only, and none for a group too small to
    show (`privacy.groups`). Counted in SQL by department, cadence and day of the last
    check-in held, so HR of a company of 100,000 people waits for a few thousand rows."""
    if not policy.reads_coverage(principal):
        raise forbidden("Check-in coverage is for HR.")
    today = now().date()
    covered = await org.covered_by_hr(principal)
    # Whoever last met before this day is overdue whatever their cadence, so all of them are
    # counted as having met on it: a few thousand groups for a company, not one per day.
    long_ago = today - cadence.OVERDUE_FOR_ALL_AFTER - timedelta(days=1)
    rows = await fetch(
        "SELECT p.department, t.cadence, CASE WHEN h.held_on < {} THEN {} ELSE h.held_on END"  # noqa: S608 - placeholders and constants only
        " AS last_held, count(*) AS people"
        " FROM org_person p LEFT JOIN checkins_cadence t ON t.manager = p.manager"
        " LEFT JOIN checkins_last_held h ON h.employee = p.id"
        f" WHERE {covered.condition} GROUP BY 1, 2, 3",
        long_ago,
        long_ago,
        *covered.args,
    )
    statuses = []
    for row in rows:
        status = cadence.status(
            row["cadence"] or cadence.DEFAULT_CADENCE, as_date(row["last_held"]), today
        )
        statuses.append((covered.group_of(row["department"]), {status: int(row["people"])}))
    groups = [
        CoverageGroupRead(
            **covered.described(group),
            **{
                field: None if group.figures is None else group.figures[status]
                for field, status in COVERAGE_FIELDS.items()
            },
        )
        for group in tally(covered.holder, covered.people, statuses, min_group_size)
    ]
    return CoverageRead(min_group_size=min_group_size, groups=groups)


# --- for the reminders and deviation alerts (system jobs) ----------------------------------------


async def rhythms(
    person_ids: Sequence[UUID] | None = None,
    *,
    quiet_since: datetime | None = None,
    within: org.PeopleSlice = org.ALL_PEOPLE,
) -> list[dict[str, Any]]:
    """Everyone active with a manager (`within` that slice of people): person, manager,
    department, their team's cadence, the last check-in held and the day they joined
    (`joined_on`, when none was ever held). `person_ids`: only these; else `quiet_since`: only
    people with no check-in held (nor a start) since then, the only ones a check-in can be
    overdue for after that long."""
    in_slice, bounds = within.sql("p.id")
    sql = (
        "SELECT p.id, p.manager, p.department, p.created_at, t.cadence, h.held_on AS last_held"  # noqa: S608 - placeholders only
        " FROM org_person p JOIN org_person m ON m.id = p.manager AND m.active"
        " LEFT JOIN checkins_cadence t ON t.manager = p.manager"
        " LEFT JOIN checkins_last_held h ON h.employee = p.id"
        f" WHERE p.active{in_slice}"
    )
    if person_ids is not None:
        rows = await fetch_in(sql + " AND p.id IN ({in})", list(person_ids), *bounds)
    elif quiet_since is not None:
        rows = await fetch(
            sql + " AND (h.held_on < {} OR (h.held_on IS NULL AND p.created_at < {}))",
            *bounds,
            quiet_since.date(),
            quiet_since,
        )
    else:
        rows = await fetch(sql, *bounds)
    return [
        {
            "person": as_uuid(row["id"]),
            "manager": as_uuid(row["manager"]),
            "department": as_uuid(row["department"]) if row["department"] else None,
            "cadence": row["cadence"] or cadence.DEFAULT_CADENCE,
            "last_held_on": as_date(row["last_held"]),
            "joined_on": row["created_at"].date(),
        }
        for row in rows
    ]


async def checkins_due(
    moment: datetime, within: org.PeopleSlice = org.ALL_PEOPLE
) -> list[tuple[UUID, UUID]]:
    """(person, whose check-in) for each check-in due or overdue of the people `within` the
    slice: the employee and their manager are both reminded (a reminder kind's tasks). Only
    people with no check-in held in the shortest rhythm's last days are read."""
    today = moment.date()
    waiting = []
    quiet_since = moment - timedelta(days=cadence.SHORTEST_DAYS - 1)
    for row in await rhythms(quiet_since=quiet_since, within=within):
        if cadence.status(row["cadence"], row["last_held_on"], today) in ("due", "overdue"):
            waiting += [(row["person"], row["person"]), (row["manager"], row["person"])]
    return waiting


async def erase_person(person_id: UUID) -> Erasure:
    """A departed person's check-ins go whole (minutes, actions, both parties' notes), and so
    do the private notes they kept on their reports' check-ins. The check-ins they held as a
    manager are their reports' record and stay, with the actions they took on there."""
    kept = {
        "checkins_they_held": await Checkin.count().where(Checkin.manager == person_id),
        "actions_in_others_checkins": await CheckinAction.count().where(
            (CheckinAction.owner == person_id) & (CheckinAction.checkin.employee != person_id)
        ),
    }
    # Derived from the check-ins removed here, so not counted apart.
    await LastHeld.delete().where(LastHeld.employee == person_id)
    removed = {
        "checkins": await delete_where(Checkin, Checkin.employee == person_id),
        "checkin_private_notes": await delete_where(CheckinNote, CheckinNote.author == person_id),
        "team_cadence": await delete_where(TeamCadence, TeamCadence.manager == person_id),
    }
    return Erasure(removed, kept)


async def purge_before(cutoff: datetime) -> int:
    """Check-ins held (or, never held, begun) before the cutoff, whole; -> how many."""
    async with write_transaction():
        purged = await delete_where(
            Checkin,
            (Checkin.held_on < cutoff.date())
            | (Checkin.held_on.is_null() & (Checkin.created_at < cutoff)),
        )
        # Whoever last met before the cutoff has no check-in held left; nobody else lost
        # their last one.
        await LastHeld.delete().where(LastHeld.held_on < cutoff.date())
    return purged
