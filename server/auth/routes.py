from __future__ import annotations

from typing import Any

from litestar import Request, Router, post
from litestar.datastructures import State
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.auth import service
from server.core.access import PUBLIC
from server.core.errors import PROBLEM_RESPONSES
from server.core.security import client_address
from shared_schemas.auth import LoginRequest, LogoutRequest, RefreshRequest, TokenPair


@post(
    "/login",
    operation_id="Login",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_200_OK,
    opt={PUBLIC: True},
)
async def login(
    data: JSONBody[LoginRequest], request: Request[Any, Any, Any], state: State
) -> TokenPair:
    """Sign in with email and password."""
    address = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        state.settings.trusted_proxies,
    )
    return await service.login(data.email, data.password, address, state.settings, state.signer)


@post(
    "/refresh",
    operation_id="RefreshSession",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_200_OK,
    opt={PUBLIC: True},
)
async def refresh(data: JSONBody[RefreshRequest], state: State) -> TokenPair:
    """Exchange a refresh token for a new token pair (the old refresh token stops working)."""
    return await service.refresh(data.refresh_token, state.settings, state.signer)


@post(
    "/logout",
    operation_id="Logout",
    responses=PROBLEM_RESPONSES,
    status_code=HTTP_204_NO_CONTENT,
    opt={PUBLIC: True},
)
async def logout(data: JSONBody[LogoutRequest]) -> None:
    """End this sign-in on every device that shares it."""
    await service.logout(data.refresh_token)


router = Router(path="/api/auth", route_handlers=[login, refresh, logout], tags=["auth"])
