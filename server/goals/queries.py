"""Goals reads and writes. The only module that touches the goals tables; every function takes
the principal and applies `policy` (individual goals are scoped in SQL, single goals a viewer
may not read answer 404)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from piccolo.custom_types import Combinable
from pydantic import TypeAdapter

from server.audit import queries as audit
from server.core.access import Principal, Relation, Role
from server.core.erasure import Erasure
from server.core.errors import ProblemError, forbidden, not_found
from server.core.recent import keep_recent
from server.db import (
    as_uuid,
    by_code_point,
    columns_of,
    contains_pattern,
    days_between_sql,
    delete_where,
    fetch,
    fetch_in,
    in_transaction,
    like_ignoring_case,
    placeholders,
    write_transaction,
)
from server.goals import content as goal_content
from server.goals import pace, policy
from server.goals.tables import (
    Cycle,
    Goal,
    GoalComment,
    GoalTemplate,
    GoalVersion,
    IntegrationToken,
    KeyResult,
    ProgressEntry,
    Signature,
    StrategyTheme,
)
from server.org import queries as org
from server.sync import versions
from server.sync.conditional import Written
from shared_schemas.checkins import KeyResultChange, MilestoneCheck
from shared_schemas.common import PersonRef
from shared_schemas.goals import (
    AlignmentStep,
    AmendmentCreate,
    CommentCreate,
    CommentRead,
    CycleCreate,
    CycleRead,
    CycleUpdate,
    GoalContent,
    GoalCreate,
    GoalPermissions,
    GoalRead,
    GoalRecordRead,
    GoalRights,
    GoalSummaryRead,
    GoalTreeRead,
    GoalUpdate,
    GoalVersionRead,
    IntegrationProgressCreate,
    IntegrationProgressResult,
    IntegrationTokenIssued,
    IntegrationTokenRead,
    KeyResultContent,
    KeyResultRead,
    MilestoneRead,
    MyGoalsRead,
    ParentChoice,
    ProgressCreate,
    ProgressRead,
    SignatureCreate,
    SignatureRead,
    SupportRead,
    TemplateAssign,
    TemplateAssignResult,
    TemplateCreate,
    TemplateRead,
    ThemeCreate,
    ThemeRead,
    ThemeUpdate,
    TransitionRequest,
    TreeNode,
    WeightLine,
    WeightSummary,
)

MAX_PARENT_DEPTH = 32
INSERT_CHUNK = 500
INTEGRATION_TOKEN_PREFIX = "tdm_int_"  # noqa: S105 - a prefix, not a secret
LEVEL_ORDER = {"company": 0, "department": 1, "team": 2, "individual": 3}
LEVEL_ORDER_SQL = (  # LEVEL_ORDER over `g.level`, for ORDER BY
    "CASE g.level " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in LEVEL_ORDER.items()) + " END"
)


def now() -> datetime:
    return datetime.now(UTC)


# --- cycles and themes ------------------------------------------------------------------------


def _cycle(row: dict[str, Any]) -> CycleRead:
    return CycleRead(**{k: row[k] for k in ("id", "name", "kind", "starts_on", "ends_on")})


async def list_cycles() -> list[CycleRead]:
    rows = await Cycle.select().order_by(Cycle.starts_on, ascending=False)
    return [_cycle(r) for r in rows]


async def _get_cycle(cycle_id: UUID, status: int = 422) -> CycleRead:
    # Straight through the driver: every goal tree reads its cycle and themes.
    rows = await fetch("SELECT * FROM goals_cycle WHERE id = {}", cycle_id)
    if not rows:
        if status == 404:
            raise not_found()
        raise ProblemError(422, "unknown_cycle", "There is no such goal cycle.")
    return _cycle(rows[0])


def _check_cycle_dates(starts_on: date, ends_on: date) -> None:
    if ends_on <= starts_on:
        raise ProblemError(422, "invalid_cycle_dates", "A cycle must end after it starts.")


async def goal_rights(principal: Principal) -> GoalRights:
    plan = policy.can_plan(principal)
    scope = await org.hr_scope_departments(principal)
    departments = (
        [d.id for d in await org.list_departments()] if plan or scope is None else sorted(scope)
    )
    return GoalRights(
        plan=plan,
        department_ids=departments,
        templates=policy.can_use_templates(principal),
        integrations=policy.can_manage_integrations(principal),
    )


def _require_planner(principal: Principal) -> None:
    if not policy.can_plan(principal):
        raise forbidden("Only HR and the company's leadership plan cycles and strategy.")


async def create_cycle(principal: Principal, data: CycleCreate) -> CycleRead:
    _require_planner(principal)
    _check_cycle_dates(data.starts_on, data.ends_on)
    cycle = Cycle(id=uuid4(), **data.model_dump())
    await cycle.save()
    return await _get_cycle(cycle.id)


async def update_cycle(principal: Principal, cycle_id: UUID, data: CycleUpdate) -> CycleRead:
    _require_planner(principal)
    current = await _get_cycle(cycle_id, status=404)
    changes = data.model_dump(exclude_unset=True)
    _check_cycle_dates(
        changes.get("starts_on", current.starts_on), changes.get("ends_on", current.ends_on)
    )
    if changes:
        await Cycle.update(**changes).where(Cycle.id == cycle_id)
    return await _get_cycle(cycle_id)


def _theme(row: dict[str, Any]) -> ThemeRead:
    return ThemeRead(
        id=row["id"],
        cycle_id=row["cycle"],
        name=row["name"],
        description=row["description"],
        position=row["position"],
    )


async def list_themes(cycle_id: UUID | None) -> list[ThemeRead]:
    of_cycle, args = ("WHERE cycle = {}", [cycle_id]) if cycle_id is not None else ("", [])
    rows = await fetch(
        f"SELECT * FROM goals_theme {of_cycle} ORDER BY position, name",  # noqa: S608 - a constant only
        *args,
    )
    return [_theme(r) for r in rows]


async def _get_theme(theme_id: UUID) -> ThemeRead:
    row = await StrategyTheme.select().where(StrategyTheme.id == theme_id).first()
    if row is None:
        raise not_found()
    return _theme(row)


async def create_theme(principal: Principal, data: ThemeCreate) -> ThemeRead:
    _require_planner(principal)
    await _get_cycle(data.cycle_id)
    theme = StrategyTheme(
        id=uuid4(),
        cycle=data.cycle_id,
        name=data.name,
        description=data.description,
        position=data.position,
    )
    await theme.save()
    return await _get_theme(theme.id)


async def update_theme(principal: Principal, theme_id: UUID, data: ThemeUpdate) -> ThemeRead:
    _require_planner(principal)
    await _get_theme(theme_id)
    changes = data.model_dump(exclude_unset=True)
    if changes:
        await StrategyTheme.update(**changes).where(StrategyTheme.id == theme_id)
    return await _get_theme(theme_id)


# --- reading goals ----------------------------------------------------------------------------

# A goal row with its owner and the colleague whose support it names, read straight through
# the driver: the summaries of a tree, a team and a person are built from these, and under
# the tree's load building Piccolo's query strings took a fifth of a server process's time.
GOAL_SELECT = (
    f"SELECT {columns_of(Goal, 'g', 'owner', 'support_from_person')},"  # noqa: S608 - column names of ours
    " o.id AS owner_id, o.display_name AS owner_name, o.manager AS owner_manager,"
    " s.id AS support_person_id,"
    " s.display_name AS support_person_name"
    " FROM goals_goal g JOIN org_person o ON o.id = g.owner"
    " LEFT JOIN org_person s ON s.id = g.support_from_person"
)


async def readable_titles(principal: Principal, goal_ids: Iterable[UUID]) -> dict[UUID, str]:
    """Titles of the goals among these that the principal may read (others are left out)."""
    ids = sorted(set(goal_ids))
    if not ids:
        return {}
    rows = await fetch_in(
        "SELECT id, title, level, visibility, owner FROM goals_goal WHERE id IN ({in})", ids
    )
    return {as_uuid(r["id"]): r["title"] for r in await _readable(principal, rows)}


async def _readable(
    principal: Principal, rows: list[dict[str, Any]], reach: frozenset[UUID] | None = None
) -> list[dict[str, Any]]:
    """The goal rows (with level, visibility and owner) the principal may read; deny by
    default: a private goal is left out unless the principal reads its owner's private
    goals (`_private_goals_readable`)."""
    readable = await _private_goals_readable(principal, _private_owners(rows), reach)
    return _of_readable_owners(rows, readable)


def _private_owners(rows: list[dict[str, Any]]) -> set[UUID]:
    """The owners of the private goals among these rows."""
    return {as_uuid(r["owner"]) for r in rows if not policy.is_open(r["level"], r["visibility"])}


def _of_readable_owners(rows: list[dict[str, Any]], readable: set[UUID]) -> list[dict[str, Any]]:
    """The open goals among these rows, and the private ones of the `readable` owners."""
    return [
        r
        for r in rows
        if policy.is_open(r["level"], r["visibility"]) or as_uuid(r["owner"]) in readable
    ]


async def _private_goals_readable(
    principal: Principal, owners: set[UUID], reach: frozenset[UUID] | None
) -> set[UUID]:
    """The owners among these whose private goals the principal may read. With the
    principal's `reach` known (`org.queries.small_reach`), those in it; else by relations
    walked up from the few owners. A condition on the viewer's reach
    (`org.queries.reach_sql`) walks down from the viewer instead, which for an HR partner or
    a senior manager is tens of thousands of people in every query (35 ms for each level of
    the tree) and for the chief executive the whole company."""
    if principal.hr_company_wide:  # whose scope is everyone
        return owners
    if reach is not None:
        return owners & reach
    relations = await _relations(principal, owners)
    return {owner for owner in owners if policy.reads_private(relations[owner])}


async def _relations(
    principal: Principal, owners: Iterable[UUID]
) -> dict[UUID, frozenset[Relation]]:
    return await org.relations(principal, sorted(set(owners)))


async def _readable_goal(
    principal: Principal, goal_id: UUID
) -> tuple[dict[str, Any], frozenset[Relation]]:
    """The goal row and the principal's relations to its owner; 404 when not readable."""
    rows = await fetch(f"{GOAL_SELECT} WHERE g.id = {{}}", goal_id)
    if not rows:
        raise not_found()
    row = rows[0]
    relations = (await _relations(principal, [row["owner_id"]]))[row["owner_id"]]
    if not policy.can_read(row["level"], row["visibility"], relations):
        raise not_found()
    return row, relations


