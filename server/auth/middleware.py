"""Bearer authentication: every route requires a valid access token unless it opts out."""

from __future__ import annotations

from typing import Any

import jwt
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server.auth import queries as auth_queries
from server.core.access import Principal
from server.core.errors import ProblemError
from server.core.security import TokenSigner

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="tandem"'}


def _unauthenticated(code: str, detail: str) -> ProblemError:
    return ProblemError(401, code, detail, headers=CHALLENGE)


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthenticated("not_authenticated", "Please sign in.")
        signer: TokenSigner = connection.app.state.signer
        try:
            person_id, session_id = signer.verify(token.strip())
        except jwt.ExpiredSignatureError as exc:
            raise _unauthenticated("token_expired", "Your sign-in has expired.") from exc
        except jwt.InvalidTokenError as exc:
            raise _unauthenticated("invalid_token", "Your sign-in is not valid.") from exc
        try:
            principal = await auth_queries.load_principal(person_id, session_id)
        except auth_queries.SessionEndedError as exc:
            raise auth_queries.session_ended(headers=CHALLENGE) from exc
        if principal is None:
            raise _unauthenticated("invalid_token", "Your sign-in is not valid.")
        return AuthenticationResult(user=principal, auth=token)


CurrentPrincipal = NamedDependency[Principal]
"""How a handler asks for the signed-in person: `principal: CurrentPrincipal`."""


def current_principal(request: Request[Principal, Any, Any]) -> Principal:
    """The `principal` dependency every authenticated handler declares."""
    return request.user
