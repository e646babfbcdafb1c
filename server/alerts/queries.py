"""Deviation alerts: the rules HR sets, evaluating them (on a write and in periodic rounds),
and the conversation each alert asks for: scheduled, then resolved with an agreement or
dismissed with a reason."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from server.alerts import policy, rules
from server.alerts.tables import Alert, AlertRule
from server.audit import queries as audit
from server.checkins import cadence
from server.checkins import queries as checkins
from server.core.access import Principal, Relation
from server.core.erasure import Erasure
from server.core.errors import ProblemError, forbidden, not_found
from server.db import (
    as_uuid,
    delete_where,
    fetch,
    fetch_in,
    insert_returning,
    placeholders,
    try_round_lock,
    write_transaction,
)
from server.feedback import queries as feedback
from server.goals import pace
from server.goals import queries as goals
from server.org import queries as org
from server.privacy.groups import tally
from server.push import queries as push
from server.sync import versions
from shared_schemas.alerts import (
    AlertDismiss,
    AlertGoal,
    AlertKeyResult,
    AlertRead,
    AlertResolve,
    AlertRuleCreate,
    AlertRuleRead,
    AlertRuleUpdate,
    AlertSchedule,
    OpenAlertsGroupRead,
    OpenAlertsRead,
)
from shared_schemas.common import PersonRef

ACTIVE = ("open", "scheduled")
# Not scheduled this long after it opened: both parties are reminded.
REMIND_AFTER = timedelta(days=7)
# Not resolved this long after it opened: HR in scope may read it, and is told.
ESCALATE_AFTER = timedelta(days=14)
# PostgreSQL advisory lock key: one server process runs an alert round at a time.
ROUND_LOCK = 0x616C65727473  # "alerts"
# The company-wide rules shipped (reference data): one fixed id per kind.
DEFAULT_RULE_IDS = {
    kind: uuid.uuid5(uuid.NAMESPACE_URL, f"tandem:alert-rule:{kind}")
    for kind, spec in rules.KINDS.items()
    if spec.default is not None
}


def now() -> datetime:
    return datetime.now(UTC)


# --- rules -----------------------------------------------------------------------------------


async def ensure_default_rules() -> None:
    """The company-wide rule of each kind that has a default, unless HR already has one."""
    present = {
        r["kind"] for r in await fetch("SELECT kind FROM alerts_rule WHERE scope = 'company'")
    }
    await insert_returning(
        AlertRule,
        [
            {
                "id": rule_id,
                "kind": kind,
                "scope": "company",
                "department": None,
                "goal": None,
                "target": "company",
                "threshold": rules.KINDS[kind].default,
                "enabled": True,
                "updated_by": None,
                "updated_at": now(),
            }
            for kind, rule_id in DEFAULT_RULE_IDS.items()
            if kind not in present
        ],
        skip_conflicts=True,
    )


RULE_SELECT = (
    "SELECT r.id, r.kind, r.scope, r.department, r.goal, r.threshold, r.enabled,"
    " d.name AS department_name, g.title AS goal_title, g.owner AS goal_owner"
    " FROM alerts_rule r LEFT JOIN org_department d ON d.id = r.department"
    " LEFT JOIN goals_goal g ON g.id = r.goal"
)


def _rule(row: dict[str, Any]) -> rules.Rule:
    target = row["department"] or row["goal"]
    return rules.Rule(
        id=as_uuid(row["id"]),
        kind=row["kind"],
        scope=row["scope"],
        target=as_uuid(target) if target is not None else None,
        threshold=Decimal(row["threshold"]),
        enabled=bool(row["enabled"]),
    )


async def rule_book() -> rules.RuleBook:
    rows = await fetch(RULE_SELECT)
    return rules.RuleBook([_rule(row) for row in rows], await org.department_parents())


async def _rights(principal: Principal, rows: list[dict[str, Any]]) -> list[bool]:
    """Whether the principal may set each of these rules (policy, with the facts it needs
    read once for all of them: the HR scope, the relations to the goals' owners)."""
    scope = await org.hr_scope_departments(principal)  # None: every department
    owners = sorted({as_uuid(r["goal_owner"]) for r in rows if r.get("goal_owner")})
    relations = await org.relations(principal, owners)

    def may_set(row: dict[str, Any]) -> bool:
        if row["scope"] == "company":
            return policy.sets_company_rules(principal)
        if row["scope"] == "department":
            department = as_uuid(row["department"])
            return policy.sets_scoped_rules(principal, scope is None or department in scope)
        owner = row.get("goal_owner")
        in_scope = owner is not None and Relation.HR_SCOPE in relations[as_uuid(owner)]
        return policy.sets_scoped_rules(principal, in_scope)

    return [may_set(row) for row in rows]


async def _may_set(principal: Principal, row: dict[str, Any]) -> bool:
    return (await _rights(principal, [row]))[0]


async def list_rules(principal: Principal) -> list[AlertRuleRead]:
    """The company rules and those HR may set (their departments, their people's goals)."""
    if not policy.reads_rules(principal):
        raise forbidden("Alert rules are set by HR.")
    rows = await fetch(RULE_SELECT + " ORDER BY r.kind, r.scope, d.name, g.title")
    return [
        _rule_read(row, editable)
        for row, editable in zip(rows, await _rights(principal, rows), strict=True)
        if editable or row["scope"] == "company"
    ]


def _rule_read(row: dict[str, Any], editable: bool) -> AlertRuleRead:
    rule = _rule(row)
    return AlertRuleRead(
        id=rule.id,
        kind=rule.kind,
        scope=rule.scope,
        department_id=row["department"],
        department_name=row["department_name"],
        goal_id=row["goal"],
        goal_title=row["goal_title"],
        unit=rules.KINDS[rule.kind].unit,
        threshold=rule.threshold,
        enabled=rule.enabled,
        editable=editable,
    )


async def _rule_row(rule_id: UUID) -> dict[str, Any] | None:
    rows = await fetch(RULE_SELECT + " WHERE r.id = {}", rule_id)
    return rows[0] if rows else None


def _check_threshold(kind: str, threshold: Decimal) -> None:
    if rules.KINDS[kind].unit != "value" and threshold < 0:
        raise ProblemError(422, "invalid_threshold", "This threshold cannot be negative.")


async def create_rule(principal: Principal, data: AlertRuleCreate) -> AlertRuleRead:
    if not policy.reads_rules(principal):
        raise forbidden("Alert rules are set by HR.")
    if data.scope not in rules.KINDS[data.kind].scopes:
        raise ProblemError(
            422,
            "rule_scope",
            f"A {data.kind} rule is set for: {', '.join(rules.KINDS[data.kind].scopes)}.",
        )
    _check_threshold(data.kind, data.threshold)
    target = data.department_id or data.goal_id
    facts: dict[str, Any] = {"scope": data.scope, "department": data.department_id}
    if data.goal_id is not None:
        owner = await fetch("SELECT owner FROM goals_goal WHERE id = {}", data.goal_id)
        if not owner:
            raise ProblemError(422, "unknown_goal", "There is no such goal.")
        facts["goal_owner"] = owner[0]["owner"]
    if data.department_id is not None and not await org.department_exists(data.department_id):
        raise ProblemError(422, "unknown_department", "There is no such department.")
    if not await _may_set(principal, facts):
        raise forbidden("HR sets the rules of the company, departments and goals in their scope.")
    rule_id = uuid.uuid4()
    async with write_transaction():
        written = await insert_returning(
            AlertRule,
            [
                {
                    "id": rule_id,
                    "kind": data.kind,
                    "scope": data.scope,
                    "department": data.department_id,
                    "goal": data.goal_id,
                    "target": rules.target_key(data.scope, target),
                    "threshold": data.threshold,
                    "enabled": data.enabled,
                    "updated_by": principal.person_id,
                    "updated_at": now(),
                }
            ],
            returning="id",
            skip_conflicts=True,
        )
    if not written:
        raise ProblemError(
            409, "rule_exists", "This kind of rule is already set there; change that one."
        )
    row = await _rule_row(rule_id)
    assert row is not None
    return _rule_read(row, editable=True)


async def _settable_rule(principal: Principal, rule_id: UUID) -> dict[str, Any]:
    if not policy.reads_rules(principal):
        raise forbidden("Alert rules are set by HR.")
    row = await _rule_row(rule_id)
    if row is None:
        raise not_found()
    if not await _may_set(principal, row):
        raise forbidden("HR sets the rules of the company, departments and goals in their scope.")
    return row


async def update_rule(principal: Principal, rule_id: UUID, data: AlertRuleUpdate) -> AlertRuleRead:
    """A changed rule applies from the next alert round."""
    row = await _settable_rule(principal, rule_id)
    changes: dict[Any, Any] = {
        AlertRule.updated_by: principal.person_id,
        AlertRule.updated_at: now(),
    }
    if data.threshold is not None:
        _check_threshold(row["kind"], data.threshold)
        changes[AlertRule.threshold] = data.threshold
    if data.enabled is not None:
        changes[AlertRule.enabled] = data.enabled
    async with write_transaction():
        await AlertRule.update(changes).where(AlertRule.id == rule_id)
    updated = await _rule_row(rule_id)
    assert updated is not None
    return _rule_read(updated, editable=True)


async def delete_rule(principal: Principal, rule_id: UUID) -> None:
    """A department's or goal's rule goes, and the next one out applies; the company's stays
    (switch it off instead)."""
    row = await _settable_rule(principal, rule_id)
    if row["scope"] == "company":
        raise ProblemError(
            409, "rule_required", "The company rule stays; switch it off to stop these alerts."
        )
    async with write_transaction():
        await AlertRule.delete().where(AlertRule.id == rule_id)


# --- evaluation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundResult:
    opened: int
    recovered: int
    escalated: int = 0


async def evaluate(
    at: datetime, people: Sequence[UUID] | None = None, kinds: Sequence[str] = tuple(rules.KINDS)
) -> RoundResult:
    """Every rule of these kinds over these people (None: everyone, slice by slice) as things
    stand at `at`: breaches without an alert raise one (both parties are told), open alerts
    whose condition recovered close themselves, and closed ones re-arm. In the open
    transaction, or its own."""
    async with write_transaction():
        book = await rule_book()
        if people is not None:
            return await _evaluate(at, book, kinds, people, org.ALL_PEOPLE)
        opened = recovered = 0
        for part in await org.people_slices(org.ROUND_SLICE):
            result = await _evaluate(at, book, kinds, None, part)
            opened, recovered = opened + result.opened, recovered + result.recovered
        return RoundResult(opened=opened, recovered=recovered)


async def _evaluate(
    at: datetime,
    book: rules.RuleBook,
    kinds: Sequence[str],
    people: Sequence[UUID] | None,
    within: org.PeopleSlice,
) -> RoundResult:
    """`evaluate` over these people (None: everyone `within` the slice)."""
    today = at.date()
    live = await _live(people, kinds, within)
    watched: dict[str, set[UUID]] = {kind: set() for kind in rules.KINDS}
    for row in live:
        watched[row["kind"]].add(row["subject"])
    watched_krs = set().union(*(watched[kind] for kind in rules.KEY_RESULT_KINDS))
    managers: dict[UUID, UUID | None] = {}
    findings: list[rules.Finding] = []
    if set(kinds) & set(rules.KEY_RESULT_KINDS):
        for row, plan in await _key_results(people, within, book, today, watched_krs):
            kr = tracked_key_result(row, plan)
            findings += [
                f
                for f in rules.key_result_findings(kr, book, today, kr.id in watched_krs)
                if f.kind in kinds
            ]
    if "checkin_overdue" in kinds:
        for row in await _rhythms(people, within, book, at, watched["checkin_overdue"]):
            managers[row["person"]] = row["manager"]
            rule = book.rule("checkin_overdue", row["department"])
            if rule is not None:
                last = row["last_held_on"] or row["joined_on"]
                due = cadence.next_due(row["cadence"], last, today)
                findings.append(
                    rules.days_overdue_finding("checkin_overdue", rule, row["person"], due, today)
                )
    if "no_recognition" in kinds:
        for row in await _recognition(people, within, book, at, watched["no_recognition"]):
            managers[row["person"]] = row["manager"]
            rule = book.rule("no_recognition", row["department"])
            if rule is not None:
                given = row["last_given"]
                since = max(given.date(), row["joined_on"]) if given else row["joined_on"]
                findings.append(rules.silence_finding(rule, row["person"], since, today))
    return await _apply(findings, at, live, managers)


def tracked_key_result(row: dict[str, Any], plan: pace.Plan) -> rules.TrackedKeyResult:
    return rules.TrackedKeyResult(
        id=as_uuid(row["id"]),
        goal=as_uuid(row["goal"]),
        owner=as_uuid(row["owner"]),
        department=as_uuid(row["department"]) if row["department"] else None,
        plan=plan,
        current=Decimal(row["current_value"]),
        direction=row["direction"],
        standards=tuple(row["standards"].split()),
    )


# What the pre-selections of a round over everyone leave to spare: points of 100 (pace
# rounds to 0.01) and a day.
PRESELECT_MARGIN = 0.1
ONE_DAY = timedelta(days=1)
Row = TypeVar("Row")


async def _read(
    people: Sequence[UUID] | None,
    watched: set[UUID],
    of_people: Callable[[Sequence[UUID]], Awaitable[list[Row]]],
    of_subjects: Callable[[Sequence[UUID]], Awaitable[list[Row]]],
    candidates: Callable[[], Awaitable[list[Row]]] | None,
    subject: Callable[[Row], UUID],
) -> list[Row]:
    """What a kind of rule looks at: `people`'s rows; for a round over everyone (a slice of
    them at a time), the rows its domain pre-selects as possible breaches (`candidates`;
    None: the kind is off everywhere) plus those with a live alert, to see them recover."""
    if people is not None:
        return await of_people(people)
    found = await candidates() if candidates is not None else []
    others = sorted(watched - {subject(row) for row in found})
    return found + (await of_subjects(others) if others else [])


async def _key_results(
    people: Sequence[UUID] | None,
    within: org.PeopleSlice,
    book: rules.RuleBook,
    today: date,
    watched: set[UUID],
) -> list[tuple[dict[str, Any], pace.Plan]]:
    lowest = book.lowest("kr_behind")
    bound = 1.0 if lowest is None else (float(lowest) - PRESELECT_MARGIN) / 100
    return await _read(
        people,
        watched,
        goals.tracked_key_results,
        lambda ids: goals.tracked_key_results(key_result_ids=ids),
        lambda: goals.tracked_key_results(behind_by_more_than=bound, on=today, within=within),
        lambda item: as_uuid(item[0]["id"]),
    )


async def _rhythms(
    people: Sequence[UUID] | None,
    within: org.PeopleSlice,
    book: rules.RuleBook,
    at: datetime,
    watched: set[UUID],
) -> list[dict[str, Any]]:
    # Overdue by more than the lowest allowance after the shortest rhythm, at the soonest.
    lowest = book.lowest("checkin_overdue")
    quiet = timedelta(days=cadence.SHORTEST_DAYS + float(lowest)) if lowest is not None else None
    return await _people_rows(people, within, watched, checkins.rhythms, at, quiet)


async def _recognition(
    people: Sequence[UUID] | None,
    within: org.PeopleSlice,
    book: rules.RuleBook,
    at: datetime,
    watched: set[UUID],
) -> list[dict[str, Any]]:
    lowest = book.lowest("no_recognition")
    quiet = timedelta(weeks=float(lowest)) if lowest is not None else None
    return await _people_rows(people, within, watched, feedback.last_recognition, at, quiet)


async def _people_rows(
    people: Sequence[UUID] | None,
    within: org.PeopleSlice,
    watched: set[UUID],
    read: Callable[..., Awaitable[list[dict[str, Any]]]],
    at: datetime,
    quiet: timedelta | None,
) -> list[dict[str, Any]]:
    """A person rule's rows; over everyone in the slice, those quiet (no check-in, no kudos)
    for at least `quiet` less a day (None: the kind is off everywhere)."""
    candidates = (
        None if quiet is None else lambda: read(quiet_since=at - quiet + ONE_DAY, within=within)
    )
    return await _read(people, watched, read, read, candidates, lambda row: row["person"])


async def _live(
    people: Sequence[UUID] | None, kinds: Sequence[str], within: org.PeopleSlice
) -> list[dict[str, Any]]:
    """The alerts that keep their condition from alerting again (active, or closed and not
    yet recovered), with what each is about (`subject`: the key result, else the person);
    of these people (None: everyone `within` the slice)."""
    sql = (
        "SELECT id, kind, condition, state, COALESCE(key_result, person) AS subject"  # noqa: S608 - placeholders only
        f" FROM alerts_alert WHERE rearmed_at IS NULL AND kind IN ({placeholders(kinds)})"
    )
    if people is None:
        in_slice, bounds = within.sql("person")
        rows = await fetch(sql + in_slice, *kinds, *bounds)
    else:
        rows = await fetch_in(sql + " AND person IN ({in})", list(people), *kinds)
    for row in rows:
        row["subject"] = as_uuid(row["subject"])
    return rows


async def _apply(
    findings: list[rules.Finding],
    at: datetime,
    live: list[dict[str, Any]],
    managers: dict[UUID, UUID | None],
) -> RoundResult:
    now_found = {f.condition: f for f in findings}
    recovered, rearmed = [], []
    for row in live:
        finding = now_found.get(row["condition"])
        # Gone (goal closed, rule off, person left) counts as recovered.
        if finding is None or finding.recovered:
            if row["state"] == "open":
                recovered.append(row["id"])
            elif row["state"] not in ACTIVE:
                rearmed.append(row["id"])
    await _close_recovered(recovered, at)
    if rearmed:
        await fetch_in("UPDATE alerts_alert SET rearmed_at = {} WHERE id IN ({in})", rearmed, at)
    watched = {row["condition"] for row in live}
    breaches = [f for f in findings if f.breached and f.condition not in watched]
    await _missing_managers(breaches, managers)
    opened = await _open(breaches, at, managers)
    return RoundResult(opened=opened, recovered=len(recovered))


async def _close_recovered(alert_ids: list[Any], at: datetime) -> None:
    """Open alerts nobody acted on close themselves when the condition recovered."""
    if alert_ids:
        await fetch_in(
            "UPDATE alerts_alert SET state = 'recovered', closed_at = {}, rearmed_at = {}"
            " WHERE state = 'open' AND id IN ({in})",
            alert_ids,
            at,
            at,
        )


async def _missing_managers(
    breaches: list[rules.Finding], managers: dict[UUID, UUID | None]
) -> None:
    """Key-result findings do not carry the owner's manager: read them for the breaches."""
    unknown = sorted({f.person for f in breaches} - managers.keys())
    if unknown:
        for row in await fetch_in("SELECT id, manager FROM org_person WHERE id IN ({in})", unknown):
            managers[as_uuid(row["id"])] = as_uuid(row["manager"]) if row["manager"] else None


async def _open(
    breaches: list[rules.Finding], at: datetime, managers: dict[UUID, UUID | None]
) -> int:
    """Insert an alert per breach and tell its parties. A breach another transaction raised
    meanwhile is skipped by the unique index (one active alert per condition)."""
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "rule": f.rule.id,
            "kind": f.kind,
            "condition": f.condition,
            "person": f.person,
            "manager": managers.get(f.person),
            "manager_only": rules.KINDS[f.kind].manager_only,
            "goal": f.goal,
            "key_result": f.key_result,
            "observed": f.observed,
            "expected": f.expected,
            "threshold": f.rule.threshold,
            "due_on": f.due_on,
            "state": "open",
            "opened_at": at,
        }
        for f in breaches
    ]
    written = {
        as_uuid(r["id"])
        for r in await insert_returning(Alert, rows, returning="id", skip_conflicts=True)
    }
    told: dict[str, list[tuple[Sequence[UUID], UUID | None, str]]] = {}
    for row in rows:
        if row["id"] not in written:
            continue
        kind = "alert.nudge" if row["manager_only"] else "alert.opened"
        told.setdefault(kind, []).append(
            (
                _parties(row["person"], row["manager"], row["manager_only"]),
                row["id"],
                _url(row["id"]),
            )
        )
    for kind, items in told.items():
        await push.notify_each(kind, items, at=at)
    return len(written)