async def _key_result_rows(goal_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    found: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    rows = await fetch_in(
        "SELECT * FROM goals_key_result WHERE goal IN ({in}) AND NOT retired ORDER BY position",
        goal_ids,
    )
    for row in rows:
        found[row["goal"]].append(row)
    return found


async def _krs(goal_id: UUID) -> list[dict[str, Any]]:
    return (await _key_result_rows([goal_id]))[goal_id]


async def _cycle_rows(cycle_ids: Iterable[UUID]) -> dict[UUID, dict[str, Any]]:
    rows = await fetch_in("SELECT * FROM goals_cycle WHERE id IN ({in})", sorted(set(cycle_ids)))
    return {r["id"]: r for r in rows}


def _milestones(row: dict[str, Any]) -> list[MilestoneRead]:
    if row["milestones"] == "[]":  # most results: no need to parse
        return []
    return [MilestoneRead.model_validate(m) for m in json.loads(row["milestones"])]


def _plan(kr: dict[str, Any], starts_on: date) -> pace.Plan:
    return pace.Plan(
        metric_kind=kr["metric_kind"],
        start_value=Decimal(kr["start_value"]),
        target_value=Decimal(kr["target_value"]),
        starts_on=starts_on,
        due_on=kr["due_on"],
        milestones=tuple((m.due_on, m.expected_value) for m in _milestones(kr)),
    )


def _today() -> date:
    return now().date()


def _tracking(state: str) -> bool:
    """Pace is measured against an agreed plan only."""
    return state in policy.AGREED_STATES or state == "closed"


def _kr_read(kr: dict[str, Any], starts_on: date, today: date, tracking: bool) -> KeyResultRead:
    reading = pace.read(_plan(kr, starts_on), Decimal(kr["current_value"]), today, tracking)
    return KeyResultRead(
        id=kr["id"],
        title=kr["title"],
        metric_kind=kr["metric_kind"],
        start_value=kr["start_value"],
        target_value=kr["target_value"],
        current_value=kr["current_value"],
        unit=kr["unit"],
        direction=kr["direction"],
        due_on=kr["due_on"],
        weight=kr["weight"],
        standards=kr["standards"].split(),
        milestones=_milestones(kr),
        progress=round(reading.progress, 4),
        expected_progress=round(reading.expected, 4),
        pace=reading.status,
    )


def goal_pace(
    krs: list[dict[str, Any]], starts_on: date, today: date, state: str
) -> pace.PaceReading:
    tracking = _tracking(state)
    readings = [
        (
            pace.read(_plan(kr, starts_on), Decimal(kr["current_value"]), today, tracking),
            kr["weight"],
        )
        for kr in krs
    ]
    return pace.combine(readings, started=tracking and today > starts_on)


def _open_version(row: dict[str, Any]) -> int | None:
    """The version waiting for signatures: a proposal, or an amendment of an agreed goal."""
    if row["state"] in policy.NEGOTIATING_STATES:
        return int(row["version"])
    if row["state"] in policy.AGREED_STATES and row["version"] != row["agreed_version"]:
        return int(row["version"])
    return None


async def _signatures(goal_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    found: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    rows = await fetch_in(
        "SELECT s.goal, s.version, s.role, s.content_hash, s.signed_at, p.id AS signer_id,"
        " p.display_name AS signer_name FROM goals_signature s"
        " JOIN org_person p ON p.id = s.signer WHERE s.goal IN ({in}) ORDER BY s.signed_at",
        goal_ids,
    )
    for row in rows:
        found[row["goal"]].append(row)
    return found


def _signature(row: dict[str, Any]) -> SignatureRead:
    return SignatureRead(
        signer=PersonRef(id=row["signer_id"], display_name=row["signer_name"]),
        role=row["role"],
        version=row["version"],
        content_hash=row["content_hash"],
        signed_at=row["signed_at"],
    )


def _awaiting(
    row: dict[str, Any], relations: frozenset[Relation], signatures: list[dict[str, Any]]
) -> bool:
    role = policy.signer_role(relations) if row["level"] == "individual" else None
    open_version = _open_version(row)
    if role is None or open_version is None:
        return False
    if role == "manager" and row["owner_manager"] is None:
        return False
    return not any(s["version"] == open_version and s["role"] == role for s in signatures)


async def _awaiting_me(principal: Principal, rows: list[dict[str, Any]]) -> set[UUID]:
    """Which of these goals wait for the principal's signature. Only an individual goal with
    a version open for signing can: the viewer's relations and the signatures are read for
    those alone (in a tree or a team's list, most goals are agreed or shared)."""
    signing = [r for r in rows if r["level"] == "individual" and _open_version(r) is not None]
    if not signing:
        return set()
    relations = await _relations(principal, (r["owner_id"] for r in signing))
    signatures = await _signatures([r["id"] for r in signing])
    return {r["id"] for r in signing if _awaiting(r, relations[r["owner_id"]], signatures[r["id"]])}


async def _summaries(principal: Principal, rows: list[dict[str, Any]]) -> list[GoalSummaryRead]:
    """Goal rows -> summaries with pace, in a fixed number of queries."""
    awaiting = await _awaiting_me(principal, rows)
    return [_for_viewer(s, s.id in awaiting) for s in await _summaries_for_all(rows, _today())]


async def _summaries_for_all(rows: list[dict[str, Any]], today: date) -> list[GoalSummaryRead]:
    """Goal rows -> summaries as every viewer sees them: not awaiting their signature."""
    krs = await _key_result_rows([r["id"] for r in rows])
    cycles = await _cycle_rows(r["cycle"] for r in rows)
    return [
        _summary(
            row, goal_pace(krs[row["id"]], cycles[row["cycle"]]["starts_on"], today, row["state"])
        )
        for row in rows
    ]


def _for_viewer(summary: GoalSummaryRead, awaiting: bool) -> GoalSummaryRead:
    # A summary may be kept and shared by answers (`SharedSummaries`): never changed in place.
    return summary.model_copy(update={"awaiting_my_signature": True}) if awaiting else summary


# What a goal summary kept for every viewer was built under: the owner's goals topic (which
# names the owner, and compares faster than their id) and its change-log state, the states of
# `people` and of `strategy`, and the day its pace was read on.
SummaryStamp = tuple[str, versions.State, versions.State, versions.State, date]


class _Kept(NamedTuple):
    stamp: SummaryStamp
    summary: GoalSummaryRead
    # The summary written as JSON, once (`SharedSummaries.written`).
    json: bytes
    # The row of an individual goal open for signing, whose `awaiting_my_signature` each
    # viewer's relations decide; None for every other goal (nobody's signature awaited).
    signing: dict[str, Any] | None


class SharedSummaries:
    """Goal summaries as every viewer sees them, kept between requests in this process, the
    most recently used last. The goals at the top of a cycle's tree are in every viewer's
    tree, and building their summaries (goal rows, key results, the pace of each) was a
    third of a tree's time. A summary is used while the change-log states it was built
    under hold (`SummaryStamp`): the owner's goals topic logs every write of the goal, its
    key results, versions and signatures; `people` the owner's name and manager;
    `strategy` the cycle. The states are read before the rows, so a write committed in
    between is in a summary stamped older than it: built again next time, never kept
    stale. Nothing read in an open transaction is kept: were it rolled back, the states
    would be read again as they were with other rows behind them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[UUID, _Kept] = OrderedDict()

    async def of(
        self, principal: Principal, goals: dict[UUID, UUID], verify: bool
    ) -> dict[UUID, GoalSummaryRead]:
        """The summaries of these goals (id -> owner) as this viewer sees them. `verify`
        (the tests) builds every one and raises `StaleVersionError` when a kept one of the
        same stamp differs: a write the stamp's topics do not log."""
        seen, _ = await self._seen(principal, goals, verify)
        return {g: _for_viewer(e.summary, awaiting) for g, (e, awaiting) in seen.items()}

    async def written(
        self, principal: Principal, goals: dict[UUID, UUID], verify: bool
    ) -> tuple[dict[UUID, bytes], list[str]]:
        """`of`, written as JSON (a kept summary is written once, not for every answer), and
        the owners' goals topics they are stamped with."""
        seen, owner_topics = await self._seen(principal, goals, verify)
        written = {
            g: _SUMMARY_JSON.dump_json(_for_viewer(e.summary, True)) if awaiting else e.json
            for g, (e, awaiting) in seen.items()
        }
        return written, owner_topics

    async def _seen(
        self, principal: Principal, goals: dict[UUID, UUID], verify: bool
    ) -> tuple[dict[UUID, tuple[_Kept, bool]], list[str]]:
        """Each goal's summary as every viewer sees it, and whether it awaits this viewer's
        signature; and the owners' goals topics."""
        # Each owner's stamp made once: a tree's hundred goals have about seventy owners.
        owners = list(dict.fromkeys(goals.values()))
        owner_topics = versions.of(versions.GOALS, owners)
        logged = await versions.states([versions.PEOPLE, versions.STRATEGY, *owner_topics])
        people, strategy, today = logged[versions.PEOPLE], logged[versions.STRATEGY], _today()
        stamps: dict[UUID, SummaryStamp] = {
            owner: (topic, logged[topic], people, strategy, today)
            for owner, topic in zip(owners, owner_topics, strict=True)
        }

        kept: dict[UUID, _Kept] = {}
        for goal_id, owner in goals.items():
            entry = self._kept.get(goal_id)
            if entry is not None and entry.stamp == stamps[owner]:
                kept[goal_id] = entry
                self._kept.move_to_end(goal_id)
        rows = await _goal_rows(sorted(g for g in goals if verify or g not in kept))
        for row, summary in zip(rows, await _summaries_for_all(rows, today), strict=True):
            goal_id, owner = summary.id, summary.owner.id
            if verify and goal_id in kept and kept[goal_id].summary != summary:
                raise versions.StaleVersionError(f"goal {goal_id} changed under its stamp")
            open_for_signing = row["level"] == "individual" and _open_version(row) is not None
            entry = kept[goal_id] = _Kept(
                stamps[goals[goal_id]],
                summary,
                _SUMMARY_JSON.dump_json(summary),
                row if open_for_signing else None,
            )
            # Not when its owner changed since the stamp's state was read.
            if owner == goals[goal_id] and not in_transaction():
                keep_recent(self._kept, goal_id, entry, self.size)
        awaiting = await _awaiting_me(
            principal, [e.signing for e in kept.values() if e.signing is not None]
        )
        return {g: (e, g in awaiting) for g, e in kept.items()}, owner_topics

    def forget(self) -> None:
        """As a process started afresh (the tests)."""
        self._kept.clear()


# Every viewer's tree holds the goals at its top, so they stay among the most recently used;
# room besides for the own branches of the latest thousand or so viewers. At most about
# 3.1 KB a summary kept with its JSON (25 MB); under the load of `make bench`'s tree, 5.5 MB
# more resident memory than keeping none before the JSON was kept too (half a kilobyte each).
SHARED_SUMMARIES = SharedSummaries(8_192)

# The parts of a goal tree's answer, written as JSON (`goal_tree`).
_SUMMARY_JSON = TypeAdapter(GoalSummaryRead)
_CYCLE_JSON = TypeAdapter(CycleRead)
_THEME_JSON = TypeAdapter(ThemeRead | None)
_TREE_JSON = TypeAdapter(GoalTreeRead)


def _summary(row: dict[str, Any], reading: pace.PaceReading) -> GoalSummaryRead:
    return GoalSummaryRead(
        id=row["id"],
        level=row["level"],
        title=row["title"],
        owner=PersonRef(id=row["owner_id"], display_name=row["owner_name"]),
        cycle_id=row["cycle"],
        theme_id=row["theme"],
        parent_id=row["parent"],
        state=row["state"],
        visibility=row["visibility"],
        weight=row["weight"],
        priority=row["priority"],
        progress=round(reading.progress, 4),
        pace=reading.status,
        awaiting_my_signature=False,
        amendment_pending=row["state"] in policy.AGREED_STATES
        and row["version"] != row["agreed_version"],
    )


async def list_my_goals(principal: Principal, cycle_id: UUID | None) -> MyGoalsRead:
    sql, args = (
        f"{GOAL_SELECT} WHERE g.owner = {{}} AND g.level = 'individual'",
        [principal.person_id],
    )
    if cycle_id is not None:
        sql += " AND g.cycle = {}"
        args.append(cycle_id)
    goals = await _summaries(principal, await fetch(sql + " ORDER BY g.created_at", *args))
    by_cycle: dict[UUID, list[GoalSummaryRead]] = defaultdict(list)
    for goal in goals:
        if goal.state != "withdrawn":
            by_cycle[goal.cycle_id].append(goal)
    weights = [
        WeightSummary(
            cycle_id=cycle,
            total=sum(g.weight for g in items),
            goals=[WeightLine(goal_id=g.id, title=g.title, weight=g.weight) for g in items],
        )
        for cycle, items in by_cycle.items()
    ]
    return MyGoalsRead(goals=goals, weights=weights)


async def list_team_goals(
    principal: Principal, cycle_ids: Iterable[UUID] | None
) -> list[GoalSummaryRead]:
    """My direct reports' goals (all of them: a direct manager reads every one) of these
    cycles (None: of every cycle)."""
    sql = (
        f"{GOAL_SELECT} WHERE o.manager = {{}} AND o.active AND g.level = 'individual'"
        " AND g.state != 'withdrawn'"
    )
    args: list[Any] = [principal.person_id]
    if cycle_ids is not None:
        cycles = sorted(cycle_ids)
        if not cycles:
            return []
        sql += f" AND g.cycle IN ({placeholders(cycles)})"
        args += cycles
    rows = await fetch(sql + " ORDER BY o.display_name, g.created_at", *args)
    return await _summaries(principal, rows)


async def team_goals_topics(principal: Principal) -> list[str]:
    """The change-log topics (`sync.versions`) `list_team_goals` is made from; its pace
    also follows the day (`pace_day`)."""
    return versions.goals_of(await org.report_ids(principal.person_id))


def pace_day() -> date:
    """The day goals' pace is read on."""
    return _today()


# Goals a tree answer holds, besides the viewer's own and those around them: enough for a
# small company's whole tree; a large one's is opened a branch at a time.
TREE_GOALS = 100


def goal_tree_topics() -> list[str]:
    """The change-log topics (`sync.versions`) that decide which goals a tree holds and how
    many are aligned to each (with the viewer's reach, from `people`), and what it shows of
    them besides their owners' goals (learned: `goal_tree`); its pace also follows the day."""
    return [versions.GOAL_TREE, *versions.goals_of([])]


async def goal_tree(principal: Principal, cycle_id: UUID, verify: bool) -> Written:
    """From each strategy theme down to individual goals, as far as the viewer may see.
    A goal whose parent the viewer cannot see hangs directly under its theme. The answer
    holds every such top goal, the viewer's own goals with the chain above each and the goals
    aligned to each, then the rest breadth first up to TREE_GOALS goals; every node says how
    many of its children were left out (`more`). Read level by level in SQL, so the work
    follows the size of the answer, not of the organisation; the open goals' reads and the
    summaries are the shared ones (`SharedTreeTops`, `SharedSummaries`, `verify` as
    there). Written as a `GoalTreeRead`, with the goals topics of everyone it shows a goal
    of learned (`ConditionalRead`)."""
    tree = await _tree_reader(principal, cycle_id, verify)
    cycle, themes = await tree.strategy()
    roots = await tree.roots()
    shown = {r["id"]: r for r in roots}
    for row in await tree.viewers_branch():
        shown[row["id"]] = row
    level = roots
    while level and len(shown) < TREE_GOALS:
        # The next level is read under the goals taken from this one only, so whatever is
        # taken hangs from a goal in the answer. Each goal taken either is shown already or
        # fills a place, so no more than these are ever taken.
        parents = {row["id"] for row in level}
        wanted = TREE_GOALS - len(shown) + sum(r["parent"] in parents for r in shown.values())
        taken = []
        for row in await tree.children(level, first=wanted):
            if len(shown) >= TREE_GOALS:
                break
            shown.setdefault(row["id"], row)
            taken.append(row)
        level = taken
    children: dict[UUID, list[UUID]] = defaultdict(list)
    for row in sorted(shown.values(), key=_tree_order):
        if row["parent"] in shown:
            children[row["parent"]].append(row["id"])
    aligned = await tree.children_counts(list(shown))
    owners = {goal_id: row["owner"] for goal_id, row in shown.items()}
    summaries, owner_topics = await SHARED_SUMMARIES.written(principal, owners, verify)

    under: dict[UUID | None, list[UUID]] = defaultdict(list)
    for row in sorted(roots, key=_tree_order):
        under[row["theme"]].append(row["id"])
    known = {t.id for t in themes}
    trees: list[tuple[ThemeRead | None, list[UUID]]] = [(t, under[t.id]) for t in themes]
    # Goals serving a theme of another cycle, or none, are listed after the themes.
    loose = [g for theme_id, ids in under.items() if theme_id not in known for g in ids]
    if loose:
        trees.append((None, loose))

    # Written from the summaries written already: validating and writing a hundred nodes
    # with pydantic took six times as long.
    parts = [b'{"cycle":', _CYCLE_JSON.dump_json(cycle), b',"themes":[']

    for n, (theme, objectives) in enumerate(trees):
        parts.extend((b',{"theme":' if n else b'{"theme":', _THEME_JSON.dump_json(theme)))
        parts.append(b',"objectives":[')
        _write_nodes(parts, objectives, summaries, children, aligned)
        parts.append(b"]}")
    parts.append(b"]}")
    body = b"".join(parts)
    if verify and _TREE_JSON.dump_json(_TREE_JSON.validate_json(body)) != body:
        raise ValueError("the tree written differs from what its model writes")
    return Written(body, owner_topics)


def _write_nodes(
    parts: list[bytes],
    goal_ids: list[UUID],
    summaries: dict[UUID, bytes],
    children: dict[UUID, list[UUID]],
    aligned: Mapping[UUID, int],
) -> None:
    """Appends to `parts` each goal's node: its summary as written, its children's nodes and
    how many aligned goals were left out. A function of the module, not a closure in
    `goal_tree`: a closure that calls itself is a reference cycle, which kept each answer's
    parts, children and counts alive until Python's cycle collector came by (under the
    tree's load, collections of the oldest generation of 30-90 ms every second or two)."""
    for n, goal_id in enumerate(goal_ids):
        parts.extend((b',{"goal":' if n else b'{"goal":', summaries[goal_id]))
        under = children.get(goal_id)
        if under is None:  # most nodes: no call for their children
            parts.append(b',"children":[],"more":%d}' % aligned.get(goal_id, 0))
            continue
        parts.append(b',"children":[')
        _write_nodes(parts, under, summaries, children, aligned)
        parts.append(b'],"more":%d}' % (aligned.get(goal_id, 0) - len(under)))


# A tree row's place among its siblings: by level, then title (`_tree_row` makes it once).
_tree_order = itemgetter("order")


def _tree_order_sql() -> str:
    """`_tree_order` in SQL."""
    return f"{LEVEL_ORDER_SQL}, {by_code_point('g.title')}, g.id"


class _TreeReader:
    """The goals of one cycle's tree that a viewer may see, read a part at a time."""

    COLUMN_NAMES = ("id", "parent", "level", "title", "theme", "owner", "visibility")
    COLUMNS = ", ".join(f"g.{name}" for name in COLUMN_NAMES)
    OPEN = "(g.level != 'individual' OR g.visibility = 'public')"

    # A reach up to this size is read once and kept; a larger one is not walked down.
    KEPT_REACH = 1_000

    def __init__(self, principal: Principal, cycle_id: UUID, reach: frozenset[UUID] | None) -> None:
        self.principal, self.cycle_id, self.reach = principal, cycle_id, reach
        # Whether every goal read may be seen (a known reach is read in SQL, and HR for the
        # whole company reads every private goal), so none is left out after reading.
        self.reads_only_visible = reach is not None or principal.hr_company_wide
        # Private goals of people outside a known reach are left out early, in SQL, so they
        # are not read at all; whether a goal is shown is `_readable`'s to say.
        self.in_tree = "g.cycle = {} AND g.state != 'withdrawn'"
        self.in_tree_args: list[Any] = [cycle_id]
        if reach:
            people = sorted(reach)
            self.in_tree += f" AND ({self.OPEN} OR g.owner IN ({placeholders(people)}))"
            self.in_tree_args += people
        elif reach is not None:  # nobody's private goals: the open goals only
            self.in_tree += f" AND {self.OPEN}"

    @classmethod
    async def of(cls, principal: Principal, cycle_id: UUID) -> _TreeReader:
        return cls(principal, cycle_id, await org.small_reach(principal, cls.KEPT_REACH))

    async def strategy(self) -> tuple[CycleRead, list[ThemeRead]]:
        """The tree's cycle (404 when there is none) and its strategy themes."""
        return await _get_cycle(self.cycle_id, status=404), await list_themes(self.cycle_id)

    def _select(self, condition: str) -> str:
        """The goals of the tree under `condition`; its markers come after `in_tree_args`."""
        return f"SELECT {self.COLUMNS} FROM goals_goal g WHERE {self.in_tree} AND {condition}"  # noqa: S608 - placeholders and constants only

    async def _visible(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return await self._visible_of([_tree_row(r) for r in rows])

    async def _visible_of(self, tree_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The tree rows (`_tree_row`) the viewer may see: every part of a tree is left to
        `readable` to decide."""
        return _of_readable_owners(tree_rows, await self.readable(_private_owners(tree_rows)))

    async def readable(self, owners: set[UUID]) -> set[UUID]:
        """The owners among these whose private goals the viewer may read."""
        return await _private_goals_readable(self.principal, owners, self.reach)

    async def read(self, condition: str, args: list[Any]) -> list[dict[str, Any]]:
        return await self._visible(await fetch(self._select(condition), *self.in_tree_args, *args))

    async def read_in(
        self, condition: str, ids: list[UUID], then: str = ""
    ) -> list[dict[str, Any]]:
        """`read` with `condition` holding `{in}`, for any number of ids (`then`: an ORDER BY
        and LIMIT for each part of them)."""
        rows = await fetch_in(f"{self._select(condition)} {then}", ids, *self.in_tree_args)
        return await self._visible(rows)

    async def viewers_branch(self) -> list[dict[str, Any]]:
        """The viewer's own goals, every visible goal above each up to the top (as far as
        the goals above are visible: a hidden one ends the chain), and the goals aligned to
        each. One statement walking up in SQL: read a level at a time, they took half of a
        tree's round trips to the database."""
        climb, goals, args = self._branch_sql()
        return self._branch_of(await self._visible(await fetch(climb + goals, *args)))

    # The viewer's own goals and the goals above them, for `_branch_sql`'s selects.
    _MINE = (
        "SELECT id, parent FROM goals_goal WHERE cycle = {} AND state != 'withdrawn' AND owner = {}"
    )
    _CLIMB = (
        f"WITH RECURSIVE mine AS ({_MINE}), above(id, depth) AS ("  # noqa: S608 - placeholders and constants only
        " SELECT parent, 1 FROM mine WHERE parent IS NOT NULL UNION ALL"
        " SELECT g.parent, above.depth + 1 FROM goals_goal g JOIN above ON g.id = above.id"
        f" WHERE g.parent IS NOT NULL AND above.depth < {MAX_PARENT_DEPTH}) "
    )

    def _branch_sql(self) -> tuple[str, str, list[Any]]:
        """`viewers_branch`'s statement as its WITH clause (`mine`, `above`) and the select
        of the goals it names, and their values in that order."""
        goals = " UNION ".join(
            self._select(condition)
            for condition in (
                "g.id IN (SELECT id FROM mine)",
                "g.parent IN (SELECT id FROM mine)",
                "g.id IN (SELECT id FROM above)",
            )
        )
        return self._CLIMB, goals, [self.cycle_id, self.principal.person_id, *self.in_tree_args * 3]

    def _branch_of(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`viewers_branch` of the visible goals its statement read."""
        by_id = {row["id"]: row for row in rows}
        mine_ids = {row["id"] for row in rows if row["owner"] == self.principal.person_id}
        branch = {g for g, row in by_id.items() if g in mine_ids or row["parent"] in mine_ids}
        climbing = [by_id[g]["parent"] for g in mine_ids]
        while climbing:
            above = climbing.pop()
            if above in by_id and above not in branch:
                branch.add(above)
                climbing.append(by_id[above]["parent"])
        return [by_id[g] for g in branch]

    async def roots(self) -> list[dict[str, Any]]:
        """Goals whose parent the viewer cannot see in this tree (or that have none). A goal
        under a shared objective of its cycle (`Goal.parent_shared`) can be one only when
        that objective was withdrawn, so the tops are looked for among the others and the
        withdrawn goals' children, both from small indexes, and their parents are looked up
        by id: reading every goal of the cycle for them took 140-200 ms at 100,000 people."""
        loose = await self.read("(g.parent IS NULL OR NOT g.parent_shared)", [])
        orphaned = await self.read(
            "g.parent IN (SELECT w.id FROM goals_goal w WHERE w.cycle = {}"
            " AND w.state = 'withdrawn')",
            [self.cycle_id],
        )
        parents = sorted({row["parent"] for row in loose if row["parent"] is not None})
        seen = {row["id"] for row in await self.read_in("g.id IN ({in})", parents)}
        return list({r["id"]: r for r in loose + orphaned if r["parent"] not in seen}.values())

    async def children(
        self, parents: list[dict[str, Any]], first: int | None = None
    ) -> list[dict[str, Any]]:
        """The goals aligned to these, in tree order (by level, then title); `first`: only
        the first so many. When every goal read may be seen, only those are read: a level
        of section objectives' goals is hundreds for the few an answer takes."""
        if not parents:
            return []
        ids = [p["id"] for p in parents]
        then = ""
        if first is not None and self.reads_only_visible:
            then = f"ORDER BY {_tree_order_sql()} LIMIT {int(first)}"
        # Read in parts (any number of parents), each part's first ones: sorted together,
        # the first of all are among them.
        return sorted(await self.read_in("g.parent IN ({in})", ids, then), key=_tree_order)[:first]

    async def children_counts(self, goal_ids: list[UUID]) -> dict[UUID, int]:
        """How many goals the viewer may see are aligned to each of these: counted in SQL,
        the private ones by owner, whose relation to the viewer decides (unless every goal
        read may be seen)."""
        if self.reads_only_visible:
            counted = await fetch_in(
                "SELECT g.parent, count(*) AS aligned FROM goals_goal g"  # noqa: S608 - placeholders and constants only
                f" WHERE {self.in_tree} AND g.parent IN ({{in}}) GROUP BY g.parent",
                goal_ids,
                *self.in_tree_args,
            )
            return Counter({as_uuid(r["parent"]): int(r["aligned"]) for r in counted})
        rows = await fetch_in(
            "SELECT g.parent, CASE WHEN"  # noqa: S608 - placeholders and constants only
            f" {self.OPEN} THEN NULL ELSE g.owner END AS private_owner, count(*) AS aligned"
            f" FROM goals_goal g WHERE {self.in_tree} AND g.parent IN ({{in}})"
            " GROUP BY g.parent, private_owner",
            goal_ids,
            *self.in_tree_args,
        )
        counts: Counter[UUID] = Counter()
        owners = {as_uuid(r["private_owner"]) for r in rows if r["private_owner"] is not None}
        readable = await self.readable(owners)
        for row in rows:
            owner = row["private_owner"]
            if owner is None or as_uuid(owner) in readable:
                counts[as_uuid(row["parent"])] += int(row["aligned"])
        return counts


# A viewer whose known reach is at most this many people (a team and the teams under it) reads
# the tree's open goals through `SHARED_TREE_TOPS`; the few private goals they may see are
# read at once and merged in. A larger reach has too many to read at once.
SHARED_TOP_REACH = 100


async def _tree_reader(principal: Principal, cycle_id: UUID, verify: bool) -> _TreeReader:
    """How the tree's parts are read for this viewer (`verify` as in `SharedTreeTops`).
    Nothing read in an open transaction is kept: were it rolled back, the stamp would be
    read again as it was with other rows behind it."""
    reach = await KEPT_REACHES.reach(principal, verify)
    if in_transaction():
        return _TreeReader(principal, cycle_id, reach)
    if reach is not None and len(reach) <= SHARED_TOP_REACH:
        return await SHARED_TREE_TOPS.reader(principal, cycle_id, reach, verify)
    if reach is None and not principal.hr_company_wide:
        return _WithKeptOwners(principal, cycle_id, verify)
    return _TreeReader(principal, cycle_id, reach)


class KeptReaches:
    """Managers' known reaches (`org.queries.small_reach`: only a manager's is read) kept
    between requests in this process, the most recently used last, each under the state of
    `people` it was read under: a reach follows who manages whom, and every change of a
    manager logs `people`. The state is read before the reach (a tree's ETag reads it), so a
    change committed in between leaves the reach stamped older: read again next time, never
    kept stale. A reach of more than `SHARED_TOP_REACH` people (up to a thousand ids) is
    not kept; that one is larger than `KEPT_REACH` is. `verify` (the tests) reads every
    reach again and raises `StaleVersionError` when a kept one of the same state differs."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[UUID, tuple[versions.State, frozenset[UUID] | None]]
        self._kept = OrderedDict()

    async def reach(self, principal: Principal, verify: bool) -> frozenset[UUID] | None:
        if Role.MANAGER not in principal.roles:
            return await org.small_reach(principal, _TreeReader.KEPT_REACH)
        people = (await versions.states([versions.PEOPLE]))[versions.PEOPLE]
        stamp, kept = self._kept.get(principal.person_id, (None, None))
        if stamp == people and not verify:
            self._kept.move_to_end(principal.person_id)
            return kept
        reach = await org.small_reach(principal, _TreeReader.KEPT_REACH)
        if stamp == people and kept != reach:
            raise versions.StaleVersionError("a reach kept for a manager changed under its stamp")
        if not in_transaction() and (reach is None or len(reach) <= SHARED_TOP_REACH):
            keep_recent(self._kept, principal.person_id, (people, reach), self.size)
        return reach

    def forget(self) -> None:
        """As a process started afresh (the tests)."""
        self._kept.clear()


# The managers who opened a tree lately; a first-line manager's reach is about ten ids.
KEPT_REACHES = KeptReaches(2_048)


class KeptReadableOwners:
    """Whose private goals each viewer of no known reach (an HR partner, a manager of a
    thousand people or more) may read, as relations walked up from each owner say
    (`_private_goals_readable`): kept between requests in this process for each viewer
    (`versions.viewer`, which names their HR scope too), the most recently used last, under
    the state of `people` they were found under. A relation follows who manages whom and the
    departments people are in and under, and every change of those logs `people`. The state
    is read before the relations (a tree's ETag reads it), so a change committed in between
    leaves them stamped older: found again next time, never kept stale. An HR partner's tree
    asked about four hundred owners, in statements taking half of its database's time.
    `verify` (the tests) finds every owner's again and raises `StaleVersionError` when a kept
    answer of the same state differs."""

    def __init__(self, viewers: int, owners: int) -> None:
        self.viewers, self.owners = viewers, owners
        self._kept: OrderedDict[str, tuple[versions.State, dict[UUID, bool]]] = OrderedDict()

    async def readable(self, principal: Principal, owners: set[UUID], verify: bool) -> set[UUID]:
        if not owners:
            return set()
        people = (await versions.states([versions.PEOPLE]))[versions.PEOPLE]
        viewer = versions.viewer(principal)
        stamp, known = self._kept.get(viewer, (None, {}))
        if stamp != people:
            known = {}
        asked = owners if verify else owners - known.keys()
        if not asked:
            self._kept.move_to_end(viewer)
            return {owner for owner in owners if known[owner]}
        found = await _private_goals_readable(principal, asked, None)
        answers = {owner: owner in found for owner in asked}
        if any(known.get(owner, reads) != reads for owner, reads in answers.items()):
            raise versions.StaleVersionError("a relation kept for a viewer changed under its stamp")
        # With what the viewer has kept under the same stamp since (another request may have
        # kept newer ones), or afresh; more than `owners` besides a read's own are not kept.
        stamp, kept = self._kept.get(viewer, (None, {}))
        if stamp != people or len(kept) >= self.owners:
            kept = {}
        kept.update(answers)
        keep_recent(self._kept, viewer, (people, kept), self.viewers)
        return {owner for owner in owners if (answers[owner] if owner in answers else known[owner])}

    def forget(self) -> None:
        """As a process started afresh (the tests)."""
        self._kept.clear()


# The HR partners and senior managers who opened a tree lately, a tree asking about a few
# hundred owners: at most about 13 MB (an owner's id and answer about 100 bytes).
KEPT_READABLE_OWNERS = KeptReadableOwners(viewers=64, owners=2_048)


# What the reads of a tree's open goals were made under: the change-log states of `goal_tree`
# (goals added, removed, withdrawn), `goal_outlines` (titles, levels, visibility, alignment,
# owners, cycles) and `strategy` (the cycle and its themes).
TOP_TOPICS = (versions.GOAL_TREE, versions.GOAL_OUTLINES, versions.STRATEGY)
TopStamp = tuple[versions.State, ...]  # in the order of TOP_TOPICS


class _OpenTop:
    """The reads of one cycle's tree that are the same for every viewer (the cycle and its
    themes; of the open goals only, the tops, the first goals aligned to a level, how many
    are aligned to a goal), kept under one stamp."""

    # Levels kept: every viewer's tree opens the same few at its top.
    LEVELS = 64
    COUNTS = 8_192

    def __init__(self, stamp: TopStamp, reader: _TreeReader) -> None:
        self.stamp, self.reader = stamp, reader
        self._strategy: tuple[CycleRead, list[ThemeRead]] | None = None
        self._roots: list[dict[str, Any]] | None = None
        self._levels: OrderedDict[tuple[tuple[UUID, ...], int], list[dict[str, Any]]]
        self._levels = OrderedDict()
        self._counts: OrderedDict[UUID, int] = OrderedDict()

    async def strategy(self, verify: bool) -> tuple[CycleRead, list[ThemeRead]]:
        if self._strategy is None or verify:
            fresh = await self.reader.strategy()
            _check_kept(verify, self._strategy, fresh, "the cycle and themes")
            self._strategy = fresh
        return self._strategy

    async def roots(self, verify: bool) -> list[dict[str, Any]]:
        if self._roots is None or verify:
            fresh = await self.reader.roots()
            _check_kept(verify, self._roots, fresh, "tops")
            self._roots = fresh
        return self._roots

    async def children(self, parent_ids: list[UUID], verify: bool) -> list[dict[str, Any]]:
        """The first `TREE_GOALS` open goals aligned to these, in tree order: no level of
        a tree takes more."""
        key = (tuple(sorted(parent_ids)), TREE_GOALS)
        kept = self._levels.get(key)
        if kept is None or verify:
            fresh = await self.reader.children([{"id": g} for g in parent_ids], TREE_GOALS)
            _check_kept(verify, kept, fresh, "a level")
            kept = fresh
        keep_recent(self._levels, key, kept, self.LEVELS)
        return kept

    async def children_counts(self, goal_ids: list[UUID], verify: bool) -> Counter[UUID]:
        # Taken before the read, during which another request may let some go.
        kept = {g: self._counts[g] for g in goal_ids if g in self._counts}
        missing = [g for g in goal_ids if verify or g not in kept]
        counted = await self.reader.children_counts(missing) if missing else Counter()
        counts = Counter(kept)
        for goal_id in missing:
            _check_kept(verify, kept.get(goal_id), counted[goal_id], "a count")
            counts[goal_id] = counted[goal_id]
            keep_recent(self._counts, goal_id, counted[goal_id], self.COUNTS)
        if not verify:  # else every one was counted again and kept above
            for goal_id, count in kept.items():
                if goal_id in self._counts:
                    self._counts.move_to_end(goal_id)
                else:  # let go during the read
                    keep_recent(self._counts, goal_id, count, self.COUNTS)
        return counts


def _check_kept(verify: bool, kept: object, fresh: object, what: str) -> None:
    if verify and kept is not None and kept != fresh:
        raise versions.StaleVersionError(f"{what} kept for every tree changed under its stamp")


class SharedTreeTops:
    """The reads of each cycle's tree that only open goals answer (company, department and
    team goals, and public individual ones), kept between requests in this process: they
    are the same for every viewer, and were half of a tree's work. Used while the states of
    `goal_tree` and `goal_outlines` they were read under hold, read before them (a write
    committed in between is in reads stamped older: read again next time, never kept
    stale). `verify` (the tests) reads everything again and raises `StaleVersionError` when
    a kept read of the same stamp differs."""

    def __init__(self, cycles: int) -> None:
        self.cycles = cycles
        self._kept: OrderedDict[UUID, _OpenTop] = OrderedDict()

    async def reader(
        self, principal: Principal, cycle_id: UUID, reach: frozenset[UUID], verify: bool
    ) -> _WithSharedTop:
        logged = await versions.states(TOP_TOPICS)
        stamp = tuple(logged[topic] for topic in TOP_TOPICS)
        top = self._kept.get(cycle_id)
        if top is None or top.stamp != stamp:
            # Its rows are open goals, which `_readable` lets through for anyone.
            top = _OpenTop(stamp, _TreeReader(principal, cycle_id, frozenset()))
            await top.strategy(verify)  # a cycle that does not exist is refused, not kept
            keep_recent(self._kept, cycle_id, top, self.cycles)
        return await _WithSharedTop.for_reach(principal, cycle_id, reach, top, verify)

    def forget(self) -> None:
        """As a process started afresh (the tests)."""
        self._kept.clear()


# A company plans a cycle or two at a time.
SHARED_TREE_TOPS = SharedTreeTops(8)


class _WithKeptOwners(_TreeReader):
    """A tree's parts as `_TreeReader` reads them for a viewer of no known reach, with whose
    private goals they may read kept between requests (`KEPT_READABLE_OWNERS`)."""

    def __init__(self, principal: Principal, cycle_id: UUID, verify: bool) -> None:
        super().__init__(principal, cycle_id, None)
        self.verify = verify

    async def readable(self, owners: set[UUID]) -> set[UUID]:
        return await KEPT_READABLE_OWNERS.readable(self.principal, owners, self.verify)


class _WithSharedTop(_TreeReader):
    """A tree's parts as `_TreeReader` reads them for a viewer of a small known reach, made
    of the kept reads of the open goals (`_OpenTop`) and the private goals the viewer may
    see (the reach's), read at once with their parents and merged into each part."""

    def __init__(
        self,
        principal: Principal,
        cycle_id: UUID,
        reach: frozenset[UUID],
        top: _OpenTop,
        verify: bool,
    ) -> None:
        super().__init__(principal, cycle_id, reach)
        self.top, self.verify = top, verify
        self.private: list[dict[str, Any]] = []
        self.private_roots: list[dict[str, Any]] = []
        self.private_ids: set[UUID] = set()
        self.branch: list[dict[str, Any]] = []

    @classmethod
    async def for_reach(
        cls,
        principal: Principal,
        cycle_id: UUID,
        reach: frozenset[UUID],
        top: _OpenTop,
        verify: bool,
    ) -> _WithSharedTop:
        tree = cls(principal, cycle_id, reach, top, verify)
        await tree._read_own(reach)
        return tree

    async def _read_own(self, reach: frozenset[UUID]) -> None:
        """The private goals of the reach (which holds the viewer), with what `_at_top` asks
        of their parents, and the goals of the viewer's branch: one statement, where they
        were two of a tree's five."""
        climb, branch, args = self._branch_sql()
        people = sorted(reach)
        rows = await fetch(
            f"{climb}SELECT FALSE AS private, b.*, NULL AS parent_shared, NULL AS parent_cycle,"  # noqa: S608 - placeholders and constants only
            " NULL AS parent_state, NULL AS parent_level, NULL AS parent_visibility,"
            f" NULL AS parent_owner FROM ({branch}) b"
            f" UNION ALL SELECT TRUE, {self.COLUMNS}, g.parent_shared, p.cycle, p.state, p.level,"
            " p.visibility, p.owner FROM goals_goal g LEFT JOIN goals_goal p ON p.id = g.parent"
            f" WHERE g.cycle = {{}} AND g.state != 'withdrawn' AND NOT {self.OPEN}"
            f" AND g.owner IN ({placeholders(people)})",
            *args,
            self.cycle_id,
            *people,
        )
        branch_rows = []
        for row in rows:
            tree_row = _tree_row({column: row[column] for column in self.COLUMN_NAMES})
            if not row["private"]:
                branch_rows.append(tree_row)
                continue
            self.private.append(tree_row)
            if self._at_top(row, self.cycle_id, reach):
                self.private_roots.append(tree_row)
        self.private_ids = {row["id"] for row in self.private}
        self.branch = self._branch_of(await self._visible_of(branch_rows))

    @staticmethod
    def _at_top(row: dict[str, Any], cycle_id: UUID, reach: frozenset[UUID]) -> bool:
        """`roots` for a private goal: none above it, or one the viewer cannot see in this
        tree (withdrawn, of another cycle, or private to someone outside the reach); a goal
        under a shared objective has it above unless it was withdrawn."""
        if row["parent"] is None:
            return True
        parent_in_tree = as_uuid(row["parent_cycle"]) == cycle_id
        if parent_in_tree and row["parent_state"] == "withdrawn":
            return True
        if row["parent_shared"]:
            return False
        parent_seen = policy.is_open(row["parent_level"], row["parent_visibility"]) or (
            as_uuid(row["parent_owner"]) in reach
        )
        return not (parent_in_tree and parent_seen)

    async def strategy(self) -> tuple[CycleRead, list[ThemeRead]]:
        return await self.top.strategy(self.verify)

    async def viewers_branch(self) -> list[dict[str, Any]]:
        return self.branch

    async def roots(self) -> list[dict[str, Any]]:
        # An open goal under a private one the viewer sees is not at the top for them.
        shared = await self.top.roots(self.verify)
        return [r for r in shared if r["parent"] not in self.private_ids] + self.private_roots

    async def children(
        self, parents: list[dict[str, Any]], first: int | None = None
    ) -> list[dict[str, Any]]:
        if first is None or first > TREE_GOALS:
            return await super().children(parents, first)
        ids = [p["id"] for p in parents]
        under = set(ids)
        shared = await self.top.children(ids, self.verify) if ids else []
        private = [row for row in self.private if row["parent"] in under]
        if not private:  # as most levels: the kept ones are in tree order already
            return shared[:first]
        return sorted(shared + private, key=_tree_order)[:first]

    async def children_counts(self, goal_ids: list[UUID]) -> dict[UUID, int]:
        counts = await self.top.children_counts(goal_ids, self.verify)
        wanted = set(goal_ids)
        counts.update(row["parent"] for row in self.private if row["parent"] in wanted)
        return counts


def _tree_row(row: dict[str, Any]) -> dict[str, Any]:
    goal_id = as_uuid(row["id"])
    return {
        **row,
        "id": goal_id,
        "parent": as_uuid(row["parent"]) if row["parent"] is not None else None,
        "theme": as_uuid(row["theme"]) if row["theme"] is not None else None,
        "owner": as_uuid(row["owner"]),
        "order": (LEVEL_ORDER[row["level"]], row["title"], goal_id),
    }


async def _goal_rows(goal_ids: list[UUID]) -> list[dict[str, Any]]:
    return await fetch_in(f"{GOAL_SELECT} WHERE g.id IN ({{in}})", goal_ids)


async def goal_children(principal: Principal, goal_id: UUID, verify: bool) -> list[TreeNode]:
    """The goals aligned to one the viewer may read, in its cycle's tree as far as the viewer
    may see it (the same reads as the tree, so they are the ones its `more` counted), each
    with how many are aligned to it in turn (`more`: not included)."""
    parent, _ = await _readable_goal(principal, goal_id)
    tree = await _TreeReader.of(principal, parent["cycle"])
    children = await tree.children([parent])
    below = await tree.children_counts([c["id"] for c in children])
    owners = {c["id"]: c["owner"] for c in children}
    summaries = await SHARED_SUMMARIES.of(principal, owners, verify)
    return [
        TreeNode(goal=summaries[c["id"]], children=[], more=below.get(c["id"], 0)) for c in children
    ]


async def parent_choices(
    principal: Principal, cycle_id: UUID, query: str, exclude: UUID | None, limit: int
) -> list[ParentChoice]:
    """Objectives of this cycle a goal may be aligned to, nearest first: the viewer's own,
    then each manager's above them up to the top (their team's, department's and company's
    objectives), then the rest by level and title. Without a search: those nearest ones and
    the company's objectives; with one, any whose title holds it, so a large company's
    thousands of team objectives are found, not listed. Shared objectives only, which
    everyone may read (`policy.can_read`); withdrawn ones are left out, and so are `exclude`
    and the goals below it, as a goal cannot be aligned beneath itself."""
    await _get_cycle(cycle_id, status=404)
    chain = await org.manager_chain(principal.person_id)
    below, below_args = "", []
    if exclude is not None:
        below = (
            "WITH RECURSIVE below(id, depth) AS (SELECT id, 0 FROM goals_goal WHERE id = {}"  # noqa: S608 - a constant only
            " UNION ALL SELECT g.id, below.depth + 1 FROM goals_goal g JOIN below"
            f" ON g.parent = below.id WHERE below.depth < {MAX_PARENT_DEPTH}) "
        )
        below_args = [exclude]
    nearness = " ".join(f"WHEN {{}} THEN {depth}" for depth in range(len(chain)))
    where = "g.cycle = {} AND g.state != 'withdrawn' AND g.level != 'individual'"
    where_args: list[Any] = [cycle_id]
    if query:
        where += f" AND g.title {like_ignoring_case()} {{}}"
        where_args.append(contains_pattern(query))
    else:
        where += f" AND (g.level = 'company' OR g.owner IN ({placeholders(chain)}))"
        where_args += chain
    if below:
        where += " AND g.id NOT IN (SELECT id FROM below)"
    rows = await fetch(
        f"{below}SELECT g.id, g.level, g.title, g.owner, p.display_name AS owner_name,"  # noqa: S608 - placeholders and constants only
        " d.name AS department_name"
        " FROM goals_goal g JOIN org_person p ON p.id = g.owner"
        " LEFT JOIN org_department d ON d.id = g.department"
        f" WHERE {where} ORDER BY CASE g.owner {nearness} ELSE {len(chain)} END,"
        f" {LEVEL_ORDER_SQL}, g.title, g.id LIMIT {{}}",
        *below_args,
        *where_args,
        *chain,
        limit,
    )
    return [
        ParentChoice(
            id=as_uuid(r["id"]),
            level=r["level"],
            title=r["title"],
            owner=PersonRef(id=as_uuid(r["owner"]), display_name=r["owner_name"]),
            department_name=r["department_name"],
        )
        for r in rows
    ]


async def _ancestor_chains(goal_ids: list[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """Each goal's chain of parents, nearest first (bounded, so bad data cannot loop)."""
    rows = await fetch_in(
        "WITH RECURSIVE up(origin, id, parent, depth) AS ("  # noqa: S608 - formats in a constant only
        " SELECT id, id, parent, 0 FROM goals_goal WHERE id IN ({in})"
        " UNION ALL SELECT up.origin, g.id, g.parent, up.depth + 1 FROM goals_goal g"
        f" JOIN up ON g.id = up.parent WHERE up.depth < {MAX_PARENT_DEPTH})"
        " SELECT up.origin, g.id, g.level, g.visibility, g.owner, g.title, g.theme"
        " FROM up JOIN goals_goal g ON g.id = up.id WHERE up.depth > 0"
        " ORDER BY up.origin, up.depth",
        goal_ids,
    )
    chains: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        chains[as_uuid(row["origin"])].append(row)
    return chains


async def _ancestors(goal_id: UUID) -> list[dict[str, Any]]:
    return (await _ancestor_chains([goal_id]))[goal_id]


async def _alignments(
    principal: Principal, goal_ids: list[UUID], themes: dict[UUID, UUID | None]
) -> dict[UUID, list[AlignmentStep]]:
    """ "Why this goal", for each goal (with its own theme, if any, in `themes`): each parent
    up to the top, then the theme the chain serves."""
    chains = await _ancestor_chains(goal_ids)
    relations = await _relations(principal, (a["owner"] for c in chains.values() for a in c))
    served = {
        goal_id: next((a["theme"] for a in chains[goal_id] if a["theme"]), None)
        if themes[goal_id] is None
        else themes[goal_id]
        for goal_id in goal_ids
    }
    theme_rows = await fetch_in(
        "SELECT id, name FROM goals_theme WHERE id IN ({in})",
        sorted({t for t in served.values() if t is not None}),
    )
    theme_names = {row["id"]: row["name"] for row in theme_rows}
    alignments: dict[UUID, list[AlignmentStep]] = {}
    for goal_id in goal_ids:
        steps = []
        for ancestor in chains[goal_id]:
            visible = policy.can_read(
                ancestor["level"], ancestor["visibility"], relations[ancestor["owner"]]
            )
            steps.append(
                AlignmentStep(
                    id=ancestor["id"] if visible else None,
                    kind="goal",
                    level=ancestor["level"],
                    title=ancestor["title"] if visible else None,
                    hidden=not visible,
                )
            )
        theme_id = served[goal_id]
        if theme_id in theme_names:
            steps.append(
                AlignmentStep(
                    id=theme_id, kind="theme", level=None, title=theme_names[theme_id], hidden=False
                )
            )
        alignments[goal_id] = steps
    return alignments


def _content(row: dict[str, Any], krs: list[dict[str, Any]], version: int) -> GoalContent:
    """The live rows as signable content."""
    return GoalContent(
        goal_id=row["id"],
        version=version,
        owner_id=row["owner_id"],
        cycle_id=row["cycle"],
        title=row["title"],
        description=row["description"],
        theme_id=row["theme"],
        parent_id=row["parent"],
        weight=row["weight"],
        priority=row["priority"],
        support_needed=row["support_needed"],
        support_from_person_id=row["support_person_id"],
        support_from_department_id=row["support_from_department"],
        key_results=[
            KeyResultContent(
                id=kr["id"],
                title=kr["title"],
                metric_kind=kr["metric_kind"],
                start_value=kr["start_value"],
                target_value=kr["target_value"],
                unit=kr["unit"],
                direction=kr["direction"],
                due_on=kr["due_on"],
                weight=kr["weight"],
                standards=kr["standards"].split(),
                milestones=_milestones(kr),
            )
            for kr in krs
        ],
    )


async def _version_row(goal_id: UUID, version: int) -> dict[str, Any] | None:
    return (
        await GoalVersion.select()
        .where((GoalVersion.goal == goal_id) & (GoalVersion.version == version))
        .first()
    )


async def _keeps_objective(
    principal: Principal, row: dict[str, Any], relations: frozenset[Relation]
) -> bool:
    """Whether the principal keeps this shared objective: edits it, records its progress,
    closes it. Individual goals have parties instead."""
    if row["level"] == "individual":
        return False
    in_scope = row["level"] == "department" and await org.department_in_hr_scope(
        principal, row["department"]
    )
    return policy.can_edit_objective(principal, relations, in_scope)


def _permissions(
    row: dict[str, Any], relations: frozenset[Relation], signed: bool, keeper: bool
) -> GoalPermissions:
    if row["level"] != "individual":
        editor = keeper and row["state"] not in policy.FINAL_STATES
        return GoalPermissions(
            edit=editor,
            propose=False,
            sign=False,
            comment=editor,
            amend=False,
            activate=False,
            withdraw=editor,
            close=editor,
            record_progress=editor,
            change_visibility=False,
        )
    actions = policy.allowed_actions(
        row["state"],
        policy.signer_role(relations),
        owner_has_manager=row["owner_manager"] is not None,
        signed_open_version=signed,
        amendment_open=row["state"] in policy.AGREED_STATES
        and row["version"] != row["agreed_version"],
    )
    return GoalPermissions(**actions)


async def get_goal(principal: Principal, goal_id: UUID, log_access: bool = True) -> GoalRead:
    row, relations = await _readable_goal(principal, goal_id)
    if log_access:
        logged = policy.logged_relation(row["level"], relations)
        if logged is not None and row["visibility"] == "private":
            await audit.record_access(principal.person_id, row["owner_id"], "goal", logged, goal_id)
    return (await _goal_reads(principal, [row], {row["owner_id"]: relations}))[0]


async def my_goals_in(principal: Principal, cycle_ids: Iterable[UUID]) -> list[GoalRead]:
    """My individual goals of these cycles in full, all but withdrawn ones: what a phone keeps
    to record progress offline."""
    rows = await fetch_in(
        f"{GOAL_SELECT} WHERE g.owner = {{}} AND g.level = 'individual'"
        " AND g.state != 'withdrawn' AND g.cycle IN ({in}) ORDER BY g.created_at",
        sorted(cycle_ids),
        principal.person_id,
    )
    return await _goal_reads(principal, rows, await _relations(principal, [principal.person_id]))


async def _version_hashes(shown: dict[UUID, int]) -> dict[UUID, str]:
    """The content hash of each goal's shown version (goal -> version)."""
    rows = await fetch_in(
        "SELECT goal, version, content_hash FROM goals_version WHERE goal IN ({in})", sorted(shown)
    )
    return {r["goal"]: r["content_hash"] for r in rows if shown[r["goal"]] == r["version"]}


async def _goal_reads(
    principal: Principal, rows: list[dict[str, Any]], relations: dict[UUID, frozenset[Relation]]
) -> list[GoalRead]:
    """Goal rows the principal may read (with its relations to their owners) -> goals in full,
    in a fixed number of queries."""
    ids = [r["id"] for r in rows]
    krs = await _key_result_rows(ids)
    cycles = await _cycle_rows(r["cycle"] for r in rows)
    signatures = await _signatures(ids)
    shown = {r["id"]: _open_version(r) or r["agreed_version"] for r in rows}
    hashes = await _version_hashes({goal: version for goal, version in shown.items() if version})
    alignments = await _alignments(principal, ids, {r["id"]: r["theme"] for r in rows})
    today = _today()
    reads = []
    for row in rows:
        goal_id, owner = row["id"], relations[row["owner_id"]]
        starts_on = cycles[row["cycle"]]["starts_on"]
        reading = goal_pace(krs[goal_id], starts_on, today, row["state"])
        summary = _for_viewer(_summary(row, reading), _awaiting(row, owner, signatures[goal_id]))
        open_version = _open_version(row)
        role = policy.signer_role(owner)
        signed = any(
            s["version"] == open_version and s["role"] == role for s in signatures[goal_id]
        )
        content_hash = (
            hashes[goal_id]
            if goal_id in hashes
            else goal_content.content_hash(_content(row, krs[goal_id], row["version"]))
        )
        reads.append(
            GoalRead(
                **summary.model_dump(),
                description=row["description"],
                department_id=row["department"],
                support=SupportRead(
                    needed=row["support_needed"],
                    from_person=PersonRef(
                        id=row["support_person_id"], display_name=row["support_person_name"]
                    )
                    if row["support_person_id"]
                    else None,
                    from_department_id=row["support_from_department"],
                ),
                key_results=[
                    _kr_read(kr, starts_on, today, _tracking(row["state"])) for kr in krs[goal_id]
                ],
                score=row["score"],
                version=row["version"],
                content_hash=content_hash,
                agreed_version=row["agreed_version"],
                signatures=[
                    _signature(s) for s in signatures[goal_id] if s["version"] == shown[goal_id]
                ],
                alignment=alignments[goal_id],
                permissions=_permissions(
                    row, owner, signed, await _keeps_objective(principal, row, owner)
                ),
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
        )
    return reads


async def list_versions(principal: Principal, goal_id: UUID) -> list[GoalVersionRead]:
    await _readable_goal(principal, goal_id)
    rows = (
        await GoalVersion.select(
            *GoalVersion.all_columns(exclude=[GoalVersion.created_by]),
            GoalVersion.created_by.id.as_alias("author_id"),
            GoalVersion.created_by.display_name.as_alias("author_name"),
        )
        .where(GoalVersion.goal == goal_id)
        .order_by(GoalVersion.version)
    )
    signatures = (await _signatures([goal_id]))[goal_id]
    return [
        GoalVersionRead(
            version=r["version"],
            status=r["status"],
            reason=r["reason"],
            content=GoalContent.model_validate_json(r["content"]),
            content_hash=r["content_hash"],
            created_by=PersonRef(id=r["author_id"], display_name=r["author_name"]),
            created_at=r["created_at"],
            signatures=[_signature(s) for s in signatures if s["version"] == r["version"]],
        )
        for r in rows
    ]


# --- writing goals ----------------------------------------------------------------------------


async def _check_links(principal: Principal, content: GoalContent) -> None:
    """The theme and parent exist, the viewer may see the parent, and the parent chain does
    not come back to this goal."""
    if content.theme_id is not None and not await StrategyTheme.exists().where(
        StrategyTheme.id == content.theme_id
    ):
        raise ProblemError(422, "unknown_theme", "There is no such strategy theme.")
    if content.parent_id is not None:
        if content.parent_id == content.goal_id:
            raise _parent_cycle()
        try:
            await _readable_goal(principal, content.parent_id)
        except ProblemError as exc:
            raise ProblemError(422, "unknown_parent", "There is no such parent objective.") from exc
        if any(a["id"] == content.goal_id for a in await _ancestors(content.parent_id)):
            raise _parent_cycle()
    if content.support_from_person_id is not None and not await org.is_active_person(
        content.support_from_person_id
    ):
        raise ProblemError(422, "unknown_person", "There is no such colleague.")
    if content.support_from_department_id is not None and not await org.department_exists(
        content.support_from_department_id
    ):
        raise ProblemError(422, "unknown_department", "There is no such department.")


def _parent_cycle() -> ProblemError:
    return ProblemError(
        422, "parent_cycle", "A goal cannot support itself, directly or through its parents."
    )


async def _check_weights(content: GoalContent, cycle: CycleRead) -> None:
    """A person's goals in a cycle (all but withdrawn ones) must weigh 100 % together."""
    others = (
        await Goal.select(Goal.title, Goal.weight)
        .where(
            (Goal.owner == content.owner_id)
            & (Goal.cycle == content.cycle_id)
            & (Goal.level == "individual")
            & (Goal.state != "withdrawn")
            & (Goal.id != content.goal_id)
        )
        .order_by(Goal.created_at)
    )
    lines = [(r["title"], r["weight"]) for r in others] + [(content.title, content.weight)]
    goal_content.check_weight_total(cycle.name, lines)


async def _check_content(principal: Principal, content: GoalContent, proposal: bool) -> None:
    cycle = await _get_cycle(content.cycle_id)
    goal_content.check_measures(content.key_results, cycle.starts_on, cycle.ends_on)
    await _check_links(principal, content)
    if proposal:
        goal_content.check_four_questions(content)
        await _check_weights(content, cycle)


def _kr_values(kr: KeyResultContent, goal_id: UUID, position: int) -> dict[str, Any]:
    return {
        "goal": goal_id,
        "position": position,
        "title": kr.title,
        "metric_kind": kr.metric_kind,
        "start_value": kr.start_value,
        "target_value": kr.target_value,
        "unit": kr.unit,
        "direction": kr.direction,
        "due_on": kr.due_on,
        "weight": kr.weight,
        "standards": " ".join(kr.standards),
        "milestones": json.dumps([m.model_dump(mode="json") for m in kr.milestones]),
    }


async def _parent_shared(parent_id: UUID | None, cycle_id: UUID) -> bool:
    """`Goal.parent_shared` for a goal of this cycle under this parent: the parent is a
    shared objective of the same cycle."""
    return parent_id is not None and await Goal.exists().where(
        (Goal.id == parent_id) & (Goal.level != "individual") & (Goal.cycle == cycle_id)
    )


def _goal_values(content: GoalContent, parent_shared: bool) -> dict[str, Any]:
    """The goal row's columns that hold signable content (key results apart), and what
    follows from its parent (`_parent_shared`)."""
    return {
        "title": content.title,
        "description": content.description,
        "theme": content.theme_id,
        "parent": content.parent_id,
        "parent_shared": parent_shared,
        "weight": content.weight,
        "priority": content.priority,
        "support_needed": content.support_needed,
        "support_from_person": content.support_from_person_id,
        "support_from_department": content.support_from_department_id,
    }


async def _write_content(content: GoalContent) -> None:
    """Make the live rows say what the content says. A key result dropped from the content
    is deleted, or retired when it has progress (the log is never rewritten)."""
    values = _goal_values(content, await _parent_shared(content.parent_id, content.cycle_id))
    await Goal.update(**values, updated_at=now()).where(Goal.id == content.goal_id)
    current = await KeyResult.select(KeyResult.id).where(
        (KeyResult.goal == content.goal_id) & (KeyResult.retired == False)  # noqa: E712
    )
    kept = {kr.id for kr in content.key_results}
    for gone in (r["id"] for r in current if r["id"] not in kept):
        if await ProgressEntry.exists().where(ProgressEntry.key_result == gone):
            await KeyResult.update({KeyResult.retired: True}).where(KeyResult.id == gone)
        else:
            await KeyResult.delete().where(KeyResult.id == gone)
    existing = {r["id"] for r in current}
    for position, kr in enumerate(content.key_results):
        values = _kr_values(kr, content.goal_id, position)
        if kr.id in existing:
            await KeyResult.update(**values).where(KeyResult.id == kr.id)
        else:
            await KeyResult.insert(KeyResult(id=kr.id, current_value=kr.start_value, **values))


async def _insert_version(content: GoalContent, reason: str, author: UUID) -> None:
    await GoalVersion.insert(
        GoalVersion(
            id=uuid4(),
            goal=content.goal_id,
            version=content.version,
            status="open",
            reason=reason,
            content=content.model_dump_json(),
            content_hash=goal_content.content_hash(content),
            created_by=author,
            created_at=now(),
        )
    )


async def create_goal(principal: Principal, data: GoalCreate) -> GoalRead:
    owner = data.owner_id or principal.person_id
    if data.level == "department" and data.department_id is None:
        raise ProblemError(
            422, "department_required", "A department objective names its department."
        )
    if data.department_id is not None and not await org.department_exists(data.department_id):
        raise ProblemError(422, "unknown_department", "There is no such department.")
    if data.level == "individual":
        if owner != principal.person_id:
            relations = (await _relations(principal, [owner]))[owner]
            if Relation.DIRECT_MANAGER not in relations:
                raise ProblemError(
                    403, "not_a_party", "You can draft goals for yourself and your direct reports."
                )
    elif not policy.can_create_objective(
        principal,
        data.level,
        data.department_id is not None
        and await org.department_in_hr_scope(principal, data.department_id),
    ):
        raise forbidden("Your role does not allow creating this kind of objective.")
    elif data.level == "team" and owner != principal.person_id and not policy.can_plan(principal):
        raise forbidden("A team objective belongs to the manager who creates it.")
    if not await org.is_active_person(owner):
        raise ProblemError(422, "unknown_person", "There is no such colleague.")
    goal_id = uuid4()
    content = _new_content(data, goal_id, owner)
    await _check_content(principal, content, proposal=False)
    individual = data.level == "individual"
    async with write_transaction():
        await Goal.insert(
            Goal(
                id=goal_id,
                level=data.level,
                owner=owner,
                department=data.department_id,
                cycle=data.cycle_id,
                # Shared objectives are announced, not negotiated: they start active and open.
                visibility=data.visibility if individual else "public",
                state="draft" if individual else "active",
                created_by=principal.person_id,
                created_at=now(),
                updated_at=now(),
            )
        )
        await _write_content(content)
    return await get_goal(principal, goal_id, log_access=False)


def _require_party(row: dict[str, Any], relations: frozenset[Relation]) -> str:
    """The principal's signer role in an individual goal; 403 for readers who are not a party."""
    role = policy.signer_role(relations) if row["level"] == "individual" else None
    if role is None:
        raise ProblemError(
            403, "not_a_party", "Only the goal's owner and their direct manager can do this."
        )
    return role


def _agreed_conflict() -> ProblemError:
    return ProblemError(
        409,
        "goal_agreed",
        "This goal was agreed and signed; propose an amendment to change it.",
    )


def _closed_conflict() -> ProblemError:
    return ProblemError(409, "goal_closed", "This goal is closed or withdrawn.")


async def update_goal(principal: Principal, goal_id: UUID, data: GoalUpdate) -> GoalRead:
    row, relations = await _readable_goal(principal, goal_id)
    changes = data.model_fields_set
    if row["state"] in policy.FINAL_STATES:
        raise _closed_conflict()
    if row["level"] != "individual":
        if not await _keeps_objective(principal, row, relations):
            raise forbidden("Only the objective's owner, HR and leadership can change it.")
        live = _content(row, await _krs(goal_id), 0)
        content = goal_content.apply_changes(live, data, 0)
        await _check_content(principal, content, proposal=False)
        async with write_transaction():
            await _write_content(content)
        return await get_goal(principal, goal_id, log_access=False)
    if changes == {"visibility"} and Relation.SELF in relations:
        # Who may read a goal is the owner's choice at any time; it is not part of what is signed.
        await Goal.update({Goal.visibility: data.visibility, Goal.updated_at: now()}).where(
            Goal.id == goal_id
        )
        return await get_goal(principal, goal_id, log_access=False)
    _require_party(row, relations)
    if data.visibility is not None and Relation.SELF not in relations:
        raise ProblemError(403, "owner_only", "Only the owner decides who may read their goal.")
    if row["state"] in policy.AGREED_STATES:
        raise _agreed_conflict()
    negotiating = row["state"] in policy.NEGOTIATING_STATES
    version = row["version"] + 1 if negotiating else row["version"]
    live = _content(row, await _krs(goal_id), row["version"])
    content = goal_content.apply_changes(live, data, version)
    await _check_content(principal, content, proposal=negotiating)
    async with write_transaction():
        if data.visibility is not None:
            await Goal.update({Goal.visibility: data.visibility}).where(Goal.id == goal_id)
        await _write_content(content)
        if negotiating:
            # A change during negotiation is a counter-proposal: a new version to sign.
            await GoalVersion.update({GoalVersion.status: "superseded"}).where(
                (GoalVersion.goal == goal_id) & (GoalVersion.status == "open")
            )
            await _insert_version(content, "", principal.person_id)
            await Goal.update({Goal.state: "in_discussion", Goal.version: version}).where(
                Goal.id == goal_id
            )
    return await get_goal(principal, goal_id, log_access=False)


async def transition(principal: Principal, goal_id: UUID, data: TransitionRequest) -> GoalRead:
    row, relations = await _readable_goal(principal, goal_id)
    if row["level"] != "individual":
        await _transition_objective(principal, row, relations, data)
        return await get_goal(principal, goal_id, log_access=False)
    role = _require_party(row, relations)
    allowed = policy.allowed_actions(
        row["state"],
        role,
        owner_has_manager=row["owner_manager"] is not None,
        signed_open_version=False,
        amendment_open=False,
    )
    if not allowed[data.action]:
        raise ProblemError(
            409,
            "invalid_transition",
            f"A goal that is {row['state'].replace('_', ' ')} cannot be {data.action}d by you.",
        )
    if data.action == "propose":
        content = _content(row, await _krs(goal_id), row["version"] + 1)
        await _check_content(principal, content, proposal=True)
        async with write_transaction():
            await _insert_version(content, data.reason, principal.person_id)
            await _set_state(goal_id, "proposed", version=content.version)
    elif data.action == "activate":
        await _set_state(goal_id, "active")
    elif data.action == "withdraw":
        async with write_transaction():
            await GoalVersion.update({GoalVersion.status: "withdrawn"}).where(
                (GoalVersion.goal == goal_id) & (GoalVersion.status == "open")
            )
            await _set_state(goal_id, "withdrawn")
    else:
        await _close(goal_id, data)
    return await get_goal(principal, goal_id, log_access=False)


async def _transition_objective(
    principal: Principal,
    row: dict[str, Any],
    relations: frozenset[Relation],
    data: TransitionRequest,
) -> None:
    """Shared objectives are not negotiated: their keepers may close or withdraw them."""
    if not await _keeps_objective(principal, row, relations):
        raise forbidden("Only the objective's owner, HR and leadership can change it.")
    if row["state"] != "active" or data.action not in ("close", "withdraw"):
        raise ProblemError(409, "invalid_transition", "This objective cannot make that change.")
    if data.action == "close":
        await _close(row["id"], data)
    else:
        await _set_state(row["id"], "withdrawn")


async def _close(goal_id: UUID, data: TransitionRequest) -> None:
    if data.score is None:
        raise ProblemError(422, "score_required", "Closing a goal records its final score.")
    await Goal.update({Goal.state: "closed", Goal.score: data.score, Goal.updated_at: now()}).where(
        Goal.id == goal_id
    )


async def _set_state(goal_id: UUID, state: str, version: int | None = None) -> None:
    values: dict[Any, Any] = {Goal.state: state, Goal.updated_at: now()}
    if version is not None:
        values[Goal.version] = version
    await Goal.update(values).where(Goal.id == goal_id)


async def signatures_awaited(
    within: org.PeopleSlice = org.ALL_PEOPLE,
) -> list[tuple[UUID, UUID]]:
    """(person, goal) for each party who has not yet signed the version of an individual goal
    of someone `within` the slice that is open for signatures (a proposal or an amendment),
    for the reminders (a system job: each party learns only of their own open task)."""
    negotiating, agreed = sorted(policy.NEGOTIATING_STATES), sorted(policy.AGREED_STATES)
    in_slice, bounds = within.sql("g.owner")
    rows = await fetch(
        "SELECT g.id, g.owner, g.version, p.manager FROM goals_goal g"  # noqa: S608 - placeholders only
        " JOIN org_person p ON p.id = g.owner WHERE g.level = 'individual'"
        f" AND (g.state IN ({placeholders(negotiating)})"
        f" OR (g.state IN ({placeholders(agreed)}) AND g.version <> g.agreed_version)){in_slice}",
        *negotiating,
        *agreed,
        *bounds,
    )
    if not rows:
        return []
    goal_ids = [as_uuid(r["id"]) for r in rows]
    signed = {
        (as_uuid(s["goal"]), s["version"], s["role"])
        for s in await fetch_in(
            "SELECT goal, version, role FROM goals_signature WHERE goal IN ({in})", goal_ids
        )
    }
    waiting = []
    for row, goal_id in zip(rows, goal_ids, strict=True):
        signers = [("employee", row["owner"]), ("manager", row["manager"])]
        for role, person in signers:
            if person is not None and (goal_id, row["version"], role) not in signed:
                waiting.append((as_uuid(person), goal_id))
    return waiting


async def sign(principal: Principal, goal_id: UUID, data: SignatureCreate) -> GoalRead:
    async with write_transaction():
        row, relations = await _readable_goal(principal, goal_id)
        role = _require_party(row, relations)
        open_version = _open_version(row)
        if open_version is None:
            raise ProblemError(
                409, "nothing_to_sign", "No version of this goal waits for signatures."
            )
        version = await _version_row(goal_id, open_version)
        if (
            version is None
            or data.version != open_version
            or data.content_hash != version["content_hash"]
        ):
            raise ProblemError(
                409,
                "goal_changed",
                "The goal changed since you opened it. Read the current version, then sign.",
            )
        signed = await Signature.select(Signature.role).where(
            (Signature.goal == goal_id) & (Signature.version == open_version)
        )
        roles = {s["role"] for s in signed}
        if role in roles:
            raise ProblemError(409, "already_signed", "You already signed this version.")
        await Signature.insert(
            Signature(
                id=uuid4(),
                goal=goal_id,
                version=open_version,
                signer=principal.person_id,
                role=role,
                content_hash=version["content_hash"],
                signed_at=now(),
            )
        )
        if roles | {role} >= policy.required_signers(row["owner_manager"] is not None):
            await _agree(row, version)
    return await get_goal(principal, goal_id, log_access=False)


async def _agree(row: dict[str, Any], version: dict[str, Any]) -> None:
    """Every party signed: the version becomes the agreed record. An amendment's content
    only now replaces the live goal; until then the earlier agreement stays in force."""
    goal_id = row["id"]
    await GoalVersion.update({GoalVersion.status: "superseded"}).where(
        (GoalVersion.goal == goal_id) & (GoalVersion.status == "agreed")
    )
    await GoalVersion.update({GoalVersion.status: "agreed"}).where(GoalVersion.id == version["id"])
    if row["state"] in policy.AGREED_STATES:
        await _write_content(GoalContent.model_validate_json(version["content"]))
    state = row["state"] if row["state"] in policy.AGREED_STATES else "agreed"
    await Goal.update(
        {Goal.agreed_version: version["version"], Goal.state: state, Goal.updated_at: now()}
    ).where(Goal.id == goal_id)


async def propose_amendment(principal: Principal, goal_id: UUID, data: AmendmentCreate) -> GoalRead:
    row, relations = await _readable_goal(principal, goal_id)
    _require_party(row, relations)
    if row["state"] not in policy.AGREED_STATES:
        raise ProblemError(
            409,
            "not_agreed",
            "Only an agreed goal is amended; change a draft or proposal directly.",
        )
    if _open_version(row) is not None:
        raise ProblemError(409, "amendment_pending", "An amendment already waits for signatures.")
    content = goal_content.apply_changes(
        _content(row, await _krs(goal_id), row["version"]), data.changes, row["version"] + 1
    )
    await _check_content(principal, content, proposal=True)
    async with write_transaction():
        await _insert_version(content, data.reason, principal.person_id)
        await Goal.update({Goal.version: content.version, Goal.updated_at: now()}).where(
            Goal.id == goal_id
        )
        if data.changes.visibility is not None:
            await Goal.update({Goal.visibility: data.changes.visibility}).where(Goal.id == goal_id)
    return await get_goal(principal, goal_id, log_access=False)


# --- comments ---------------------------------------------------------------------------------

COMMENT_COLUMNS = (
    GoalComment.id,
    GoalComment.body,
    GoalComment.prompt,
    GoalComment.created_at,
    GoalComment.author.id.as_alias("author_id"),
    GoalComment.author.display_name.as_alias("author_name"),
)


async def list_comments(principal: Principal, goal_id: UUID) -> list[CommentRead]:
    await _readable_goal(principal, goal_id)
    rows = (
        await GoalComment.select(*COMMENT_COLUMNS)
        .where(GoalComment.goal == goal_id)
        .order_by(GoalComment.created_at)
    )
    return [_comment(r) for r in rows]


def _comment(row: dict[str, Any]) -> CommentRead:
    return CommentRead(
        id=row["id"],
        author=PersonRef(id=row["author_id"], display_name=row["author_name"]),
        body=row["body"],
        prompt=row["prompt"],
        created_at=row["created_at"],
    )


async def add_comment(principal: Principal, goal_id: UUID, data: CommentCreate) -> CommentRead:
    row, relations = await _readable_goal(principal, goal_id)
    keeper = await _keeps_objective(principal, row, relations)
    if not _permissions(row, relations, signed=False, keeper=keeper).comment:
        raise ProblemError(
            403, "not_a_party", "Only the goal's owner and their direct manager discuss it."
        )
    comment_id = uuid4()
    async with write_transaction():
        await GoalComment.insert(
            GoalComment(
                id=comment_id,
                goal=goal_id,
                author=principal.person_id,
                body=data.body,
                prompt=data.prompt,
                created_at=now(),
            )
        )
        if row["state"] == "proposed":
            # A question or challenge opens the discussion.
            await _set_state(goal_id, "in_discussion")
    rows = await GoalComment.select(*COMMENT_COLUMNS).where(GoalComment.id == comment_id)
    return _comment(rows[0])


# --- progress ---------------------------------------------------------------------------------

PROGRESS_COLUMNS = (
    ProgressEntry.id,
    ProgressEntry.key_result,
    ProgressEntry.value,
    ProgressEntry.note,
    ProgressEntry.source,
    ProgressEntry.recorded_at,
    ProgressEntry.recorded_by.id.as_alias("person_id"),
    ProgressEntry.recorded_by.display_name.as_alias("person_name"),
    ProgressEntry.integration.name.as_alias("integration_name"),
)


def _progress(row: dict[str, Any]) -> ProgressRead:
    return ProgressRead(
        id=row["id"],
        key_result_id=row["key_result"],
        value=row["value"],
        note=row["note"],
        source=row["source"],
        recorded_by=PersonRef(id=row["person_id"], display_name=row["person_name"])
        if row["person_id"]
        else None,
        integration_name=row["integration_name"],
        recorded_at=row["recorded_at"],
    )


async def _progress_entry(entry_id: UUID) -> ProgressRead:
    rows = await ProgressEntry.select(*PROGRESS_COLUMNS).where(ProgressEntry.id == entry_id)
    return _progress(rows[0])


async def _key_result_goal(key_result_id: UUID) -> tuple[dict[str, Any], UUID]:
    row = (
        await KeyResult.select(KeyResult.goal, KeyResult.retired)
        .where(KeyResult.id == key_result_id)
        .first()
    )
    if row is None:
        raise not_found()
    return row, row["goal"]


def _check_accepts_progress(goal_state: str, retired: bool) -> None:
    if retired or goal_state in policy.FINAL_STATES:
        raise ProblemError(
            409, "key_result_closed", "This key result is closed and takes no more progress."
        )
    if goal_state not in policy.AGREED_STATES:
        raise ProblemError(
            409, "goal_not_agreed", "Progress is recorded once both sides have agreed the goal."
        )


async def _append_progress(
    key_result_id: UUID,
    goal_id: UUID,
    goal_state: str,
    value: Decimal,
    note: str,
    source: str,
    person_id: UUID | None = None,
    integration_id: UUID | None = None,
    external_event_id: str | None = None,
    recorded_at: datetime | None = None,
    entry_id: UUID | None = None,
) -> UUID:
    """Append one entry and move the key result's current value; the first progress on an
    agreed goal starts it. Joins the caller's transaction when there is one (the sync push
    applies `kr.progress` mutations through here inside its own)."""
    entry_id = entry_id or uuid4()
    async with write_transaction():
        await ProgressEntry.insert(
            ProgressEntry(
                id=entry_id,
                key_result=key_result_id,
                value=value,
                note=note,
                source=source,
                recorded_by=person_id,
                integration=integration_id,
                external_event_id=external_event_id,
                recorded_at=recorded_at or now(),
            )
        )
        # The newest entry by when it happened: an offline entry synced late must not
        # overwrite a value recorded after it.
        latest = (
            await ProgressEntry.select(ProgressEntry.value)
            .where(ProgressEntry.key_result == key_result_id)
            .order_by(ProgressEntry.recorded_at, ascending=False)
            .first()
        )
        assert latest is not None
        await KeyResult.update({KeyResult.current_value: latest["value"]}).where(
            KeyResult.id == key_result_id
        )
        if goal_state == "agreed":
            await _set_state(goal_id, "active")
    return entry_id


async def record_progress(
    principal: Principal,
    key_result_id: UUID,
    data: ProgressCreate,
    source: str = "manual",
    recorded_at: datetime | None = None,
    entry_id: UUID | None = None,
) -> ProgressRead:
    """A party's progress update: from the goal page, or from a check-in or an offline sync
    mutation, which pass the time the entry was made on the phone and the id the phone gave
    it."""
    kr, goal_id = await _key_result_goal(key_result_id)
    row, relations = await _readable_goal(principal, goal_id)
    if row["level"] == "individual":
        party = policy.signer_role(relations) is not None
    else:
        party = await _keeps_objective(principal, row, relations)
    if not party:
        raise ProblemError(
            403, "not_a_party", "Only the goal's owner and their direct manager update progress."
        )
    _check_accepts_progress(row["state"], kr["retired"])
    appended = await _append_progress(
        key_result_id,
        goal_id,
        row["state"],
        data.value,
        data.note,
        source,
        person_id=principal.person_id,
        recorded_at=min(recorded_at, now()) if recorded_at else None,
        entry_id=entry_id,
    )
    return await _progress_entry(appended)


async def progress_since(
    person_id: UUID, since: datetime | None
) -> tuple[list[KeyResultChange], list[MilestoneCheck]]:
    """For a check-in with `person_id` (the caller has checked they are a party): each key
    result of their agreed goals with its value at `since` and now, and the checkpoints due
    since then, reached or not."""
    goal_rows = await Goal.select(Goal.id, Goal.title, Goal.state, Goal.cycle).where(
        (Goal.owner == person_id)
        & (Goal.level == "individual")
        & Goal.state.is_in(sorted(policy.AGREED_STATES))
    )
    if not goal_rows:
        return [], []
    by_goal = {g["id"]: g for g in goal_rows}
    krs = await _key_result_rows(list(by_goal))
    cycles = await _cycle_rows(g["cycle"] for g in goal_rows)
    entries: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    kr_ids = [kr["id"] for rows in krs.values() for kr in rows]
    for entry in (
        await ProgressEntry.select(
            ProgressEntry.key_result, ProgressEntry.value, ProgressEntry.recorded_at
        )
        .where(ProgressEntry.key_result.is_in(kr_ids))
        .order_by(ProgressEntry.recorded_at)
    ):
        entries[entry["key_result"]].append(entry)

    def value_at(kr: dict[str, Any], at: datetime) -> Decimal:
        before = [e["value"] for e in entries[kr["id"]] if e["recorded_at"] <= at]
        return Decimal(before[-1]) if before else Decimal(kr["start_value"])

    today = _today()
    changes: list[KeyResultChange] = []
    milestones: list[MilestoneCheck] = []
    for goal_id, rows in krs.items():
        starts_on = cycles[by_goal[goal_id]["cycle"]]["starts_on"]
        for kr in rows:
            reading = pace.read(_plan(kr, starts_on), Decimal(kr["current_value"]), today)
            changes.append(
                KeyResultChange(
                    key_result_id=kr["id"],
                    title=kr["title"],
                    goal_title=by_goal[goal_id]["title"],
                    unit=kr["unit"],
                    value_before=value_at(kr, since) if since else Decimal(kr["start_value"]),
                    value_now=kr["current_value"],
                    target_value=kr["target_value"],
                    pace=reading.status,
                )
            )
            increasing = Decimal(kr["target_value"]) >= Decimal(kr["start_value"])
            for checkpoint in _milestones(kr):
                if not (
                    (since is None or checkpoint.due_on > since.date())
                    and checkpoint.due_on <= today
                ):
                    continue
                at_due = value_at(kr, datetime.combine(checkpoint.due_on, time.max, UTC))
                reached = (
                    at_due >= checkpoint.expected_value
                    if increasing
                    else at_due <= checkpoint.expected_value
                )
                milestones.append(
                    MilestoneCheck(
                        key_result_id=kr["id"],
                        title=kr["title"],
                        due_on=checkpoint.due_on,
                        expected_value=checkpoint.expected_value,
                        reached=reached,
                    )
                )
    return changes, milestones


async def list_progress(principal: Principal, key_result_id: UUID) -> list[ProgressRead]:
    _, goal_id = await _key_result_goal(key_result_id)
    await _readable_goal(principal, goal_id)
    rows = (
        await ProgressEntry.select(*PROGRESS_COLUMNS)
        .where(ProgressEntry.key_result == key_result_id)
        .order_by(ProgressEntry.recorded_at)
    )
    return [_progress(r) for r in rows]


async def my_goal_records(principal: Principal) -> list[GoalRecordRead]:
    """Every goal the principal owns, oldest first, with its versions, the whole progress of
    each key result (retired ones too) and the comments (the data export)."""
    owned = (
        await Goal.select(Goal.id)
        .where(Goal.owner == principal.person_id)
        .order_by(Goal.created_at)
    )
    ids = [r["id"] for r in owned]
    progress: dict[UUID, list[ProgressRead]] = defaultdict(list)
    comments: dict[UUID, list[CommentRead]] = defaultdict(list)
    if ids:
        for r in (
            await ProgressEntry.select(
                *PROGRESS_COLUMNS, ProgressEntry.key_result.goal.as_alias("goal_id")
            )
            .where(ProgressEntry.key_result.goal.is_in(ids))
            .order_by(ProgressEntry.recorded_at)
        ):
            progress[r["goal_id"]].append(_progress(r))
        for r in (
            await GoalComment.select(*COMMENT_COLUMNS, GoalComment.goal)
            .where(GoalComment.goal.is_in(ids))
            .order_by(GoalComment.created_at)
        ):
            comments[r["goal"]].append(_comment(r))
    return [
        GoalRecordRead(
            goal=await get_goal(principal, goal_id, log_access=False),
            versions=await list_versions(principal, goal_id),
            progress=progress[goal_id],
            comments=comments[goal_id],
        )
        for goal_id in ids
    ]


# --- integrations -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _integration(row: dict[str, Any]) -> IntegrationTokenRead:
    return IntegrationTokenRead(
        id=row["id"],
        name=row["name"],
        scope=row["scope"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


def _require_integration_admin(principal: Principal) -> None:
    if not policy.can_manage_integrations(principal):
        raise forbidden("Only an administrator manages integrations.")


async def list_integration_tokens(principal: Principal) -> list[IntegrationTokenRead]:
    _require_integration_admin(principal)
    rows = await IntegrationToken.select().order_by(IntegrationToken.created_at)
    return [_integration(r) for r in rows]


async def create_integration_token(principal: Principal, name: str) -> IntegrationTokenIssued:
    _require_integration_admin(principal)
    token = INTEGRATION_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = uuid4()
    await IntegrationToken.insert(
        IntegrationToken(
            id=token_id,
            name=name,
            token_hash=_token_hash(token),
            created_by=principal.person_id,
            created_at=now(),
        )
    )
    row = await IntegrationToken.select().where(IntegrationToken.id == token_id).first()
    assert row is not None
    return IntegrationTokenIssued(**_integration(row).model_dump(), token=token)


async def revoke_integration_token(principal: Principal, token_id: UUID) -> None:
    _require_integration_admin(principal)
    updated = (
        await IntegrationToken.update({IntegrationToken.revoked_at: now()})
        .where((IntegrationToken.id == token_id) & IntegrationToken.revoked_at.is_null())
        .returning(IntegrationToken.id)
    )
    if not updated and not await IntegrationToken.exists().where(IntegrationToken.id == token_id):
        raise not_found()


async def integration_for(token: str) -> UUID | None:
    """The live integration a bearer token belongs to, or None."""
    if not token.startswith(INTEGRATION_TOKEN_PREFIX):
        return None
    row = (
        await IntegrationToken.select(IntegrationToken.id)
        .where(
            (IntegrationToken.token_hash == _token_hash(token))
            & IntegrationToken.revoked_at.is_null()
        )
        .first()
    )
    return row["id"] if row else None


async def push_integration_progress(
    integration_id: UUID, key_result_id: UUID, data: IntegrationProgressCreate
) -> IntegrationProgressResult:
    """Another system reports a value. A delivery it already made (same external event id)
    is answered with the entry recorded the first time and changes nothing."""
    earlier = (
        await ProgressEntry.select(ProgressEntry.id)
        .where(
            (ProgressEntry.integration == integration_id)
            & (ProgressEntry.external_event_id == data.external_event_id)
        )
        .first()
    )
    if earlier is not None:
        return IntegrationProgressResult(entry=await _progress_entry(earlier["id"]), duplicate=True)
    kr, goal_id = await _key_result_goal(key_result_id)
    goal = await Goal.select(Goal.state).where(Goal.id == goal_id).first()
    assert goal is not None
    _check_accepts_progress(goal["state"], kr["retired"])
    await IntegrationToken.update({IntegrationToken.last_used_at: now()}).where(
        IntegrationToken.id == integration_id
    )
    try:
        entry_id = await _append_progress(
            key_result_id,
            goal_id,
            goal["state"],
            data.value,
            data.note,
            "integration",
            integration_id=integration_id,
            external_event_id=data.external_event_id,
        )
    except Exception:
        # Two deliveries of one event raced; the unique index let one through.
        again = (
            await ProgressEntry.select(ProgressEntry.id)
            .where(
                (ProgressEntry.integration == integration_id)
                & (ProgressEntry.external_event_id == data.external_event_id)
            )
            .first()
        )
        if again is None:
            raise
        return IntegrationProgressResult(entry=await _progress_entry(again["id"]), duplicate=True)
    return IntegrationProgressResult(entry=await _progress_entry(entry_id), duplicate=False)


# --- templates --------------------------------------------------------------------------------


def _require_template_user(principal: Principal) -> None:
    if not policy.can_use_templates(principal):
        raise forbidden("Goal templates are for HR and managers.")


def _template(row: dict[str, Any]) -> TemplateRead:
    body = TemplateCreate.model_validate_json(row["content"])
    return TemplateRead(
        id=row["id"],
        cycle_id=body.cycle_id,
        title=body.title,
        description=body.description,
        theme_id=body.theme_id,
        parent_id=body.parent_id,
        weight=body.weight,
        priority=body.priority,
        key_results=body.key_results,
        created_by=PersonRef(id=row["author_id"], display_name=row["author_name"]),
        created_at=row["created_at"],
    )


TEMPLATE_COLUMNS = (
    GoalTemplate.id,
    GoalTemplate.content,
    GoalTemplate.created_at,
    GoalTemplate.created_by.id.as_alias("author_id"),
    GoalTemplate.created_by.display_name.as_alias("author_name"),
)


async def list_templates(principal: Principal, cycle_id: UUID | None) -> list[TemplateRead]:
    _require_template_user(principal)
    query = GoalTemplate.select(*TEMPLATE_COLUMNS)
    if cycle_id is not None:
        query = query.where(GoalTemplate.cycle == cycle_id)
    return [_template(r) for r in await query.order_by(GoalTemplate.created_at, ascending=False)]


async def _get_template(template_id: UUID) -> TemplateRead:
    row = await GoalTemplate.select(*TEMPLATE_COLUMNS).where(GoalTemplate.id == template_id).first()
    if row is None:
        raise not_found()
    return _template(row)


def _new_content(data: GoalCreate | TemplateCreate, goal_id: UUID, owner_id: UUID) -> GoalContent:
    """The content of a new goal, or of one person's copy of a template."""
    return GoalContent(
        goal_id=goal_id,
        version=0,
        owner_id=owner_id,
        cycle_id=data.cycle_id,
        title=data.title,
        description=data.description,
        theme_id=data.theme_id,
        parent_id=data.parent_id,
        weight=data.weight,
        priority=data.priority,
        support_needed=data.support.needed,
        support_from_person_id=data.support.from_person_id,
        support_from_department_id=data.support.from_department_id,
        key_results=goal_content.key_results_from(data.key_results, set()),
    )


async def create_template(principal: Principal, data: TemplateCreate) -> TemplateRead:
    _require_template_user(principal)
    # Checked as a goal of the author's would be, so every copy starts valid.
    await _check_content(principal, _new_content(data, uuid4(), principal.person_id), False)
    template_id = uuid4()
    await GoalTemplate.insert(
        GoalTemplate(
            id=template_id,
            cycle=data.cycle_id,
            content=data.model_dump_json(),
            created_by=principal.person_id,
            created_at=now(),
        )
    )
    return await _get_template(template_id)


async def assign_template(
    principal: Principal, template_id: UUID, data: TemplateAssign
) -> TemplateAssignResult:
    """One draft copy per person, all written in one transaction (or none)."""
    _require_template_user(principal)
    row = (
        await GoalTemplate.select(GoalTemplate.content)
        .where(GoalTemplate.id == template_id)
        .first()
    )
    if row is None:
        raise not_found()
    body = TemplateCreate.model_validate_json(row["content"])
    if data.department_id is not None and not await org.department_exists(data.department_id):
        raise ProblemError(422, "unknown_department", "There is no such department.")
    targets, unknown = await org.active_people(data.person_ids, data.department_id, data.job_family)
    if unknown:
        raise ProblemError(
            422,
            "unknown_person",
            "Some of the people named are not active colleagues.",
            errors=[
                {"field": "person_ids", "code": "unknown_person", "message": str(p)}
                for p in unknown
            ],
        )
    if not targets:
        raise ProblemError(
            422, "no_assignees", "Nobody matches; name people, a department or a job family."
        )
    relations = await _relations(principal, targets)
    outside = [p for p in targets if not policy.can_assign_to(relations[p])]
    if outside:
        raise ProblemError(
            403,
            "assignee_out_of_reach",
            "You can assign goals only to people you manage or cover as HR.",
            errors=[
                {"field": "person_ids", "code": "assignee_out_of_reach", "message": str(p)}
                for p in outside
            ],
        )
    already = {
        r["owner"]
        for r in await Goal.select(Goal.owner).where(
            (Goal.template == template_id) & (Goal.state != "withdrawn")
        )
    }
    owners = [p for p in targets if p not in already]
    goals, key_results = [], []
    stamp = now()
    parent_shared = await _parent_shared(body.parent_id, body.cycle_id)  # every copy's parent
    for owner in owners:
        content = _new_content(body, uuid4(), owner)
        goals.append(
            Goal(
                id=content.goal_id,
                level="individual",
                owner=owner,
                cycle=body.cycle_id,
                **_goal_values(content, parent_shared),
                visibility="private",
                state="draft",
                template=template_id,
                created_by=principal.person_id,
                created_at=stamp,
                updated_at=stamp,
            )
        )
        key_results += [
            KeyResult(id=kr.id, current_value=kr.start_value, **_kr_values(kr, content.goal_id, i))
            for i, kr in enumerate(content.key_results)
        ]
    async with write_transaction():
        for start in range(0, len(goals), INSERT_CHUNK):
            await Goal.insert(*goals[start : start + INSERT_CHUNK])
        for start in range(0, len(key_results), INSERT_CHUNK):
            await KeyResult.insert(*key_results[start : start + INSERT_CHUNK])
    return TemplateAssignResult(
        created=len(goals), skipped=len(targets) - len(owners), goal_ids=[g.id for g in goals]
    )


# --- for the deviation alerts ---------------------------------------------------------------


FLOAT = "DOUBLE PRECISION"  # a type name both engines read as a float


async def tracked_key_results(
    owner_ids: Sequence[UUID] | None = None,
    *,
    key_result_ids: Sequence[UUID] | None = None,
    behind_by_more_than: float | None = None,
    on: date | None = None,
    within: org.PeopleSlice = org.ALL_PEOPLE,
) -> list[tuple[dict[str, Any], pace.Plan]]:
    """Each live key result of an agreed or active goal with its plan (a system job's read,
    for the alert rules): id, goal, owner, the owner's department, current_value, direction,
    standards. `owner_ids` or `key_result_ids`: only these (neither: all); `within`: only
    those of owners in that slice of people.

    `behind_by_more_than` (a share of the way): leave out straight-line results that cannot
    trail their plan by that much `on` that day, so a round over a whole company reads only
    candidates.
    The SQL is a necessary condition only (it does not clamp, which can only let more
    through); `pace` still decides. Results with checkpoints, all-or-nothing results and
    quality results are always read: other rules watch them."""
    agreed = sorted(policy.AGREED_STATES)
    sql = (
        "SELECT kr.id, kr.goal, kr.metric_kind, kr.start_value, kr.target_value,"  # noqa: S608 - placeholders only
        " kr.current_value, kr.due_on, kr.milestones, kr.standards, kr.direction,"
        " g.owner, p.department, c.starts_on FROM goals_key_result kr"
        " JOIN goals_goal g ON g.id = kr.goal JOIN goals_cycle c ON c.id = g.cycle"
        " JOIN org_person p ON p.id = g.owner"
        f" WHERE NOT kr.retired AND p.active AND g.state IN ({placeholders(agreed)})"
    )
    args: list[Any] = [*agreed]
    if behind_by_more_than is not None:
        elapsed = days_between_sql("{}", "c.starts_on")
        total = days_between_sql("kr.due_on", "c.starts_on")
        binary = sorted(pace.BINARY_KINDS)
        # CASE, not OR: PostgreSQL may evaluate a division before the test for zero. Floats:
        # numeric division over every row of a company took PostgreSQL twice as long.
        sql += (
            f" AND (kr.milestones <> '[]' OR kr.metric_kind IN ({placeholders(binary)})"
            " OR kr.standards LIKE '%quality%'"
            f" OR CASE WHEN kr.target_value = kr.start_value OR {total} <= 0 THEN 2"
            f" ELSE CAST({elapsed} AS {FLOAT}) / {total}"
            f" - (CAST(kr.current_value AS {FLOAT}) - CAST(kr.start_value AS {FLOAT}))"
            f" / (CAST(kr.target_value AS {FLOAT}) - CAST(kr.start_value AS {FLOAT})) END > {{}})"
        )
        args += [*binary, on or _today(), behind_by_more_than]
    # On both sides of the join: with the owner's alone, PostgreSQL reads every person.
    for column in ("g.owner", "p.id"):
        in_slice, bounds = within.sql(column)
        sql += in_slice
        args += bounds
    # The IN list goes last: fetch_in binds its values after `args`.
    if owner_ids is not None:
        sql += " AND g.owner IN ({in})"
    elif key_result_ids is not None:
        sql += " AND kr.id IN ({in})"
    chosen = owner_ids if owner_ids is not None else key_result_ids
    rows = await (fetch(sql, *args) if chosen is None else fetch_in(sql, list(chosen), *args))
    return [(row, _plan(row, row["starts_on"])) for row in rows]


async def key_result_owner(key_result_id: UUID) -> UUID | None:
    rows = await fetch(
        "SELECT g.owner FROM goals_key_result kr JOIN goals_goal g ON g.id = kr.goal"
        " WHERE kr.id = {}",
        key_result_id,
    )
    return as_uuid(rows[0]["owner"]) if rows else None


# Goals deleted per statement: a purge may take many, and a statement binds at most 32,767.
DELETE_CHUNK = 10_000


async def _delete_unless_aligned_to(candidates: Combinable) -> tuple[int, int]:
    """Deletes the goals matching `candidates` (whole: versions, key results, progress,
    comments), except those another goal aligns to, directly or through another candidate:
    the other goal's "why this goal" would break. -> how many were deleted, how many stay."""
    parent_of = {
        r["id"]: r["parent"] for r in await Goal.select(Goal.id, Goal.parent).where(candidates)
    }
    children = await Goal.select(Goal.id, Goal.parent).where(
        Goal.parent.is_in(Goal.select(Goal.id).where(candidates))
    )
    frontier = {r["parent"] for r in children if r["id"] not in parent_of}
    aligned_to: set[UUID] = set()
    while frontier:
        aligned_to |= frontier
        frontier = {parent_of[g] for g in frontier if parent_of[g] in parent_of} - aligned_to
    gone = [goal for goal in parent_of if goal not in aligned_to]
    deleted = 0
    for start in range(0, len(gone), DELETE_CHUNK):
        deleted += await delete_where(Goal, Goal.id.is_in(gone[start : start + DELETE_CHUNK]))
    return deleted, len(aligned_to)


async def erase_person(person_id: UUID) -> Erasure:
    """A departed person's goals go, except those others' goals align to, which stay under
    the pseudonym. What they wrote on other people's goals (comments, signatures, progress)
    stays: those records need it."""
    deleted, aligned_to = await _delete_unless_aligned_to(Goal.owner == person_id)
    return Erasure(
        removed={"goals": deleted},
        kept={
            "goals_others_align_to": aligned_to,
            "comments_on_others_goals": await GoalComment.count().where(
                (GoalComment.author == person_id) & (GoalComment.goal.owner != person_id)
            ),
            "signatures_on_others_goals": await Signature.count().where(
                (Signature.signer == person_id) & (Signature.goal.owner != person_id)
            ),
        },
    )


async def purge_before(cutoff: datetime) -> int:
    """Goals of cycles that ended before the cutoff, except those a kept goal aligns to (a
    later cycle's goal may serve an earlier year's); the cycles stay. -> how many."""
    ended = Cycle.select(Cycle.id).where(Cycle.ends_on < cutoff.date())
    deleted, _ = await _delete_unless_aligned_to(Goal.cycle.is_in(ended))
    return deleted
