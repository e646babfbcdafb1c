"""The outbox's dispatcher: sends due deliveries and records what each push service said.
Any number of server processes can run one (claims are exclusive), each in the background
of its event loop."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import aiohttp

from server.db import as_datetime, as_uuid
from server.push import messages, queries
from server.push.sender import Answer, Message, Sender, Target
from server.push.vapid import VapidIdentity
from server.settings import Settings

log = logging.getLogger(__name__)

# Deliveries claimed, and then in flight, at once per dispatcher: claiming more than it
# sends at once would only keep them from another dispatcher.
BATCH = 25
# The first retry after this, doubling with each attempt up to the cap, or later when the
# push service asks (Retry-After); given up once the notification's TTL has passed.
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
MISCONFIGURED_EVERY = timedelta(hours=24)
SEND_TIMEOUT = aiohttp.ClientTimeout(total=10)


def retry_delay(attempts: int, retry_after_seconds: float | None) -> timedelta:
    # Doubling, capped: past 2**9 the cap is reached anyway.
    backoff = min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 9)), LONGEST_RETRY)
    asked = timedelta(seconds=retry_after_seconds or 0)
    return max(backoff, asked)


class Dispatcher:
    def __init__(self, sender: Sender, interval_seconds: float) -> None:
        self.sender = sender
        self.interval_seconds = interval_seconds

    async def dispatch_due(self) -> int:
        """One round: claim what is due, send it, record the answers; -> how many."""
        rows = await queries.claim_due(BATCH)
        statuses = await asyncio.gather(*(self._deliver(row) for row in rows))
        if 403 in statuses:
            # Once per round, not per refused message: they are answered concurrently.
            await self._tell_admins_misconfigured()
        return len(rows)

    async def run(self) -> None:
        while True:
            try:
                while await self.dispatch_due() == BATCH:
                    pass
            except Exception:
                log.exception("push dispatch round failed; the next round retries")
            await asyncio.sleep(self.interval_seconds)

    async def _deliver(self, row: dict[str, Any]) -> int | None:
        """Send one delivery and record the answer; -> the push service's status."""
        title, body = messages.text(row["kind"], row["locale"])
        # The tag replaces an earlier notification about the same thing on the phone.
        subject = row["subject_id"]
        tag = row["topic"] or (f"{row['kind']}:{subject}" if subject else row["kind"])
        message = Message(title, body, row["url"], tag)
        target = Target(row["endpoint"], row["p256dh"], row["auth"])
        try:
            answer = await self.sender.send(
                target, message, int(row["ttl_seconds"]), row["urgency"], row["topic"]
            )
        except ValueError as error:
            # Keys that cannot encrypt, or a payload too large: this delivery can never
            # succeed (our bug); the others of the round go on.
            log.error("push delivery %s cannot be sent: %s", row["id"], error)
            await queries.given_up(as_uuid(row["id"]), "failed", None, str(error)[:500])
            return None
        await self._record(row, answer)
        return answer.status

    async def _record(self, row: dict[str, Any], answer: Answer) -> None:
        delivery = as_uuid(row["id"])
        status = answer.status
        if status is not None and 200 <= status < 300:
            await queries.delivered(delivery, status)
        elif status in (404, 410):
            await queries.subscription_gone(as_uuid(row["subscription"]))
        elif status is None or status == 429 or status >= 500:
            await self._retry(row, answer)
        else:
            await queries.given_up(delivery, "failed", status, answer.error)
            if status == 403:
                log.warning("a push service refused our VAPID identity: %s", answer.error)
            else:
                # 400 (malformed) or 413 (payload too large): our messages should never be.
                log.error("push service answered %s to our message: %s", status, answer.error)

    async def _retry(self, row: dict[str, Any], answer: Answer) -> None:
        delivery = as_uuid(row["id"])
        at = queries.now() + retry_delay(int(row["attempts"]), answer.retry_after_seconds)
        deadline = as_datetime(row["due_at"]) + timedelta(seconds=int(row["ttl_seconds"]))
        if at > deadline:
            await queries.given_up(delivery, "expired", answer.status, answer.error)
        else:
            await queries.retry_at(delivery, at, answer.status, answer.error)

    async def _tell_admins_misconfigured(self) -> None:
        since = queries.now() - MISCONFIGURED_EVERY
        admins = await queries.active_admins()
        untold = await queries.not_notified_since(admins, "push.misconfigured", since)
        await queries.notify(untold, "push.misconfigured", url="/")


async def send_due(settings: Settings) -> int:
    """Send everything due now, then stop (`tandem push-dispatch`, for a deployment that
    dispatches from a scheduled job); -> how many deliveries were attempted."""
    async with aiohttp.ClientSession(timeout=SEND_TIMEOUT) as session:
        sender = Sender(VapidIdentity.from_settings(settings), session)
        dispatcher = Dispatcher(sender, settings.push_dispatch_interval_seconds)
        total = 0
        while (count := await dispatcher.dispatch_due()) > 0:
            total += count
        return total