def _parties(person: UUID, manager: UUID | None, manager_only: bool) -> list[UUID]:
    parties = [] if manager_only else [person]
    return parties + ([manager] if manager is not None else [])


def _url(alert_id: UUID) -> str:
    return f"/alerts/{alert_id}"


async def after_progress(key_result_id: UUID, at: datetime | None = None) -> None:
    """Progress was written: the owner's key-result rules look again, in the same
    transaction."""
    owner = await goals.key_result_owner(key_result_id)
    if owner is not None:
        await evaluate(at or now(), [owner], rules.KEY_RESULT_KINDS)


async def after_checkin(person_id: UUID, at: datetime | None = None) -> None:
    """A check-in was held: an overdue-check-in alert for the person recovers at once."""
    await evaluate(at or now(), [person_id], ("checkin_overdue",))


async def escalate(at: datetime) -> int:
    """Alerts unresolved for 14 days become readable by HR in scope, who are told."""
    async with write_transaction():
        rows = await fetch(
            "UPDATE alerts_alert SET escalated_at = {} WHERE escalated_at IS NULL"
            " AND state IN ('open', 'scheduled') AND opened_at <= {} RETURNING id, person",
            at,
            at - ESCALATE_AFTER,
        )
        covering = await org.hr_covering(sorted({as_uuid(r["person"]) for r in rows}))
        items = [
            (covering.get(as_uuid(r["person"]), []), as_uuid(r["id"]), _url(as_uuid(r["id"])))
            for r in rows
        ]
        await push.notify_each("alert.escalated", items, at=at)
    return len(rows)


