"""Unit tests of the pace rules, the weight rule and the signature hash (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from server.core.errors import ProblemError
from server.goals import content, pace
from shared_schemas.goals import GoalContent, KeyResultContent

START = date(2026, 7, 1)
DUE = date(2026, 12, 31)
MIDWAY = date(2026, 9, 30)  # 91 of 183 days


def plan(**changes) -> pace.Plan:
    values = {
        "metric_kind": "number",
        "start_value": Decimal(0),
        "target_value": Decimal(100),
        "starts_on": START,
        "due_on": DUE,
    }
    return pace.Plan(**{**values, **changes})


def test_the_plan_is_a_straight_line_from_start_to_due_date():
    assert pace.expected_share(plan(), START) == 0.0
    assert pace.expected_share(plan(), MIDWAY) == pytest.approx(91 / 183)
    assert pace.expected_share(plan(), DUE) == 1.0
    assert pace.expected_share(plan(), date(2027, 3, 1)) == 1.0


def test_explicit_milestones_bend_the_line():
    # 80 % of the target expected by the end of July, the rest by the end of the year.
    stepped = plan(milestones=((date(2026, 7, 31), Decimal(80)),))
    assert pace.expected_share(stepped, date(2026, 7, 31)) == pytest.approx(0.8)
    assert pace.expected_share(stepped, date(2026, 7, 16)) == pytest.approx(0.4)
    midway_rest = 0.8 + 0.2 * (date(2026, 11, 15) - date(2026, 7, 31)).days / 153
    assert pace.expected_share(stepped, date(2026, 11, 15)) == pytest.approx(midway_rest)


def test_yes_no_and_milestone_results_are_all_or_nothing_at_the_due_date():
    for kind in ("milestone", "yes_no"):
        binary = plan(metric_kind=kind, target_value=Decimal(1))
        assert pace.expected_share(binary, date(2026, 12, 30)) == 0.0
        assert pace.read(binary, Decimal(0), date(2026, 12, 30)).status == "on_track"
        assert pace.read(binary, Decimal(0), DUE).status == "behind"
        assert pace.read(binary, Decimal(1), MIDWAY).status == "done"


def test_a_decreasing_result_counts_progress_downwards():
    costs = plan(start_value=Decimal(15), target_value=Decimal(12))
    assert pace.read(costs, Decimal("13.5"), MIDWAY).progress == pytest.approx(0.5)
    assert pace.read(costs, Decimal(16), MIDWAY).progress == 0.0  # worse than the start


@pytest.mark.parametrize(
    ("current", "status"),
    [
        (Decimal(50), "on_track"),  # ahead of the ~49.7 % plan
        (Decimal(40), "on_track"),  # 9.7 points behind: within the 10-point tolerance
        (Decimal(30), "at_risk"),  # 19.7 points behind
        (Decimal(20), "behind"),  # 29.7 points behind
        (Decimal(100), "done"),
        (Decimal(130), "done"),  # beyond the target counts as done, progress capped at 1
    ],
)
def test_pace_thresholds(current, status):
    reading = pace.read(plan(), current, MIDWAY)
    assert reading.status == status
    assert 0.0 <= reading.progress <= 1.0


def test_nothing_is_behind_before_the_cycle_starts_or_before_agreement():
    assert pace.read(plan(), Decimal(0), START).status == "not_started"
    assert pace.read(plan(), Decimal(0), MIDWAY, tracking=False).status == "not_started"


def test_a_goal_combines_its_key_results_by_weight():
    on_track = pace.read(plan(), Decimal(50), MIDWAY)
    stalled = pace.read(plan(), Decimal(0), MIDWAY)
    heavy_on_track = pace.combine([(on_track, 80), (stalled, 20)], started=True)
    assert heavy_on_track.progress == pytest.approx(0.4)
    assert heavy_on_track.status == "on_track"
    heavy_stalled = pace.combine([(on_track, 20), (stalled, 80)], started=True)
    assert heavy_stalled.status == "behind"
    assert pace.combine([], started=True).status == "not_started"


def test_weights_must_total_exactly_100_and_the_error_explains_the_sum():
    content.check_weight_total("2026 H2", [("新客户", 60), ("续约率", 40)])
    with pytest.raises(ProblemError) as raised:
        content.check_weight_total("2026 H2", [("新客户", 60), ("续约率", 30)])
    assert raised.value.code == "weights_not_100"
    assert "90%" in raised.value.detail
    assert "新客户 60%" in raised.value.detail
    assert "续约率 30%" in raised.value.detail
    with pytest.raises(ProblemError):
        content.check_weight_total("2026 H2", [("新客户", 70), ("续约率", 40)])


def signed_content() -> GoalContent:
    return GoalContent(
        goal_id=uuid4(),
        version=1,
        owner_id=uuid4(),
        cycle_id=uuid4(),
        title="拓展苏州新客户",
        description="工业园区优先",
        theme_id=uuid4(),
        parent_id=uuid4(),
        weight=60,
        priority="high",
        support_needed="客户名单",
        support_from_person_id=uuid4(),
        support_from_department_id=uuid4(),
        key_results=[
            KeyResultContent(
                id=uuid4(),
                title="新签客户",
                metric_kind="number",
                start_value=Decimal(0),
                target_value=Decimal(25),
                unit="家",
                direction="increase",
                due_on=DUE,
                weight=100,
                standards=["quantity"],
                milestones=[],
            )
        ],
    )


GOAL_CHANGES = {
    "goal_id": uuid4(),
    "version": 2,
    "owner_id": uuid4(),
    "cycle_id": uuid4(),
    "title": "拓展无锡新客户",
    "description": "",
    "theme_id": None,
    "parent_id": None,
    "weight": 40,
    "priority": "low",
    "support_needed": "",
    "support_from_person_id": None,
    "support_from_department_id": None,
}
KEY_RESULT_CHANGES = {
    "id": uuid4(),
    "title": "新签大客户",
    "metric_kind": "currency",
    "start_value": Decimal(1),
    "target_value": Decimal("25.5"),
    "unit": "万元",
    "direction": "decrease",
    "due_on": date(2026, 12, 30),
    "weight": 90,
    "standards": ["cost"],
    "milestones": [{"due_on": MIDWAY, "expected_value": Decimal(10)}],
}


def test_every_goal_field_is_covered_by_the_hash():
    assert set(GOAL_CHANGES) | {"key_results"} == set(GoalContent.model_fields)
    original = signed_content()
    for name, value in GOAL_CHANGES.items():
        changed = original.model_copy(update={name: value})
        assert content.content_hash(changed) != content.content_hash(original), name


def test_every_key_result_field_is_covered_by_the_hash():
    assert set(KEY_RESULT_CHANGES) == set(KeyResultContent.model_fields)
    original = signed_content()
    for name, value in KEY_RESULT_CHANGES.items():
        key_result = KeyResultContent.model_validate(
            {**original.key_results[0].model_dump(), name: value}
        )
        changed = original.model_copy(update={"key_results": [key_result]})
        assert content.content_hash(changed) != content.content_hash(original), name


def test_the_hash_is_stable_for_the_same_content():
    original = signed_content()
    copy = GoalContent.model_validate_json(original.model_dump_json())
    assert content.content_hash(copy) == content.content_hash(original)
