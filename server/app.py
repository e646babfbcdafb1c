"""The application factory."""

from __future__ import annotations

import msgspec
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.types import ASGIApp, Receive, Scope, Send
from pydantic import BaseModel

from server import db
from server.alerts.routes import router as alerts_router
from server.audit.routes import router as audit_router
from server.auth.middleware import BearerAuthMiddleware, current_principal
from server.auth.routes import router as auth_router
from server.checkins.routes import router as checkins_router
from server.core import health, static
from server.core.access import PUBLIC
from server.core.errors import EXCEPTION_HANDLERS, ProblemError
from server.core.headers import complete_allow_header, security_headers
from server.core.security import TokenSigner
from server.feedback.routes import router as feedback_router
from server.goals.routes import router as goals_router
from server.jobs import Background
from server.org.routes import router as org_router
from server.privacy.routes import router as privacy_router
from server.push.routes import router as push_router
from server.push.vapid import VapidIdentity
from server.settings import Settings
from server.sync.routes import router as sync_router

API_VERSION = "0.1.0"
# Mounted in this order; the static router's catch-all comes last.
ROUTERS = [
    health.router,
    auth_router,
    org_router,
    audit_router,
    privacy_router,
    goals_router,
    feedback_router,
    checkins_router,
    sync_router,
    push_router,
    alerts_router,
    static.router,
]


def _one_connection_per_request(app: ASGIApp) -> ASGIApp:
    """Outermost, so the principal's read already uses the request's connection."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        async with db.one_connection_per_request():
            await app(scope, receive, send)

    return middleware


def _refuse_nul_in_address(app: ASGIApp) -> ASGIApp:
    """PostgreSQL cannot hold the NUL character in text: an address carrying one (`%00` in
    the query, or decoded into the path) is refused before any query sees it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            raise ProblemError(
                400, "validation_failed", "The address holds a character that is not allowed."
            )
        await app(scope, receive, send)

    return middleware


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    engine = db.build_engine(settings)
    db.bind(engine)

    async def open_pool() -> None:
        await db.open_pool(engine, settings.database_pool_size)

    async def close_pool() -> None:
        await db.close_pool(engine)

    # Sends the push outbox while the server runs (not in tests, which send it themselves).
    background = Background(settings)

    app = Litestar(
        route_handlers=ROUTERS,
        state=State(
            {
                "settings": settings,
                "engine": engine,
                "signer": TokenSigner.from_settings(settings),
                "vapid": VapidIdentity.from_settings(settings),
            }
        ),
        dependencies={"principal": Provide(current_principal, sync_to_thread=False)},
        middleware=[
            _refuse_nul_in_address,
            _one_connection_per_request,
            DefineMiddleware(
                BearerAuthMiddleware, exclude=["^/schema"], exclude_from_auth_key=PUBLIC
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        type_encoders={BaseModel: _encoded_by_pydantic},
        before_send=[security_headers(settings.served_over_https), complete_allow_header],
        request_max_body_size=settings.max_request_body_bytes,
        on_startup=[open_pool, background.start],
        on_shutdown=[background.stop, close_pool],
        openapi_config=OpenAPIConfig(
            title="Tandem API",
            version=API_VERSION,
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        debug=False,
    )
    _close_body_schemas(app)
    return app


def _encoded_by_pydantic(model: BaseModel) -> msgspec.Raw:
    """A response model as JSON, written by pydantic's own serializer and placed as is.
    Litestar's default turns each model into Python dicts and lists first, then encodes
    those: a tenth of the process's time under the sync pull's load, for the same bytes."""
    return msgspec.Raw(model.model_dump_json())


def _close_body_schemas(app: Litestar) -> None:
    """Every body is a pydantic model holding exactly its fields (write models forbid unknown
    ones, read models are built field by field), but Litestar's generator leaves the objects
    open in the OpenAPI document. Closed, the document says what is true: a field beyond the
    schema is refused in a request and, in a response, would be a leak that schema checks
    (schemathesis, the authorization matrix) catch."""
    for schema in (app.openapi_schema.components.schemas or {}).values():
        if schema.properties is not None:
            schema.additional_properties = False
