"""Pace: where a key result should be by a date, where it is, and what that means.

The one place on-track / at-risk / behind is decided; goal lists, the goal page and (later)
deviation alerts all read it from here. Pure functions, no database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import NamedTuple

# How far (as a share of the whole way from start to target) actual progress may trail the
# plan before the key result is "at risk", and before it is "behind".
AT_RISK_GAP = 0.10
BEHIND_GAP = 0.25

BINARY_KINDS = frozenset({"milestone", "yes_no"})


# Value objects as named tuples: immutable, and built several times faster than frozen
# dataclasses (an alert round builds one of each per key result in the company).
class Plan(NamedTuple):
    metric_kind: str
    start_value: Decimal
    target_value: Decimal
    starts_on: date  # the cycle's first day: the plan's straight line begins here
    due_on: date
    # Explicit checkpoints (date, expected value); empty = straight line from start to target.
    milestones: tuple[tuple[date, Decimal], ...] = ()


class PaceReading(NamedTuple):
    progress: float  # 0..1 of the way from start to target, now
    expected: float  # 0..1 the plan expects at the reading date
    status: str  # not_started | on_track | at_risk | behind | done

    @property
    def gap(self) -> float:
        """How far progress trails the plan (negative when ahead)."""
        return self.expected - self.progress


def _share(plan: Plan, value: Decimal) -> float:
    """How much of the way from start to target `value` is, clamped to 0..1."""
    span = plan.target_value - plan.start_value
    if span == 0:
        return 1.0 if value == plan.target_value else 0.0
    return min(1.0, max(0.0, float((value - plan.start_value) / span)))


def expected_share(plan: Plan, at: date) -> float:
    """The share of the way the plan expects by `at`: all-or-nothing at the due date for
    milestones and yes/no results, otherwise linear between the plan's checkpoints."""
    if plan.metric_kind in BINARY_KINDS:
        return 1.0 if at >= plan.due_on else 0.0
    if at <= plan.starts_on:
        return 0.0
    if not plan.milestones:
        # The straight line from start to target: the share of the way is the share of the
        # time (the general case below gives the same; this is what most results are).
        if at >= plan.due_on or plan.start_value == plan.target_value:
            return 1.0
        return (at - plan.starts_on).days / (plan.due_on - plan.starts_on).days
    points = [(plan.starts_on, plan.start_value)]
    points += sorted(m for m in plan.milestones if plan.starts_on < m[0] < plan.due_on)
    points.append((plan.due_on, plan.target_value))
    for (day_a, value_a), (day_b, value_b) in pairwise(points):
        if at <= day_b:
            fraction = Decimal((at - day_a).days) / Decimal((day_b - day_a).days)
            return _share(plan, value_a + (value_b - value_a) * fraction)
    return 1.0


def classify(progress: float, expected: float, started: bool) -> str:
    if progress >= 1.0:
        return "done"
    if not started:
        return "not_started"
    gap = expected - progress
    if gap <= AT_RISK_GAP:
        return "on_track"
    if gap <= BEHIND_GAP:
        return "at_risk"
    return "behind"


def read(plan: Plan, current: Decimal, at: date, tracking: bool = True) -> PaceReading:
    """`tracking`: the plan is agreed and running; a draft or proposal has no pace yet."""
    progress = _share(plan, current)
    expected = expected_share(plan, at)
    started = tracking and at > plan.starts_on
    return PaceReading(progress, expected, classify(progress, expected, started))


def combine(readings: list[tuple[PaceReading, int]], started: bool) -> PaceReading:
    """A goal's pace: its key results' readings averaged by weight (equal when all are 0)."""
    if not readings:
        return PaceReading(0.0, 0.0, "not_started")
    total = sum(weight for _, weight in readings)
    weights = [weight / total if total else 1 / len(readings) for _, weight in readings]
    progress = sum(r.progress * w for (r, _), w in zip(readings, weights, strict=True))
    expected = sum(r.expected * w for (r, _), w in zip(readings, weights, strict=True))
    return PaceReading(progress, expected, classify(progress, expected, started))
