from __future__ import annotations

from typing import Annotated, Literal

from litestar import Router, delete, get, post, put
from litestar.datastructures import State
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from server.auth.middleware import CurrentPrincipal
from server.core.errors import PROBLEM_RESPONSES
from server.core.pagination import DEFAULT_LIMIT, Cursor, Limit
from server.push import queries
from shared_schemas.push import (
    NotificationPage,
    NotificationPreferences,
    NotificationPreferencesUpdate,
    NotificationsRead,
    SubscriptionIn,
    VapidPublicKey,
)


@get("/api/push/vapid-public-key", operation_id="GetVapidPublicKey", responses=PROBLEM_RESPONSES)
async def get_vapid_public_key(principal: CurrentPrincipal, state: State) -> VapidPublicKey:
    """The key the app passes to `pushManager.subscribe`."""
    return VapidPublicKey(application_server_key=state.vapid.application_server_key)


@put(
    "/api/push/subscription",
    operation_id="SavePushSubscription",
    status_code=HTTP_204_NO_CONTENT,
    responses=PROBLEM_RESPONSES,
)
async def save_push_subscription(
    principal: CurrentPrincipal, data: JSONBody[SubscriptionIn]
) -> None:
    """This device's subscription, sent at every start (upserted by endpoint)."""
    await queries.save_subscription(principal, data)


@delete(
    "/api/push/subscription",
    operation_id="RemovePushSubscription",
    status_code=HTTP_204_NO_CONTENT,
    responses=PROBLEM_RESPONSES,
)
async def remove_push_subscription(
    principal: CurrentPrincipal, endpoint: Annotated[str, QueryParameter(max_length=1000)]
) -> None:
    """Stop pushing to this device (the person turned notifications off)."""
    await queries.remove_subscription(principal, endpoint)


@get("/api/me/notifications", operation_id="ListMyNotifications", responses=PROBLEM_RESPONSES)
async def list_my_notifications(
    principal: CurrentPrincipal,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
    locale: Annotated[Literal["zh-CN", "en"] | None, QueryParameter()] = None,
) -> NotificationPage:
    """My inbox, newest first, with the number unread; texts in `locale` (the app's
    language), else in mine."""
    return await queries.list_notifications(principal, cursor, limit, locale)


@post(
    "/api/me/notifications/read",
    operation_id="MarkNotificationsRead",
    status_code=HTTP_204_NO_CONTENT,
    responses=PROBLEM_RESPONSES,
)
async def mark_notifications_read(
    principal: CurrentPrincipal, data: JSONBody[NotificationsRead]
) -> None:
    await queries.mark_read(principal, data.ids)


@get(
    "/api/me/notification-preferences",
    operation_id="GetNotificationPreferences",
    responses=PROBLEM_RESPONSES,
)
async def get_notification_preferences(principal: CurrentPrincipal) -> NotificationPreferences:
    return await queries.get_preferences(principal)


@put(
    "/api/me/notification-preferences",
    operation_id="SaveNotificationPreferences",
    status_code=HTTP_200_OK,
    responses=PROBLEM_RESPONSES,
)
async def save_notification_preferences(
    principal: CurrentPrincipal, data: JSONBody[NotificationPreferencesUpdate]
) -> NotificationPreferences:
    """Quiet hours: pushes that can wait are held until they end (urgent ones are not)."""
    return await queries.save_preferences(principal, data)


router = Router(
    path="/",
    route_handlers=[
        get_vapid_public_key,
        save_push_subscription,
        remove_push_subscription,
        list_my_notifications,
        mark_notifications_read,
        get_notification_preferences,
        save_notification_preferences,
    ],
    tags=["notifications"],
)
