"""How long each kind of record is kept unless HR says otherwise, and the shortest period HR
may set (pure; docs/privacy.md gives the reasons)."""

from __future__ import annotations

from dataclasses import dataclass

from shared_schemas.privacy import RetentionKind


@dataclass(frozen=True)
class Rule:
    # None: kept until someone deletes it.
    default_days: int | None
    min_days: int


RULES: dict[RetentionKind, Rule] = {
    # Reviews and calibration look back over a year of conversations and goals.
    "checkin": Rule(default_days=None, min_days=365),
    "goal": Rule(default_days=None, min_days=365),
    "feedback": Rule(default_days=None, min_days=90),
    "kudos": Rule(default_days=None, min_days=90),
    "alert": Rule(default_days=None, min_days=90),
    # The inbox is a list of prompts, not a record.
    "notification": Rule(default_days=365, min_days=30),
    # Everyone can always see at least a year of who viewed their data.
    "access_log": Rule(default_days=730, min_days=365),
}
