"""The sync pull: what a phone keeps for reading offline, as whole collections, each sent
only when it changed since the phone's cursor. Every collection is read through its own
domain's queries as the person, so the pull shows exactly what the API would."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial
from uuid import UUID

import msgspec

from server.checkins import queries as checkins
from server.core import base64url
from server.core.access import Principal
from server.core.errors import ProblemError
from server.feedback import queries as feedback
from server.goals import queries as goals
from server.org import queries as org
from server.sync import versions
from shared_schemas.common import ReadModel
from shared_schemas.org import PersonCardRead
from shared_schemas.sync import (
    Change,
    CheckinsChange,
    ColleaguesChange,
    FeedbackChange,
    GoalsChange,
    KudosChange,
    StatusChange,
    TeamChange,
    TeamGoalsChange,
    TemplatesChange,
)

# How much of the long lists a phone keeps.
RECENT_KUDOS = 50
RECENT_FEEDBACK = 50
# A manager's phone keeps each report's latest check-ins, enough to hold the next one on site
# (the one being prepared, the last minutes); older ones are read online.
RECENT_TEAM_CHECKINS = 3


@dataclass
class Phone:
    """Who is pulling, and what several collections need: read once per pull."""

    principal: Principal
    today: date
    team: list[PersonCardRead]
    _current_cycles: frozenset[UUID] | None = None

    @property
    def nearest(self) -> list[UUID]:
        """The person and their direct reports."""
        return [self.principal.person_id, *(p.id for p in self.team)]

    async def current_cycles(self) -> frozenset[UUID]:
        """Read only when a goals collection is built, at most once."""
        if self._current_cycles is None:
            cycles = await goals.list_cycles()
            self._current_cycles = frozenset(c.id for c in cycles if c.ends_on >= self.today)
        return self._current_cycles


async def _phone(principal: Principal) -> Phone:
    # The check-ins' clock: whether a check-in is due follows its day.
    return Phone(principal, checkins.now().date(), await org.list_team(principal))


async def _goals(phone: Phone) -> Change:
    return GoalsChange(items=await goals.my_goals_in(phone.principal, await phone.current_cycles()))


async def _team(phone: Phone) -> Change:
    return TeamChange(items=phone.team)


async def _colleagues(phone: Phone) -> Change:
    return ColleaguesChange(items=await org.close_colleagues(phone.principal))


async def _team_goals(phone: Phone) -> Change:
    return TeamGoalsChange(
        items=await goals.list_team_goals(phone.principal, await phone.current_cycles())
    )


async def _templates(phone: Phone) -> Change:
    return TemplatesChange(items=await checkins.list_templates(phone.principal))


async def _checkins(phone: Phone) -> Change:
    """Mine, and for a manager each report's latest: a check-in can be held offline on site."""
    return CheckinsChange(
        items=await checkins.recent_checkins(
            phone.principal, phone.nearest, RECENT_TEAM_CHECKINS, own=checkins.RECENT_CHECKINS
        )
    )


async def _status(phone: Phone) -> Change:
    """Mine and my direct reports' (the phone does not carry a whole HR scope)."""
    return StatusChange(items=await checkins.statuses(phone.principal, nearest=True))


async def _kudos(phone: Phone) -> Change:
    page = await feedback.list_kudos(phone.principal, "feed", None, RECENT_KUDOS)
    return KudosChange(items=page.items)


async def _kudos_merged(phone: Phone, held: frozenset[bytes], salt: bytes) -> Merged:
    """The feed for a phone that merges: every kudos named by a digest of its id and
    revision, salted with all else its reading follows, and only those whose digest the phone
    does not hold read whole and sent. Two reads: a kudos changed between them is sent as it
    is then, and again by the next pull (its revision moved); one deleted between them is
    still named in `order` until the next pull, and a phone that lacks it pulls afresh."""
    recent = await feedback.recent_kudos(phone.principal, RECENT_KUDOS)
    digests = [_item_digest(salt, f"{kudos} {revision}".encode()) for kudos, revision in recent]
    fresh = [
        kudos for (kudos, _), digest in zip(recent, digests, strict=True) if digest not in held
    ]
    change = KudosChange(
        items=await feedback.kudos_by_id(phone.principal, fresh),
        order=[kudos for kudos, _ in recent],
    )
    return digests, change


