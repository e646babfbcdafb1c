from __future__ import annotations

from typing import Annotated

from litestar import MediaType, Response, Router, get, put
from litestar.params import JSONBody, QueryParameter

from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.privacy import queries, summary
from shared_schemas.org import Locale
from shared_schemas.privacy import DataAudienceRead, MyDataExport, RetentionRead, RetentionUpdate


@get("/api/me/data-audience", operation_id="GetMyDataAudience", responses=PROBLEM_RESPONSES)
async def get_my_data_audience(principal: CurrentPrincipal) -> DataAudienceRead:
    """Who can see each kind of record about me, and who that is today: worked out from the
    same rules that decide every read."""
    return await queries.data_audience(principal)


def _download(export: MyDataExport, extension: str) -> dict[str, str]:
    day = export.exported_at.date().isoformat()
    return {"Content-Disposition": f'attachment; filename="tandem-my-data-{day}.{extension}"'}


@get("/api/me/export", operation_id="ExportMyData", responses=PROBLEM_RESPONSES)
async def export_my_data(principal: CurrentPrincipal) -> Response[MyDataExport]:
    """Everything Tandem holds about me, as one machine-readable file (GDPR art. 15 and 20,
    PIPL art. 45): my profile, goals with their history, check-ins, recognition and feedback
    received and given, alerts, notifications and who viewed my data. Other people's private
    notes are not in it."""
    export = await queries.my_data(principal)
    return Response(export, headers=_download(export, "json"))


@get(
    "/api/me/export/summary",
    operation_id="ExportMyDataSummary",
    media_type=MediaType.HTML,
    responses=PROBLEM_RESPONSES,
)
async def export_my_data_summary(
    principal: CurrentPrincipal, locale: Annotated[Locale | None, QueryParameter()] = None
) -> Response[str]:
    """The same data as one readable page to open on a phone or print, in `locale` (the
    app's language), else in mine."""
    export = await queries.my_data(principal)
    page = summary.render(export, locale or export.profile.locale)
    return Response(page, headers=_download(export, "html"))


@get("/api/privacy/retention", operation_id="GetRetention", responses=PROBLEM_RESPONSES)
async def get_retention(principal: CurrentPrincipal) -> RetentionRead:
    """How long each kind of record is kept before the purge deletes it (HR and admins)."""
    return await queries.retention(principal)


@put("/api/privacy/retention", operation_id="SetRetention", responses=PROBLEM_RESPONSES)
async def set_retention(
    principal: CurrentPrincipal, data: JSONBody[RetentionUpdate]
) -> RetentionRead:
    """Company-wide HR set how long the kinds named are kept (`days`: null keeps them until
    deleted), never shorter than each kind's minimum. The purge applies it within hours."""
    return await queries.set_retention(principal, data)


router = Router(
    path="/",
    route_handlers=[
        get_my_data_audience,
        export_my_data,
        export_my_data_summary,
        get_retention,
        set_retention,
    ],
    tags=["privacy"],
)