async def run_round(at: datetime) -> RoundResult | None:
    """The periodic round: every rule over everyone, then escalations. One process at a time
    (None: another one is running it)."""
    async with write_transaction():
        if not await try_round_lock(ROUND_LOCK):
            return None
        await feedback.copy_to_recipients()
        result = await evaluate(at)
        return RoundResult(result.opened, result.recovered, await escalate(at))


async def unscheduled(
    moment: datetime, within: org.PeopleSlice = org.ALL_PEOPLE
) -> list[tuple[UUID, UUID]]:
    """(party, alert) for open alerts with no conversation booked a week after they opened,
    about the people `within` the slice (a reminder kind's tasks)."""
    in_slice, bounds = within.sql("person")
    rows = await fetch(
        "SELECT id, person, manager, manager_only FROM alerts_alert"  # noqa: S608 - placeholders only
        f" WHERE state = 'open' AND opened_at <= {{}}{in_slice}",
        moment - REMIND_AFTER,
        *bounds,
    )
    return [
        (party, as_uuid(r["id"]))
        for r in rows
        for party in _parties(
            as_uuid(r["person"]),
            as_uuid(r["manager"]) if r["manager"] else None,
            bool(r["manager_only"]),
        )
    ]


# --- reading ---------------------------------------------------------------------------------