async def _feedback(phone: Phone) -> Change:
    return FeedbackChange(
        items=await feedback.list_feedback(phone.principal, "received", None, RECENT_FEEDBACK)
    )


# Items a phone merges are named in its cursor by digests this long: 50 kudos take 400 bytes.
ITEM_DIGEST_SIZE = 8
# Starts a cursor entry's digests, where a collection sent whole has its fingerprint.
MERGED = "~"

# The digest of each item in order, and the change that sends the phone what it lacks.
Merged = tuple[list[bytes], Change]


def _item_digest(salt: bytes, item: bytes) -> bytes:
    return hashlib.blake2b(item, key=salt, digest_size=ITEM_DIGEST_SIZE).digest()


@dataclass(frozen=True)
class Collection:
    model: type[ReadModel]
    build: Callable[[Phone], Awaitable[Change]]
    # The change-log topics (`versions`) its content is made from, besides the viewer and
    # their team: the collection is built only when their state moved.
    topics: Callable[[Phone], list[str]]
    # Its content also follows the day (whether a check-in is due).
    daily: bool = False
    # How a phone that merges is sent it (`partial` pulls), given the digests of the items it
    # holds and a salt that changes with everything the items' reading follows besides the
    # items themselves: made from the topics but `item_topic`.
    merged: Callable[[Phone, frozenset[bytes], bytes], Awaitable[Merged]] | None = None
    item_topic: str = ""

    @property
    def name(self) -> str:
        return str(self.model.model_fields["collection"].default)

    @cached_property
    def format(self) -> str:
        """Changes when what the phone receives changes shape (a new release)."""
        schema = json.dumps(self.model.model_json_schema(), sort_keys=True).encode()
        return hashlib.sha256(schema).hexdigest()[:16]


def _organisation(_: Phone) -> list[str]:
    return [versions.PEOPLE]


def _goals_topics(phone: Phone) -> list[str]:
    return versions.goals_of([phone.principal.person_id])


def _team_goals_topics(phone: Phone) -> list[str]:
    return versions.goals_of(p.id for p in phone.team)


def _kudos_topics(_: Phone) -> list[str]:
    """The company's kudos, and the titles of the goals they name."""
    return [versions.KUDOS, versions.GOAL_OUTLINES, versions.PEOPLE]


def _templates_topics(_: Phone) -> list[str]:
    return [versions.TEMPLATES, versions.PEOPLE]


def _checkins_topics(phone: Phone) -> list[str]:
    return [versions.PEOPLE, *versions.of(versions.CHECKINS, phone.nearest)]


def _status_topics(phone: Phone) -> list[str]:
    """The last check-in held is written with the check-ins; the cadences are the teams'."""
    return [*_checkins_topics(phone), versions.CADENCES]


def _feedback_topics(phone: Phone) -> list[str]:
    return [versions.PEOPLE, *versions.of(versions.FEEDBACK, [phone.principal.person_id])]


COLLECTIONS: tuple[Collection, ...] = (
    Collection(GoalsChange, _goals, _goals_topics, daily=True),
    Collection(TeamChange, _team, _organisation),
    Collection(ColleaguesChange, _colleagues, _organisation),
    Collection(TeamGoalsChange, _team_goals, _team_goals_topics, daily=True),
    Collection(TemplatesChange, _templates, _templates_topics),
    Collection(CheckinsChange, _checkins, _checkins_topics),
    Collection(StatusChange, _status, _status_topics, daily=True),
    Collection(KudosChange, _kudos, _kudos_topics, merged=_kudos_merged, item_topic=versions.KUDOS),
    Collection(FeedbackChange, _feedback, _feedback_topics),
)


async def _written(collection: Collection, phone: Phone) -> bytes:
    return (await collection.build(phone)).model_dump_json().encode()


def _held_digests(written: str) -> list[bytes]:
    try:
        raw = base64url.decode(written)
    except ValueError as exc:
        raise ProblemError(400, "invalid_cursor", "The sync cursor is not valid.") from exc
    return [raw[at : at + ITEM_DIGEST_SIZE] for at in range(0, len(raw), ITEM_DIGEST_SIZE)]


