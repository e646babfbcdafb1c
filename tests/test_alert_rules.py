"""The alert rules as pure functions: thresholds, the hysteresis band, recovery, and which
rule applies where."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from server.alerts import rules
from server.goals import pace

START = date(2026, 7, 1)
DUE = date(2026, 12, 31)
TODAY = date(2026, 10, 1)  # half-way through the plan: about 50 % expected
EAST, SALES = uuid.uuid4(), uuid.uuid4()  # East is a sub-department of Sales
GOAL = uuid.uuid4()


def rule(kind: str, threshold: int | str, scope: str = "company", target=None, enabled=True):
    return rules.Rule(uuid.uuid4(), kind, scope, target, Decimal(threshold), enabled)


def book(*given: rules.Rule) -> rules.RuleBook:
    return rules.RuleBook(list(given), {EAST: SALES, SALES: None})


def key_result(current: str, *, kind="number", start="0", target="100", **extra):
    plan = pace.Plan(kind, Decimal(start), Decimal(target), START, DUE, extra.pop("milestones", ()))
    return rules.TrackedKeyResult(
        id=uuid.uuid4(),
        goal=GOAL,
        owner=uuid.uuid4(),
        department=EAST,
        plan=plan,
        current=Decimal(current),
        direction=extra.pop("direction", "increase"),
        standards=extra.pop("standards", ("quantity",)),
    )


def only(findings: list[rules.Finding], kind: str) -> rules.Finding:
    [finding] = [f for f in findings if f.kind == kind]
    return finding


def test_behind_pace_breaches_past_the_threshold_and_recovers_only_past_the_band():
    rulebook = book(rule("kr_behind", 25))
    expected = float(pace.expected_share(key_result("0").plan, TODAY)) * 100  # about 50
    at_threshold = key_result(str(round(expected - 25, 2)))
    assert not only(rules.key_result_findings(at_threshold, rulebook, TODAY), "kr_behind").breached
    far_behind = only(rules.key_result_findings(key_result("10"), rulebook, TODAY), "kr_behind")
    assert far_behind.breached
    assert far_behind.observed == Decimal("10.00")
    assert abs(far_behind.expected - Decimal(str(expected))) < Decimal("0.01")
    # 22 points behind: no longer breached, but inside the band, so not yet recovered.
    inside_band = key_result(str(round(expected - 22, 2)))
    finding = only(rules.key_result_findings(inside_band, rulebook, TODAY), "kr_behind")
    assert (finding.breached, finding.recovered) == (False, False)
    recovered = key_result(str(round(expected - 19, 2)))
    assert only(rules.key_result_findings(recovered, rulebook, TODAY), "kr_behind").recovered


def test_the_nearest_rule_applies_and_a_disabled_one_switches_the_kind_off():
    company, sales = rule("kr_behind", 25), rule("kr_behind", 5, "department", SALES)
    assert book(company, sales).rule("kr_behind", EAST) is sales
    assert book(company, sales).rule("kr_behind", None) is company
    goal_off = rule("kr_behind", 5, "goal", GOAL, enabled=False)
    assert book(company, sales, goal_off).rule("kr_behind", EAST, GOAL) is None
    assert book(company, sales, goal_off).rule("kr_behind", EAST, uuid.uuid4()) is sales
    # A 5-point department rule catches a result the company's 25 points would let pass.
    slightly_behind = key_result("40")
    assert not only(
        rules.key_result_findings(slightly_behind, book(company), TODAY), "kr_behind"
    ).breached
    assert only(
        rules.key_result_findings(slightly_behind, book(company, sales), TODAY), "kr_behind"
    ).breached


def test_a_checkpoint_is_overdue_after_the_allowed_days_until_it_is_reached():
    checkpoint = (date(2026, 9, 1), Decimal(40))
    rulebook = book(rule("milestone_overdue", 7))

    def finding(current: str, today: date) -> rules.Finding:
        kr = key_result(current, milestones=(checkpoint,))
        return only(rules.key_result_findings(kr, rulebook, today), "milestone_overdue")

    assert not finding("10", date(2026, 9, 8)).breached  # 7 days late: still allowed
    late = finding("10", date(2026, 9, 9))
    assert late.breached
    assert late.due_on == date(2026, 9, 1)
    assert late.condition.endswith(":2026-09-01")
    assert finding("40", date(2026, 9, 30)).recovered


def test_a_milestone_result_is_overdue_after_its_due_date_until_done():
    rulebook = book(rule("milestone_overdue", 0))
    kr = key_result("0", kind="milestone", target="1")
    after = DUE + timedelta(days=1)
    assert only(rules.key_result_findings(kr, rulebook, after), "milestone_overdue").breached
    done = key_result("1", kind="milestone", target="1")
    assert only(rules.key_result_findings(done, rulebook, after), "milestone_overdue").recovered
    assert not [
        f for f in rules.key_result_findings(kr, rulebook, DUE) if f.kind == "milestone_overdue"
    ]


def test_a_quality_limit_depends_on_which_way_the_result_should_move():
    rulebook = book(rule("quality_threshold", "5", "goal", GOAL))
    defects = {"start": "8", "target": "2", "direction": "decrease", "standards": ("quality",)}
    over = key_result("6.5", **defects)
    assert only(rules.key_result_findings(over, rulebook, TODAY), "quality_threshold").breached
    under = key_result("4.9", **defects)
    assert only(rules.key_result_findings(under, rulebook, TODAY), "quality_threshold").recovered
    satisfaction = {"start": "80", "target": "95", "standards": ("quality",)}
    low = key_result("4", **satisfaction)
    assert only(rules.key_result_findings(low, rulebook, TODAY), "quality_threshold").breached
    # A result that does not measure quality is not watched by a quality rule.
    plain = key_result("6.5", start="8", target="2", direction="decrease")
    assert not [
        f
        for f in rules.key_result_findings(plain, rulebook, TODAY)
        if f.kind == "quality_threshold"
    ]


def test_overdue_check_ins_and_silence_count_days_and_weeks():
    person = uuid.uuid4()
    overdue = rule("checkin_overdue", 7)
    due = date(2026, 9, 1)
    assert not rules.days_overdue_finding("checkin_overdue", overdue, person, due, due).breached
    late = rules.days_overdue_finding("checkin_overdue", overdue, person, due, date(2026, 9, 9))
    assert (late.breached, late.observed) == (True, Decimal(8))
    silence = rule("no_recognition", 2)
    assert not rules.silence_finding(silence, person, due, due + timedelta(days=14)).breached
    nudge = rules.silence_finding(silence, person, due, due + timedelta(days=15))
    assert nudge.breached
    assert rules.KINDS[nudge.kind].manager_only