ALERT_SELECT = (
    "SELECT a.*, p.display_name AS person_name, p.manager AS current_manager,"
    " m.display_name AS manager_name, c.display_name AS closed_by_name,"
    " kr.title AS key_result_title, kr.unit AS key_result_unit"
    " FROM alerts_alert a JOIN org_person p ON p.id = a.person"
    " LEFT JOIN org_person m ON m.id = a.manager"
    " LEFT JOIN org_person c ON c.id = a.closed_by"
    " LEFT JOIN goals_key_result kr ON kr.id = a.key_result"
)


def _visible(principal: Principal) -> tuple[str, list[Any]]:
    """policy.can_read in SQL: the person (not a nudge), their current direct manager, and HR
    in scope once escalated."""
    me = principal.person_id
    # Me and my reports as one list the alerts' person index is probed with: `p.manager = me`
    # over the joined person, or an OR of me and the list, made PostgreSQL read every open
    # alert of the company for each list (85 ms, then 25 ms, against 3 ms). Any OR does,
    # even with a condition always false.
    mine = (
        "a.person IN (SELECT id FROM org_person WHERE manager = {} UNION ALL SELECT {})"
        " AND NOT (a.person = {} AND a.manager_only)"
    )
    args: list[Any] = [me, me, me]
    hr_reach = org.hr_reach_sql(principal, "e.person")
    if hr_reach is None:
        return f"({mine})", args
    # So HR's escalated alerts are a second list beside those (an OR took 600 ms for an HR
    # partner at 100,000 people), from the escalated alerts' own index.
    sql = (
        f"a.id IN (SELECT a.id FROM alerts_alert a WHERE {mine}"  # noqa: S608 - placeholders and constants only
        " UNION ALL SELECT e.id FROM alerts_alert e WHERE e.escalated_at IS NOT NULL"
        f" AND {hr_reach[0]})"
    )
    return sql, args + hr_reach[1]


