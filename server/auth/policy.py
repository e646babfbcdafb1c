"""Sign-in rules: when an account or an address is throttled."""

from __future__ import annotations

from server.settings import Settings


def login_throttled(
    failures_for_account: int, failures_from_address: int, settings: Settings
) -> bool:
    """Too many recent failures for this account, or from this address, block further tries
    (even with the right password) until the window has passed."""
    return (
        failures_for_account >= settings.login_max_failures_per_account
        or failures_from_address >= settings.login_max_failures_per_address
    )
