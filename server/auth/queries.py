"""Credentials, refresh-token families and login failures. The only module touching auth tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from piccolo.custom_types import Combinable

from server.auth.tables import Credential, LoginFailure, RefreshToken
from server.core.access import Principal, Role
from server.core.erasure import Erasure
from server.core.errors import ProblemError
from server.core.security import new_refresh_token, token_digest
from server.db import as_uuid, delete_where, fetch, write_transaction
from server.push import queries as push_queries


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class LoginCandidate:
    person_id: UUID
    password_hash: str
    active: bool


async def login_candidate(email: str) -> LoginCandidate | None:
    row = (
        await Credential.select(
            Credential.person.id.as_alias("person_id"),
            Credential.password_hash,
            Credential.person.active.as_alias("active"),
        )
        .where(Credential.person.email == email)
        .first()
    )
    return LoginCandidate(**row) if row else None


async def set_password(person_id: UUID, password_hash: str) -> None:
    async with write_transaction():
        updated = (
            await Credential.update(
                {Credential.password_hash: password_hash, Credential.updated_at: now()}
            )
            .where(Credential.person == person_id)
            .returning(Credential.id)
        )
        if not updated:
            await Credential.insert(
                Credential(person=person_id, password_hash=password_hash, updated_at=now())
            ).run()


async def recent_failures(email: str, address: str, since: datetime) -> tuple[int, int]:
    """(failures for this account, failures from this address) since the given time."""
    recent = LoginFailure.failed_at >= since
    by_account = await LoginFailure.count().where(recent & (LoginFailure.email == email))
    by_address = await LoginFailure.count().where(recent & (LoginFailure.address == address))
    return by_account, by_address


async def record_failure(email: str, address: str, window_start: datetime) -> None:
    """Record a failed login. Failures older than the window no longer count, so they are
    dropped here: the table stays bounded even when nobody ever signs in successfully."""
    await LoginFailure.delete().where(LoginFailure.failed_at < window_start)
    await LoginFailure.insert(LoginFailure(email=email, address=address, failed_at=now())).run()


async def forget_failures(email: str) -> None:
    """After a successful login this account starts afresh."""
    await LoginFailure.delete().where(LoginFailure.email == email)


async def start_session(person_id: UUID, lifetime: timedelta) -> tuple[UUID, str]:
    """A new refresh-token family: (family id, refresh token)."""
    family = uuid4()
    token = await _issue(person_id, family, lifetime)
    return family, token


async def _issue(person_id: UUID, family: UUID, lifetime: timedelta) -> str:
    token = new_refresh_token()
    issued = now()
    await RefreshToken.insert(
        RefreshToken(
            family=family,
            person=person_id,
            token_hash=token_digest(token),
            created_at=issued,
            expires_at=issued + lifetime,
        )
    ).run()
    return token


class SessionEndedError(Exception):
    """The sign-in an access token belongs to was ended (signed out, ended by an admin, or
    revoked after its refresh token leaked)."""


async def load_principal(person_id: UUID, session_id: UUID) -> Principal | None:
    """The principal of an authenticated request, or None for an unknown or disabled person.
    Raises SessionEndedError when the token's sign-in has been ended: its access tokens stop
    at the next request, not when they expire. One query for both checks, since every
    request makes it."""
    rows = await fetch(
        "SELECT p.roles, p.manager IS NULL AS top_level,"
        " EXISTS (SELECT 1 FROM org_person r WHERE r.manager = p.id AND r.active) AS has_reports,"
        " EXISTS (SELECT 1 FROM auth_refresh_token t"
        " WHERE t.family = {} AND t.revoked_at IS NOT NULL) AS session_ended"
        " FROM org_person p WHERE p.id = {} AND p.active",
        session_id,
        person_id,
    )
    if not rows:
        return None
    row = rows[0]
    if row["session_ended"]:
        raise SessionEndedError
    roles = {Role(name) for name in row["roles"].split()}
    if row["has_reports"]:
        roles.add(Role.MANAGER)
    hr_departments = None
    if Role.HR in roles:
        scopes = await fetch("SELECT department FROM org_hr_scope WHERE person = {}", person_id)
        hr_departments = frozenset(as_uuid(s["department"]) for s in scopes) or None
    leads_company = Role.MANAGER in roles and bool(row["top_level"])
    return Principal(person_id, session_id, frozenset(roles), hr_departments, leads_company)


def session_ended(headers: dict[str, str] | None = None) -> ProblemError:
    return ProblemError(
        401, "session_expired", "Your session has ended. Please sign in again.", headers=headers
    )


# A rotated refresh token presented again this soon, while the token it was exchanged for
# is still unused, is the same phone whose answer was lost (the network dropped, the app was
# reloaded mid-request): it gets a new token instead of losing its sign-in.
LOST_ANSWER_GRACE = timedelta(seconds=60)


async def rotate(token: str, lifetime: timedelta) -> tuple[UUID, UUID, str]:
    """Exchange a refresh token for a new one in the same family: (person, family, new token).

    A token that was already rotated is being replayed: someone holds a copy, so the whole
    family is revoked and both holders must sign in again. Except within `LOST_ANSWER_GRACE`
    of its rotation while its successor was never used: then the successor is retired and a
    new one issued (a thief replaying it then meets the same rule when the holder refreshes,
    so one of the two ends the family at the latest a grace after).
    """
    async with write_transaction():
        row = (
            await RefreshToken.select(
                RefreshToken.id,
                RefreshToken.family,
                RefreshToken.person,
                RefreshToken.person.active.as_alias("active"),
                RefreshToken.expires_at,
                RefreshToken.revoked_at,
                RefreshToken.rotated_at,
            )
            .where(RefreshToken.token_hash == token_digest(token))
            .first()
        )
        if (
            row is None
            or row["revoked_at"] is not None
            or row["expires_at"] <= now()
            or not row["active"]
        ):
            raise session_ended()
        # Conditional on "not yet rotated", so two concurrent uses cannot both succeed.
        if await _claim(
            (RefreshToken.id == row["id"]) & RefreshToken.rotated_at.is_null()
        ) or await _claim_unused_successor(row):
            return (
                row["person"],
                row["family"],
                await _issue(row["person"], row["family"], lifetime),
            )
    await revoke_family(row["family"])
    raise ProblemError(
        401,
        "refresh_token_reused",
        "This sign-in was used from another place, so it has been ended for safety."
        " Please sign in again.",
    )


async def _claim(which: Combinable) -> bool:
    """Marks the one live token `which` names as rotated; False when there is none."""
    claimed = (
        await RefreshToken.update({RefreshToken.rotated_at: now()})
        .where(which)
        .returning(RefreshToken.id)
    )
    return bool(claimed)


async def _claim_unused_successor(rotated: dict[str, Any]) -> bool:
    """For a token rotated within the grace: retires its successor when that was never used,
    i.e. when no token of the family was rotated after it."""
    if rotated["rotated_at"] < now() - LOST_ANSWER_GRACE:
        return False
    later = await RefreshToken.exists().where(
        (RefreshToken.family == rotated["family"])
        & (RefreshToken.rotated_at > rotated["rotated_at"])
    )
    if later:
        return False
    return await _claim(
        (RefreshToken.family == rotated["family"])
        & RefreshToken.rotated_at.is_null()
        & RefreshToken.revoked_at.is_null()
    )


async def revoke_family(family: UUID) -> None:
    """End one sign-in; its devices stop receiving push notifications too."""
    async with write_transaction():
        await RefreshToken.update({RefreshToken.revoked_at: now()}).where(
            (RefreshToken.family == family) & RefreshToken.revoked_at.is_null()
        )
        await push_queries.forget_session(family)


async def family_of(token: str) -> UUID | None:
    row = (
        await RefreshToken.select(RefreshToken.family)
        .where(RefreshToken.token_hash == token_digest(token))
        .first()
    )
    return row["family"] if row else None


async def revoke_person_sessions(person_id: UUID) -> None:
    async with write_transaction():
        await RefreshToken.update({RefreshToken.revoked_at: now()}).where(
            (RefreshToken.person == person_id) & RefreshToken.revoked_at.is_null()
        )
        await push_queries.forget_person(person_id)


async def erase_person(person_id: UUID, email: str) -> Erasure:
    """A departed person's password, sessions and failed sign-ins (which hold addresses)."""
    return Erasure(
        removed={
            "credentials": await delete_where(Credential, Credential.person == person_id),
            "sessions": await delete_where(RefreshToken, RefreshToken.person == person_id),
            "sign_in_failures": await delete_where(LoginFailure, LoginFailure.email == email),
        }
    )


async def purge_sessions_ended_before(cutoff: datetime) -> int:
    """Refresh tokens that expired before the cutoff: refused anyway, kept no longer."""
    return await delete_where(RefreshToken, RefreshToken.expires_at < cutoff)


async def purge_failures_before(cutoff: datetime) -> int:
    """Failed sign-ins older than the cutoff, which no longer count (they hold addresses)."""
    return await delete_where(LoginFailure, LoginFailure.failed_at < cutoff)