async def _reads(principal: Principal, rows: list[dict[str, Any]]) -> list[AlertRead]:
    goal_ids = {as_uuid(r["goal"]) for r in rows if r["goal"] is not None}
    titles = await goals.readable_titles(principal, goal_ids)
    me = principal.person_id
    result = []
    for r in rows:
        goal = as_uuid(r["goal"]) if r["goal"] is not None else None
        readable = goal in titles
        manager_only = bool(r["manager_only"])
        relations = {
            relation
            for relation, holds in (
                (Relation.SELF, as_uuid(r["person"]) == me),
                (
                    Relation.DIRECT_MANAGER,
                    r["current_manager"] and as_uuid(r["current_manager"]) == me,
                ),
            )
            if holds
        }
        is_party = policy.is_party(frozenset(relations), manager_only)
        result.append(
            AlertRead(
                id=r["id"],
                kind=r["kind"],
                state=r["state"],
                person=PersonRef(id=r["person"], display_name=r["person_name"]),
                manager=(
                    PersonRef(id=r["manager"], display_name=r["manager_name"])
                    if r["manager"]
                    else None
                ),
                manager_only=manager_only,
                goal=AlertGoal(id=goal, title=titles[goal]) if goal and readable else None,
                key_result=(
                    AlertKeyResult(
                        id=r["key_result"], title=r["key_result_title"], unit=r["key_result_unit"]
                    )
                    if r["key_result"] and readable
                    else None
                ),
                observed=Decimal(r["observed"]),
                expected=Decimal(r["expected"]),
                threshold=Decimal(r["threshold"]),
                unit=rules.KINDS[r["kind"]].unit,
                due_on=r["due_on"],
                opened_at=r["opened_at"],
                scheduled_for=r["scheduled_for"],
                outcome=r["outcome"] or None,
                agreement=r["agreement"],
                dismiss_reason=r["dismiss_reason"],
                closed_at=r["closed_at"],
                closed_by=(
                    PersonRef(id=r["closed_by"], display_name=r["closed_by_name"])
                    if r["closed_by"]
                    else None
                ),
                escalated_at=r["escalated_at"],
                can_act=is_party and r["state"] in ACTIVE,
            )
        )
    return result


