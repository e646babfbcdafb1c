"""The content of a goal that two people sign: building it, hashing it, changing it, and the
checks it must pass. Pure functions; no database."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from server.core.errors import ProblemError
from server.goals.pace import BINARY_KINDS
from shared_schemas.goals import (
    GoalContent,
    GoalUpdate,
    KeyResultContent,
    KeyResultIn,
    MilestoneRead,
)

FULL_WEIGHT = 100


def content_hash(content: GoalContent) -> str:
    """SHA-256 of the canonical JSON of everything signed (sorted keys, no spaces)."""
    canonical = json.dumps(
        content.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def key_result_content(kr: KeyResultIn, kr_id: UUID) -> KeyResultContent:
    """A key result as it will be stored; yes/no and milestone results always run 0 -> 1."""
    binary = kr.metric_kind in BINARY_KINDS
    return KeyResultContent(
        id=kr_id,
        title=kr.title,
        metric_kind=kr.metric_kind,
        start_value=Decimal(0) if binary else kr.start_value,
        target_value=Decimal(1) if binary else kr.target_value,
        unit="" if binary else kr.unit,
        direction="increase" if binary else kr.direction,
        due_on=kr.due_on,
        weight=kr.weight,
        standards=sorted(set(kr.standards)),
        milestones=sorted(
            (
                MilestoneRead(due_on=m.due_on, expected_value=m.expected_value)
                for m in kr.milestones
            ),
            key=lambda m: m.due_on,
        ),
    )


def key_results_from(inputs: list[KeyResultIn], existing_ids: set[UUID]) -> list[KeyResultContent]:
    """New key results get their id here, so the id is part of what is signed."""
    unknown = [i for i, kr in enumerate(inputs) if kr.id is not None and kr.id not in existing_ids]
    if unknown:
        raise ProblemError(
            422,
            "unknown_key_result",
            "A key result named by id does not belong to this goal.",
            errors=[_error(f"key_results[{i}].id", "unknown_key_result") for i in unknown],
        )
    return [key_result_content(kr, kr.id or uuid4()) for kr in inputs]


def apply_changes(content: GoalContent, changes: GoalUpdate, version: int) -> GoalContent:
    """The content with the given changes; fields not sent stay as they are."""
    data = content.model_dump()
    sent = changes.model_fields_set
    for name in ("title", "description", "theme_id", "parent_id", "weight", "priority"):
        if name in sent:
            data[name] = getattr(changes, name)
    if "support" in sent and changes.support is not None:
        data["support_needed"] = changes.support.needed
        data["support_from_person_id"] = changes.support.from_person_id
        data["support_from_department_id"] = changes.support.from_department_id
    if "key_results" in sent and changes.key_results is not None:
        existing = {kr.id for kr in content.key_results}
        data["key_results"] = key_results_from(changes.key_results, existing)
    data["version"] = version
    return GoalContent.model_validate(data)


def _error(field: str, code: str, message: str = "") -> dict[str, Any]:
    return {"field": field, "code": code, "message": message or code.replace("_", " ")}


def check_measures(key_results: list[KeyResultContent], starts_on: date, ends_on: date) -> None:
    """Checks every write must pass: a target away from the start in the stated direction,
    and dates inside the cycle."""
    errors: list[dict[str, Any]] = []
    for i, kr in enumerate(key_results):
        where = f"key_results[{i}]"
        if kr.target_value == kr.start_value:
            errors.append(_error(f"{where}.target_value", "target_equals_start"))
        elif (kr.target_value > kr.start_value) != (kr.direction == "increase"):
            errors.append(_error(f"{where}.direction", "direction_mismatch"))
        if not starts_on <= kr.due_on <= ends_on:
            errors.append(_error(f"{where}.due_on", "due_outside_cycle"))
        for j, milestone in enumerate(kr.milestones):
            if not starts_on <= milestone.due_on <= kr.due_on:
                errors.append(_error(f"{where}.milestones[{j}].due_on", "due_outside_cycle"))
    if errors:
        details = {
            "target_equals_start": "A key result's target must differ from its start value.",
            "direction_mismatch": "The target must lie in the key result's direction.",
            "due_outside_cycle": "Due dates must fall inside the goal's cycle.",
        }
        code = errors[0]["code"]
        raise ProblemError(422, code, details[code], errors=errors)


def check_four_questions(content: GoalContent) -> None:
    """A goal may be proposed for sign-off only when it answers the four questions: what it
    serves, how it is measured, its weight and priority, and the support it needs."""
    errors = []
    if content.theme_id is None and content.parent_id is None:
        errors.append(_error("theme_id", "serves_missing"))
    if not content.key_results:
        errors.append(_error("key_results", "key_results_missing"))
    for i, kr in enumerate(content.key_results):
        if not kr.standards:
            errors.append(_error(f"key_results[{i}].standards", "standard_missing"))
    if content.key_results and sum(kr.weight for kr in content.key_results) != FULL_WEIGHT:
        errors.append(_error("key_results", "key_result_weights_not_100"))
    if content.weight <= 0:
        errors.append(_error("weight", "weight_missing"))
    if not content.support_needed.strip():
        errors.append(_error("support.needed", "support_missing"))
    if errors:
        raise ProblemError(
            422,
            "goal_incomplete",
            "Before it can be proposed, a goal must say what it serves, how each key result is"
            " measured, its weight, and the support it needs.",
            errors=errors,
        )


def check_weight_total(cycle_name: str, lines: list[tuple[str, int]]) -> None:
    """The third question across goals: a person's goals in a cycle total exactly 100 %."""
    total = sum(weight for _, weight in lines)
    if total == FULL_WEIGHT:
        return
    listing = ", ".join(f"{title} {weight}%" for title, weight in lines)
    raise ProblemError(
        422,
        "weights_not_100",
        f"The goal weights in {cycle_name} add up to {total}%, not 100%: {listing}."
        " Adjust the weights so that they total 100%.",
        errors=[
            _error("weight", "weights_not_100", f"{title}: {weight}%") for title, weight in lines
        ],
    )