async def _revalidate_items(
    what: str,
    merged: Callable[[frozenset[bytes], bytes], Awaitable[Merged]],
    whole: Callable[[], Awaitable[bytes]],
    held: str | None,
    version: str,
    salt: str,
    merges: bool,
    verify: bool,
) -> tuple[str, bytes | None]:
    """`versions.revalidate` for a collection a phone may merge. Its cursor entry names the
    version and what the phone holds: the whole collection's fingerprint, or `~` and its
    items' digests in order, for a phone that merges (sent only what it lacks). Either is
    current while its version is, and `verify` checks it the way it was taken: a page
    loaded before merging and one loaded after may pull with each other's cursor."""
    had_version, _, had = (held or "").rpartition(".")
    if held is not None and had_version == version and not verify:
        return held, None
    same = had_version == version  # never without an entry: a version is not empty
    items_held = had.startswith(MERGED)
    if not items_held if same else not merges:
        return await versions.revalidate(
            what, [] if held is None else [held], version, whole, verify
        )
    held_digests = _held_digests(had.removeprefix(MERGED)) if items_held else []
    digests, change = await merged(frozenset(held_digests), salt.encode())
    if same and digests != held_digests:
        raise versions.StaleVersionError(f"{what} changed under version {version}")
    position = f"{version}.{MERGED}{base64url.encode(b''.join(digests))}"
    return position, None if digests == held_digests else change.model_dump_json().encode()


def encode_cursor(fingerprints: dict[str, str]) -> str:
    raw = json.dumps(fingerprints, sort_keys=True, separators=(",", ":")).encode()
    return base64url.encode(raw)


def decode_cursor(cursor: str | None) -> dict[str, str]:
    if not cursor:
        return {}
    try:
        decoded = json.loads(base64url.decode(cursor))
    except (ValueError, TypeError) as exc:
        raise ProblemError(400, "invalid_cursor", "The sync cursor is not valid.") from exc
    if not isinstance(decoded, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in decoded.items()
    ):
        raise ProblemError(400, "invalid_cursor", "The sync cursor is not valid.")
    return decoded


async def pull(
    principal: Principal, cursor: str | None, merges: bool = False, verify_versions: bool = False
) -> bytes:
    """A `PullResult` as JSON. The cursor holds, per collection, its version and a
    fingerprint of what the phone has: a collection whose version is the phone's is not
    built at all; any other is built, written as JSON once (for its fingerprint and for the
    answer) and sent when its fingerprint is not the phone's. A phone that merges (`merges`,
    the `partial` pulls) is sent of the kudos only what it lacks (`_revalidate_items`).
    `verify_versions` (the tests) builds every collection and raises
    `versions.StaleVersionError` when one changed under an unchanged version."""
    seen = decode_cursor(cursor)
    phone = await _phone(principal)
    topics = {c.name: c.topics(phone) for c in COLLECTIONS}
    # Read before the collections: a write committed in between is sent twice, never missed.
    logged = await versions.states(topic for listed in topics.values() for topic in listed)
    viewer = [versions.viewer(principal), *sorted(str(p.id) for p in phone.team)]
    changes: list[msgspec.Raw] = []
    positions: dict[str, str] = {}
    for collection in COLLECTIONS:
        name = collection.name
        parts = [collection.format, *viewer, phone.today if collection.daily else ""]
        version = versions.version(parts, logged, topics[name])
        if collection.merged is not None:
            around = [t for t in topics[name] if t != collection.item_topic]
            positions[name], written = await _revalidate_items(
                name,
                partial(collection.merged, phone),
                partial(_written, collection, phone),
                seen.get(name),
                version,
                versions.version(parts, logged, around),
                merges,
                verify_versions,
            )
        else:
            positions[name], written = await versions.revalidate(
                name,
                [seen[name]] if name in seen else [],
                version,
                partial(_written, collection, phone),
                verify_versions,
            )
        if written is not None:
            changes.append(msgspec.Raw(written))
    return msgspec.json.encode(
        {"changes": changes, "cursor": encode_cursor(positions), "has_more": False}
    )