LIST_LIMIT = 200


async def list_alerts(principal: Principal, status: str, person_id: UUID | None) -> list[AlertRead]:
    """The alerts the viewer may read, newest first: `active` (open or scheduled), `closed`
    or `all`; `person_id`: about that person only."""
    visible, args = _visible(principal)
    sql = f"{ALERT_SELECT} WHERE {visible}"
    if status == "active":
        sql += " AND a.state IN ('open', 'scheduled')"
    elif status == "closed":
        sql += " AND a.state NOT IN ('open', 'scheduled')"
    if person_id is not None:
        sql += " AND a.person = {}"
        args.append(person_id)
    rows = await fetch(sql + f" ORDER BY a.opened_at DESC LIMIT {LIST_LIMIT}", *args)
    return await _reads(principal, rows)


async def alerts_topics(principal: Principal) -> list[str]:
    """The change-log topics (`sync.versions`) the alerts a viewer may read are made from, as
    `_visible` and `_reads` read them: the alerts about the viewer and about each direct
    report (who left included), escalated ones for HR, and the names, relations and goal
    titles they show (a key result's title is logged under the alerts naming it)."""
    about = [principal.person_id, *await org.report_ids(principal.person_id)]
    topics = [versions.PEOPLE, versions.GOAL_OUTLINES, *versions.of(versions.ALERTS, about)]
    if org.hr_reach_sql(principal, "a.person") is not None:
        topics.append(versions.ESCALATED_ALERTS)
    return topics


