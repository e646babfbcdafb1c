from __future__ import annotations

from litestar import Router, get

from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.privacy import queries
from shared_schemas.privacy import DataAudienceRead


@get("/api/me/data-audience", operation_id="GetMyDataAudience", responses=PROBLEM_RESPONSES)
async def get_my_data_audience(principal: CurrentPrincipal) -> DataAudienceRead:
    """Who can see each kind of record about me, and who that is today: worked out from the
    same rules that decide every read."""
    return await queries.data_audience(principal)


router = Router(path="/", route_handlers=[get_my_data_audience], tags=["privacy"])
