"""The work each server process does in the background while the app runs (Litestar's
startup and shutdown hooks): the push dispatcher, the reminder rounds, the alert rounds and
the retention purge, and the sync change log's compaction.
Every periodic round is safe to run in several processes at once (see each job)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp

from server.alerts import queries as alerts
from server.privacy import queries as privacy
from server.push import reminders
from server.push.dispatcher import SEND_TIMEOUT, Dispatcher
from server.push.sender import Sender
from server.push.vapid import VapidIdentity
from server.settings import Settings
from server.sync import versions

log = logging.getLogger(__name__)


class Background:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=SEND_TIMEOUT)
        sender = Sender(VapidIdentity.from_settings(self.settings), self._session)
        dispatcher = Dispatcher(sender, self.settings.push_dispatch_interval_seconds)
        self._tasks = [
            asyncio.create_task(dispatcher.run()),
            asyncio.create_task(
                _every(self.settings.reminder_interval_seconds, reminders.send_reminders)
            ),
            asyncio.create_task(_every(self.settings.alert_interval_seconds, alerts.run_round)),
            asyncio.create_task(
                _every(self.settings.retention_interval_seconds, privacy.purge_expired)
            ),
            asyncio.create_task(
                _every(self.settings.sync_compact_interval_seconds, versions.compact)
            ),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()


async def _every(seconds: float, round_: Callable[[datetime], Awaitable[Any]]) -> None:
    while True:
        # Waits first: a restart or a deploy does not run a round of its own.
        await asyncio.sleep(seconds)
        try:
            await round_(datetime.now(UTC))
        except Exception:
            log.exception("%s failed; the next round retries", round_.__qualname__)