async def open_by_department(principal: Principal, min_group_size: int) -> OpenAlertsRead:
    """How many alerts are open about the people HR covers, and about how many of them, by
    department (sub-departments included) and in all; counts only, and none for a group too
    small to show (`privacy.groups`)."""
    if not policy.reads_open_by_department(principal):
        raise forbidden("Open alerts by department are for HR.")
    covered = await org.covered_by_hr(principal)
    rows = await fetch(
        "SELECT p.department, count(*) AS alerts, count(DISTINCT a.person) AS people"  # noqa: S608 - placeholders and constants only
        " FROM alerts_alert a JOIN org_person p ON p.id = a.person"
        f" WHERE a.state IN ({placeholders(ACTIVE)}) AND {covered.condition}"
        " GROUP BY p.department",
        *ACTIVE,
        *covered.args,
    )
    figures = [
        (
            covered.group_of(row["department"]),
            {"open_alerts": int(row["alerts"]), "people": int(row["people"])},
        )
        for row in rows
    ]
    groups = [
        OpenAlertsGroupRead(
            **covered.described(group),
            open_alerts=None if group.figures is None else group.figures["open_alerts"],
            people_with_open_alerts=None if group.figures is None else group.figures["people"],
        )
        for group in tally(covered.holder, covered.people, figures, min_group_size)
    ]
    return OpenAlertsRead(min_group_size=min_group_size, groups=groups)


