"""Quiet hours: a person's nightly window, in their own time zone, when pushes that can wait
do wait (pure; no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_until(moment: datetime, time_zone: str, start: time, end: time) -> datetime | None:
    """When the quiet hours around `moment` end (in UTC), or None outside them. The window is
    wall-clock time where the person is, and may cross midnight (22:00–07:00)."""
    local_zone = zone(time_zone)
    local = moment.astimezone(local_zone)
    now = local.time()
    if start < end:
        inside, ends_on = start <= now < end, local.date()
    else:
        inside = now >= start or now < end
        ends_on = local.date() + timedelta(days=1) if now >= start else local.date()
    if not inside:
        return None
    return datetime.combine(ends_on, end, tzinfo=local_zone).astimezone(UTC)
