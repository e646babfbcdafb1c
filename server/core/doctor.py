"""`tandem doctor`: the settings an operator should fix before people rely on this server.
It reads the configuration and the key files' permissions, never prints a secret, and
answers problems (unsafe: fix before going live), warnings and what is fine."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from server.core.security import MIN_SECRET_BYTES, exposed, secret_key_file
from server.push.vapid import key_file
from server.settings import Settings

Level = Literal["ok", "warning", "problem"]
# A configured key with fewer different characters than this is a placeholder someone typed
# ("change-me-change-me-..."), not a random key.
MIN_DISTINCT_KEY_CHARACTERS = 16


class Finding(NamedTuple):
    level: Level
    topic: str
    message: str


def _secret_key(settings: Settings) -> Finding:
    topic = "secret key"
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key.encode()) < MIN_SECRET_BYTES:
            return Finding(
                "problem", topic, f"TANDEM_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes"
            )
        if len(set(key)) < MIN_DISTINCT_KEY_CHARACTERS:
            return Finding(
                "problem", topic, "TANDEM_SECRET_KEY looks like a placeholder, not a random key"
            )
        return Finding("ok", topic, "set in the configuration")
    return _key_file("secret key", secret_key_file(settings), settings.secret_key_file)


def _key_file(topic: str, path: Path, configured: Path | None) -> Finding:
    """A key kept in a file: generated at first start unless an operator named the file."""
    if not path.exists():
        if configured is not None:
            return Finding("problem", topic, f"{path} does not exist")
        return Finding("ok", topic, f"generated at first start into {path} (mode 0600)")
    if exposed(path):
        return Finding(
            "problem", topic, f"{path} can be read by other users; run: chmod 600 {path}"
        )
    return Finding("ok", topic, f"{path}, readable by its owner only")


def _vapid_key(settings: Settings) -> Finding:
    return _key_file("push key", key_file(settings), settings.vapid_private_key_file)


def _is_this_machine(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def _public_url(settings: Settings) -> Finding:
    topic = "address"
    if settings.public_url is None:
        if settings.is_sqlite:
            return Finding("ok", topic, "not set: fine while trying Tandem on this machine")
        return Finding(
            "warning",
            topic,
            "TANDEM_PUBLIC_URL is not set: set the https:// address people use, so browsers"
            " are told to keep to HTTPS",
        )
    if settings.served_over_https:
        return Finding("ok", topic, f"{settings.public_url}, with Strict-Transport-Security")
    if _is_this_machine(urlsplit(settings.public_url).hostname or ""):
        return Finding("ok", topic, f"{settings.public_url}: plain HTTP, on this machine only")
    return Finding(
        "problem",
        topic,
        f"{settings.public_url} is plain HTTP: passwords and tokens would cross the network"
        " readable; serve it through a proxy that terminates TLS",
    )


def _database(settings: Settings) -> Finding:
    if settings.is_sqlite:
        return Finding(
            "warning",
            "database",
            "SQLite: one server process on one machine; use PostgreSQL for a company's production",
        )
    return Finding("ok", "database", "PostgreSQL")


def _debug() -> Finding:
    # Litestar's debug mode (tracebacks in error answers) is off in code, not a setting.
    return Finding("ok", "debug", "off: error answers never show a traceback")


def examine(settings: Settings) -> list[Finding]:
    return [
        _secret_key(settings),
        _vapid_key(settings),
        _public_url(settings),
        _database(settings),
        _debug(),
    ]