async def my_alerts(principal: Principal) -> list[AlertRead]:
    """Every alert about the principal that they may read, oldest first (the data export):
    a nudge meant for their manager only is not theirs to read."""
    visible, args = _visible(principal)
    sql = f"{ALERT_SELECT} WHERE {visible} AND a.person = {{}} ORDER BY a.opened_at"
    return await _reads(principal, await fetch(sql, *args, principal.person_id))


async def _alert_row(alert_id: UUID) -> dict[str, Any]:
    rows = await fetch(ALERT_SELECT + " WHERE a.id = {}", alert_id)
    if not rows:
        raise not_found()
    return rows[0]


async def _readable(principal: Principal, alert_id: UUID) -> tuple[dict[str, Any], Any]:
    row = await _alert_row(alert_id)
    person = as_uuid(row["person"])
    relations = (await org.relations(principal, [person]))[person]
    if not policy.can_read(relations, bool(row["manager_only"]), row["escalated_at"] is not None):
        raise not_found()
    return row, relations


async def get_alert(principal: Principal, alert_id: UUID) -> AlertRead:
    row, relations = await _readable(principal, alert_id)
    logged = policy.logged_relation(relations, bool(row["manager_only"]))
    if logged is not None:
        await audit.record_access(
            principal.person_id, as_uuid(row["person"]), "alert", logged, as_uuid(row["id"])
        )
    return (await _reads(principal, [row]))[0]


# --- the conversation ------------------------------------------------------------------------


async def _act(principal: Principal, alert_id: UUID, changes: dict[Any, Any]) -> AlertRead:
    """A party moves an active alert on; the other party is told."""
    async with write_transaction():
        row, relations = await _readable(principal, alert_id)
        manager_only = bool(row["manager_only"])
        if not policy.is_party(relations, manager_only):
            raise ProblemError(
                403, "not_a_party", "Only the person and their manager act on an alert."
            )
        if row["state"] not in ACTIVE:
            raise ProblemError(409, "alert_closed", "This alert is already closed.")
        await Alert.update(changes).where(Alert.id == alert_id)
        person = as_uuid(row["person"])
        current = as_uuid(row["current_manager"]) if row["current_manager"] else None
        others = [p for p in _parties(person, current, manager_only) if p != principal.person_id]
        await push.notify(others, "alert.updated", url=_url(alert_id), subject_id=alert_id)
        row = await _alert_row(alert_id)
    return (await _reads(principal, [row]))[0]


async def schedule(principal: Principal, alert_id: UUID, data: AlertSchedule) -> AlertRead:
    # A day's grace: "today" where the person is may be yesterday in UTC.
    if data.on < now().date() - timedelta(days=1):
        raise ProblemError(422, "schedule_in_past", "Pick today or a later day.")
    return await _act(principal, alert_id, {Alert.state: "scheduled", Alert.scheduled_for: data.on})


async def resolve(principal: Principal, alert_id: UUID, data: AlertResolve) -> AlertRead:
    closing = {Alert.outcome: data.outcome, Alert.agreement: data.agreement}
    return await _close(principal, alert_id, "resolved", closing)


async def dismiss(principal: Principal, alert_id: UUID, data: AlertDismiss) -> AlertRead:
    return await _close(principal, alert_id, "dismissed", {Alert.dismiss_reason: data.reason})


async def _close(
    principal: Principal, alert_id: UUID, state: str, closing: dict[Any, Any]
) -> AlertRead:
    closed = {Alert.state: state, Alert.closed_by: principal.person_id, Alert.closed_at: now()}
    return await _act(principal, alert_id, closed | closing)


async def erase_person(person_id: UUID) -> Erasure:
    """Alerts about a departed person go; those they handled as a manager stay with their
    reports, under the pseudonym."""
    return Erasure(
        removed={"alerts": await delete_where(Alert, Alert.person == person_id)},
        kept={"alerts_they_handled": await Alert.count().where(Alert.manager == person_id)},
    )


async def purge_before(cutoff: datetime) -> int:
    """Alerts closed before the cutoff; open and booked ones stay, however old."""
    return await delete_where(Alert, Alert.state.not_in(list(ACTIVE)) & (Alert.closed_at < cutoff))
