"""Who can see each kind of record about a person: worked out by asking each domain's
`policy.py`, the code that enforces it, about every kind of viewer in every state a record
can be in. Nothing here is a second copy of a rule ("who can see my data", DESIGN.md §3);
`tests/test_privacy.py` checks the answers against what the API actually lets each demo
person read.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import NamedTuple

from server.alerts import policy as alerts
from server.audit import policy as audit
from server.checkins import policy as checkins
from server.core.access import Principal, Relation, Role
from server.feedback import policy as feedback
from server.goals import policy as goals
from server.org import policy as org
from shared_schemas.org import PersonRead
from shared_schemas.privacy import Access, Condition, RecordKind, ViewerKind


class Viewer(NamedTuple):
    """A kind of viewer, as the policies see them: roles and relations to the subject."""

    kind: ViewerKind
    principal: Principal
    relations: frozenset[Relation]
    # Wrote the record (a kudos, a feedback, a private note).
    is_author: bool = False


def _viewer(
    kind: ViewerKind, roles: set[Role], relations: set[Relation], is_author: bool = False
) -> Viewer:
    someone = Principal(uuid.uuid4(), uuid.uuid4(), frozenset(roles))
    return Viewer(kind, someone, frozenset(relations), is_author)


STAFF = {Role.EMPLOYEE}
VIEWERS = (
    _viewer("self", STAFF, {Relation.SELF}),
    _viewer("author", STAFF, {Relation.PEER}, is_author=True),
    _viewer("direct_manager", STAFF | {Role.MANAGER}, {Relation.DIRECT_MANAGER}),
    _viewer("skip_manager", STAFF | {Role.MANAGER}, {Relation.SKIP_MANAGER}),
    _viewer("hr", STAFF | {Role.HR}, {Relation.HR_SCOPE}),
    _viewer("colleague", STAFF, {Relation.PEER}),
    _viewer("admin", {Role.ADMIN}, set()),
)

# How a viewer fares with one record in one state: the access, or None.
Rule = Callable[[Viewer], Access | None]


class RecordRule(NamedTuple):
    kind: RecordKind
    # The record's states, most private first; a viewer's grant is named after the first
    # state in which they get access ("always" for the first).
    states: tuple[tuple[Condition, Rule], ...]
    # The record has an author who is a viewer of their own (a kudos, a feedback, a note).
    authored: bool = False


def _checkin(viewer: Viewer) -> Access | None:
    if not checkins.holds_checkins(viewer.principal):
        return None
    if checkins.party_role(viewer.relations) is not None:
        return "read_write"
    return "status" if checkins.reads_status(viewer.relations) else None


def _private_note(viewer: Viewer) -> Access | None:
    return "read_write" if checkins.reads_private_note(viewer.is_author) else None


def _goal(visibility: str) -> Rule:
    def rule(viewer: Viewer) -> Access | None:
        if goals.signer_role(viewer.relations) is not None:
            return "read_write"
        return "read" if goals.can_read("individual", visibility, viewer.relations) else None

    return rule


def _kudos(public: bool) -> Rule:
    def rule(viewer: Viewer) -> Access | None:
        readable = feedback.reads_kudos(
            viewer.principal, viewer.relations, viewer.is_author, public
        )
        return "read" if readable else None

    return rule


def _feedback(shared: bool) -> Rule:
    def rule(viewer: Viewer) -> Access | None:
        readable = feedback.reads_feedback(viewer.relations, viewer.is_author, shared)
        return "read" if readable else None

    return rule


def _alert(manager_only: bool, escalated: bool) -> Rule:
    def rule(viewer: Viewer) -> Access | None:
        if alerts.is_party(viewer.relations, manager_only):
            return "read_write"
        return "read" if alerts.can_read(viewer.relations, manager_only, escalated) else None

    return rule


def _profile(viewer: Viewer) -> Access | None:
    full = org.profile_schema(viewer.principal, viewer.relations) is PersonRead
    return "read" if full else "card"


def _access_log(viewer: Viewer) -> Access | None:
    return "read" if audit.reads_log(viewer.relations) else None


RECORDS = (
    RecordRule("profile", (("always", _profile),)),
    RecordRule("checkin", (("always", _checkin),)),
    RecordRule("checkin_private_note", (("always", _private_note),), authored=True),
    RecordRule("goal", (("always", _goal("private")), ("if_public", _goal("public")))),
    RecordRule("kudos", (("always", _kudos(False)), ("if_public", _kudos(True))), authored=True),
    RecordRule(
        "feedback",
        (("always", _feedback(False)), ("if_shared", _feedback(True))),
        authored=True,
    ),
    RecordRule(
        "alert",
        (("always", _alert(False, False)), ("after_escalation", _alert(False, True))),
    ),
    RecordRule("recognition_nudge", (("always", _alert(True, False)),)),
    RecordRule("access_log", (("always", _access_log),)),
)


class Grant(NamedTuple):
    viewer: ViewerKind
    access: Access
    condition: Condition


def _grants(record: RecordRule) -> list[Grant]:
    """Each kind of viewer who reads the record in some state: their access in the first
    state that grants any, and that state's condition."""
    found = []
    for viewer in VIEWERS:
        if viewer.is_author and not record.authored:
            continue
        for condition, rule in record.states:
            access = rule(viewer)
            if access is not None:
                found.append(Grant(viewer.kind, access, condition))
                break
    return found


# The policies are pure and the same for everyone: worked out once, when the app loads.
GRANTS = {record.kind: _grants(record) for record in RECORDS}
