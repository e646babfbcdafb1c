"""Deviation rules: what each kind watches, its company default, where it may be set, and
when a condition starts and ends. Pure: no database.

Every kind turns what it watches into an *excess*: how far past its threshold the condition
is. Above 0 it is breached; it has recovered only once the excess is `band` below 0 again,
so a metric hovering at the threshold does not open and close alerts day after day.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from server.goals import pace

SCOPES = ("company", "department", "goal")


@dataclass(frozen=True)
class RuleKind:
    unit: str  # what the threshold counts: points | days | value | weeks
    default: Decimal | None  # the company-wide rule shipped; None: set per goal only
    scopes: tuple[str, ...]
    band: Decimal
    # A nudge about the manager's own habits: the manager alone is told and sees it.
    manager_only: bool = False


KINDS: dict[str, RuleKind] = {
    # Progress trails the plan by more than this many points (of 100); pace.BEHIND_GAP is 25.
    "kr_behind": RuleKind("points", Decimal(25), SCOPES, band=Decimal(5)),
    # A checkpoint or a milestone result still not reached this many days after its date.
    "milestone_overdue": RuleKind("days", Decimal(7), SCOPES, band=Decimal(0)),
    # A key result measuring quality beyond this limit (above it for a result that should go
    # down, such as a defect rate; below it for one that should go up).
    "quality_threshold": RuleKind("value", None, ("goal",), band=Decimal(0)),
    # No check-in this many days after the team's rhythm made one due.
    "checkin_overdue": RuleKind("days", Decimal(7), ("company", "department"), band=Decimal(0)),
    # No specific kudos from the manager to a report for this many weeks.
    "no_recognition": RuleKind(
        "weeks", Decimal(2), ("company", "department"), band=Decimal(0), manager_only=True
    ),
}
KEY_RESULT_KINDS = ("kr_behind", "milestone_overdue", "quality_threshold")
PERSON_KINDS = ("checkin_overdue", "no_recognition")


class Rule(NamedTuple):
    id: UUID
    kind: str
    scope: str
    target: UUID | None  # the department or goal; None for the company
    threshold: Decimal
    enabled: bool


def target_key(scope: str, target: UUID | None) -> str:
    return scope if target is None else f"{scope}:{target}"


class RuleBook:
    """The rules in force, looked up from the most specific place outwards: the goal, the
    person's department and its parents, then the company. Answers are remembered per
    department, because a round asks once per key result."""

    def __init__(self, rules: list[Rule], department_parents: Mapping[UUID, UUID | None]):
        self._rules = {(rule.kind, target_key(rule.scope, rule.target)): rule for rule in rules}
        self._goals_with_rules = {rule.target for rule in rules if rule.scope == "goal"}
        self._parents = department_parents
        self._by_department: dict[tuple[str, UUID | None], Rule | None] = {}

    def lowest(self, kind: str) -> Decimal | None:
        """The lowest threshold of this kind switched on anywhere (None: off everywhere)."""
        thresholds = [r.threshold for (k, _), r in self._rules.items() if k == kind and r.enabled]
        return min(thresholds, default=None)

    def _places(self, department: UUID | None) -> list[str]:
        chain, seen, current = [], set(), department
        while current is not None and current not in seen:
            seen.add(current)
            chain.append(target_key("department", current))
            current = self._parents.get(current)
        return [*chain, "company"]

    def _first(self, kind: str, places: list[str]) -> Rule | None:
        for place in places:
            rule = self._rules.get((kind, place))
            if rule is not None:
                return rule if rule.enabled else None
        return None

    def rule(self, kind: str, department: UUID | None, goal: UUID | None = None) -> Rule | None:
        """The rule of this kind that applies, if it is switched on there."""
        if goal in self._goals_with_rules:
            return self._first(kind, [target_key("goal", goal), *self._places(department)])
        key = (kind, department)
        if key not in self._by_department:
            self._by_department[key] = self._first(kind, self._places(department))
        return self._by_department[key]


class Finding(NamedTuple):
    """One watched condition as it stands now."""

    condition: str
    kind: str
    rule: Rule
    person: UUID
    excess: Decimal
    observed: Decimal
    expected: Decimal
    due_on: date | None = None
    goal: UUID | None = None
    key_result: UUID | None = None

    @property
    def breached(self) -> bool:
        return self.excess > 0

    @property
    def recovered(self) -> bool:
        return self.excess <= -KINDS[self.kind].band


class TrackedKeyResult(NamedTuple):
    """A key result of an agreed goal, as the key-result rules read it."""

    id: UUID
    goal: UUID
    owner: UUID
    department: UUID | None
    plan: pace.Plan
    current: Decimal
    direction: str
    standards: tuple[str, ...]


def _points(share: float) -> Decimal:
    return Decimal(f"{share * 100:.2f}")


def key_result_findings(
    kr: TrackedKeyResult, rules: RuleBook, today: date, watched: bool = True
) -> list[Finding]:
    """What the key-result rules see in one key result today. `watched`: an alert about it
    may be live, so its healthy conditions count too (to recover); otherwise only breaches
    are returned, which keeps a round over every key result cheap."""
    findings = []
    reading = pace.read(kr.plan, kr.current, today)
    rule = rules.rule("kr_behind", kr.department, kr.goal)
    if rule is not None and reading.status != "not_started":
        behind = _points(reading.gap) - rule.threshold
        if watched or behind > 0:
            findings.append(
                Finding(
                    f"kr_behind:{kr.id}",
                    "kr_behind",
                    rule,
                    kr.owner,
                    excess=behind,
                    observed=_points(reading.progress),
                    expected=_points(reading.expected),
                    goal=kr.goal,
                    key_result=kr.id,
                )
            )
    rule = rules.rule("milestone_overdue", kr.department, kr.goal)
    if rule is not None and (kr.plan.milestones or kr.plan.metric_kind in pace.BINARY_KINDS):
        done = reading.status == "done"
        findings += [
            f for f in _overdue_checkpoints(kr, rule, today, done) if watched or f.breached
        ]
    rule = rules.rule("quality_threshold", kr.department, kr.goal)
    if rule is not None and "quality" in kr.standards:
        beyond = kr.current - rule.threshold
        excess = beyond if kr.direction == "decrease" else -beyond
        if watched or excess > 0:
            findings.append(
                Finding(
                    f"quality_threshold:{kr.id}",
                    "quality_threshold",
                    rule,
                    kr.owner,
                    excess=excess,
                    observed=kr.current,
                    expected=rule.threshold,
                    goal=kr.goal,
                    key_result=kr.id,
                )
            )
    return findings


def _overdue_checkpoints(
    kr: TrackedKeyResult, rule: Rule, today: date, done: bool
) -> list[Finding]:
    """Each checkpoint passed (and, for a milestone or yes/no result, the due date itself):
    overdue by how many days beyond the rule's allowance, unless reached."""
    plan = kr.plan
    checkpoints = [m for m in plan.milestones if m[0] < plan.due_on]
    if plan.metric_kind in pace.BINARY_KINDS:
        checkpoints.append((plan.due_on, plan.target_value))
    findings = []
    for due_on, value in checkpoints:
        if due_on >= today:
            continue
        reached = done or _reached(kr, value)
        days_late = Decimal(0) if reached else Decimal((today - due_on).days)
        findings.append(
            Finding(
                f"milestone_overdue:{kr.id}:{due_on.isoformat()}",
                "milestone_overdue",
                rule,
                kr.owner,
                # Reached: recovered outright, however late it was.
                excess=-rule.threshold - 1 if reached else days_late - rule.threshold,
                observed=kr.current,
                expected=value,
                due_on=due_on,
                goal=kr.goal,
                key_result=kr.id,
            )
        )
    return findings


def _reached(kr: TrackedKeyResult, value: Decimal) -> bool:
    if kr.plan.target_value >= kr.plan.start_value:
        return kr.current >= value
    return kr.current <= value


def days_overdue_finding(kind: str, rule: Rule, person: UUID, due_on: date, today: date) -> Finding:
    """A check-in due on `due_on` and not held by `today`."""
    late = Decimal(max(0, (today - due_on).days))
    return Finding(
        f"{kind}:{person}",
        kind,
        rule,
        person,
        excess=late - rule.threshold,
        observed=late,
        expected=rule.threshold,
        due_on=due_on,
    )


def silence_finding(rule: Rule, person: UUID, since: date, today: date) -> Finding:
    """No specific recognition from the manager to `person` since `since`."""
    weeks = Decimal((today - since).days) / 7
    return Finding(
        f"no_recognition:{person}",
        "no_recognition",
        rule,
        person,
        excess=weeks - rule.threshold,
        observed=weeks.quantize(Decimal("0.1")),
        expected=rule.threshold,
        due_on=since,
    )
