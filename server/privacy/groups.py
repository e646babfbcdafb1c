"""The minimum group size: no figure about a group of people smaller than the minimum, and
none that subtraction would turn into one (docs/privacy.md). Pure: works on sizes only.

Groups nest (a department holds its sub-departments). A shown group's figures minus the
figures of the shown groups inside it describe the people of that group in no shown group
below it: that remainder must be nobody or at least the minimum. Every difference of nested
shown groups is a union of such remainders, so it too is nobody or at least the minimum."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass

MIN_GROUP_SIZE_FLOOR = 3


@dataclass(frozen=True)
class Group:
    key: Hashable
    # The group that holds this one (None for the outermost).
    parent: Hashable | None
    # People in the group, those of the groups inside it included.
    size: int


def hidden_groups(groups: list[Group], minimum: int) -> set[Hashable]:
    """The keys of the groups whose figures may not be shown. Inner groups are settled
    first; where a remainder would be too small, the smallest shown group inside is hidden
    too (so the group itself can still be shown), until the remainder is large enough."""
    assert minimum >= MIN_GROUP_SIZE_FLOOR
    inside: dict[Hashable | None, list[Group]] = defaultdict(list)
    for group in groups:
        inside[group.parent].append(group)
    hidden: set[Hashable] = set()
    keys = {group.key for group in groups}
    for outermost in [g for g in groups if g.parent is None or g.parent not in keys]:
        _settle(outermost, inside, minimum, hidden)
    return hidden


# `_settle` and `_shown_parts` are functions of the module rather than closures in
# `hidden_groups`: a closure that calls itself is a reference cycle, which kept each call's
# groups until Python's cycle collector came by.


def _settle(
    group: Group, inside: Mapping[Hashable | None, list[Group]], minimum: int, hidden: set[Hashable]
) -> None:
    """Adds to `hidden` what `hidden_groups` hides of `group` and the groups inside it."""
    for part in inside.get(group.key, ()):
        _settle(part, inside, minimum, hidden)
    if group.size < minimum:
        hidden.add(group.key)
        return
    parts = _shown_parts(group, inside, hidden)
    # Ends: each turn hides one more group, and with none left the remainder is the whole
    # group, which is at least the minimum.
    while 0 < group.size - sum(part.size for part in parts) < minimum:
        hidden.add(parts[0].key)
        parts = _shown_parts(group, inside, hidden)


def _shown_parts(
    group: Group, inside: Mapping[Hashable | None, list[Group]], hidden: set[Hashable]
) -> list[Group]:
    """The outermost shown groups inside this one, smallest first."""
    parts: list[Group] = []
    for part in inside.get(group.key, ()):
        parts += _shown_parts(part, inside, hidden) if part.key in hidden else [part]
    return sorted(parts, key=lambda part: part.size)


@dataclass(frozen=True)
class Tally:
    key: Hashable
    parent: Hashable | None
    people: int
    # Each figure summed over the group's people; None where the group may not be shown.
    figures: Counter[str] | None


def tally(
    holder: Mapping[Hashable, Hashable | None],
    people: Mapping[Hashable, int],
    figures: Iterable[tuple[Hashable, Mapping[str, int]]],
    minimum: int,
) -> list[Tally]:
    """Figures per group, for nested groups (`holder`: each group's enclosing group, None for
    the outermost). `people`: how many people each group holds directly; `figures`: counts
    about the people held directly by a group (several entries for a group add up). Both
    count in that group and every group holding it. Groups too small to show get none."""
    sizes: Counter[Hashable] = Counter()
    sums: dict[Hashable, Counter[str]] = {key: Counter() for key in holder}
    for group, count in people.items():
        for at in _outwards(holder, group):
            sizes[at] += count
    for group, counts in figures:
        for at in _outwards(holder, group):
            sums[at].update(counts)
    hidden = hidden_groups([Group(key, holder[key], sizes[key]) for key in holder], minimum)
    return [
        Tally(key, holder[key], sizes[key], None if key in hidden else sums[key]) for key in holder
    ]


def _outwards(holder: Mapping[Hashable, Hashable | None], group: Hashable) -> Iterator[Hashable]:
    """The group and every group holding it."""
    at: Hashable | None = group
    while at is not None:
        yield at
        at = holder[at]
