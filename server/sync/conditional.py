"""Online reads answered from the same versions as the sync pull, behind HTTP validators
(RFC 9110 §8.8.3, §13.1.2): an answer's ETag is its version and the fingerprint of its
bytes, and a request whose If-None-Match names the current version is answered 304 Not
Modified without reading the answer. The PWA keeps the answers it revalidates in memory,
not in the browser's cache (every API answer is `Cache-Control: no-store`,
`core.headers`)."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, NamedTuple, TypeVar, cast

from litestar import Request, Response
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from pydantic import TypeAdapter

from server.core.access import Principal
from server.core.recent import keep_recent
from server.sync import versions

Answer = TypeVar("Answer")

# The request header and the answer, as a conditional read's operation documents them.
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-None-Match",
        description="The ETag of the answer the client holds: 304 when it is current.",
    ),
]
NOT_MODIFIED = {
    HTTP_304_NOT_MODIFIED: ResponseSpec(
        data_container=None,
        description="Not Modified: the answer named by If-None-Match is current.",
    )
}


def held(if_none_match: str | None) -> list[str]:
    """The entity tags a request's If-None-Match names, without quotes or weakness (the
    comparison for If-None-Match is the weak one)."""
    if not if_none_match:
        return []
    tags = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return [tag.strip('"') for tag in tags if tag.startswith('"') and tag.endswith('"')]


def verifies(request: Request[Any, Any, Any]) -> bool:
    """Whether answers are built and checked against their versions even when a copy is
    current (`sync_verify_versions`: the tests)."""
    return bool(request.app.state.settings.sync_verify_versions)


# The viewers' reads whose learned topics a process keeps: a viewer's tree of the current cycle
# each for the people who opened one lately (about 4 KB each).
LEARNED_KEPT = 2_048


class Written(NamedTuple):
    """An answer as its build wrote it (JSON of the read's shape), with the topics it is also
    made from that follow from what it holds (whose goals a tree shows)."""

    body: bytes
    learned: list[str]


class _Learned(NamedTuple):
    """The topics the last answer built for a viewer's read learned (one string: a tree's
    hundred topics as a tuple took 10 KB, as text 4 KB), and the version of the given topics
    it was built under."""

    given: str
    topics: str


class ConditionalRead(Generic[Answer]):
    """A read whose answer follows the viewer, its own arguments (`parts`) and change-log
    topics: `answer` sends it, or 304 when the client's copy is current."""

    def __init__(self, shape: type[Answer], learns: bool = False) -> None:
        """`learns`: the answer is also made from topics its build names (`Written`), so its
        version is of those too, learned from the last answer built (`answer`)."""
        self._adapter = TypeAdapter(shape)
        # Changes when what the client receives changes shape (a new release).
        schema = json.dumps(self._adapter.json_schema(), sort_keys=True).encode()
        self.format = hashlib.sha256(schema).hexdigest()[:16]
        self._learns = learns
        # For each viewer's read (its own arguments), the topics the last answer built
        # learned, in this process, the most recently used last.
        self._learned: OrderedDict[tuple[object, ...], _Learned] = OrderedDict()

    async def answer(
        self,
        request: Request[Any, Any, Any],
        principal: Principal,
        if_none_match: str | None,
        parts: list[object],
        topics: list[str],
        build: Callable[[], Awaitable[Answer | Written]],
    ) -> Response[Answer]:
        """The answer `build` makes, or 304. A build may write its answer itself (`Written`,
        with the topics it learned when the read `learns`)."""
        viewer = versions.viewer(principal)
        key = (viewer, *parts)
        learned = self._learned.get(key) if self._learns else None
        guessed = learned.topics.split() if learned is not None else []
        copies = held(if_none_match)
        # Read before the answer, with the learned topics the last answer named, in one
        # statement: a write committed in between is sent twice, never missed. A client
        # holding a copy needs their states as one; an answer built, each of them (its
        # summaries are stamped with them, `versions.reading_under`).
        if guessed and copies:
            logged, together = await versions.states_and_combined(topics, guessed)
        else:
            logged = await versions.states([*topics, *guessed])
            together = versions.combined(logged[topic] for topic in guessed)
        given = versions.version([self.format, viewer, *parts], logged, topics)
        version = self._version(key, learned, given, together)

        async def written() -> bytes:
            with versions.reading_under(logged):
                answer = await build()
            if not isinstance(answer, Written):
                return self._adapter.dump_json(answer)
            if self._learns:
                self._learn(key, given, answer.learned)
            return answer.body

        name, body = await versions.revalidate(
            request.url.path,
            copies,
            version,
            written,
            verifies(request),
        )
        headers = {"ETag": f'"{name}"'}
        # Written JSON, which Litestar sends as is; the annotation keeps the schema.
        sent: Response[bytes | None] = Response(
            body,
            status_code=HTTP_200_OK if body is not None else HTTP_304_NOT_MODIFIED,
            media_type=MediaType.JSON,
            headers=headers,
        )
        return cast("Response[Answer]", sent)

    def _version(
        self,
        key: tuple[object, ...],
        learned: _Learned | None,
        given: str,
        together: versions.State,
    ) -> str:
        """The version of the given topics and of those the answer `learned` under them (as
        taken before their state `together` was read with the given ones). The given topics
        hold everything that decides what the answer holds, so an answer built under the
        same version of them needs the same learned topics; until one was built, a version
        no copy has: the answer is built, and a copy of the same bytes is still answered
        304."""
        if not self._learns:
            return given
        if learned is None or learned.given != given:
            return secrets.token_hex(16)
        if key in self._learned:
            self._learned.move_to_end(key)
        return versions.version([given, learned.topics, together], {}, [])

    def forget_learned(self) -> None:
        """As a process started afresh (the tests)."""
        self._learned.clear()

    def _learn(self, key: tuple[object, ...], given: str, topics: list[str]) -> None:
        learned = _Learned(given, " ".join(sorted(set(topics))))
        keep_recent(self._learned, key, learned, LEARNED_KEPT)
