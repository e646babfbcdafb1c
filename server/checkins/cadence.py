"""When a check-in is due: the team's cadence from the last one held (pure)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

DEFAULT_CADENCE = "biweekly"
# The shortest time from one check-in to the next due date (weekly; a month is longer).
SHORTEST_DAYS = 7
# Days after the due date before a check-in counts as overdue.
GRACE_DAYS = 3
# The longest time from one check-in to the next due date (monthly: up to 31 days). A last
# check-in held longer ago than OVERDUE_FOR_ALL_AFTER (that and the grace) makes anyone
# overdue, whatever their cadence: figures over many people need not look further back.
LONGEST_DAYS = 31
OVERDUE_FOR_ALL_AFTER = timedelta(days=LONGEST_DAYS + GRACE_DAYS)


def next_due(cadence: str, last_held_on: date | None, today: date) -> date:
    """Never held: due today. Monthly means the same day next month (or its last day)."""
    if last_held_on is None:
        return today
    if cadence == "weekly":
        return last_held_on + timedelta(weeks=1)
    if cadence == "biweekly":
        return last_held_on + timedelta(weeks=2)
    year, month = divmod(last_held_on.month, 12)
    year, month = last_held_on.year + year, month + 1
    return date(year, month, min(last_held_on.day, monthrange(year, month)[1]))


def status(cadence: str, last_held_on: date | None, today: date) -> str:
    """ok | due | overdue | never."""
    if last_held_on is None:
        return "never"
    due = next_due(cadence, last_held_on, today)
    if today < due:
        return "ok"
    return "due" if today <= due + timedelta(days=GRACE_DAYS) else "overdue"
