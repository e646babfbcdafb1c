"""The sign-in workflow: throttling, password check, token issue, rotation and sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from server.auth import policy, queries
from server.core.errors import ProblemError
from server.core.security import TokenSigner, verify_password
from server.settings import Settings
from shared_schemas.auth import TokenPair


def _token_pair(
    signer: TokenSigner, person_id: UUID, family: UUID, refresh_token: str
) -> TokenPair:
    return TokenPair(
        access_token=signer.issue(person_id, family),
        refresh_token=refresh_token,
        expires_in=int(signer.lifetime.total_seconds()),
    )


async def login(
    email: str, password: str, address: str, settings: Settings, signer: TokenSigner
) -> TokenPair:
    email = email.lower()
    window = timedelta(minutes=settings.login_window_minutes)
    since = datetime.now(UTC) - window
    if policy.login_throttled(*await queries.recent_failures(email, address, since), settings):
        raise ProblemError(
            429,
            "too_many_attempts",
            "Too many sign-in attempts. Please wait a while and try again.",
            headers={"Retry-After": str(int(window.total_seconds()))},
        )
    candidate = await queries.login_candidate(email)
    # Unknown emails are verified against a dummy hash: same answer, similar time.
    if (
        not verify_password(candidate.password_hash if candidate else None, password)
        or candidate is None
    ):
        await queries.record_failure(email, address, window_start=since)
        raise ProblemError(401, "invalid_credentials", "The email or the password is not right.")
    if not candidate.active:
        raise ProblemError(403, "account_disabled", "This account has been disabled.")
    await queries.forget_failures(email)
    family, refresh_token = await queries.start_session(
        candidate.person_id, timedelta(days=settings.refresh_token_days)
    )
    return _token_pair(signer, candidate.person_id, family, refresh_token)


async def refresh(refresh_token: str, settings: Settings, signer: TokenSigner) -> TokenPair:
    person_id, family, new_token = await queries.rotate(
        refresh_token, timedelta(days=settings.refresh_token_days)
    )
    return _token_pair(signer, person_id, family, new_token)


async def logout(refresh_token: str) -> None:
    """Ends the whole sign-in the token belongs to; an unknown token is quietly accepted."""
    family = await queries.family_of(refresh_token)
    if family is not None:
        await queries.revoke_family(family)
