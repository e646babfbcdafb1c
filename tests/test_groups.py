"""The minimum group size, subtraction included."""

from __future__ import annotations

import gc
import random
from collections import defaultdict

import pytest

from server.privacy.groups import Group, hidden_groups


def test_a_group_below_the_minimum_shows_no_figure():
    groups = [Group("all", None, 9), Group("east", "all", 5), Group("west", "all", 4)]
    # West alone is too small; all minus east would be west again, so east goes too.
    assert hidden_groups(groups, 5) == {"west", "east"}


def test_a_remainder_large_enough_keeps_the_inner_group_shown():
    groups = [Group("all", None, 13), Group("east", "all", 8), Group("west", "all", 4)]
    # All minus east: west and one person elsewhere, five people together.
    assert hidden_groups(groups, 5) == {"west"}


def test_the_smallest_inner_group_is_hidden_first():
    groups = [
        Group("all", None, 24),
        Group("a", "all", 6),
        Group("b", "all", 7),
        Group("c", "all", 8),
        Group("tiny", "all", 3),
    ]
    assert hidden_groups(groups, 5) == {"tiny", "a"}


NESTED = [
    Group("all", None, 20),
    Group("sales", "all", 10),
    Group("east", "sales", 6),
    Group("west", "sales", 4),
    Group("people", "all", 10),
]


def test_nested_groups_settle_from_the_inside():
    # Sales minus east would be west: east is hidden, sales stays, and so does everyone.
    assert hidden_groups(NESTED, 5) == {"west", "east"}


def test_a_higher_minimum_hides_more():
    groups = [Group("all", None, 13), Group("east", "all", 8), Group("west", "all", 5)]
    assert hidden_groups(groups, 5) == set()
    assert hidden_groups(groups, 6) == {"west", "east"}


def test_settling_groups_leaves_no_garbage_for_the_cycle_collector():
    """What `hidden_groups` makes is freed by reference counting when it returns: objects
    caught in reference cycles wait for Python's cycle collector, whose collections of the
    oldest generation hold up every request in flight (docs/performance.md)."""
    gc.collect()
    gc.disable()
    try:
        assert hidden_groups(NESTED, 5) == {"west", "east"}
        assert gc.collect() == 0
    finally:
        gc.enable()


def random_tree(rng: random.Random) -> list[Group]:
    """A department tree with people placed anywhere in it; sizes include sub-departments."""
    count = rng.randint(1, 12)
    parents = [None] + [rng.randrange(i) for i in range(1, count)]
    own = [rng.choice([0, 0, 1, 2, 3, 4, 6, 9]) for _ in range(count)]
    sizes = list(own)
    for node in reversed(range(1, count)):
        sizes[parents[node]] += sizes[node]  # type: ignore[index]
    return [Group(i, parents[i], sizes[i]) for i in range(count)]


@pytest.mark.parametrize("seed", range(300))
def test_no_subtraction_of_shown_figures_tells_about_fewer_than_the_minimum(seed):
    rng = random.Random(seed)
    groups, minimum = random_tree(rng), rng.choice([3, 4, 5, 7])
    hidden = hidden_groups(groups, minimum)
    by_key = {g.key: g for g in groups}
    inside = defaultdict(list)
    for g in groups:
        inside[g.parent].append(g)

    def descendants(key):
        for child in inside[key]:
            yield child
            yield from descendants(child.key)

    shown = [g for g in groups if g.key not in hidden]
    for group in shown:
        assert group.size >= minimum
        # Any shown group minus any shown group inside it (or several disjoint ones: the
        # outermost shown ones) leaves nobody or at least the minimum.
        for inner in descendants(group.key):
            if inner.key not in hidden:
                assert group.size - inner.size == 0 or group.size - inner.size >= minimum
        outermost, stack = [], list(inside[group.key])
        while stack:
            part = stack.pop()
            if part.key in hidden:
                stack += inside[part.key]
            else:
                outermost.append(part)
        remainder = group.size - sum(p.size for p in outermost)
        assert remainder == 0 or remainder >= minimum, (groups, hidden)
    # What is hidden is too small, or the part of a larger group that kept a remainder safe.
    for key in hidden:
        group = by_key[key]
        assert group.size < minimum or group.parent in by_key
